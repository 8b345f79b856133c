"""Packaged models: the model.tar.gz artifact, its manifest, loading, and built-in training.

`load_model(uri)` opens a model.tar.gz (ours, or SageMaker's XGBoost one), a folder holding
it or its files, locally or under any fsspec URL. Training lives in `batchops.models.xgboost`
and is run as `python -m batchops.models.train`. Importing this package does not import
XGBoost; loading a model does. A model is untrusted input: `validate_model` (run by every
load) turns any bad one into InvalidInput naming the file, within the bounds of
`batchops.settings.model_limits`.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from batchops.errors import InvalidInput
from batchops.models.artifact import ARCHIVE_NAME, ModelFiles, pack_model, read_model_files
from batchops.models.loaded import LoadedModel
from batchops.models.manifest import MANIFEST_FILE, MODEL_FILE, ModelManifest

__all__ = [
    "ARCHIVE_NAME",
    "MANIFEST_FILE",
    "MODEL_FILE",
    "LoadedModel",
    "ModelManifest",
    "flavor",
    "load_files",
    "load_model",
    "pack_model",
    "read_model_files",
    "validate_model",
]

_LOADER_PACKAGE = "batchops.models."
_DEFAULT_LOADER = "batchops.models.xgboost"


def load_model(uri: str | Path) -> LoadedModel:
    """Load the model at `uri`; a model without manifest is read as SageMaker XGBoost's."""
    return load_files(read_model_files(uri))


def load_files(files: ModelFiles) -> LoadedModel:
    """Load a model from files already read (so a caller that needs them reads them once)."""
    loader = files.manifest.loader if files.manifest else _DEFAULT_LOADER
    model: LoadedModel = flavor(loader, files.source).load(
        files.model_bytes, files.manifest, files.source
    )
    return model


def validate_model(model: str | Path | ModelFiles) -> ModelManifest:
    """Check a model from anywhere as scoring it would, and return its manifest (described
    from the booster when the archive has none).

    Every bad model (a hostile archive, a corrupt or crafted booster) is InvalidInput naming
    the file; none can crash or exhaust this process. A registry calls it before a model
    becomes a version.
    """
    files = model if isinstance(model, ModelFiles) else read_model_files(model)
    return load_files(files).manifest


def flavor(loader: str, source: str) -> ModuleType:
    """The module a manifest names as its loader, if it is one of ours and has `load`.

    A manifest comes with the archive, from anywhere: it must not choose arbitrary code.
    """
    if not loader.startswith(_LOADER_PACKAGE):
        raise InvalidInput(
            f"{source}: manifest names loader {loader!r}; only loaders under "
            f"{_LOADER_PACKAGE}* are allowed"
        )
    try:
        module = importlib.import_module(loader)
    except ImportError:
        raise InvalidInput(f"{source}: unknown model loader {loader!r}") from None
    if not callable(getattr(module, "load", None)):
        raise InvalidInput(f"{source}: {loader!r} is not a model loader")
    return module
