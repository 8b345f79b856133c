"""The base of every value known only when an execution runs.

It stands alone, below both the parameters and the other references (`references.py`),
because a parameter is a reference and the references decode and resolve parameters.
"""

from __future__ import annotations

from typing import Any


class Reference:
    """Base of everything that resolves at run time; serialises to its definition JSON."""

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError
