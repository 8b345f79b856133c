"""The churn model's input layout, and turning raw churn rows into it.

The layout is exactly what the original walkthrough's `pandas.get_dummies` preprocessing
writes: the target first as 0/1 (`Churn?` `True.` -> 1), then the 11 numeric columns in file
order, then one 0/1 column per category of State, Area Code (a category, not a number),
Int'l Plan and VMail Plan, each block in sorted category order; Phone and the four Charge
columns are dropped. So batch files prepared for the original score with our model and back.

The categories seen in training are the `Vocabulary`; encoding a new batch with it gives the
same columns, a category it never saw giving zeros in its block (as get_dummies would give
no column for it). Numbers are passed through as written, so nothing is lost to reformatting.
Reading is streamed in Arrow batches, all as text first, so that a bad value is reported with
its file, line and column instead of silently becoming a category or a NaN.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batchops.errors import InvalidInput, at_line
from batchops.examples.churn.data import RAW_COLUMNS, TARGET

if TYPE_CHECKING:
    import polars as pl

POSITIVE = "True."
NEGATIVE = "False."
DROPPED: tuple[str, ...] = ("Phone", "Day Charge", "Eve Charge", "Night Charge", "Intl Charge")
CATEGORICAL: tuple[str, ...] = ("State", "Area Code", "Int'l Plan", "VMail Plan")
NUMERIC: tuple[str, ...] = tuple(
    c for c in RAW_COLUMNS if c not in (*DROPPED, *CATEGORICAL, TARGET)
)
READ_BLOCK_BYTES = 1 << 20  # Arrow reads blocks ahead: peak memory is a multiple of this


@dataclass(frozen=True)
class Vocabulary:
    """The categories of each categorical column, in the order of their one-hot columns."""

    categories: dict[str, list[str]]

    @property
    def feature_names(self) -> list[str]:
        """The model's input columns (the target excluded), named as get_dummies names them."""
        dummies = [
            f"{column}_{value}" for column in CATEGORICAL for value in self.categories[column]
        ]
        return [*NUMERIC, *dummies]

    def to_json(self) -> dict[str, Any]:
        return {
            "target": TARGET,
            "positive_label": POSITIVE,
            "negative_label": NEGATIVE,
            "dropped": list(DROPPED),
            "numeric": list(NUMERIC),
            "categorical": {column: list(self.categories[column]) for column in CATEGORICAL},
            "feature_names": self.feature_names,
        }

    @classmethod
    def from_json(cls, document: Any, source: str = "vocabulary") -> Vocabulary:
        if not isinstance(document, Mapping) or not isinstance(
            document.get("categorical"), Mapping
        ):
            raise InvalidInput(f"{source}: expected an object with a 'categorical' object")
        categories: dict[str, list[str]] = {}
        for column in CATEGORICAL:
            values = document["categorical"].get(column)
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise InvalidInput(
                    f"{source}: categorical.{column} must be a list of category strings"
                )
            categories[column] = list(values)
        numeric = document.get("numeric", list(NUMERIC))
        if list(numeric) != list(NUMERIC):
            raise InvalidInput(f"{source}: numeric must be {list(NUMERIC)}, got {numeric}")
        return cls(categories)

    @classmethod
    def load(cls, path: str | Path) -> Vocabulary:
        from batchops.store import artifacts

        try:
            document = json.loads(artifacts.read_text(path))
        except FileNotFoundError as exc:
            raise InvalidInput(f"vocabulary {path} does not exist") from exc
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{path}: not JSON ({exc})") from exc
        return cls.from_json(document, str(path))


def build_vocabulary(frame: pl.DataFrame) -> Vocabulary:
    """The sorted categories of each categorical column of raw rows (missing values skipped).

    Sorted as pandas sorts them: by number when every value is a number (Area Code), else by
    text.
    """
    categories: dict[str, list[str]] = {}
    for column in CATEGORICAL:
        values = frame.get_column(column).drop_nulls().unique().to_list()
        categories[column] = sorted(values, key=_number_or_text(values))
    return Vocabulary(categories)


def _number_or_text(values: Sequence[str]) -> Any:
    try:
        [float(v) for v in values]
    except ValueError:
        return str
    return float


# --- reading ---------------------------------------------------------------------------------


def read_header(path: Path) -> list[str]:
    """The column names of a raw churn CSV, checked to be non-empty and distinct."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None)
    except FileNotFoundError as exc:
        raise InvalidInput(f"{path} does not exist") from exc
    except UnicodeDecodeError as exc:
        raise at_line(str(path), 1, f"not UTF-8 text ({exc.reason})") from exc
    if not header or header == [""]:
        raise at_line(str(path), 1, "empty file; expected a header line of column names")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise at_line(str(path), 1, f"column {duplicates[0]!r} appears more than once")
    return header


def check_columns(path: Path, header: Sequence[str], *, with_label: bool, exact: bool) -> None:
    """Every column the layout needs is there (and, when `exact`, nothing else)."""
    needed = [c for c in RAW_COLUMNS if with_label or c != TARGET]
    missing = [c for c in needed if c not in header]
    if missing:
        raise at_line(
            str(path),
            1,
            f"missing column(s) {', '.join(map(repr, missing))}; a raw churn file has the "
            f"columns {', '.join(RAW_COLUMNS)}",
        )
    unexpected = [c for c in header if c not in RAW_COLUMNS]
    if exact and unexpected:
        raise at_line(
            str(path),
            1,
            f"unexpected column(s) {', '.join(map(repr, unexpected))}; a raw churn file has "
            f"exactly the columns {', '.join(RAW_COLUMNS)}",
        )


def iter_raw_batches(path: Path, header: Sequence[str]) -> Iterator[tuple[int, pl.DataFrame]]:
    """(line number of the first row, rows as text) for each batch of a raw churn CSV."""
    import polars as pl
    import pyarrow as pa
    import pyarrow.csv as pacsv

    read = pacsv.ReadOptions(block_size=READ_BLOCK_BYTES)
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=True
    )
    line = 2
    try:
        reader = pacsv.open_csv(path, read_options=read, convert_options=convert)
        for batch in reader:
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            yield line, frame
            line += frame.height
    except pa.ArrowInvalid as exc:
        raise _locate_malformed_row(path, len(header)) or InvalidInput(f"{path}: {exc}") from exc


def _locate_malformed_row(path: Path, width: int) -> InvalidInput | None:
    """The first row without `width` fields, found by rereading (only once parsing failed)."""
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle)
        for row in reader:
            if row and len(row) != width:
                return at_line(
                    str(path), reader.line_num, f"expected {width} fields, found {len(row)}"
                )
    return None


def read_raw(path: Path) -> pl.DataFrame:
    """A whole raw churn CSV, exactly the 21 columns, as text; its first row is on line 2.

    For training data, which is small and must be shuffled as a whole.
    """
    import polars as pl

    header = read_header(path)
    check_columns(path, header, with_label=True, exact=True)
    frames = [frame for _, frame in iter_raw_batches(path, header)]
    if sum(f.height for f in frames) == 0:
        raise at_line(str(path), 2, "no data rows after the header")
    return pl.concat(frames)


# --- encoding --------------------------------------------------------------------------------


def encode(
    frame: pl.DataFrame,
    vocabulary: Vocabulary,
    *,
    with_label: bool = True,
    strict: bool = True,
    source: str = "input",
    first_line: int = 2,
) -> pl.DataFrame:
    """Raw rows (as text) in the model's layout: [label,] numeric columns, one-hot blocks.

    Strict: a label other than True./False., a number that does not parse or a missing
    column raises InvalidInput naming the file, line and column. Not strict (to let a
    monitor see what arrived): such values pass through as they are, an unknown label and a
    missing column become empty fields. Missing values stay empty either way, as pandas
    writes them; a missing or unseen category gives zeros in its block.
    """
    import polars as pl

    absent = [c for c in RAW_COLUMNS if c not in frame.columns and (with_label or c != TARGET)]
    if absent and strict:
        raise InvalidInput(f"{source}: missing column(s) {', '.join(map(repr, absent))}")
    frame = frame.with_columns(pl.lit(None, pl.String).alias(c) for c in absent)
    numbers = [pl.col(c).str.strip_chars().alias(c) for c in NUMERIC]
    if strict:
        _check_values(frame, with_label, source, first_line)
    columns: list[pl.Expr] = []
    if with_label:
        columns.append(
            pl.when(pl.col(TARGET) == POSITIVE)
            .then(1)
            .when(pl.col(TARGET) == NEGATIVE)
            .then(0)
            .cast(pl.Int8)
            .alias(TARGET)
        )
    columns.extend(numbers)
    columns.extend(
        (pl.col(column) == value).fill_null(False).cast(pl.UInt8).alias(f"{column}_{value}")
        for column in CATEGORICAL
        for value in vocabulary.categories[column]
    )
    return frame.select(columns)


def _check_values(frame: pl.DataFrame, with_label: bool, source: str, first_line: int) -> None:
    import polars as pl

    checks: list[pl.Expr] = []
    if with_label:
        checks.append(
            pl.col(TARGET).is_in([POSITIVE, NEGATIVE]).fill_null(False).not_().alias(TARGET)
        )
    for column in NUMERIC:
        text = pl.col(column).str.strip_chars()
        unparsable = text.cast(pl.Float64, strict=False).is_null() & (text != "")
        checks.append(unparsable.fill_null(False).alias(column))
    flags = frame.select(checks)
    bad_rows = flags.select(pl.any_horizontal(pl.all()).arg_true())
    if bad_rows.height == 0:
        return
    row = int(bad_rows.item(0, 0))
    column = next(name for name in flags.columns if flags.item(row, name))
    value = frame.item(row, column)
    if column == TARGET:
        found = "empty" if value is None else repr(value)
        problem = f"{TARGET} is {found}; expected {POSITIVE!r} or {NEGATIVE!r}"
    else:
        problem = f"column {column!r} holds {value!r}, not a number"
    raise at_line(source, first_line + row, problem)


def prepare_batch_file(
    raw_csv: str | Path,
    vocabulary: str | Path | Vocabulary,
    out_csv: str | Path,
    *,
    with_label: bool = True,
    strict: bool = True,
) -> Path:
    """Encode a raw churn CSV (with header) into a headerless batch file in the model's layout.

    `vocabulary` is the training vocabulary (vocabulary.json of PrepareData, or a Vocabulary).
    With `with_label` the label comes first, as the original's batch files have it (drop it
    with the transform's input filter `$[1:]`). Streams: memory is one batch, not the file.
    Columns other than the raw churn columns are ignored. The output appears only when whole.
    """
    from batchops.store.artifacts import atomic_open

    raw = Path(raw_csv)
    vocab = vocabulary if isinstance(vocabulary, Vocabulary) else Vocabulary.load(vocabulary)
    header = read_header(raw)
    if strict:
        check_columns(raw, header, with_label=with_label, exact=False)
    with atomic_open(Path(out_csv), "wb") as handle:
        for first_line, frame in iter_raw_batches(raw, header):
            encoded = encode(
                frame,
                vocab,
                with_label=with_label,
                strict=strict,
                source=str(raw),
                first_line=first_line,
            )
            encoded.write_csv(handle, include_header=False)
    return Path(out_csv)
