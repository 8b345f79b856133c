"""The prediction index as the registry fills it: which files a traced transform wrote, which
version's model scored them, and the baseline such input is checked against.

The files themselves stay beside the transform's output (`transform.traced`); the index
(`store.prediction_files`) holds one row per file, so labels can be joined later.
"""

from __future__ import annotations

from batchops.registry.versions import version_with_model
from batchops.store import artifacts
from batchops.store.prediction_files import NewPredictionFile, index_prediction_files
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
    input is checked against (the raw training data's for a raw extract). Indexed again (a
    retried step), the files replace their earlier rows rather than adding to them."""
    found = version_with_model(model_uri)
    group, version = (found.group, found.version) if found else (None, None)
    baseline_uri = None
    if found is not None:
        baseline_uri = (raw_input and found.raw_statistics_uri) or found.statistics_uri
    files = [NewPredictionFile(uri, rows) for uri, rows in prediction_files(output)]
    index_prediction_files(
        files,
        execution_id=execution_id,
        step_name=step_name,
        group=group,
        version=version,
        role=role,
        input_uri=input_uri,
        baseline_uri=baseline_uri,
    )
    return len(files)


def prediction_files(output: str) -> list[tuple[str, int]]:
    """The inference-id files beside a transform's output, with their row counts."""
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
