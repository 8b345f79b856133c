"""Predictions as a model-quality job reads them, with their labels, for one problem type.

Two sources: the files a traced transform keeps beside its output (`inference_id` and the
model's output, joined with the labels uploaded so far), or a dataset that already holds
both (Model Monitor's model-quality baseline dataset: CSV or Parquet, a file or a folder).

A traced file holds the model's output as `probability` (a binary model's score, and every
file written before the other layouts), `prediction` (a regression's value, or a class
index) or `probability_<class>` (a multiclass model: one column per class). A job reads any
layout as its problem type needs it: a multiclass job reads `probability` as the two classes
0 and 1, a regression job reads it as the value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from batchops.errors import InvalidInput
from batchops.models.problem_types import BINARY, MULTICLASS, REGRESSION, ProblemType
from batchops.monitor.ground_truth import class_names, encode_labels, labels_for

if TYPE_CHECKING:
    import numpy as np
    import polars as pl

    from batchops.store.prediction_files import GroundTruthSet

PROBABILITY = "probability"
PREDICTION = "prediction"
PREDICTED = "predicted"
CLASS_COLUMN = re.compile(r"^probability_(.+)$")


@dataclass(frozen=True)
class Predictions:
    """`frame`: `inference_id`, `label` (null until it comes) and the output the problem type
    reads: `probability` (binary), `prediction` (regression) or `predicted` (the class name,
    multiclass, with the class probabilities in `probabilities` when the model gave them)."""

    problem: ProblemType
    frame: pl.DataFrame
    probabilities: np.ndarray | None = None
    classes: list[str] | None = None

    @property
    def rows(self) -> int:
        return int(self.frame.height)

    def scores(self) -> np.ndarray | None:
        """What an estimate reads: the probability, the predicted value, or the rows of class
        probabilities (None for classes given without probabilities)."""
        if self.problem is MULTICLASS:
            return self.probabilities
        column = PROBABILITY if self.problem is BINARY else PREDICTION
        return self.frame.get_column(column).cast(_float()).to_numpy()

    def labelled(self) -> Predictions:
        """Only the rows whose label came."""
        import polars as pl

        keep = self.frame.get_column("label").is_not_null()
        probabilities = None if self.probabilities is None else self.probabilities[keep.to_numpy()]
        return Predictions(
            self.problem, self.frame.filter(pl.Series(keep)), probabilities, self.classes
        )


def _float() -> Any:
    import polars as pl

    return pl.Float64


def traced_predictions(
    uris: Sequence[str], problem: ProblemType, uploads: Sequence[GroundTruthSet] | None = None
) -> Predictions:
    """An execution's traced files joined with the newest label of each id (read only for
    these ids, so memory follows the execution) among `uploads` (default: every upload)."""
    import polars as pl

    if not uris:
        raise InvalidInput("no predictions to join: the run kept no inference ids")
    scanned = pl.scan_parquet(list(uris))
    outputs = [c for c in scanned.collect_schema().names() if c not in ("input_file", "row")]
    frame = scanned.select(outputs).collect()
    labels = labels_for(frame.get_column("inference_id"), uploads)
    joined = frame.join(labels, on="inference_id", how="left")
    joined = encode_labels(joined, problem).drop("positive", "source")
    return of_outputs(joined, problem)


def of_outputs(frame: pl.DataFrame, problem: ProblemType) -> Predictions:
    """The model's output columns (any traced layout) as `problem` reads them."""
    import numpy as np
    import polars as pl

    class_columns = {
        m.group(1): c for c in frame.columns if (m := CLASS_COLUMN.match(c)) is not None
    }
    keep = [c for c in ("inference_id", "label") if c in frame.columns]
    if problem is MULTICLASS:
        if not class_columns and PROBABILITY in frame.columns:  # a binary model's score
            p = frame.get_column(PROBABILITY).cast(pl.Float64)
            class_columns = {"0": "_p0", "1": PROBABILITY}
            frame = frame.with_columns((1.0 - p).alias("_p0"))
        if class_columns:
            names = list(class_columns)
            probabilities = frame.select(
                pl.col(class_columns[n]).cast(pl.Float64) for n in names
            ).to_numpy()
            predicted = (
                _class_names(frame.get_column(PREDICTION))
                if PREDICTION in frame.columns
                else pl.Series(PREDICTED, np.asarray(names)[probabilities.argmax(axis=1)])
            )
            selected = frame.select(keep).with_columns(predicted.alias(PREDICTED))
            return Predictions(MULTICLASS, selected, probabilities, names)
        given = _class_names(frame.get_column(_single(frame, PREDICTION, PREDICTED)))
        return Predictions(MULTICLASS, frame.select(keep).with_columns(given.alias(PREDICTED)))
    if class_columns:
        raise InvalidInput(
            f"the predictions hold one probability per class ({', '.join(class_columns)}): "
            f"a MulticlassClassification model's, not a {problem.name} one's"
        )
    wanted = PROBABILITY if problem is BINARY else PREDICTION
    column = _single(frame, wanted, PROBABILITY if problem is REGRESSION else PREDICTION)
    values = frame.get_column(column).cast(pl.Float64, strict=False)
    if values.null_count() > frame.get_column(column).null_count() or values.is_nan().any():
        raise InvalidInput(f"the predictions' {column!r} column holds values that are not numbers")
    return Predictions(problem, frame.select(keep).with_columns(values.alias(wanted)))


def _class_names(values: pl.Series) -> pl.Series:
    """Predicted classes as text, a whole number written as a float (`2.0`) read as `2`, as
    labels are read."""
    import polars as pl

    return values.to_frame("v").select(class_names(pl.col("v").cast(pl.String))).to_series()


def _single(frame: pl.DataFrame, *names: str) -> str:
    for name in names:
        if name in frame.columns:
            return name
    raise InvalidInput(
        f"the predictions have no {' or '.join(repr(n) for n in names)} column "
        f"(they have {', '.join(frame.columns)})"
    )


def read_labelled_dataset(
    uri: str,
    problem: ProblemType,
    *,
    ground_truth_attribute: str,
    inference_attribute: str | None = None,
    probability_attribute: str | None = None,
    header: bool | None = True,
    positive: str | None = None,
) -> Predictions:
    """Predictions that carry their labels (SageMaker's model-quality baseline dataset), CSV
    or Parquet, a file or a folder; `inference_id` is the row number.

    Binary: `probability_attribute` (else `inference_attribute`) is the score, the label 0/1
    (or `positive` and one other value). Regression: `inference_attribute` (else
    `probability_attribute`) is the predicted value. Multiclass: `inference_attribute` is the
    predicted class, and/or `probability_attribute` the prefix of one probability column per
    class (`<prefix>_<class>`)."""
    import polars as pl

    from batchops.data.files import list_data_files
    from batchops.store import artifacts

    frames = []
    offset = 0
    for item in list_data_files(uri):
        data = artifacts.read_bytes(item.uri)
        try:
            if item.format == "parquet":
                frame = pl.read_parquet(data)
            else:
                frame = pl.read_csv(data, has_header=header is not False, infer_schema=False)
                if header is False:
                    frame = frame.rename({c: str(i) for i, c in enumerate(frame.columns)})
        except pl.exceptions.PolarsError as exc:
            first = str(exc).splitlines()[0]
            raise InvalidInput(f"{item.uri}: not a readable CSV or Parquet file ({first})") from exc
        outputs = _dataset_outputs(
            frame, item.uri, problem, inference_attribute, probability_attribute
        )
        if ground_truth_attribute not in frame.columns:
            columns = ", ".join(frame.columns)
            raise InvalidInput(
                f"{item.uri}: no column {ground_truth_attribute!r} (it has {columns})"
            )
        labelled = outputs.with_columns(
            pl.int_range(offset + 1, offset + frame.height + 1, eager=True)
            .cast(pl.String)
            .alias("inference_id"),
            frame.get_column(ground_truth_attribute).cast(pl.String).alias("label"),
            pl.lit(positive, dtype=pl.String).alias("positive"),
            pl.lit(item.uri).alias("source"),
        )
        if labelled.get_column("label").null_count():
            row = int(labelled.get_column("label").is_null().arg_true()[0])
            raise InvalidInput(
                f"{item.uri}, row {row + 1}: the label {ground_truth_attribute!r} is empty"
            )
        frames.append(encode_labels(labelled, problem).drop("positive", "source"))
        offset += frame.height
    if not frames:
        raise InvalidInput(f"{uri}: no data files")
    return of_outputs(pl.concat(frames, how="diagonal_relaxed"), problem)


def _dataset_outputs(
    frame: pl.DataFrame,
    source: str,
    problem: ProblemType,
    inference: str | None,
    probability: str | None,
) -> pl.DataFrame:
    """The dataset's output columns renamed to the traced layout's names."""
    import polars as pl

    def need(column: str | None, what: str) -> str:
        if not column:
            raise InvalidInput(f"{source}: name the {what} ({problem.name})")
        if column not in frame.columns:
            raise InvalidInput(
                f"{source}: no column {column!r} (it has {', '.join(frame.columns)})"
            )
        return column

    if problem is BINARY:
        column = need(probability or inference, "probability attribute (or inference attribute)")
        return frame.select(pl.col(column).alias(PROBABILITY))
    if problem is REGRESSION:
        column = need(inference or probability, "inference attribute (the predicted value)")
        return frame.select(pl.col(column).alias(PREDICTION))
    selected = []
    if probability:
        prefix = f"{probability}_"
        columns = [c for c in frame.columns if c.startswith(prefix)]
        if not columns:
            raise InvalidInput(
                f"{source}: no columns {prefix}<class> of class probabilities "
                f"(it has {', '.join(frame.columns)})"
            )
        selected += [pl.col(c).alias(f"probability_{c[len(prefix) :]}") for c in columns]
    if inference:
        selected.append(pl.col(need(inference, "inference attribute")).alias(PREDICTION))
    if not selected:
        raise InvalidInput(
            f"{source}: name the inference attribute (the predicted class) or the probability "
            "attribute (the prefix of the class probability columns)"
        )
    return frame.select(selected)
