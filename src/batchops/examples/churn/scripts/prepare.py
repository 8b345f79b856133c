"""PrepareData: raw customer-churn CSV -> train/validation/test splits in XGBoost's layout.

Runs as a processing job: `python prepare.py [--train-ratio 0.7] [--validation-ratio 0.2]
[--seed 1729]`, with the raw CSV file(s) (a header, the 21 churn columns; the walkthrough's
churn.txt or `batchops data churn`) in <base>/input, where <base> is $BATCHOPS_PROCESSING_DIR
or SageMaker's /opt/ml/processing. It does what the original's preprocessing.py does:

1. drop Phone and the four Charge columns, treat Area Code as a category;
2. one-hot encode as pandas.get_dummies does: target first as 0/1 (Churn? True. -> 1), the 11
   numeric columns in file order, then State, Area Code, Int'l Plan, VMail Plan blocks, each
   in sorted category order, values 0/1;
3. shuffle with a fixed seed and split 70/20/10. The shuffle is numpy's RandomState(seed)
   permutation, which is what pandas' `sample(frac=1, random_state=1729)` draws, so the
   published file splits into the very rows the original's splits hold.

Outputs (headerless CSV): train/train.csv, validation/validation.csv, test/test.csv, the test
split again as batch/batch.csv (a batch file for the batch-inference pipeline, label first),
vocabulary/vocabulary.json (the categories and feature names, to encode later batches
the same way), and raw_train/raw_train.csv: the training split's rows as they arrived (with
a header, only the columns the model reads, the label left out), the data a raw daily extract
is checked against. Bad input: a message on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
import polars as pl

from batchops.errors import BatchopsError, InvalidInput
from batchops.examples.churn.encoding import (
    CATEGORICAL,
    NUMERIC,
    build_vocabulary,
    encode,
    read_raw,
)
from batchops.store.artifacts import atomic_open


def main(argv: list[str] | None = None) -> None:
    args = parse_arguments(argv)
    base = Path(os.environ.get("BATCHOPS_PROCESSING_DIR", "/opt/ml/processing"))

    sources = input_files(base / "input")
    raw = {path: read_raw(path) for path in sources}
    arrived = pl.concat(raw.values())
    vocabulary = build_vocabulary(arrived)
    model_data = pl.concat(
        encode(frame, vocabulary, source=str(path), first_line=2) for path, frame in raw.items()
    )
    rows = model_data.height

    # The original: np.split(df.sample(frac=1, random_state=1729), [int(0.7 * n), int(0.9 * n)]).
    permutation = np.random.RandomState(args.seed).permutation(rows)
    shuffled = model_data[permutation]
    train_end = int(args.train_ratio * rows)
    # Rounded so that 0.7 + 0.2 gives int(0.9 * n), as the original's literal 0.9 does.
    validation_end = int(round(args.train_ratio + args.validation_ratio, 10) * rows)
    splits = {
        "train": shuffled[:train_end],
        "validation": shuffled[train_end:validation_end],
        "test": shuffled[validation_end:],
    }
    empty = [name for name, split in splits.items() if split.height == 0]
    if empty:
        raise InvalidInput(
            f"{rows} rows are too few for a {args.train_ratio:g}/{args.validation_ratio:g} "
            f"split: the {', '.join(empty)} split would be empty"
        )

    for name, split in splits.items():
        write_csv(split, base / name / f"{name}.csv")
    write_csv(splits["test"], base / "batch" / "batch.csv")
    model_reads = [c for c in arrived.columns if c in (*NUMERIC, *CATEGORICAL)]
    raw_train = arrived.select(model_reads)[permutation[:train_end]]
    with atomic_open(base / "raw_train" / "raw_train.csv", "wb") as handle:
        raw_train.write_csv(handle, include_header=True)
    with atomic_open(base / "vocabulary" / "vocabulary.json", "w") as handle:
        json.dump(vocabulary.to_json(), handle, indent=2)

    features = len(vocabulary.feature_names)
    print(f"Read {rows} rows from {', '.join(p.name for p in sources)}")
    print(f"Layout: label + {features} features ({', '.join(vocabulary.feature_names[:3])}, ...)")
    for name, split in splits.items():
        print(f"  {name}: {split.height} rows")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Prepare the churn data for XGBoost.")
    parser.add_argument("--train-ratio", type=float, default=0.7)
    parser.add_argument("--validation-ratio", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1729)
    args = parser.parse_args(argv)
    if not 0 < args.train_ratio < 1 or not 0 < args.validation_ratio < 1:
        parser.error("--train-ratio must be in (0, 1) and --validation-ratio in (0, 1)")
    if args.train_ratio + args.validation_ratio >= 1:
        parser.error("--train-ratio plus --validation-ratio must leave rows for the test split")
    if args.seed < 0:
        parser.error("--seed must be 0 or more")
    return args


def input_files(folder: Path) -> list[Path]:
    """The raw CSV files in the input folder (hidden files skipped), in name order."""
    if not folder.is_dir():
        raise InvalidInput(f"no input folder {folder}: the raw churn CSV goes there")
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise InvalidInput(f"the input folder {folder} holds no file; expected the raw churn CSV")
    return files


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """Headerless CSV, written whole or not at all."""
    with atomic_open(path, "wb") as handle:
        frame.write_csv(handle, include_header=False)


if __name__ == "__main__":
    try:
        main()
    except BatchopsError as error:
        print(f"prepare.py: {error}", file=sys.stderr)
        sys.exit(2)
