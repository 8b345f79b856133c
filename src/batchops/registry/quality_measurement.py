"""The model-quality job as the registry runs it: over the predictions one execution (or a
transform's output folder) made, per model version, against the version's holdout scores.

Each version's figures are also recorded per (version, prediction date), so a late label
updates that date's datapoint instead of adding one (`store.metrics.upsert_metrics`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from batchops.errors import InvalidInput, NotFound
from batchops.models.problem_types import (
    BINARY,
    MULTICLASS,
    PROBLEM_TYPES,
    REGRESSION,
    ProblemType,
    problem_type,
)
from batchops.monitor.model_quality import (
    ModelQualityResult,
    model_quality,
    read_json_file,
)
from batchops.monitor.predictions import CLASS_COLUMN, PREDICTION, traced_predictions
from batchops.registry.prediction_index import prediction_files
from batchops.registry.versions import get_version
from batchops.store import artifacts
from batchops.store.metrics import upsert_metrics
from batchops.store.prediction_files import GroundTruthSet, PredictionSet, prediction_sets
from batchops.transform.traced import PREDICTIONS_FOLDER


def measure_execution(
    execution_id: str | None = None,
    *,
    predictions_dir: str | None = None,
    out_dir: str | Path | None = None,
    threshold: float = 0.5,
    constraints_uri: str | None = None,
    score_reference_uri: str | None = None,
    role: str | None = None,
    problem: str | None = None,
    chunk_size: int | None = None,
    label_uploads: Sequence[GroundTruthSet] | None = None,
) -> dict[str, ModelQualityResult]:
    """The model-quality job for each model version an execution (or folder) scored with.

    One result per version (the approved one, and a shadow one when the run had it); with
    `out_dir`, each version's files go to `out_dir` (the only one) or `out_dir/<role>`.
    The problem type is `problem` when given, else the version's (its reference says it),
    else what the predictions' layout says (`problem_type_of`). The labels are those of
    `label_uploads` (default: every upload): a Dask worker measuring a folder is given them
    and so needs no database.
    """
    if (execution_id is None) == (predictions_dir is None):
        raise InvalidInput("give an execution id or a predictions folder, not both")
    if execution_id is not None:
        sets = [s for s in prediction_sets(execution_id) if role is None or s.role == role]
        if not sets:
            raise NotFound(
                f"execution {execution_id} recorded no predictions with inference ids "
                "(batch-inference records them)"
            )
    else:
        found = prediction_files(str(predictions_dir))
        if not found:
            raise NotFound(
                f"{predictions_dir} holds no {PREDICTIONS_FOLDER}/ files: transform it with "
                "--id-column or --trace-ids"
            )
        sets = [
            PredictionSet(
                uri, None, None, None, None, "champion", None, None, rows, datetime.now(UTC)
            )
            for uri, rows in found
        ]
    by_role: dict[str, list[PredictionSet]] = defaultdict(list)
    for item in sets:
        by_role[item.role].append(item)
    constraints = read_json_file(constraints_uri, "constraints") if constraints_uri else None
    results: dict[str, ModelQualityResult] = {}
    for name, group_sets in by_role.items():
        reference = _score_reference(group_sets[0], score_reference_uri)
        uris = [s.uri for s in group_sets]
        kind = problem_type(problem) if problem else problem_type_of(uris, reference)
        target = None
        if out_dir is not None:
            target = str(out_dir) if len(by_role) == 1 else artifacts.join(str(out_dir), name)
        results[name] = model_quality(
            traced_predictions(uris, kind, label_uploads),
            target,
            threshold=threshold,
            constraints=constraints,
            score_reference=reference,
            chunk_size=chunk_size,
        )
        if execution_id is not None:
            _record_by_date(group_sets, kind, threshold, execution_id)
    return results


def problem_type_of(uris: list[str], reference: dict[str, Any] | None) -> ProblemType:
    """The version's problem type (its reference names it), else the traced layout's: one
    probability column per class is multiclass, `prediction` regression, `probability`
    binary (as every file written before the other layouts)."""
    import polars as pl

    named = (reference or {}).get("problem_type")
    if isinstance(named, str) and named in PROBLEM_TYPES:
        return PROBLEM_TYPES[named]
    columns = pl.scan_parquet(uris[0]).collect_schema().names()
    if any(CLASS_COLUMN.match(c) for c in columns):
        return MULTICLASS
    return REGRESSION if PREDICTION in columns else BINARY


def _score_reference(item: PredictionSet, given: str | None) -> dict[str, Any] | None:
    if given:
        return read_json_file(given, "score distribution")
    if item.group is None or item.version is None:
        return None
    uri = get_version(item.group, item.version).score_distribution_uri
    return read_json_file(uri, "score distribution") if uri else None


def _record_by_date(
    sets: list[PredictionSet], problem: ProblemType, threshold: float, run: str
) -> None:
    """Realised figures per (version, prediction date) over every prediction of that date:
    a late label replaces that date's datapoint instead of adding one."""
    item = sets[0]
    if item.group is None:
        return
    date = item.predicted_at.date().isoformat()
    same_day = [
        s
        for s in prediction_sets()
        if s.group == item.group
        and s.version == item.version
        and s.predicted_at.date().isoformat() == date
    ]
    found = traced_predictions([s.uri for s in same_day], problem)
    result = model_quality(found, None, threshold=threshold, estimated=False)
    upsert_metrics(
        f"model-quality:{item.group}/{item.version}/{date}",
        result.metrics,
        key=f"{item.group}/{item.version}|{date}",
        execution_id=run,
        step_name="model-quality",
    )
