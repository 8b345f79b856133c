"""The scheduler's structured log: one JSON object per line in `<home>/logs/scheduler.jsonl`,
for every tick, rule match, delivery and alarm transition (`batchops scheduler logs`)."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from batchops.settings import get_settings
from batchops.store.schema import utcnow

_lock = threading.Lock()


def log_path() -> Path:
    return get_settings().home / "logs" / "scheduler.jsonl"


def log(kind: str, message: str, **fields: Any) -> None:
    entry = {"at": utcnow().isoformat(), "kind": kind, "message": message, **fields}
    line = json.dumps(entry, default=str) + "\n"
    path = log_path()
    with _lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line)


def read_log(
    kind: str | None = None, since: datetime | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Entries oldest first, optionally of one kind and from a moment on; the last `limit`."""
    path = log_path()
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a crash
        if kind and entry.get("kind") != kind:
            continue
        if since and datetime.fromisoformat(entry["at"]) < since:
            continue
        found.append(entry)
    return found[-limit:] if limit else found
