"""An example's generated input, made once where its definition names it.

A definition names its default data under `${BATCHOPS_HOME}`; the home may be a folder or a
bucket. `write_once` makes the file only when a run is about to read it and it is not there:
written in place on disk, or made in a temporary folder and uploaded in one piece.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from batchops.store import artifacts


def write_once(uri: str, write: Callable[[Path], Path]) -> None:
    """Make the file at `uri` with `write(local path)` unless it exists."""
    if artifacts.exists(uri):
        return
    if artifacts.is_local(uri):
        write(artifacts.local_path(uri))
        return
    with tempfile.TemporaryDirectory(prefix="batchops-example-") as folder:
        artifacts.upload_file(write(Path(folder) / "data.csv"), uri)
