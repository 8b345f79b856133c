"""Output files that appear under their name only when whole.

Each output is written under a hidden temporary sibling (`.<name>.tmp-<id>`) and renamed
when its last batch is in (for an object store: a local temporary file, uploaded whole); a
failed run removes its temporary file, and the next run removes any left by a run that was
killed outright. Each file is hashed as it is written,
for the output folder's manifest (`batchops.store.outputs`), which makes the set whole.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path
from typing import IO

from batchops.data.files import DataFile
from batchops.errors import InvalidInput
from batchops.store.artifacts import filesystem, is_local, join, local_path
from batchops.store.outputs import Digest, FileEntry

_TEMP_MARK = ".tmp-"
OUTPUT_SUFFIX = ".out"


def output_name(input: DataFile) -> str:
    """SageMaker's naming: the input's path under the input root, plus `.out`."""
    return input.relative + OUTPUT_SUFFIX


class OutputFile:
    def __init__(self, uri: str, name: str) -> None:
        self.uri = uri
        self.name = name
        self.rows = 0
        self._digest = Digest()
        self._remote: tuple[object, str] | None = None
        if is_local(uri):
            target = local_path(uri)
            target.parent.mkdir(parents=True, exist_ok=True)
            self._final = target
            self._temp = target.with_name(f".{target.name}{_TEMP_MARK}{uuid.uuid4().hex[:12]}")
        else:
            fs, path = filesystem(uri)
            self._remote = (fs, path)
            handle, name = tempfile.mkstemp(prefix="batchops-transform-", suffix=".out")
            os.close(handle)
            self._final = Path(path)
            self._temp = Path(name)
        self._handle: IO[bytes] | None = open(self._temp, "wb")  # noqa: SIM115

    def write(self, data: bytes) -> None:
        assert self._handle is not None
        self._handle.write(data)
        self._digest.update(data)

    def commit(self) -> FileEntry:
        """Publish the file under its name; its manifest entry."""
        assert self._handle is not None
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self._handle = None
        entry = self._digest.entry(self.name, self.rows)
        if self._remote is None:
            os.replace(self._temp, self._final)
            return entry
        fs, path = self._remote
        try:  # one object, visible only once its upload completes: no rename needed
            fs.put_file(str(self._temp), path)  # type: ignore[attr-defined]
        finally:
            self._temp.unlink(missing_ok=True)
        return entry

    def discard(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self._temp.unlink(missing_ok=True)


def output_uri(root: str, relative: str) -> str:
    return join(root, relative) if not is_local(root) else str(local_path(root) / relative)


def prepare_output_root(root: str) -> None:
    """Create the output folder now, so an unwritable place fails before any scoring."""
    if not is_local(root):
        return
    folder = local_path(root)
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(f"output {root} is a file; give a folder for the .out files")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".batchops-probe-"):
            pass
    except OSError as exc:
        raise InvalidInput(f"cannot write to output folder {root} ({exc.strerror})") from None


def remove_leftovers(uri: str) -> None:
    """Delete temporary files a killed earlier run left for this output."""
    if not is_local(uri):
        return
    target = local_path(uri)
    if target.parent.is_dir():
        for stale in target.parent.glob(f".{target.name}{_TEMP_MARK}*"):
            stale.unlink(missing_ok=True)
