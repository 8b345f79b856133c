"""`Join` and `JsonGet` as the SDK takes them."""

from __future__ import annotations

from typing import Any

from batchops.errors import InvalidInput
from batchops.pipeline import references as _references
from batchops.pipeline.references import PropertyFile
from batchops.sagemaker._unsupported import refuse
from batchops.sagemaker.workflow.entities import Join, PipelineVariable


class JsonGet(PipelineVariable, _references.JsonGet):
    """A value at `json_path` of a property file a step wrote (`step_name` or, in newer SDKs,
    `step`); reading a JSON file by `s3_uri` is not supported."""

    def __init__(
        self,
        step_name: Any = None,
        property_file: PropertyFile | str | None = None,
        json_path: str | None = None,
        s3_uri: Any = None,
        step: Any = None,
    ) -> None:
        if s3_uri is not None:
            refuse(
                "JsonGet(s3_uri=...)",
                "read a property file of a step: JsonGet(step_name=..., property_file=..., "
                "json_path=...)",
            )
        target = step_name if step_name is not None else step
        if target is None or property_file is None or json_path is None:
            raise InvalidInput("JsonGet needs step_name (or step), property_file and json_path")
        super().__init__(target, property_file, json_path)


__all__ = ["Join", "JsonGet"]
