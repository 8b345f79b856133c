"""The model-quality job: predictions joined with their late labels, in Model Monitor's formats.

Writes into the output folder, as SageMaker's model-quality job does:
- `statistics.json`: `binary_classification_metrics` (confusion matrix, accuracy, precision,
  recall, f0_5/f1/f2, auc, the best-constant-classifier figures, ROC and precision-recall
  curves), each `{"value", "standard_deviation"}` (`batchops.models.metrics`, the same function
  the evaluation uses);
- `constraints.json`: `binary_classification_constraints`, each `{"threshold",
  "comparison_operator"}`, suggested from these statistics, or the ones given, checked:
- `constraint_violations.json`: `violations[]` of `metric_name`, `constraint_check_type` (the
  comparison operator that failed) and `description` ("Metric auc with 0.81 was
  LessThanThreshold 0.85"), field for field as Model Monitor's model-quality job writes them
  (no `feature_name`: that is the data-quality file's);
- `model_quality.json`: ours: how many predictions had labels (`label_coverage`, itself a
  metric), the CBPE estimate beside the realised figures, and the prediction drift.
The join is columnar (polars, Parquet in), so a million predictions take a fraction of a second.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batchops.errors import InvalidInput, JobFailed
from batchops.models.metrics import binary_classification_metrics, evaluation_values
from batchops.monitor.estimate import (
    DEFAULT_DRIFT_THRESHOLD,
    estimate_performance,
    prediction_drift,
)
from batchops.store import artifacts
from batchops.store.metric_names import model_quality_metric

if TYPE_CHECKING:
    import polars as pl

STATISTICS = "statistics.json"
CONSTRAINTS = "constraints.json"
VIOLATIONS = "constraint_violations.json"
SUMMARY = "model_quality.json"
#: Figures that are better when higher get LessThanThreshold, rates of error GreaterThan.
CONSTRAINED_HIGHER_IS_BETTER = (
    "accuracy",
    "precision",
    "recall",
    "f0_5",
    "f1",
    "f2",
    "auc",
    "true_positive_rate",
    "true_negative_rate",
)
CONSTRAINED_LOWER_IS_BETTER = ("false_positive_rate", "false_negative_rate")
OPERATORS = {
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
}
_TOLERANCE = 1e-12


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


def join_predictions(predictions: Sequence[str], labels: pl.DataFrame) -> pl.DataFrame:
    """Predictions (Parquet files of inference_id, probability, …) with a `label` column,
    null where no label has come yet."""
    import polars as pl

    if not predictions:
        raise InvalidInput("no predictions to join: the run kept no inference ids")
    scanned = pl.scan_parquet(list(predictions)).select("inference_id", "probability")
    return scanned.join(labels.lazy(), on="inference_id", how="left").collect()


def model_quality(
    joined: pl.DataFrame,
    out_dir: str | Path | None = None,
    *,
    threshold: float = 0.5,
    constraints: dict[str, Any] | None = None,
    score_reference: dict[str, Any] | None = None,
    drift_threshold: float = DEFAULT_DRIFT_THRESHOLD,
) -> ModelQualityResult:
    """Metrics of the labelled predictions, the estimate of all of them, checks, files."""
    import polars as pl

    total = joined.height
    if total == 0:
        raise InvalidInput("no predictions to measure")
    probabilities = joined.get_column("probability").cast(pl.Float64).to_numpy()
    labelled = joined.filter(pl.col("label").is_not_null())
    coverage = labelled.height / total
    estimate = estimate_performance(probabilities, threshold)
    summary: dict[str, Any] = {
        "predictions": total,
        "labelled": labelled.height,
        "label_coverage": coverage,
        "threshold": threshold,
        "estimate": estimate,
    }
    metrics: dict[str, float] = {
        model_quality_metric("label_coverage"): coverage,
        model_quality_metric("estimated_accuracy"): estimate["accuracy"]["value"],
    }
    if estimate["auc"]["value"] is not None:
        metrics[model_quality_metric("estimated_auc")] = estimate["auc"]["value"]
    violations: list[dict[str, Any]] = []
    if score_reference is not None:
        drift = prediction_drift(probabilities, score_reference)
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
                        f"{drift_threshold} (PSI of the scores against the holdout's)"
                    ),
                }
            )
    statistics: dict[str, Any] = {"version": 0.0, "dataset": {"item_count": 0}}
    suggested: dict[str, Any] = {"version": 0.0, "binary_classification_constraints": {}}
    if labelled.height:
        statistics = binary_classification_metrics(
            labelled.get_column("label").to_numpy(),
            labelled.get_column("probability").cast(pl.Float64).to_numpy(),
            threshold,
        )
        suggested = suggest_constraints(statistics)
        realised = evaluation_values(statistics)
        summary["realised"] = {k: realised[k] for k in ("accuracy", "auc") if k in realised}
        metrics.update({model_quality_metric(k): v for k, v in realised.items()})
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


def suggest_constraints(statistics: dict[str, Any]) -> dict[str, Any]:
    """Thresholds at the baseline's own values: worse than the baseline is a violation."""
    body = statistics.get("binary_classification_metrics", {})
    found: dict[str, Any] = {}
    for name in (*CONSTRAINED_HIGHER_IS_BETTER, *CONSTRAINED_LOWER_IS_BETTER):
        value = body.get(name, {}).get("value")
        if isinstance(value, int | float):
            operator = (
                "LessThanThreshold"
                if name in CONSTRAINED_HIGHER_IS_BETTER
                else "GreaterThanThreshold"
            )
            found[name] = {"threshold": value, "comparison_operator": operator}
    return {"version": 0.0, "binary_classification_constraints": found}


def check_constraints(
    statistics: dict[str, Any], constraints: dict[str, Any]
) -> list[dict[str, Any]]:
    """A violation per metric whose value meets its constraint's comparison operator."""
    body = statistics.get("binary_classification_metrics", {})
    wanted = constraints.get("binary_classification_constraints")
    if not isinstance(wanted, dict):
        raise InvalidInput("constraints: expected a binary_classification_constraints object")
    violations = []
    for name, rule in wanted.items():
        operator = rule.get("comparison_operator") if isinstance(rule, dict) else None
        threshold = rule.get("threshold") if isinstance(rule, dict) else None
        if operator not in OPERATORS or not isinstance(threshold, int | float):
            raise InvalidInput(
                f"constraints: {name} needs a numeric threshold and a comparison_operator of "
                f"{', '.join(OPERATORS)}"
            )
        value = body.get(name, {}).get("value")
        if not isinstance(value, int | float):
            continue
        margin = _TOLERANCE * max(1.0, abs(threshold))
        nudged = value + margin if operator.startswith("Less") else value - margin
        if OPERATORS[operator](nudged, threshold):
            violations.append(
                {
                    "metric_name": name,
                    "constraint_check_type": operator,
                    "description": f"Metric {name} with {value} was {operator} {threshold}",
                }
            )
    return violations


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


def read_labelled_dataset(
    uri: str,
    *,
    probability_column: str,
    label_column: str,
    header: bool | None = True,
) -> pl.DataFrame:
    """Predictions that carry their labels (SageMaker's model-quality baseline dataset): CSV
    or Parquet, a file or a folder, as `inference_id` (the row), `probability`, `label`."""
    import polars as pl

    from batchops.data.files import list_data_files

    frames = []
    for item in list_data_files(uri):
        data = artifacts.read_bytes(item.uri)
        try:
            if item.uri.endswith(".parquet"):
                frame = pl.read_parquet(data)
            else:
                frame = pl.read_csv(data, has_header=header is not False, infer_schema=False)
                if header is False:
                    frame = frame.rename({c: str(i) for i, c in enumerate(frame.columns)})
        except pl.exceptions.PolarsError as exc:
            first = str(exc).splitlines()[0]
            raise InvalidInput(f"{item.uri}: not a readable CSV or Parquet file ({first})") from exc
        for column in (probability_column, label_column):
            if column not in frame.columns:
                raise InvalidInput(
                    f"{item.uri}: no column {column!r} (it has {', '.join(frame.columns)})"
                )
        probability = frame.get_column(probability_column).cast(pl.Float64, strict=False)
        label = frame.get_column(label_column).cast(pl.Float64, strict=False)
        bad = (probability.is_null() | label.is_null() | ~label.is_in([0.0, 1.0])).arg_true()
        if bad.len():
            row = int(bad[0])
            raise InvalidInput(
                f"{item.uri}, row {row + 1}: {probability_column!r} must be a number and "
                f"{label_column!r} 0 or 1, found {frame.item(row, probability_column)!r} and "
                f"{frame.item(row, label_column)!r}"
            )
        frames.append(
            pl.DataFrame(
                {
                    "inference_id": pl.int_range(1, frame.height + 1, eager=True).cast(pl.String),
                    "probability": probability,
                    "label": label.cast(pl.Int8),
                }
            )
        )
    if not frames:
        raise InvalidInput(f"{uri}: no data files")
    return pl.concat(frames)
