"""Scoring one mini-batch inside a worker: read its bytes, parse column-wise, predict, format.

The common case (headerless numeric CSV, no join) parses straight into float32 with polars
and checks the field count of every line with two byte counts instead of a loop; anything
unusual (quotes, blank lines, a bad row) takes pyarrow's slower path, which also finds the
offending line. Output is text for the batch's records in input order.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from batchops.errors import InvalidInput
from batchops.models.csvtable import CsvRowError, line_of_row, read_numeric_block
from batchops.models.loaded import LoadedModel
from batchops.transform import formats
from batchops.transform.inputs import filesystem, read_range
from batchops.transform.jsonpath import JsonPath, parse
from batchops.transform.plan import FileSpec, Task, csv_positions
from batchops.transform.records import (
    INPUT_KEY,
    OUTPUT_KEY,
    Frame,
    LineOf,
    RecordError,
    apply,
    to_matrix,
    write_csv,
    write_jsonl,
)

if TYPE_CHECKING:
    import numpy as np
    import polars as pl


@dataclass(frozen=True)
class JobSpec:
    """The settings shared by every batch of one transform."""

    accept: str | None
    input_filter: str | None
    output_filter: str | None
    join_source: bool
    max_rows: int


@dataclass(frozen=True)
class Scored:
    rows: int
    lines: int
    payload: bytes


class Scorer:
    def __init__(self, job: JobSpec, model: LoadedModel) -> None:
        self.job = job
        self.model = model
        self.input_filter: JsonPath = parse(job.input_filter)
        self.output_filter: JsonPath = parse(job.output_filter)
        self._parsers: dict[str, _NumericCsv] = {}

    def run(self, task: Task) -> Scored:
        if task.file.content_type == formats.PARQUET:
            return self._parquet(task)
        data = read_range(task.file.uri, task.start, task.end)
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        rows = 0
        parts: list[bytes] = []
        for offset, piece in _pieces(data, lines, self.job.max_rows):
            try:
                count, payload = self._text_block(task.file, piece)
            except RecordError as exc:
                line = None if exc.line is None else exc.line + offset
                raise RecordError(line, exc.detail) from None
            rows += count
            parts.append(payload)
        return Scored(rows, lines, parts[0] if len(parts) == 1 else b"".join(parts))

    # --- text formats ---------------------------------------------------------------------

    def _text_block(self, spec: FileSpec, data: bytes) -> tuple[int, bytes]:
        if spec.content_type == formats.CSV:
            return self._csv(spec, data)
        return self._jsonl(spec, data)

    def _csv(self, spec: FileSpec, data: bytes) -> tuple[int, bytes]:
        positions = csv_positions(self.input_filter, spec.width)
        output = formats.output_type(self.job.accept, formats.CSV)
        if self.job.join_source and not self.output_filter.is_root:
            frame = _csv_text(data, spec)
            picked = Frame(frame.df.select([frame.df.columns[p] for p in positions]), True, False)
            matrix = to_matrix(picked, self.model.manifest, self.input_filter, _lines(data))
            predictions = self._predict(matrix)
            joined = _with_predictions(frame, predictions, f"c{spec.width}")
            selected = apply(self.output_filter, joined, _lines(data))
            return len(predictions), _write(selected, output)
        matrix = self._numeric_csv(spec, positions).parse(data)
        predictions = self._predict(matrix)
        if self.job.join_source:
            return len(predictions), _join_lines(data, predictions)
        return len(predictions), self._predictions_only(predictions, output, data)

    def _jsonl(self, spec: FileSpec, data: bytes) -> tuple[int, bytes]:
        arrays = spec.records == "array"
        df = _read_jsonl(_wrap_arrays(data) if arrays else data, data)
        line_of = _lines(data)
        root: Frame | pl.Series = (
            df.get_column(INPUT_KEY) if arrays else Frame(df, by_index=False, by_name=True)
        )
        value = apply(self.input_filter, root, line_of)
        predictions = self._predict(
            to_matrix(value, self.model.manifest, self.input_filter, line_of)
        )
        output = formats.output_type(self.job.accept, formats.JSONLINES)
        if not self.job.join_source:
            return len(predictions), self._predictions_only(predictions, output, data)
        joined = _with_predictions(Frame(df, False, True), predictions, OUTPUT_KEY)
        return len(predictions), _write(apply(self.output_filter, joined, line_of), output)

    # --- Parquet --------------------------------------------------------------------------

    def _parquet(self, task: Task) -> Scored:
        import polars as pl
        import pyarrow.parquet as pq

        fs, path = filesystem(task.file.uri)
        output = formats.output_type(self.job.accept, formats.PARQUET)
        parts: list[bytes] = []
        rows = 0
        with fs.open(path, "rb") as handle:
            reader = pq.ParquetFile(handle)
            for batch in reader.iter_batches(batch_size=self.job.max_rows, row_groups=[task.start]):
                df = pl.DataFrame(pl.from_arrow(batch))
                first = rows

                def line_of(row: int, first: int = first) -> int:
                    return first + row

                frame = Frame(df, by_index=True, by_name=True)
                value = apply(self.input_filter, frame, line_of)
                predictions = self._predict(
                    to_matrix(value, self.model.manifest, self.input_filter, line_of)
                )
                if self.job.join_source:
                    joined = _with_predictions(frame, predictions, OUTPUT_KEY)
                    parts.append(_write(apply(self.output_filter, joined, line_of), output))
                else:
                    parts.append(self._predictions_only(predictions, output, b""))
                rows += len(predictions)
        return Scored(rows, rows, b"".join(parts))

    # --- shared ---------------------------------------------------------------------------

    def _numeric_csv(self, spec: FileSpec, positions: list[int]) -> _NumericCsv:
        parser = self._parsers.get(spec.uri)
        if parser is None or parser.width != spec.width:
            parser = self._parsers[spec.uri] = _NumericCsv(spec.uri, spec.width, positions)
        return parser

    def _predict(self, matrix: np.ndarray) -> np.ndarray:
        return self.model.predict(matrix)

    def _predictions_only(self, predictions: np.ndarray, output: str, data: bytes) -> bytes:
        if self.output_filter.is_root:
            return _format_predictions(predictions)
        if output == formats.JSONLINES:
            raise InvalidInput(
                f"output filter {self.output_filter.expression!r} needs join_source: without "
                "it each output record is just the prediction, so only $ applies"
            )
        frame = Frame(_prediction_frame(predictions, "c0"), by_index=True, by_name=False)
        return _write(apply(self.output_filter, frame, _lines(data)), output)


def _pieces(data: bytes, lines: int, max_rows: int) -> list[tuple[int, bytes]]:
    """`data` cut into runs of at most `max_rows` lines, each with its first line's offset."""
    if lines <= max_rows:
        return [(0, data)]
    import numpy as np

    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1
    cuts = [0, *ends[max_rows - 1 :: max_rows].tolist()]
    if cuts[-1] != len(data):
        cuts.append(len(data))
    return [
        (index * max_rows, data[start:stop])
        for index, (start, stop) in enumerate(itertools.pairwise(cuts))
    ]


def _lines(data: bytes) -> LineOf:
    """Record index -> line offset in `data`, skipping blank lines (computed only on error)."""

    def line_of(row: int) -> int:
        return line_of_row(data, row + 1)

    return line_of


class _NumericCsv:
    """Parses numeric CSV blocks of one file into float32, checking every line's field count.

    It learns from the first block which columns hold only integers (one-hot 0/1 columns,
    counts) and parses those as integers afterwards, which polars does a third faster;
    the values are the same (an integer converts to float32 as its text would parse). A
    block where that guess fails is parsed again without it, and the guess is dropped.
    """

    def __init__(self, uri: str, width: int, positions: list[int]) -> None:
        self.uri = uri
        self.width = width
        self.positions = positions
        self.unique = sorted(set(positions))
        self.names = [f"c{i}" for i in range(width)]
        self.integers: set[int] | None = None

    def parse(self, data: bytes) -> np.ndarray:
        import numpy as np

        matrix = None
        if self.width > 1 and b'"' not in data:
            matrix = self._fast(data, self.integers or set())
            if matrix is None and self.integers:
                self.integers = set()
                matrix = self._fast(data, set())
        if matrix is None:
            matrix = self._careful(data)
        if self.integers is None:
            self.integers = _integer_columns(matrix, self.unique)
        if self.positions != self.unique:
            matrix = matrix[:, [self.unique.index(p) for p in self.positions]]
        return np.asarray(matrix, dtype=np.float32)

    def _fast(self, data: bytes, integers: set[int]) -> np.ndarray | None:
        """polars' parse, or None when it fails or any line has a field too few or too many.

        Too many fields fail the parse; so the comma count equals lines x (width - 1) only
        when every line has exactly `width` fields (and no line is blank).
        """
        import polars as pl

        schema = {
            name: (pl.Int32 if i in integers else pl.Float32) if i in self.unique else pl.String
            for i, name in enumerate(self.names)
        }
        try:
            df = pl.read_csv(data, has_header=False, schema=schema, columns=self.unique)
        except pl.exceptions.PolarsError:
            return None
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        if df.height != lines or data.count(b",") != lines * (self.width - 1):
            return None
        if integers:
            df = df.cast(pl.Float32)
        return df.to_numpy(order="fortran")

    def _careful(self, data: bytes) -> np.ndarray:
        """pyarrow's parse: handles quotes and blank lines, and names a bad line exactly."""
        from batchops.models.csvtable import table_to_matrix

        try:
            table = read_numeric_block(
                data,
                source=self.uri,
                first_line=1,
                column_names=self.names,
                include=[self.names[i] for i in self.unique],
            )
        except CsvRowError as exc:
            raise RecordError(None if exc.line is None else exc.line - 1, exc.detail) from None
        return table_to_matrix(table)


def _integer_columns(matrix: np.ndarray, columns: list[int]) -> set[int]:
    import numpy as np

    found = set()
    for index, column in enumerate(columns):
        values = matrix[:, index]
        whole = np.isnan(values) | ((values == np.floor(values)) & (np.abs(values) < 2**31))
        if bool(whole.all()):
            found.add(column)
    return found


def _csv_text(data: bytes, spec: FileSpec) -> Frame:
    """Every field as text (for joins that pick input fields), one column per position."""
    import polars as pl
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(spec.width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names}, strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid as exc:
        from batchops.models.csvtable import describe_csv_error

        error = describe_csv_error(str(exc), data, spec.uri, 1, names)
        raise RecordError(None if error.line is None else error.line - 1, error.detail) from None
    return Frame(pl.DataFrame(pl.from_arrow(table)), by_index=True, by_name=False)


def _prediction_frame(predictions: np.ndarray, name: str) -> pl.DataFrame:
    import polars as pl

    if predictions.ndim == 1:
        return pl.DataFrame({name: predictions})
    return pl.DataFrame({f"{name}_{i}": predictions[:, i] for i in range(predictions.shape[1])})


def _with_predictions(frame: Frame, predictions: np.ndarray, name: str) -> Frame:
    import polars as pl

    if predictions.ndim == 1:
        column = pl.Series(name, predictions)
    else:
        column = pl.Series(name, predictions.tolist())
    return Frame(frame.df.with_columns(column), frame.by_index, frame.by_name)


def _format_predictions(predictions: np.ndarray) -> bytes:
    """One line per record: the probability as a decimal (shortest float32 round trip)."""
    buffer = io.BytesIO()
    _prediction_frame(predictions, "p").write_csv(buffer, include_header=False)
    return buffer.getvalue()


def _line_series(data: bytes) -> pl.Series:
    """The non-blank lines of `data` without their line ends, as one string column."""
    import numpy as np
    import polars as pl
    import pyarrow as pa

    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10) + 1
    if not data.endswith(b"\n"):
        ends = np.append(ends, len(data))
    offsets = np.concatenate(([0], ends)).astype(np.int64)
    lines = pa.LargeStringArray.from_buffers(
        len(ends), pa.py_buffer(offsets.tobytes()), pa.py_buffer(data)
    )
    try:
        lines.validate(full=True)
    except pa.ArrowInvalid as exc:
        raise RecordError(None, f"not valid UTF-8 text ({exc})") from None
    text = pl.Series("line", lines).str.strip_chars_end("\r\n")
    return text.filter(text.str.len_bytes() > 0)


def _join_lines(data: bytes, predictions: np.ndarray) -> bytes:
    """Each original CSV line, byte for byte, then a comma and its prediction."""
    text = _line_series(data)
    if len(text) != len(predictions):
        raise RecordError(None, "records and lines disagree; embedded newlines are not supported")
    frame = _prediction_frame(predictions, "p").insert_column(0, text)
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, quote_style="never")
    return buffer.getvalue()


def _wrap_arrays(data: bytes) -> bytes:
    """JSON arrays per line -> {"SageMakerInput": [...]} objects, which polars reads."""
    wrapped = ('{"' + INPUT_KEY + '":') + _line_series(data) + "}"
    buffer = io.BytesIO()
    wrapped.to_frame().write_csv(buffer, include_header=False, quote_style="never")
    return buffer.getvalue()


def _read_jsonl(data: bytes, original: bytes) -> pl.DataFrame:
    import polars as pl

    try:
        return pl.read_ndjson(data, infer_schema_length=None)
    except (pl.exceptions.PolarsError, ValueError, RuntimeError):
        raise _locate_json_error(original) from None


def _locate_json_error(data: bytes) -> RecordError:
    """Only on failure: find the first line that is not one JSON value of the file's kind."""
    import json

    for number, line in enumerate(data.split(b"\n")):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            return RecordError(number, f"not valid JSON ({exc})")
        if not isinstance(value, dict | list):
            return RecordError(number, "expected a JSON object or array")
    return RecordError(None, "records of different shapes that cannot be read as one table")


def _write(value: Frame | pl.Series, output: str) -> bytes:
    return write_jsonl(value) if output == formats.JSONLINES else write_csv(value)
