"""LIBSVM input for batch transform (`text/libsvm`), as SageMaker's XGBoost image reads it.

Each line is `<label> <index>:<value> ...`; the label is not a feature. Index *i* is column
*i* of the row, absent entries are missing values, and one column beyond the model's width
is tolerated and dropped, as the image's predictor does (a 1-based file of a 10-feature
model has 11 columns; its predictions are then as shifted as SageMaker's own). Files are
rewritten as headerless CSV of the model's width, batch by batch with columnar operations,
and scored as CSV.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from batchops.data.files import DataFile
from batchops.errors import InvalidInput
from batchops.store import artifacts

if TYPE_CHECKING:
    import polars as pl

LIBSVM = "text/libsvm"
BATCH_BYTES = 8 << 20


def is_libsvm(content_type: str | None) -> bool:
    return bool(content_type) and str(content_type).split(";", 1)[0].strip().lower() in (
        LIBSVM,
        "libsvm",
        "application/x-libsvm",
    )


def as_csv(files: list[DataFile], folder: Path, width: int) -> Path:
    """`files` rewritten as CSV files of `width` columns under `folder`, keeping their paths
    (so outputs are still named `<input file>.out`)."""
    for file in files:
        target = folder / (file.relative or Path(file.uri).name)
        target.parent.mkdir(parents=True, exist_ok=True)
        _convert(file.uri, target, width)
    return folder


def _convert(source: str, target: Path, width: int) -> None:
    import polars as pl

    local = target.with_name(target.name + ".libsvm")
    if artifacts.is_local(source):
        local = artifacts.local_path(source)
    else:
        artifacts.copy_file(source, local)
    written = 0
    with local.open() as lines, target.open("w") as out:
        while batch := lines.readlines(BATCH_BYTES):  # whole lines, about BATCH_BYTES of them
            frame = pl.DataFrame({"line": batch}, schema={"line": pl.Utf8})
            out.write(_dense(frame, width, source, written).write_csv(include_header=False))
            written += frame.height


def _dense(batch: pl.DataFrame, width: int, source: str, first_row: int) -> pl.DataFrame:
    import polars as pl

    entries = (
        batch.with_row_index("row")
        .select("row", pl.col("line").str.strip_chars().str.split(" ").list.slice(1))
        .explode("line")
        .filter(pl.col("line").is_not_null() & (pl.col("line") != ""))
        .with_columns(pl.col("line").str.split_exact(":", 1).alias("pair"))
        .unnest("pair")
        .select(
            "row",
            pl.col("field_0").cast(pl.Int64, strict=False).alias("index"),
            pl.col("field_1").cast(pl.Float64, strict=False).alias("value"),
            "line",
        )
    )
    bad = entries.filter(
        pl.col("index").is_null() | pl.col("value").is_null() | (pl.col("index") < 0)
    )
    if bad.height:
        row, text = bad.row(0)[0], bad.row(0)[3]
        raise InvalidInput(
            f"{source}, line {first_row + row + 1}: {text!r} is not <index>:<value> (libsvm)"
        )
    widest = int(entries.select(pl.col("index").max()).item() or 0) + 1 if entries.height else 0
    if widest > width + 1:
        raise InvalidInput(
            f"{source}: libsvm index {widest - 1} is beyond the model's {width} features "
            "(one more column is tolerated, as SageMaker's XGBoost image does)"
        )
    kept = entries.filter(pl.col("index") < width)
    columns = [
        pl.when(pl.col("index") == i).then(pl.col("value")).max().alias(f"_c{i}")
        for i in range(width)
    ]
    rows = pl.DataFrame({"row": range(batch.height)}, schema={"row": pl.UInt32})
    wide = kept.group_by("row").agg(columns)
    return rows.join(wide, on="row", how="left").sort("row").drop("row")
