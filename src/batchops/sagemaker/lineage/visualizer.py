"""The SDK's lineage table visualizer: importable, not supported."""

from __future__ import annotations

from batchops.sagemaker._unsupported import unsupported

LineageTableVisualizer = unsupported(
    "LineageTableVisualizer",
    __name__,
    "see a model version's lineage with `batchops registry lineage GROUP/VERSION`",
)

__all__ = ["LineageTableVisualizer"]
