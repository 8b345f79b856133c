"""Execution logs live in the artifact store, beside the outputs, so any host can read them.

Each step's log is `<execution folder>/_logs/<step>.log` and the background runner's own
output `<execution folder>/_logs/_runner.log` (step names start with a letter or digit, so no
step's log takes that name). On a local store the step writes its log in place, appending
attempt after attempt. An object store cannot append: the step writes a local copy (in its
work folder: a temporary file), which starts from the earlier attempts' text and is uploaded
whole every few seconds while it grows and once more when the attempt ends; a runner killed
outright loses at most those last seconds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from batchops.store import artifacts

UPLOAD_EVERY_SECONDS = 5.0
RUNNER_LOG = "_runner.log"


def log_folder_uri(pipeline: str, execution_id: str) -> str:
    return artifacts.join(artifacts.execution_output_uri(pipeline, execution_id), "_logs")


def step_log_uri(pipeline: str, execution_id: str, step: str) -> str:
    return artifacts.join(log_folder_uri(pipeline, execution_id), f"{step}.log")


def runner_log_uri(pipeline: str, execution_id: str) -> str:
    return artifacts.join(log_folder_uri(pipeline, execution_id), RUNNER_LOG)


def read_log(uri: str) -> str | None:
    """A log's text, or None when there is none (a step that never ran, a removed file)."""
    if not artifacts.exists(uri):
        return None
    return artifacts.read_bytes(uri).decode("utf-8", errors="replace")


@contextmanager
def open_step_log(uri: str, local_copy: Path) -> Iterator[IO[str]]:
    """The step's log opened for appending; kept at `uri` (uploaded from `local_copy`, in
    its place, when the store is remote)."""
    if artifacts.is_local(uri):
        path = artifacts.local_path(uri)
        artifacts.make_folder(path.parent)
        with open(path, "a", encoding="utf-8") as handle:
            yield handle
        return
    local_copy.parent.mkdir(parents=True, exist_ok=True)
    earlier = read_log(uri)
    local_copy.write_text(earlier or "", encoding="utf-8")
    uploader = _Uploader(local_copy, uri)
    try:
        with open(local_copy, "a", encoding="utf-8") as handle:
            uploader.start()
            try:
                yield handle
            finally:
                uploader.stop()
                handle.flush()
        uploader.upload()
    finally:
        local_copy.unlink(missing_ok=True)


class _Uploader:
    """Uploads a growing local log to the store every few seconds while a step runs."""

    def __init__(self, local: Path, uri: str) -> None:
        self.local = local
        self.uri = uri
        self._sent = -1
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="log-upload")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(UPLOAD_EVERY_SECONDS):
            try:
                self.upload()
            except Exception:  # a slow or briefly unreachable store: the next tick tries again
                continue

    def upload(self) -> None:
        with self._lock:
            data = self.local.read_bytes()
            if len(data) != self._sent:
                artifacts.write_bytes(self.uri, data)
                self._sent = len(data)


def keep_runner_output(local: Path, uri: str) -> None:
    """Keep what a background runner printed (normally nothing; a trace when it crashed)
    with the execution's logs, and remove the local file."""
    try:
        data = local.read_bytes()
    except OSError:
        return
    if data.strip():
        earlier = read_log(uri) or ""
        artifacts.write_bytes(uri, earlier.encode("utf-8") + data)
    local.unlink(missing_ok=True)
