"""Counts and durations in messages people read: `1 row`, `2,000 rows`, `2 worker processes`,
`1m05s`."""

from __future__ import annotations

_VOWELS = frozenset("aeiou")


def plural(noun: str) -> str:
    """English's regular plural of `noun`'s last word: rows, processes, deliveries, keys."""
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in _VOWELS:
        return noun[:-1] + "ies"
    return noun + "s"


def counted(count: int, noun: str) -> str:
    """`count` with thousands separators and the noun in the number it takes."""
    return f"{count:,} {noun if count == 1 else plural(noun)}"


def duration(seconds: float) -> str:
    """`42s`, `1m05s`, `2h03m`: as `execution list` and the page show how long something took."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def feature_title(column: str, labels: dict[str, str] | None = None) -> str:
    """`Day Mins (_c8)` when the model names the positional column, else the column as it is:
    Model Monitor's files keep `_cN`, people read the model's names with it beside them."""
    name = (labels or {}).get(column)
    return f"{name} ({column})" if name and name != column else column
