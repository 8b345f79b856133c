"""Reading JSON that came from elsewhere (an archive, an upload), within bounds.

Python's parser has no size limit and raises RecursionError on deeply nested input; a file
from outside must fail as bad input naming the file, never as a traceback or a memory blow-up.
"""

from __future__ import annotations

import json
from typing import Any

from batchops.errors import InvalidInput


def parse_json(data: str | bytes, source: str, *, max_bytes: int, unique_keys: bool = False) -> Any:
    """The document in `data`; `unique_keys` refuses an object naming a key twice (readers
    disagree on which value wins, so a checker and a loader could see different documents)."""
    if len(data) > max_bytes:
        raise InvalidInput(
            f"{source}: {len(data)} bytes of JSON, more than the {max_bytes} allowed"
        )
    hook = _unique_object if unique_keys else None
    try:
        return json.loads(data, object_pairs_hook=hook)
    except RecursionError:
        raise InvalidInput(f"{source}: JSON nested too deeply") from None
    except _DuplicateKey as exc:
        raise InvalidInput(f"{source}: key {exc.key!r} appears twice in one JSON object") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise InvalidInput(f"{source}: not valid JSON ({_short(str(exc))})") from None


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = _short(key)


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
