"""The reference period of a model: its holdout's predictions, with their labels.

An evaluation writes it into `score_distribution.json` (registered with the version as
`score-distribution.json`) beside the distribution prediction drift is measured against:
`{"problem_type", "bin_edges"/"classes", "counts", "reference": {"labels", "scores",
"classes"}}`. `scores` are the probabilities (binary), the predicted values (regression) or
one row of class probabilities per prediction (multiclass; `classes` names the columns).
At most MAX_ROWS rows are kept (a fixed-seed sample), enough for the estimates' calibration
and sampling error at a few hundred kilobytes. Files written before this have only the
distribution: they give no reference, and the estimate falls back to the raw scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from batchops.errors import InvalidInput
from batchops.models.problem_types import BINARY, MULTICLASS, REGRESSION, ProblemType, problem_type
from batchops.monitor.prediction_drift import (
    class_distribution,
    score_distribution,
    value_distribution,
)

if TYPE_CHECKING:
    import numpy as np

MAX_ROWS = 20_000
SEED = 0


@dataclass(frozen=True)
class Reference:
    """Labelled predictions of the reference period, as one problem type reads them."""

    problem: ProblemType
    labels: np.ndarray
    """0/1 (binary), numbers (regression), class names (multiclass)."""
    scores: np.ndarray
    """Probabilities (binary), predicted values (regression), rows of class probabilities."""
    classes: list[str] | None = None

    @property
    def rows(self) -> int:
        return int(self.labels.size)


def reference_document(
    problem: ProblemType,
    labels: Any,
    scores: Any,
    *,
    classes: list[str] | None = None,
) -> dict[str, Any]:
    """What an evaluation writes as score_distribution.json: the drift reference of all the
    predictions and a sample of at most MAX_ROWS labelled predictions."""
    import numpy as np

    truth = np.asarray(labels).reshape(-1)
    values = np.asarray(scores, dtype=np.float64)
    if problem is MULTICLASS:
        if classes is None or values.ndim != 2 or values.shape[1] != len(classes):
            raise InvalidInput("a multiclass reference needs one probability column per class")
        names = [str(c) for c in classes]
        drift = class_distribution(np.asarray(names)[values.argmax(axis=1)])
    else:
        values = values.reshape(-1)
        names = None
        drift = score_distribution(values) if problem is BINARY else value_distribution(values)
    if truth.size != values.shape[0]:
        raise InvalidInput(f"{truth.size} labels but {values.shape[0]} predictions")
    if truth.size > MAX_ROWS:
        keep = np.sort(np.random.default_rng(SEED).choice(truth.size, MAX_ROWS, replace=False))
        truth, values = truth[keep], values[keep]
    sample: dict[str, Any] = {
        "labels": truth.astype(str).tolist() if problem is MULTICLASS else truth.tolist(),
        "scores": values.tolist(),
    }
    if names is not None:
        sample["classes"] = names
    return {"problem_type": problem.name, **drift, "reference": sample}


def read_reference(document: dict[str, Any] | None) -> Reference | None:
    """The labelled sample of a score_distribution.json, or None when it has none."""
    import numpy as np

    sample = (document or {}).get("reference")
    if not isinstance(sample, dict):
        return None
    try:
        problem = problem_type(str(document.get("problem_type", BINARY.name)))  # type: ignore[union-attr]
        scores = np.asarray(sample["scores"], dtype=np.float64)
        if problem is MULTICLASS:
            labels = np.asarray(sample["labels"]).astype(str)
            classes = [str(c) for c in sample["classes"]]
            if scores.ndim != 2 or scores.shape[1] != len(classes):
                raise ValueError("one probability column per class expected")
            return Reference(problem, labels, scores, classes)
        dtype = np.float64 if problem is REGRESSION else np.int8
        return Reference(problem, np.asarray(sample["labels"], dtype=dtype), scores.reshape(-1))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(
            f"score distribution: its reference sample is not readable ({exc})"
        ) from exc
