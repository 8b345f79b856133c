"""Step caching: the same step type, arguments, code and input contents reuse an earlier run.

Input contents are fingerprinted by each local file's size and modification time (not read
in full, so a 10 GB input costs nothing to fingerprint); remote inputs by their URI and the
ETag/size the filesystem reports.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from batchops.pipeline.steps.base import parse_iso_duration
from batchops.store import artifacts


def _local_files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
    elif path.is_dir():
        for root, _dirs, files in sorted(os.walk(path)):
            for name in sorted(files):
                yield Path(root) / name


def _fingerprint(value: Any) -> Any:
    """Replace every string that names an existing local path by a description of its files."""
    if isinstance(value, dict):
        return {k: _fingerprint(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fingerprint(v) for v in value]
    if isinstance(value, str) and artifacts.is_local(value) and value.startswith("/"):
        path = artifacts.local_path(value)
        if path.exists():
            entries: list[Any] = []
            for file in _local_files(path):
                stat = file.stat()
                entries.append([str(file.relative_to(path)), stat.st_size, stat.st_mtime_ns])
            if path.is_file() and path.suffix in {".py", ".json"}:
                entries.append(hashlib.sha256(path.read_bytes()).hexdigest())
            return {"path": value, "files": entries}
    return value


def cache_key(step_type: str, resolved_arguments: dict[str, Any]) -> str:
    document = {"type": step_type, "arguments": _fingerprint(resolved_arguments)}
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def not_before(config: dict[str, Any] | None, now: datetime) -> datetime | None:
    expire = (config or {}).get("ExpireAfter")
    return now - parse_iso_duration(expire) if expire else None


def enabled(config: dict[str, Any] | None) -> bool:
    return bool((config or {}).get("Enabled"))
