"""Texts cut to a bounded length where many records are shown at once.

Lists (executions, events, the API's pages) and the event log show values people gave and
errors the runs met. Limits on input keep new values short, but a value stored before them
(or an error that quotes a whole input) must not make every list that holds it huge: such
a text is cut to `MAX_SHOWN_CHARS` with a note of its full length. Cutting twice changes
nothing, so a list built from already abbreviated records stays as it is.
"""

from __future__ import annotations

from typing import Any

from batchops.settings import MAX_SHOWN_CHARS


def abbreviate(value: Any, limit: int = MAX_SHOWN_CHARS) -> Any:
    """`value` with every text inside it (in dicts, lists and keys too) at most `limit`
    characters long; anything else as it is."""
    if isinstance(value, str):
        return _cut(value, limit)
    if isinstance(value, dict):
        return {
            _cut(k, limit) if isinstance(k, str) else k: abbreviate(v, limit)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [abbreviate(item, limit) for item in value]
    return value


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    note = f"… [cut: {len(text)} characters]"
    return text[: max(0, limit - len(note))] + note
