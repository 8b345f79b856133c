"""`StepCollection`: several steps under one name, as `ModelStep` and
`MonitorBatchTransformStep` are. A pipeline, a condition's branch and `depends_on` take a
collection for its steps; its `properties` are its last step's."""

from __future__ import annotations

from typing import Any

from batchops.sagemaker.workflow.properties import Properties


class StepCollection:
    def __init__(
        self, name: str, steps: list[Any] | None = None, depends_on: list[Any] | None = None
    ) -> None:
        self.name = name
        self.steps: list[Any] = list(steps or [])
        self.depends_on = depends_on

    @property
    def properties(self) -> Properties:
        last: Properties = self.steps[-1].properties
        return last

    def request_dicts(self) -> list[dict[str, Any]]:
        return [step.to_request() for step in self.steps]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}: {[s.name for s in self.steps]})"


__all__ = ["StepCollection"]
