"""Arrow arrays to numpy and back without pyarrow's pandas layer: the same values as pyarrow's
own conversions, offsets (sliced arrays) and nulls included, and a data job that never imports
pandas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from batchops.data import arrow_buffers
from batchops.examples.churn.data import write_churn_csv


@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.uint64, np.float32])
def test_values_match_pyarrow_for_whole_and_sliced_arrays(dtype: type[np.generic]) -> None:
    whole = pa.array(np.arange(40, dtype=dtype) * 3)
    for array in (whole, whole.slice(5, 17), whole.slice(40)):
        assert np.array_equal(arrow_buffers.values(array), array.to_numpy(zero_copy_only=False))


def test_values_with_nulls_take_pyarrow_s_path() -> None:
    array = pa.array([1.5, None, 3.0])
    assert np.array_equal(arrow_buffers.values(array), [1.5, np.nan, 3.0], equal_nan=True)


def test_flags_unpack_bits_from_any_offset() -> None:
    rng = np.random.default_rng(4)
    expected = rng.random(1001) > 0.4
    array = pa.array(expected)
    for start, length in ((0, 1001), (3, 500), (13, 0), (999, 2)):
        sliced = array.slice(start, length)
        assert arrow_buffers.flags(sliced).tolist() == expected[start : start + length].tolist()


def test_an_array_over_numpy_memory_and_strings_built_from_their_bytes() -> None:
    numbers = np.array([3, 1, 3, 2], dtype=np.uint64)
    assert arrow_buffers.array(numbers).to_pylist() == [3, 1, 3, 2]
    assert arrow_buffers.array(numbers[::2]).to_pylist() == [3, 3]  # strided: copied
    texts = ["yes", "", "Día", "no"]
    built = arrow_buffers.strings(texts)
    assert built.type == pa.string() and built.to_pylist() == texts
    assert arrow_buffers.strings([]).to_pylist() == []


def test_a_baseline_and_a_check_never_import_pandas(tmp_path: Path) -> None:
    data = write_churn_csv(tmp_path / "churn.csv", 3000, seed=2)
    program = f"""
import sys
from batchops.monitor import baseline, check
baseline({str(data)!r}, {str(tmp_path / "base")!r}, workers=2)
check({str(data)!r}, statistics={str(tmp_path / "base" / "statistics.json")!r},
      constraints={str(tmp_path / "base" / "constraints.json")!r},
      out_dir={str(tmp_path / "check")!r}, workers=2)
print("pandas" in sys.modules)
"""
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
