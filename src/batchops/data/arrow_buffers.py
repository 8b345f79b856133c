"""Arrow arrays read as numpy arrays straight from their buffers, and made from buffers.

`pyarrow.Array.to_numpy` converts through pyarrow's pandas layer, whose first use imports
pandas: 0.3 s of a data command's start spent on a library it never uses. The arrays the data
jobs hand to numpy are null-free primitives, whose buffers numpy reads as they are; an array
with nulls takes pyarrow's own path. `pa.array` and `pa.scalar` of Python or numpy values go
through that layer too, so arrays the jobs make are built from buffers here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

_DTYPES: dict[pa.DataType, type[np.generic]] = {
    pa.float64(): np.float64,
    pa.float32(): np.float32,
    pa.int64(): np.int64,
    pa.int32(): np.int32,
    pa.uint64(): np.uint64,
    pa.uint32(): np.uint32,
}


def values(array: pa.Array) -> np.ndarray:
    """The values of a fixed-width numeric array (a read-only view when it has no nulls)."""
    dtype = _DTYPES.get(array.type)
    if dtype is None or array.null_count:
        return np.asarray(array.to_numpy(zero_copy_only=False))
    if not len(array):
        return np.empty(0, dtype=dtype)
    return np.frombuffer(
        array.buffers()[1],
        dtype=dtype,
        count=len(array),
        offset=array.offset * np.dtype(dtype).itemsize,
    )


def flags(array: pa.Array) -> np.ndarray:
    """A boolean array's values as numpy booleans (its bits unpacked)."""
    if not pa.types.is_boolean(array.type) or array.null_count:
        return np.asarray(array.to_numpy(zero_copy_only=False), dtype=bool)
    if not len(array):
        return np.zeros(0, dtype=bool)
    packed = np.frombuffer(array.buffers()[1], dtype=np.uint8)
    bits = np.unpackbits(packed, count=array.offset + len(array), bitorder="little")
    return bits[array.offset :].view(bool)


def array(values: np.ndarray) -> pa.Array:
    """A numpy array of a fixed-width number type as an Arrow array over the same memory."""
    for arrow_type, dtype in _DTYPES.items():
        if values.dtype == dtype and values.ndim == 1:
            contiguous = np.ascontiguousarray(values)
            return pa.Array.from_buffers(
                arrow_type, len(contiguous), [None, pa.py_buffer(contiguous)]
            )
    return pa.array(values)


def strings(texts: Sequence[str]) -> pa.Array:
    """Python strings as an Arrow string array, its offsets and bytes built here."""
    encoded = [text.encode("utf-8") for text in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(item) for item in encoded], out=offsets[1:])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(pa.string(), len(encoded), buffers)
