"""Model quality as the registry sees it: per version, per prediction date, traced to rows.

`measure_execution` runs the model-quality job over one execution's predictions (or a
transform's output folder), against the version's holdout score distribution, and records the
figures per (version, prediction date) so a late label updates that date's datapoint.
`prediction_lineage` answers where one prediction came from; `compare_versions` puts two
versions' evaluation and realised figures side by side.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from batchops.errors import InvalidInput, NotFound
from batchops.models.problem_types import (
    BINARY,
    MULTICLASS,
    PROBLEM_TYPES,
    REGRESSION,
    SHOWN,
    ProblemType,
    problem_type,
)
from batchops.monitor.model_quality import (
    ModelQualityResult,
    model_quality,
    read_json_file,
)
from batchops.monitor.predictions import CLASS_COLUMN, PREDICTION, traced_predictions
from batchops.registry.refs import parse_version_ref
from batchops.registry.versions import get_version
from batchops.store import artifacts
from batchops.store.metrics import metric_history, upsert_metrics
from batchops.store.quality import PredictionSet, prediction_sets
from batchops.transform.traced import PREDICTIONS_FOLDER


def record_traced_predictions(
    output: str,
    *,
    execution_id: str | None,
    step_name: str | None,
    model_uri: str,
    input_uri: str | None,
    role: str = "champion",
    raw_input: bool = False,
) -> int:
    """Index the inference-id files a traced transform wrote beside `output`, naming the
    registry version whose model file scored them (when it is one) and the baseline such
    input is checked against (the raw training data's for a raw extract)."""
    from batchops.store.quality import add_prediction_set

    found = _version_of_model(model_uri)
    group, version = (found.group, found.version) if found else (None, None)
    baseline_uri = None
    if found is not None:
        baseline_uri = (raw_input and found.raw_statistics_uri) or found.statistics_uri
    count = 0
    for uri, rows in _prediction_files(output):
        add_prediction_set(
            uri,
            rows=rows,
            execution_id=execution_id,
            step_name=step_name,
            group=group,
            version=version,
            role=role,
            input_uri=input_uri,
            baseline_uri=baseline_uri,
        )
        count += 1
    return count


def _version_of_model(model_uri: str) -> Any:
    from sqlalchemy import select

    from batchops.registry.versions import get_version as version_of
    from batchops.store.db import session_scope
    from batchops.store.schema.registry import ModelVersionRow

    with session_scope() as session:
        row = session.execute(
            select(ModelVersionRow.group_name, ModelVersionRow.version).where(
                ModelVersionRow.model_data_uri == model_uri
            )
        ).first()
    return version_of(row[0], row[1]) if row else None


def _prediction_files(output: str) -> list[tuple[str, int]]:
    import polars as pl

    folder = artifacts.join(str(output), PREDICTIONS_FOLDER)
    if not artifacts.is_local(folder):
        fs, path = artifacts.filesystem(folder)
        names = (
            sorted(p for p in fs.find(path) if p.endswith(".parquet")) if fs.exists(path) else []
        )
        uris = [f"{folder.split('://')[0]}://{n}" if "://" in folder else n for n in names]
    else:
        local = artifacts.local_path(folder)
        uris = sorted(str(p) for p in local.rglob("*.parquet")) if local.is_dir() else []
    return [(uri, pl.scan_parquet(uri).select(pl.len()).collect().item()) for uri in uris]


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
) -> dict[str, ModelQualityResult]:
    """The model-quality job for each model version an execution (or folder) scored with.

    One result per version (the approved one, and a shadow one when the run had it); with
    `out_dir`, each version's files go to `out_dir` (the only one) or `out_dir/<role>`.
    The problem type is `problem` when given, else the version's (its reference says it),
    else what the predictions' layout says (`problem_type_of`).
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
        found = _prediction_files(str(predictions_dir))
        if not found:
            raise NotFound(
                f"{predictions_dir} holds no {PREDICTIONS_FOLDER}/ files: transform it with "
                "--id-column or --trace-ids"
            )
        sets = [
            PredictionSet(uri, None, None, None, None, "champion", None, None, rows, _now())
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
            traced_predictions(uris, kind),
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


def _now() -> Any:
    from batchops.store.schema import utcnow

    return utcnow()


def prediction_lineage(inference_id: str) -> dict[str, Any]:
    """Which version, execution, input file and row, and baseline made one prediction."""
    import polars as pl

    found: list[dict[str, Any]] = []
    for item in reversed(prediction_sets()):
        if found and item.execution_id != found[0]["execution_id"]:
            break  # the newest execution that scored the id, with its shadow if it had one
        if not artifacts.exists(item.uri):
            continue
        hit = pl.scan_parquet(item.uri).filter(pl.col("inference_id") == inference_id).collect()
        if hit.height:
            row = hit.row(0, named=True)
            found.append(
                {
                    "inference_id": inference_id,
                    **_outputs(row),
                    "model_version": f"{item.group}/{item.version}" if item.group else None,
                    "role": item.role,
                    "execution_id": item.execution_id,
                    "step": item.step_name,
                    "input_file": row["input_file"],
                    "row": row["row"],
                    "baseline": item.baseline_uri,
                    "predicted_at": item.predicted_at.isoformat(),
                    "predictions_file": item.uri,
                }
            )
    if not found:
        raise NotFound(f"no recorded prediction has inference id {inference_id!r}")
    found.sort(key=lambda entry: entry["role"] != "champion")  # the model in use first
    answer = found[0]
    shadows = [
        {"model_version": e["model_version"], "role": e["role"], **_outputs(e)} for e in found[1:]
    ]
    return {**answer, "also_scored_by": shadows} if shadows else answer


_TRACE_COLUMNS = ("inference_id", "input_file", "row")


def _outputs(row: dict[str, Any]) -> dict[str, Any]:
    """The model's output of a traced row: `probability`, `prediction` or a probability per
    class, whichever the file holds."""
    return {
        key: value
        for key, value in row.items()
        if key in ("probability", PREDICTION) or CLASS_COLUMN.match(key)
    }


def compare_versions(first: str, second: str) -> dict[str, Any]:
    """Two versions side by side: evaluation metrics (with the champion figures the challenger
    was gated on), the latest realised model-quality figures, the realised figures per
    prediction date (`realised_by_date`: date -> metric -> one value per version), and which
    version is better on the problem type's own metric (`headline`: rmse lower is better,
    auc and accuracy higher)."""
    versions = [get_version(*parse_version_ref(ref)) for ref in (first, second)]
    names = sorted(set().union(*(v.metrics for v in versions)))
    by_date = [_realised_by_date(v.group, v.version) for v in versions]
    dates = sorted(set().union(*by_date))
    return {
        "headline": _headline(versions),
        "versions": [
            {"ref": v.ref, "status": v.status, "metrics": v.metrics, "realised": _latest(r)}
            for v, r in zip(versions, by_date, strict=True)
        ],
        "metrics": {name: [v.metrics.get(name) for v in versions] for name in names},
        "realised_by_date": {
            date: {
                name: [figures.get(date, {}).get(name) for figures in by_date] for name in REALISED
            }
            for date in dates
        },
    }


#: The realised figures `compare_versions` shows, per prediction date: every problem type's
#: headline figures, and the share of predictions labelled.
REALISED = (*SHOWN, "label_coverage")


def _headline(versions: list[Any]) -> dict[str, Any] | None:
    """The problem type's own metric of the two versions' evaluations, and the better one."""
    found = [_problem_of_version(v) for v in versions]
    kind = found[0] or found[1]
    if kind is None:
        return None
    values = [v.metrics.get(kind.headline) for v in versions]
    answer: dict[str, Any] = {
        "problem_type": kind.name,
        "metric": kind.headline,
        "lower_is_better": kind.lower_better(kind.headline),
        "values": values,
        "better": None,
    }
    if all(isinstance(v, int | float) for v in values) and values[0] != values[1]:
        pick = min if answer["lower_is_better"] else max
        answer["better"] = versions[values.index(pick(values))].ref
    return answer


def _problem_of_version(version: Any) -> ProblemType | None:
    from batchops.models.problem_types import of_document

    if not version.metrics_uri:
        return None
    try:
        return of_document(read_json_file(version.metrics_uri, "evaluation"))
    except InvalidInput:
        return None


def _realised_by_date(group: str, version: int) -> dict[str, dict[str, float]]:
    """date -> {metric: value}: each date's current (upserted) datapoint."""
    found: dict[str, dict[str, float]] = defaultdict(dict)
    for name in REALISED:
        metric = f"model_quality.{name}"
        prefix = f"{metric}|{group}/{version}|"
        for point in metric_history(metric, limit=10_000):  # newest first
            key = point.get("series_key") or ""
            if key.startswith(prefix):
                found[key.removeprefix(prefix)].setdefault(name, point["value"])
    return dict(found)


def _latest(by_date: dict[str, dict[str, float]]) -> dict[str, float]:
    return by_date[max(by_date)] if by_date else {}
