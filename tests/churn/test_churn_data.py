"""The synthetic churn generator: the published file's shape, determinism, streaming, bad input."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from batchops.errors import InvalidInput
from batchops.examples.churn import write_churn_csv

# The header of the walkthrough's churn.txt, and its first data row (as published).
PUBLISHED_HEADER = (
    "State,Account Length,Area Code,Phone,Int'l Plan,VMail Plan,VMail Message,Day Mins,"
    "Day Calls,Day Charge,Eve Mins,Eve Calls,Eve Charge,Night Mins,Night Calls,Night Charge,"
    "Intl Mins,Intl Calls,Intl Charge,CustServ Calls,Churn?"
)
MINUTES_AND_CHARGES = [
    "Day Mins", "Day Charge", "Eve Mins", "Eve Charge",
    "Night Mins", "Night Charge", "Intl Mins", "Intl Charge",
]  # fmt: skip


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema_length=None)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = write_churn_csv(tmp_path / "a.csv", 3000, seed=4).read_bytes()
    b = write_churn_csv(tmp_path / "b.csv", 3000, seed=4).read_bytes()
    c = write_churn_csv(tmp_path / "c.csv", 3000, seed=5).read_bytes()
    assert a == b
    assert a != c
    # rows, not just bytes, differ between seeds
    assert len(set(a.splitlines()[1:]) & set(c.splitlines()[1:])) == 0


def test_a_shorter_file_is_a_prefix_of_a_longer_one(tmp_path: Path) -> None:
    short = write_churn_csv(tmp_path / "short.csv", 120, seed=9).read_bytes()
    long = write_churn_csv(tmp_path / "long.csv", 100_500, seed=9).read_bytes()
    assert long.startswith(short)
    assert len(long.splitlines()) == 100_501


def test_header_and_value_formats_match_the_published_file(churn_5000: Path) -> None:
    lines = churn_5000.read_text().splitlines()
    assert lines[0] == PUBLISHED_HEADER
    assert len(lines) == 5001
    # like PA,163,806,403-2562,no,yes,300,8.1622040217391,3,7.579173703343681,...,3,True.
    number = r"\d+\.\d+(?:e-?\d+)?"
    row = re.compile(
        rf"^[A-Z]{{2}},\d+,\d{{3}},\d{{3}}-\d{{4}},(yes|no),(yes|no),\d+,{number},\d+,{number},"
        rf"{number},\d+,{number},{number},\d+,{number},{number},\d+,{number},\d+,(True|False)\.$"
    )
    assert all(row.match(line) for line in lines[1:]), next(
        line for line in lines[1:] if not row.match(line)
    )
    # full precision, as the published file has it (e.g. 8.1622040217391)
    day_mins = [line.split(",")[7] for line in lines[1:200]]
    assert np.mean([len(v.split(".")[1]) for v in day_mins]) > 12


def test_published_facts(churn_5000: Path) -> None:
    df = _read(churn_5000)
    assert df.height == 5000
    assert df["State"].n_unique() == 51
    codes = df["Area Code"]
    assert codes.dtype.is_integer() and codes.n_unique() == 33
    assert codes.min() == 657 and codes.max() == 878
    # the area code is a function of the state, as in the published file
    assert df.group_by("State").agg(pl.col("Area Code").n_unique())["Area Code"].max() == 1
    assert df["Phone"].n_unique() == 5000
    for plan in ("Int'l Plan", "VMail Plan"):
        assert set(df[plan].unique()) == {"yes", "no"}
        assert 0.45 < (df[plan] == "yes").mean() < 0.55  # type: ignore[operator]
    assert df["Account Length"].min() >= 1 and df["Account Length"].max() <= 200
    vmail = df["VMail Message"].to_numpy()
    assert (vmail % 100 == 0).all() and vmail.min() == 0 and vmail.max() <= 1300
    assert (vmail[(df["VMail Plan"] == "no").to_numpy()] == 0).all()
    night_calls = df["Night Calls"].to_numpy()
    assert (night_calls % 50 == 0).all() and night_calls.min() >= 0 and night_calls.max() <= 550
    for column, top in {
        "Day Calls": 10,
        "Eve Calls": 14,
        "Intl Calls": 12,
        "CustServ Calls": 13,
    }.items():
        assert df[column].dtype.is_integer()
        assert df[column].min() >= 0 and df[column].max() <= top  # type: ignore[operator]
    for column in MINUTES_AND_CHARGES:
        values = df[column].to_numpy()
        assert df[column].dtype == pl.Float64 and (values >= 0).all()
        assert np.quantile(values, 0.99) < 17
    means = {c: df[c].mean() for c in ("Day Mins", "Eve Mins", "Night Mins", "Intl Mins")}
    assert means == pytest.approx(
        {"Day Mins": 5.5, "Eve Mins": 5.0, "Night Mins": 4.0, "Intl Mins": 5.0}, abs=0.3
    )
    assert set(df["Churn?"].unique()) == {"True.", "False."}
    assert 0.46 < (df["Churn?"] == "True.").mean() < 0.54  # type: ignore[operator]


def test_churn_goes_with_the_documented_columns(churn_5000: Path) -> None:
    df = _read(churn_5000)
    churned = df.filter(pl.col("Churn?") == "True.")
    stayed = df.filter(pl.col("Churn?") == "False.")
    for column in (
        "Day Mins",
        "Eve Mins",
        "Day Charge",
        "Eve Charge",
        "Night Charge",
        "Intl Charge",
    ):
        assert churned[column].mean() > stayed[column].mean() + 0.5, column  # type: ignore[operator]
    for column in ("Night Calls", "VMail Message", "Eve Calls"):
        assert churned[column].mean() < stayed[column].mean(), column  # type: ignore[operator]
    for column in ("Account Length", "Area Code"):  # unrelated, as in the published file
        gap = abs(churned[column].mean() - stayed[column].mean())  # type: ignore[operator]
        assert gap < 0.2 * df[column].std(), column  # type: ignore[operator]


def test_phones_are_a_permutation_of_all_ten_million_numbers() -> None:
    from batchops.examples.churn.data import PHONE_SPACE, _phone_keys, _phone_numbers

    numbers = _phone_numbers(np.arange(PHONE_SPACE), _phone_keys(3))
    assert numbers.min() == 0 and numbers.max() == PHONE_SPACE - 1
    assert (np.bincount(numbers, minlength=PHONE_SPACE) == 1).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rows": 0}, "at least 1"),
        ({"rows": -5}, "at least 1"),
        ({"rows": 10_000_001}, "10,000,000"),
        ({"seed": -1}, "seed"),
        ({"drift": "wobble"}, "shift, new-category, missing, drop-column, extra-column"),
    ],
)
def test_bad_arguments_are_refused_and_write_nothing(
    tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(InvalidInput, match=message):
        write_churn_csv(target, **kwargs)  # type: ignore[arg-type]
    assert not target.exists()


def test_a_failed_write_keeps_the_earlier_file(tmp_path: Path) -> None:
    target = write_churn_csv(tmp_path / "out.csv", 50, seed=1)
    before = target.read_bytes()
    with pytest.raises(InvalidInput):
        write_churn_csv(target, 50, seed=1, drift="nope")
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


_PEAK_RSS = """
import resource, sys
from batchops.examples.churn import write_churn_csv
write_churn_csv(sys.argv[1], int(sys.argv[2]), seed=1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_rss_kib(path: Path, rows: int) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, str(path), str(rows)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return int(done.stdout.strip())


def test_memory_does_not_grow_with_rows(tmp_path: Path) -> None:
    small = _peak_rss_kib(tmp_path / "small.csv", 20_000)
    large = _peak_rss_kib(tmp_path / "large.csv", 1_000_000)
    size = (tmp_path / "large.csv").stat().st_size
    assert size > 150 * 2**20  # holding the data would take at least this much
    assert (large - small) * 1024 < size / 3, (small, large, size)
