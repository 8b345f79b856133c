"""Counts in messages people read: `1 row`, `2,000 rows`."""

from __future__ import annotations


def counted(count: int, noun: str) -> str:
    """`count` with thousands separators and the noun in the number it takes (regular plurals;
    no caller needs another yet)."""
    return f"{count:,} {noun if count == 1 else noun + 's'}"
