"""PrepareAbaloneData: raw abalone CSV -> train/validation/test splits in XGBoost's layout.

Runs as a processing job: `python prepare.py [--seed 1729]`, with the raw CSV file(s) (a
header: id, Sex, the seven measurements, Rings; `batchops data abalone`) in <base>/input,
where <base> is $BATCHOPS_PROCESSING_DIR or SageMaker's /opt/ml/processing. As SageMaker's
abalone example does: Sex one-hot encoded, the target (Rings) first, splits 70/20/10 after a
fixed-seed shuffle. The encoding is `batchops.models.preprocessing`'s (numeric columns, then
one 0/1 column per Sex), written as vocabulary/vocabulary.json so the model carries it and
scores raw daily extracts. Outputs (headerless CSV): train/, validation/, test/,
vocabulary/vocabulary.json, and raw_train/raw_train.csv (the training rows as they arrived,
the columns the model reads, with a header: the raw extracts' baseline). Bad input: a
message on stderr and exit code 2.
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
from batchops.examples.abalone.data import CATEGORICAL, ID_COLUMN, NUMERIC, TARGET
from batchops.models.preprocessing import Preprocessing
from batchops.store.artifacts import atomic_open

SPLITS = {"train": 0.7, "validation": 0.2, "test": 0.1}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Split abalone data for XGBoost.")
    parser.add_argument("--seed", type=int, default=1729)
    args = parser.parse_args(argv)
    base = Path(os.environ.get("BATCHOPS_PROCESSING_DIR", "/opt/ml/processing"))
    raw = read_input(base / "input")
    sexes = sorted(raw.get_column("Sex").drop_nulls().unique().to_list())
    encoding = Preprocessing(
        numeric=list(NUMERIC),
        categorical={"Sex": sexes},
        label=TARGET,
        dropped=[ID_COLUMN],
    )
    encoded = encoding.apply(raw, str(base / "input"))
    rings = raw.get_column(TARGET).cast(pl.Float64, strict=False)
    if rings.null_count():
        row = int(rings.is_null().arg_true()[0])
        raise InvalidInput(f"{base / 'input'}, row {row + 1}: {TARGET} is not a number")
    table = np.column_stack([rings.to_numpy(), encoded.features.astype(np.float64)])
    order = np.random.RandomState(args.seed).permutation(raw.height)
    cuts = np.cumsum([int(share * raw.height) for share in SPLITS.values()])[:-1]
    for name, rows in zip(SPLITS, np.split(order, cuts), strict=True):
        write_csv(base / name / f"{name}.csv", pl.DataFrame(table[rows]), header=False)
    model_columns = [*NUMERIC, *CATEGORICAL]
    train_rows = np.split(order, cuts)[0]
    write_csv(base / "raw_train" / "raw_train.csv", raw[train_rows].select(model_columns))
    with atomic_open(base / "vocabulary" / "vocabulary.json", "w") as handle:
        json.dump(encoding.to_dict(), handle, indent=2)
    print(f"Prepared {raw.height} rows: " + ", ".join(f"{n} {s:.0%}" for n, s in SPLITS.items()))


def read_input(folder: Path) -> pl.DataFrame:
    files = sorted(p for p in folder.glob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise InvalidInput(f"no input CSV in {folder}: the raw abalone file goes there")
    frames = []
    for path in files:
        try:
            frame = pl.read_csv(path, infer_schema=False)
        except pl.exceptions.PolarsError as exc:
            raise InvalidInput(f"{path}: not a readable CSV ({str(exc).splitlines()[0]})") from exc
        missing = [c for c in (*NUMERIC, *CATEGORICAL, TARGET) if c not in frame.columns]
        if missing:
            raise InvalidInput(f"{path}: no column(s) {', '.join(map(repr, missing))}")
        frames.append(frame)
    return pl.concat(frames, how="diagonal")


def write_csv(path: Path, frame: pl.DataFrame, header: bool = True) -> None:
    with atomic_open(path, "wb") as handle:
        frame.write_csv(handle, include_header=header)


if __name__ == "__main__":
    try:
        main()
    except BatchopsError as error:
        print(f"prepare.py: {error}", file=sys.stderr)
        sys.exit(2)
