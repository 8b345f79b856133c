"""Count, sum, mean, spread and range of a column's numbers, mergeable across batches."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from batchops.monitor import _columns


@dataclass
class Moments:
    """Count, sum, mean and squared deviations, merged with Chan et al.'s parallel formula
    (summing squares instead would lose the spread of large numbers to rounding)."""

    count: int = 0
    total: float = 0.0
    mean: float = 0.0
    m2: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf

    @classmethod
    def of(cls, values: np.ndarray, span: tuple[float, float] | None = None) -> Moments:
        """The moments of one batch of finite float64 values; `span`: their minimum and
        maximum, when known already."""
        if not len(values):
            return cls()
        values = np.ascontiguousarray(values, dtype=np.float64)
        if span is None:
            _, _, low, high = _columns.number_figures(values)
            span = (low, high)
        with np.errstate(over="ignore"):  # an overflowing column is refused, by name, later
            total = float(values.sum())
        mean = total / len(values)  # what values.mean() gives, without a second pass
        return cls(
            count=len(values),
            total=total,
            mean=mean,
            m2=_columns.squared_deviations(values, mean),
            minimum=span[0],
            maximum=span[1],
        )

    def merge(self, other: Moments) -> None:
        if other.count == 0:
            return
        count = self.count + other.count
        delta = other.mean - self.mean
        self.m2 += other.m2 + delta * delta * self.count * other.count / count
        self.mean += delta * other.count / count
        self.count = count
        self.total += other.total
        self.minimum = min(self.minimum, other.minimum)
        self.maximum = max(self.maximum, other.maximum)

    @property
    def population_std_dev(self) -> float:
        return math.sqrt(max(self.m2, 0.0) / self.count) if self.count else 0.0
