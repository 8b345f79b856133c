"""Packaged models: the model.tar.gz artifact, its manifest, loading, and built-in training.

`load_model(uri)` opens a model.tar.gz (ours, or SageMaker's XGBoost one), a folder holding
it or its files, locally or under any fsspec URL. Training lives in `batchops.models.xgboost`
and is run as `python -m batchops.models.train`. Importing this package does not import
XGBoost; loading a model does.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from batchops.errors import InvalidInput
from batchops.models.artifact import ARCHIVE_NAME, pack_model, read_model_files
from batchops.models.loaded import LoadedModel
from batchops.models.manifest import MANIFEST_FILE, MODEL_FILE, ModelManifest

__all__ = [
    "ARCHIVE_NAME",
    "MANIFEST_FILE",
    "MODEL_FILE",
    "LoadedModel",
    "ModelManifest",
    "load_model",
    "pack_model",
    "read_model_files",
]

_LOADER_PACKAGE = "batchops.models."


def load_model(uri: str | Path) -> LoadedModel:
    """Load the model at `uri`; a model without manifest is read as SageMaker XGBoost's."""
    files = read_model_files(uri)
    loader = files.manifest.loader if files.manifest else "batchops.models.xgboost"
    if not loader.startswith(_LOADER_PACKAGE):
        raise InvalidInput(
            f"{files.source}: manifest names loader {loader!r}; only loaders under "
            f"{_LOADER_PACKAGE}* are allowed"
        )
    try:
        module = importlib.import_module(loader)
    except ImportError as exc:
        raise InvalidInput(f"{files.source}: unknown model loader {loader!r}") from exc
    model: LoadedModel = module.load(files.model_bytes, files.manifest, files.source)
    return model
