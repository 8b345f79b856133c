"""Putting inputs where a step's process expects them, and running that process with its log."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import threading
from pathlib import Path

from batchops.errors import InvalidInput
from batchops.runtime.context import StepFailed, Workspace
from batchops.store import artifacts, outputs


def stage(uri: str, destination: Path) -> Path:
    """Make the file or folder at `uri` visible inside `destination` (a folder).

    Local inputs are linked, not copied, so a large input costs nothing to stage. An output
    batchops wrote (a folder with a manifest) is staged only when its files match it.
    """
    destination.mkdir(parents=True, exist_ok=True)
    if not artifacts.exists(uri):
        raise InvalidInput(f"input {uri} does not exist")
    _require_complete(uri)
    if not artifacts.is_local(uri):  # an object store's files are copied here
        return artifacts.fetch(uri, destination, skip=[outputs.MANIFEST_NAME])
    source = artifacts.local_path(uri)
    if source.is_dir():
        for child in sorted(source.iterdir()):
            if child.name == outputs.MANIFEST_NAME:
                continue  # checked above; the step's process gets the data
            os.symlink(child.resolve(), destination / child.name)
    else:
        os.symlink(source.resolve(), destination / source.name)
    return destination


def _require_complete(uri: str) -> None:
    what = f"the input {uri}"
    if outputs.has_manifest(uri):
        outputs.require_complete(uri, what)
    else:
        outputs.require_complete_file(uri, what, digests=False)


def run_process(
    command: list[str],
    context: Workspace,
    *,
    env: dict[str, str],
    cwd: Path,
    program: str | None = None,
) -> None:
    """Run `command`, streaming its output into the step log; fail with the stderr tail.

    The child gets its own session, so Ctrl-C on a terminal reaches the runner only, and a
    stop terminates the child's whole process group. `program` names what runs when
    `command` wraps it (a sandbox tool, which reports a signal N as exit code 128 + N).
    """
    context.check_stopped()
    context.log("$ " + " ".join(command))
    tail: collections.deque[str] = collections.deque(maxlen=15)
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    lock = threading.Lock()

    def pump(stream: object, keep: bool) -> None:
        logging = True  # until the log cannot be written (a full disk): keep draining the pipe
        for line in stream:  # type: ignore[attr-defined]
            if logging:
                try:
                    with lock:
                        context.log_file.write(line)
                        context.log_file.flush()
                except OSError:
                    logging = False
            if keep:
                tail.append(line.rstrip("\n"))

    threads = [
        threading.Thread(target=pump, args=(process.stdout, False), daemon=True),
        threading.Thread(target=pump, args=(process.stderr, True), daemon=True),
    ]
    for thread in threads:
        thread.start()
    with context.stop.watching(process):
        context.log(f"(pid {process.pid})")
        code = process.wait()
    for thread in threads:
        thread.join()
    context.check_stopped()
    if code != 0:
        detail = "\n".join(tail) or "(no output on stderr)"
        raise StepFailed(f"{_ending(context.step_name, command, code, program)}:\n{detail}")


def _ending(step: str, command: list[str], code: int, program: str | None) -> str:
    """How the step's process ended, as a person reads it: a signal by its name."""
    if program is not None and code > 128:  # a sandbox tool's way of saying "signal N"
        code = 128 - code
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"{step} was killed by {name}"
    if program is None and len(command) > 2 and command[1] == "-m":
        program = command[2]
    elif program is None:
        program = Path(command[1] if len(command) > 1 else command[0]).name
    return f"{step} ({program}) exited with code {code}"


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    env = os.environ.copy()
    env.update({"PYTHONUNBUFFERED": "1", **extra})
    return env
