"""Where one prediction came from: the version and execution that made it, the input file and
row it scored, and the baseline that input was checked against."""

from __future__ import annotations

from typing import Any

from batchops.errors import NotFound
from batchops.monitor.predictions import CLASS_COLUMN, PREDICTION
from batchops.store import artifacts
from batchops.store.prediction_files import prediction_sets


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


def _outputs(row: dict[str, Any]) -> dict[str, Any]:
    """The model's output of a traced row: `probability`, `prediction` or a probability per
    class, whichever the file holds."""
    return {
        key: value
        for key, value in row.items()
        if key in ("probability", PREDICTION) or CLASS_COLUMN.match(key)
    }
