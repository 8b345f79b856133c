# The compiled module (_columns.c): its functions read any buffer, numpy arrays included.
from typing import TypeAlias

import numpy as np
from typing_extensions import Buffer

_Values: TypeAlias = np.ndarray | Buffer

def number_candidates(
    values: _Values, threshold: int | None, capacity: int, cut_first: bool
) -> bytes: ...
def text_candidates(
    offsets: Buffer,
    data: Buffer,
    first: int,
    count: int,
    threshold: int | None,
    capacity: int,
    cut_first: bool,
) -> bytes: ...
def number_figures(values: _Values) -> tuple[int, int, float, float]: ...
def squared_deviations(values: _Values, mean: float) -> float: ...
