"""Which of Model Monitor's types (Integral, Fractional, String, Unknown) a column holds.

Deequ, which Model Monitor runs, types each value by its text: `^[-+]? ?\\d+$` is Integral,
a number with a fraction or an exponent is Fractional, anything else String (`true`/`false`
are Deequ's Boolean, which Model Monitor does not report; they count as String here), nulls
Unknown. A column is String as soon as one value is String, else Fractional as soon as one value
is Fractional, else Integral; all-null is Unknown.

Numbers mostly arrive already parsed (the CSV reader parses a column as float64 when its first
block is numeric), so Integral versus Fractional is decided by the column's first block as Arrow
saw its text, and afterwards per value by whether it is a whole number. Text columns are typed
value by value with the patterns above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from batchops.data import arrow_buffers
from batchops.monitor import _columns

INTEGRAL = "Integral"
FRACTIONAL = "Fractional"
STRING = "String"
UNKNOWN = "Unknown"
TYPES = (INTEGRAL, FRACTIONAL, STRING, UNKNOWN)
NUMERIC = (INTEGRAL, FRACTIONAL)

NUMBER_PATTERN = r"^[-+]? ?\d+(\.\d+)?([Ee][-+]?\d+)?$"
INTEGER_PATTERN = r"^[-+]? ?\d+$"

_NUMBER_TEXT = re.compile(NUMBER_PATTERN)


def looks_like_number(text: str) -> bool:
    """Does one value's text read as a number to Deequ? (Columns go through `split_text`.)"""
    return _NUMBER_TEXT.match(text) is not None


@dataclass
class TypeCounts:
    """How many values of a column had each type."""

    missing: int = 0
    integral: int = 0
    fractional: int = 0
    text: int = 0

    def add(self, other: TypeCounts) -> None:
        self.missing += other.missing
        self.integral += other.integral
        self.fractional += other.fractional
        self.text += other.text

    @property
    def present(self) -> int:
        return self.integral + self.fractional + self.text

    def inferred_type(self) -> str:
        if self.present == 0:
            return UNKNOWN
        if self.text:
            return STRING
        if self.fractional:
            return FRACTIONAL
        return INTEGRAL

    def share_of(self, expected: str, numbers_are_text: bool = False) -> float | None:
        """Share of present values that fit the `expected` type; None when nothing is present.

        An integer fits Fractional (a Fractional column that happens to hold 5 and 6 today is
        not broken). For String, numbers fit only when the baseline's own values mixed numbers
        and text (`numbers_are_text`); otherwise a String column turning numeric is flagged.
        """
        present = self.present
        if present == 0:
            return None
        if expected == INTEGRAL:
            fitting = self.integral
        elif expected == FRACTIONAL:
            fitting = self.integral + self.fractional
        elif expected == STRING:
            fitting = present if numbers_are_text else self.text
        else:
            fitting = present
        return fitting / present


@dataclass
class NumberSplit:
    """Finite numbers of a float64 column, the type counts of its present values, and the
    numbers' range (inf and -inf when there are none)."""

    values: np.ndarray
    counts: TypeCounts
    minimum: float
    maximum: float


def split_numbers(values: np.ndarray, distinguish_whole: bool) -> NumberSplit:
    """Type the present values of a parsed numeric column (one compiled pass).

    NaN and infinities can only come from text such as `nan` or `inf`, which Deequ types as
    String; they are counted so and left out of the numbers.
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    nonfinite, whole, minimum, maximum = _columns.number_figures(values)
    if nonfinite:
        values = values[np.isfinite(values)]
    if distinguish_whole:
        counts = TypeCounts(integral=whole, fractional=len(values) - whole, text=nonfinite)
    else:
        counts = TypeCounts(fractional=len(values), text=nonfinite)
    return NumberSplit(values, counts, minimum, maximum)


@dataclass
class TextSplit:
    """Per value of a text array: does it look like a number, an integer, and its value."""

    is_number: np.ndarray
    is_integer: np.ndarray
    numbers: np.ndarray


def split_text(values: pa.Array) -> TextSplit:
    """Type each value of a (null-free) string array with Deequ's patterns."""
    is_number = pc.match_substring_regex(values, NUMBER_PATTERN)
    looks_numeric = arrow_buffers.flags(is_number)
    if not looks_numeric.any():
        none = np.zeros(len(values), dtype=bool)
        return TextSplit(none, none, np.empty(0))
    numeric_text = pc.filter(values, is_number)
    is_integer = pc.match_substring_regex(numeric_text, INTEGER_PATTERN)
    integer_flags = np.zeros(len(values), dtype=bool)
    integer_flags[looks_numeric] = arrow_buffers.flags(is_integer)
    cleaned = pc.replace_substring(pc.utf8_ltrim(numeric_text, "+"), " ", "")
    numbers = arrow_buffers.values(pc.cast(cleaned, pa.float64()))
    return TextSplit(looks_numeric, integer_flags, numbers)
