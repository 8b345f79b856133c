"""Step properties: `step.properties.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from batchops.pipeline.references import Properties as _Properties
from batchops.pipeline.references import PropertyFile
from batchops.sagemaker.workflow.entities import PipelineVariable


class Properties(PipelineVariable, _Properties):
    """A path into a step's properties; integer items of a named list (`Outputs[0]`) become the
    name at that place, as batchops publishes such lists by name."""

    def __init__(
        self,
        step_name: str,
        path: tuple[str, ...] = (),
        names: Mapping[tuple[str, ...], Sequence[str]] | None = None,
    ) -> None:
        super().__init__(step_name, path)
        self._names = dict(names or {})

    def __getattr__(self, name: str) -> Properties:
        if name.startswith("_"):
            raise AttributeError(name)
        return Properties(self.step_name, (*self.path, name), self._names)

    def __getitem__(self, key: str | int) -> Properties:
        names = self._names.get(self.path)
        if isinstance(key, int) and names is not None:
            key = names[key]
        return Properties(self.step_name, (*self.path, str(key)), self._names)


__all__ = ["Properties", "PropertyFile"]
