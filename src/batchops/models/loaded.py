"""A model ready to score: its manifest plus a `predict` on a 2-D float32 array.

Flavors (XGBoost today) subclass it; callers only rely on this interface.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from batchops.models.manifest import ModelManifest

if TYPE_CHECKING:
    import numpy as np


class LoadedModel:
    """Base of every flavor: `predict` maps rows of features to one probability per row."""

    manifest: ModelManifest

    def __init__(self, manifest: ModelManifest) -> None:
        self.manifest = manifest

    def predict(self, features: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def set_threads(self, threads: int) -> None:
        """How many threads one `predict` call may use (workers of a transform set 1)."""

    def to_bytes(self) -> bytes:
        """The model file's bytes, which the manifest's loader reads back (`load(bytes, ...)`).

        A transform sends these to its worker processes, so each loads the model once
        without reading the archive again.
        """
        raise NotImplementedError
