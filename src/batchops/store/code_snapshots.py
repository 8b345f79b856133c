"""Processing code kept in the artifact store by its content: `code/<sha256>/<file name>`.

A stored definition names a step's script by this reference, not by where the script lay on
the machine that stored it, so the same pipeline stores the same definition from any host,
home, working folder or virtual environment; and a run executes the bytes that were stored,
whatever happened to the file since. (SageMaker's SDK uploads a step's code the same way, to
an S3 key holding its hash.) Snapshots are written once and never change: a script that
changes is a new snapshot under its new digest.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from batchops.errors import InvalidInput, NotFound
from batchops.settings import get_settings
from batchops.store import artifacts

FOLDER = "code"
_REFERENCE = re.compile(r"code/(?P<sha256>[0-9a-f]{64})/(?P<name>[^/]+)")


@dataclass(frozen=True)
class CodeSnapshot:
    """A script's bytes and the reference a definition stores for them."""

    name: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def reference(self) -> str:
        return f"{FOLDER}/{self.sha256}/{self.name}"


def read_snapshot(path: str | Path) -> CodeSnapshot:
    """The script at `path`, read now (InvalidInput when it is not a file)."""
    script = Path(path).expanduser()
    try:
        return CodeSnapshot(script.name, script.read_bytes())
    except OSError as error:
        raise InvalidInput(f"cannot read the code {script}: {error.strerror or error}") from None


def save_snapshot(snapshot: CodeSnapshot) -> str:
    """Keep the snapshot in the artifact store (once: an existing one is the same bytes)."""
    uri = artifacts.join(artifacts.artifacts_root(), snapshot.reference)
    if not artifacts.exists(uri):
        artifacts.write_bytes(uri, snapshot.content)
    return uri


def is_snapshot_reference(code: str) -> bool:
    """Whether `code` is a snapshot's reference (`code/<sha256>/<name>`), not a path or URI."""
    return _REFERENCE.fullmatch(code) is not None


def snapshot_exists(reference: str) -> bool:
    """Whether the artifact store holds the snapshot `code/<sha256>/<name>`."""
    if _REFERENCE.fullmatch(reference) is None:
        return False
    return artifacts.exists(artifacts.join(artifacts.artifacts_root(), reference))


def code_location(code: str) -> str:
    """Where the code a definition names lies: its snapshot's URI in this host's artifact
    store (NotFound when it is not there) or, in a definition stored before snapshots, the
    script's own path."""
    if not is_snapshot_reference(code):
        return code
    uri = artifacts.join(artifacts.artifacts_root(), code)
    if not artifacts.exists(uri):
        raise NotFound(
            f"code {code} is not in the artifact store {artifacts.artifacts_root()}; "
            "upserting the pipeline from its Python definition stores it"
        )
    return uri


def snapshot_bytes(reference: str) -> bytes:
    """The bytes of the snapshot `code/<sha256>/<name>`, read from the artifact store (local
    or remote, nothing copied) and checked against their digest."""
    found = _REFERENCE.fullmatch(reference)
    if found is None:
        raise InvalidInput(f"{reference!r} is not a code snapshot's reference")
    uri = code_location(reference)
    data = artifacts.read_bytes(uri)
    if hashlib.sha256(data).hexdigest() != found["sha256"]:
        raise InvalidInput(
            f"code {reference} at {uri} no longer matches its digest; it was changed"
        )
    return data


def local_code(code: str) -> Path:
    """A local file holding the code a definition names (a function step imports it from
    there): a snapshot's bytes, checked against their digest (copied out of a remote artifact
    store into the home's cache first), or, in a definition stored before snapshots, the
    script's own path."""
    if _REFERENCE.fullmatch(code) is None:
        path = Path(code)
        if not path.is_file():
            raise InvalidInput(f"script {code} does not exist")
        return path
    uri = artifacts.join(artifacts.artifacts_root(), code)
    if artifacts.is_local(uri):
        snapshot_bytes(code)  # present and unchanged
        return artifacts.local_path(uri)
    target = get_settings().home / "cache" / code
    if not target.is_file():
        artifacts.write_bytes(target, snapshot_bytes(code))
    return target
