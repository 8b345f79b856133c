"""prepare.py as the pipeline runs it, and encoding new batches with the training vocabulary."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from churn_helpers import run_script

from batchops.errors import InvalidInput
from batchops.examples.churn import prepare_batch_file, write_churn_csv

NUMERIC = [
    "Account Length", "VMail Message", "Day Mins", "Day Calls", "Eve Mins", "Eve Calls",
    "Night Mins", "Night Calls", "Intl Mins", "Intl Calls", "CustServ Calls",
]  # fmt: skip
BLOCKS = ["State", "Area Code", "Int'l Plan", "VMail Plan"]
# The first row of the walkthrough's published churn.txt.
PUBLISHED_ROW = (
    "PA,163,806,403-2562,no,yes,300,8.1622040217391,3,7.579173703343681,3.9330349941938625,4,"
    "6.508638877091394,4.065759457683862,100,5.1116239145545554,4.9281602056057885,6,"
    "5.673203040696216,3,True."
)


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def _raw_records(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _expected_row(record: dict[str, str], vocabulary: dict[str, list[str]]) -> list[str]:
    """The original's layout for one raw record, spelled out by hand."""
    row = ["1" if record["Churn?"] == "True." else "0"]
    row += [record[c] for c in NUMERIC]
    for block in BLOCKS:
        row += ["1" if record[block] == value else "0" for value in vocabulary[block]]
    return row


def _base_with(tmp_path: Path, *files: Path) -> Path:
    base = tmp_path / "job"
    (base / "input").mkdir(parents=True)
    for file in files:
        (base / "input" / file.name).symlink_to(file)
    return base


def test_layout_splits_and_vocabulary(prepared_5000: Path, churn_5000: Path) -> None:
    vocabulary = json.loads((prepared_5000 / "vocabulary" / "vocabulary.json").read_text())
    records = _raw_records(churn_5000)
    categories = vocabulary["categorical"]
    assert categories["State"] == sorted({r["State"] for r in records})
    assert len(categories["State"]) == 51
    assert categories["Area Code"] == sorted({r["Area Code"] for r in records}, key=int)
    assert categories["Int'l Plan"] == categories["VMail Plan"] == ["no", "yes"]
    assert vocabulary["numeric"] == NUMERIC
    assert vocabulary["target"] == "Churn?"
    names = vocabulary["feature_names"]
    assert names[:11] == NUMERIC
    assert names[11:13] == ["State_AK", "State_AL"]
    assert "Area Code_657" in names and names[-2:] == ["VMail Plan_no", "VMail Plan_yes"]
    assert len(names) == 11 + 51 + 33 + 2 + 2  # 99, as the original's 100-column batch files

    splits = {n: _rows(prepared_5000 / n / f"{n}.csv") for n in ("train", "validation", "test")}
    assert {n: len(r) for n, r in splits.items()} == {
        "train": 3500,
        "validation": 1000,
        "test": 500,
    }
    assert (prepared_5000 / "batch" / "batch.csv").read_bytes() == (
        prepared_5000 / "test" / "test.csv"
    ).read_bytes()

    # every raw row appears exactly once across the splits, in the original's layout
    expected = sorted(_expected_row(r, categories) for r in records)
    assert sorted(row for rows in splits.values() for row in rows) == expected
    # the rows are shuffled, not in file order
    assert splits["train"][:50] != expected[:50]
    first_rows = [_expected_row(r, categories) for r in records[:3500]]
    assert splits["train"] != first_rows


def test_one_hot_values_are_integers_one_per_block(prepared_5000: Path) -> None:
    rows = np.loadtxt(prepared_5000 / "train" / "train.csv", delimiter=",")
    assert rows.shape == (3500, 100)
    assert set(np.unique(rows[:, 0])) == {0.0, 1.0}
    one_hot = rows[:, 12:]
    assert set(np.unique(one_hot)) == {0.0, 1.0}
    for start, width in ((0, 51), (51, 33), (84, 2), (86, 2)):
        assert (one_hot[:, start : start + width].sum(axis=1) == 1).all()
    text = (prepared_5000 / "train" / "train.csv").read_text()
    assert "True" not in text and "False" not in text


def test_the_published_row_is_encoded_as_the_original_would(tmp_path: Path) -> None:
    raw = write_churn_csv(tmp_path / "ours.csv", 300, seed=5)
    published = tmp_path / "published.csv"
    published.write_text(raw.read_text() + PUBLISHED_ROW + "\n")
    base = _base_with(tmp_path, published)
    assert run_script("prepare.py", base).code == 0
    vocabulary = json.loads((base / "vocabulary" / "vocabulary.json").read_text())
    names = vocabulary["feature_names"]
    rows = [
        row
        for split in ("train", "validation", "test")
        for row in _rows(base / split / f"{split}.csv")
    ]
    row = next(r for r in rows if r[3] == "8.1622040217391")
    assert row[:12] == [
        "1", "163", "300", "8.1622040217391", "3", "3.9330349941938625", "4",
        "4.065759457683862", "100", "4.9281602056057885", "6", "3",
    ]  # fmt: skip
    ones = {names[i - 1] for i, value in enumerate(row) if i > 11 and value == "1"}
    assert ones == {"State_PA", "Area Code_806", "Int'l Plan_no", "VMail Plan_yes"}


def test_ratios_and_seed_arguments(tmp_path: Path) -> None:
    raw = write_churn_csv(tmp_path / "raw.csv", 1000, seed=3)
    base = _base_with(tmp_path, raw)
    result = run_script("prepare.py", base, "--train-ratio", "0.5", "--validation-ratio", "0.3")
    assert result.code == 0, result.stderr
    sizes = [len(_rows(base / n / f"{n}.csv")) for n in ("train", "validation", "test")]
    assert sizes == [500, 300, 200]
    first = (base / "train" / "train.csv").read_bytes()
    assert (
        run_script("prepare.py", base, "--train-ratio", "0.5", "--validation-ratio", "0.3").code
        == 0
    )
    assert (base / "train" / "train.csv").read_bytes() == first
    assert run_script("prepare.py", base, "--seed", "7", "--train-ratio", "0.5").code == 0
    assert (base / "train" / "train.csv").read_bytes() != first


def test_several_input_files_are_read_together(tmp_path: Path) -> None:
    a = write_churn_csv(tmp_path / "a.csv", 400, seed=1)
    b = write_churn_csv(tmp_path / "b.csv", 600, seed=2)
    base = _base_with(tmp_path, a, b)
    assert run_script("prepare.py", base).code == 0
    sizes = [len(_rows(base / n / f"{n}.csv")) for n in ("train", "validation", "test")]
    assert sizes == [700, 200, 100]


@pytest.mark.parametrize(
    ("make_input", "message"),
    [
        ("no input folder", "no input folder"),
        ("empty folder", "holds no file"),
        ("wrong columns", "missing column(s) 'Phone'"),
        ("extra column", "unexpected column(s) 'Loyalty Points'"),
        ("text in a number", "line 4: column 'Account Length' holds 'unknown', not a number"),
        ("bad label", "line 3: Churn? is 'maybe'"),
        ("short row", "line 5: expected 21 fields, found 3"),
        ("header only", "no data rows"),
    ],
)
def test_bad_input_fails_with_a_clear_message(
    tmp_path: Path, make_input: str, message: str
) -> None:
    base = tmp_path / "job"
    base.mkdir()
    lines = write_churn_csv(tmp_path / "raw.csv", 10, seed=1).read_text().splitlines()
    bad = tmp_path / "bad.csv"
    if make_input != "no input folder":
        (base / "input").mkdir()
    if make_input == "wrong columns":
        header = lines[0].replace("Phone", "Telephone")
        bad.write_text("\n".join([header, *lines[1:]]) + "\n")
    elif make_input == "extra column":
        bad.write_text("\n".join([lines[0] + ",Loyalty Points"] + [r + ",7" for r in lines[1:]]))
    elif make_input == "text in a number":
        fields = lines[3].split(",")
        fields[1] = "unknown"
        bad.write_text("\n".join([*lines[:3], ",".join(fields), *lines[4:]]) + "\n")
    elif make_input == "bad label":
        bad.write_text(
            "\n".join(
                [
                    *lines[:2],
                    lines[2].replace(",True.", ",maybe").replace(",False.", ",maybe"),
                    *lines[3:],
                ]
            )
        )
    elif make_input == "short row":
        bad.write_text("\n".join([*lines[:4], "PA,1,2", *lines[4:]]) + "\n")
    elif make_input == "header only":
        bad.write_text(lines[0] + "\n")
    if make_input not in ("no input folder", "empty folder"):
        (base / "input" / "raw.csv").symlink_to(bad)
    result = run_script("prepare.py", base)
    assert result.code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (base / "train").exists()


def test_a_raw_batch_encoded_with_the_vocabulary_has_the_training_layout(
    tmp_path: Path, prepared_5000: Path, churn_5000: Path
) -> None:
    vocabulary = prepared_5000 / "vocabulary" / "vocabulary.json"
    # the training file itself: the same rows as the splits hold
    again = prepare_batch_file(churn_5000, vocabulary, tmp_path / "again.csv")
    splits = [
        row
        for n in ("train", "validation", "test")
        for row in _rows(prepared_5000 / n / f"{n}.csv")
    ]
    assert sorted(_rows(again)) == sorted(splits)
    # a fresh batch: same width, and without the label when asked
    fresh = write_churn_csv(tmp_path / "fresh.csv", 700, seed=99)
    labelled = _rows(prepare_batch_file(fresh, vocabulary, tmp_path / "fresh-batch.csv"))
    unlabelled = _rows(
        prepare_batch_file(fresh, vocabulary, tmp_path / "fresh-x.csv", with_label=False)
    )
    assert len(labelled) == len(unlabelled) == 700
    assert {len(r) for r in labelled} == {100} and {len(r) for r in unlabelled} == {99}
    assert [r[1:] for r in labelled] == unlabelled


def test_unseen_categories_encode_as_zeros(tmp_path: Path, prepared_5000: Path) -> None:
    vocabulary = prepared_5000 / "vocabulary" / "vocabulary.json"
    raw = write_churn_csv(tmp_path / "new.csv", 600, seed=8, drift="new-category")
    records = _raw_records(raw)
    rows = np.loadtxt(
        prepare_batch_file(raw, vocabulary, tmp_path / "new-batch.csv"), delimiter=","
    )
    known = json.loads(vocabulary.read_text())["categorical"]["State"]
    unseen = np.array([r["State"] not in known for r in records])
    assert 50 < unseen.sum() < 250
    states = rows[:, 12 : 12 + 51]
    assert (states[unseen].sum(axis=1) == 0).all()
    assert (states[~unseen].sum(axis=1) == 1).all()
    assert (rows[:, 12 + 51 : 12 + 84].sum(axis=1) == 1).all()  # area codes unchanged


def test_strict_encoding_refuses_what_a_lenient_one_passes_through(
    tmp_path: Path, prepared_5000: Path
) -> None:
    vocabulary = prepared_5000 / "vocabulary" / "vocabulary.json"
    texty = write_churn_csv(tmp_path / "text.csv", 300, seed=4, drift="text-in-numeric")
    with pytest.raises(InvalidInput, match=r"line \d+: column 'Account Length' holds 'unknown'"):
        prepare_batch_file(texty, vocabulary, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()
    lenient = _rows(prepare_batch_file(texty, vocabulary, tmp_path / "out.csv", strict=False))
    assert 20 < sum(r[1] == "unknown" for r in lenient) < 80

    dropped = write_churn_csv(tmp_path / "drop.csv", 300, seed=4, drift="drop-column")
    with pytest.raises(InvalidInput, match=r"missing column.*'Eve Calls'"):
        prepare_batch_file(dropped, vocabulary, tmp_path / "drop-out.csv")
    rows = _rows(prepare_batch_file(dropped, vocabulary, tmp_path / "drop-out.csv", strict=False))
    assert {r[1 + NUMERIC.index("Eve Calls")] for r in rows} == {""}

    missing = write_churn_csv(tmp_path / "missing.csv", 300, seed=4, drift="missing")
    rows = _rows(prepare_batch_file(missing, vocabulary, tmp_path / "missing-out.csv"))
    empty = sum(r[1 + NUMERIC.index("Night Mins")] == "" for r in rows)
    assert 30 < empty < 90


def test_a_missing_vocabulary_is_a_clear_error(tmp_path: Path) -> None:
    raw = write_churn_csv(tmp_path / "raw.csv", 10, seed=1)
    with pytest.raises(InvalidInput, match="does not exist"):
        prepare_batch_file(raw, tmp_path / "nope.json", tmp_path / "out.csv")
    (tmp_path / "bad.json").write_text('{"categorical": {"State": "AK"}}')
    with pytest.raises(InvalidInput, match=r"categorical\.State"):
        prepare_batch_file(raw, tmp_path / "bad.json", tmp_path / "out.csv")


_ENCODE_PEAK_RSS = """
import resource, sys
from batchops.examples.churn import prepare_batch_file
prepare_batch_file(sys.argv[1], sys.argv[2], sys.argv[3])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def test_encoding_a_batch_streams(tmp_path: Path, prepared_5000: Path) -> None:
    vocabulary = prepared_5000 / "vocabulary" / "vocabulary.json"
    peaks = {}
    for rows in (20_000, 600_000):
        raw = write_churn_csv(tmp_path / f"raw-{rows}.csv", rows, seed=6)
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                _ENCODE_PEAK_RSS,
                str(raw),
                str(vocabulary),
                str(tmp_path / f"out-{rows}.csv"),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        peaks[rows] = int(done.stdout) * 1024
    size = (tmp_path / "out-600000.csv").stat().st_size
    assert size > 150 * 2**20
    assert len((tmp_path / "out-600000.csv").read_bytes().splitlines()) == 600_000
    assert peaks[600_000] - peaks[20_000] < size / 3, (peaks, size)
