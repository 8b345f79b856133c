"""The model-quality job: predictions with their labels, in Model Monitor's formats.

For each problem type (`Regression`, `BinaryClassification`, `MulticlassClassification`) it
writes into the output folder, as SageMaker's model-quality job does:
- `statistics.json`: `regression_metrics`, `binary_classification_metrics` or
  `multiclass_classification_metrics`, each figure `{"value", "standard_deviation"}` (the
  functions of `batchops.models`, which evaluations use too);
- `constraints.json`: the constraints given, or suggested from these statistics
  (`quality_constraints`);
- `constraint_violations.json`: `violations[]` of `metric_name`, `constraint_check_type` and
  `description`, field for field as the service writes them;
- `model_quality.json`: ours: how many predictions had labels (`label_coverage`, itself a
  metric), the estimate of all of them before their labels came with its band and, where
  labels came, its error (`estimate`), and the prediction drift.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batchops.errors import InvalidInput, JobFailed
from batchops.models.metrics import binary_classification_metrics, evaluation_values
from batchops.models.multiclass_metrics import multiclass_classification_metrics
from batchops.models.problem_types import (
    BINARY,
    MULTICLASS,
    PROBLEM_TYPES,
    REGRESSION,
    ProblemType,
)
from batchops.models.regression_metrics import regression_metrics
from batchops.monitor.estimate import estimate_quality
from batchops.monitor.prediction_drift import DEFAULT_DRIFT_THRESHOLD, prediction_drift
from batchops.monitor.predictions import (
    PREDICTED,
    PROBABILITY,
    Predictions,
    read_labelled_dataset,
)
from batchops.monitor.quality_constraints import check_constraints, suggest_constraints
from batchops.monitor.reference import read_reference, reference_document
from batchops.store import artifacts
from batchops.store.metric_names import model_quality_metric

if TYPE_CHECKING:
    import numpy as np

STATISTICS = "statistics.json"
CONSTRAINTS = "constraints.json"
VIOLATIONS = "constraint_violations.json"
SUMMARY = "model_quality.json"
#: The figures the summary, the command line and the trend show first, by problem type.
HEADLINE = {p.name: p.shown for p in PROBLEM_TYPES.values()}


@dataclass(frozen=True)
class ModelQualityResult:
    out_dir: str | None
    statistics: dict[str, Any]
    constraints: dict[str, Any]
    violations: list[dict[str, Any]]
    summary: dict[str, Any]
    metrics: dict[str, float] = field(default_factory=dict)
    """Headline figures for the metric series: realised, estimated, coverage, drift."""

    def to_json(self) -> dict[str, Any]:
        return {"out_dir": self.out_dir, **self.summary, "violations": self.violations}

    def raise_for_violations(self, violations_uri: str | None = None) -> None:
        """The one place model-quality violations become a failed job, as
        `CheckResult.raise_for_violations` is for data quality: `JobFailed` naming the
        metrics and the report (`violations_uri`, default where it was written)."""
        if not self.violations:
            return
        names = ", ".join(v["metric_name"] for v in self.violations)
        where = violations_uri or (artifacts.join(self.out_dir, VIOLATIONS) if self.out_dir else "")
        see = f"; see {where}" if where else ""
        raise JobFailed(f"{len(self.violations)} model-quality violation(s) ({names}){see}")


def model_quality(
    predictions: Predictions,
    out_dir: str | Path | None = None,
    *,
    threshold: float = 0.5,
    constraints: dict[str, Any] | None = None,
    score_reference: dict[str, Any] | None = None,
    drift_threshold: float = DEFAULT_DRIFT_THRESHOLD,
    chunk_size: int | None = None,
    estimated: bool = True,
) -> ModelQualityResult:
    """Metrics of the labelled predictions, the estimate of all of them (unless not
    `estimated`), checks, files."""
    problem = predictions.problem
    total = predictions.rows
    if total == 0:
        raise InvalidInput("no predictions to measure")
    labelled = predictions.labelled()
    coverage = labelled.rows / total
    summary: dict[str, Any] = {
        "problem_type": problem.name,
        "predictions": total,
        "labelled": labelled.rows,
        "label_coverage": coverage,
    }
    if problem is BINARY:
        summary["threshold"] = threshold
    metrics: dict[str, float] = {model_quality_metric("label_coverage"): coverage}
    estimate = _estimate(predictions, score_reference, threshold, chunk_size) if estimated else None
    if estimate is not None:
        summary["estimate"] = estimate
        for name in HEADLINE[problem.name]:
            value = (estimate.get(name) or {}).get("value")
            if value is not None:
                metrics[model_quality_metric(f"estimated_{name}")] = value
    violations: list[dict[str, Any]] = []
    if score_reference is not None:
        drift = prediction_drift(_drift_values(predictions), score_reference)
        summary["prediction_drift"] = {
            "psi": drift,
            "threshold": drift_threshold,
            "drifted": drift > drift_threshold,
        }
        metrics[model_quality_metric("prediction_drift_psi")] = drift
        if drift > drift_threshold:
            violations.append(
                {
                    "metric_name": "prediction_drift",
                    "constraint_check_type": "GreaterThanThreshold",
                    "description": (
                        f"Metric prediction_drift with {drift} was GreaterThanThreshold "
                        f"{drift_threshold} (PSI of the predictions against the holdout's)"
                    ),
                }
            )
    statistics: dict[str, Any] = {"version": 0.0, "dataset": {"item_count": 0}}
    suggested: dict[str, Any] = {"version": 0.0, problem.constraints_key: {}}
    if labelled.rows:
        statistics = problem_statistics(labelled, threshold)
        suggested = suggest_constraints(statistics)
        realised = evaluation_values(statistics)
        summary["realised"] = {k: realised[k] for k in HEADLINE[problem.name] if k in realised}
        metrics.update({model_quality_metric(k): v for k, v in realised.items()})
        for name in HEADLINE[problem.name]:
            found = (estimate or {}).get(name) or {}
            if found.get("error") is not None:
                metrics[model_quality_metric(f"estimate_error_{name}")] = found["error"]
        violations.extend(check_constraints(statistics, constraints or suggested))
    result = ModelQualityResult(
        str(out_dir) if out_dir is not None else None,
        statistics,
        constraints or suggested,
        violations,
        summary,
        metrics,
    )
    if out_dir is not None:
        _write(result, str(out_dir), constraints is not None)
    return result


def problem_statistics(labelled: Predictions, threshold: float = 0.5) -> dict[str, Any]:
    """Model Monitor's statistics document of predictions that all have labels."""
    frame = labelled.frame
    labels = frame.get_column("label")
    if labelled.problem is BINARY:
        scores = frame.get_column(PROBABILITY).to_numpy()
        return binary_classification_metrics(labels.to_numpy(), scores, threshold)
    if labelled.problem is REGRESSION:
        return regression_metrics(labels.to_numpy(), labelled.scores())
    return multiclass_classification_metrics(
        labels.to_numpy(), frame.get_column(PREDICTED).to_numpy(), classes=labelled.classes
    )


def _estimate(
    predictions: Predictions,
    score_reference: dict[str, Any] | None,
    threshold: float,
    chunk_size: int | None,
) -> dict[str, Any] | None:
    scores = predictions.scores()
    if scores is None:
        return None  # classes without probabilities: nothing to be confident about
    reference = read_reference(score_reference)
    if (
        reference is not None
        and reference.problem is MULTICLASS
        and reference.classes != predictions.classes
    ):
        raise InvalidInput(
            f"the predictions' classes ({', '.join(predictions.classes or [])}) are not "
            f"the reference's ({', '.join(reference.classes or [])})"
        )
    labels = predictions.frame.get_column("label")
    return estimate_quality(
        predictions.problem,
        scores,
        reference,
        threshold=threshold,
        labels=labels.to_numpy(),
        known=labels.is_not_null().to_numpy(),
        chunk_size=chunk_size,
    )


def _drift_values(predictions: Predictions) -> np.ndarray:
    if predictions.problem is MULTICLASS:
        return predictions.frame.get_column(PREDICTED).to_numpy()
    scores = predictions.scores()
    assert scores is not None
    return scores


def _write(result: ModelQualityResult, out: str, given_constraints: bool) -> None:
    def dump(name: str, document: Any) -> None:
        artifacts.write_text(artifacts.join(out, name), json.dumps(document, indent=2) + "\n")

    dump(STATISTICS, result.statistics)
    dump(CONSTRAINTS, result.constraints)
    dump(VIOLATIONS, {"violations": result.violations})
    dump(SUMMARY, {**result.summary, "constraints_given": given_constraints})


def read_json_file(uri: str | Path, what: str) -> dict[str, Any]:
    try:
        document = json.loads(artifacts.read_text(uri))
    except FileNotFoundError:
        raise InvalidInput(f"{what} {uri} does not exist") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{what} {uri}: not JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise InvalidInput(f"{what} {uri}: expected a JSON object")
    return document


def measure_dataset(
    dataset: str,
    problem: ProblemType,
    *,
    ground_truth_attribute: str,
    inference_attribute: str | None = None,
    probability_attribute: str | None = None,
    out_dir: str | Path | None = None,
    constraints_uri: str | None = None,
    reference_uri: str | None = None,
    threshold: float = 0.5,
    positive: str | None = None,
    header: bool | None = True,
    chunk_size: int | None = None,
) -> ModelQualityResult:
    """The model-quality job of a dataset that holds predictions and labels (Model Monitor's
    model-quality baseline job). `reference_uri`, a labelled dataset of the same columns from
    the reference period, gives the estimate (beside the realised figures, with its error)
    and the prediction drift."""

    def read(uri: str) -> Predictions:
        return read_labelled_dataset(
            uri,
            problem,
            ground_truth_attribute=ground_truth_attribute,
            inference_attribute=inference_attribute,
            probability_attribute=probability_attribute,
            header=header,
            positive=positive,
        )

    found = read(dataset)
    document = reference_of(read(reference_uri)) if reference_uri else None
    constraints = read_json_file(constraints_uri, "constraints") if constraints_uri else None
    return model_quality(
        found,
        out_dir,
        threshold=threshold,
        constraints=constraints,
        score_reference=document,
        chunk_size=chunk_size,
    )


def reference_of(predictions: Predictions) -> dict[str, Any]:
    """The reference document (`score_distribution.json`) of labelled predictions."""
    labelled = predictions.labelled()
    scores = labelled.scores()
    if scores is None:
        raise InvalidInput(
            "a multiclass reference needs the class probabilities (--probability-attribute)"
        )
    return reference_document(
        labelled.problem,
        labelled.frame.get_column("label").to_numpy(),
        scores,
        classes=labelled.classes,
    )
