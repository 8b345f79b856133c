"""What every SDK pipeline variable adds to batchops's references, and the SDK's spelling of
property paths.

A parameter, property, `Join`, `JsonGet` or execution variable has no value until an execution
runs, so, as in the SDK, `str()` of one is refused rather than giving text that is not the
value; `.expr` shows its definition JSON and `.to_string()` makes text of it at run time.

batchops stores a property path with dots (`Steps.X.ProcessingOutputConfig.Outputs.train`); the
SDK writes keyed parts in brackets (`Outputs['train']`). `sagemaker_spelling` turns the one into
the other wherever SDK JSON is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from batchops.pipeline import references as _references
from batchops.pipeline.reference import Reference

KEYED = frozenset({"Outputs", "OutputParameters", "HyperParameters", "Environment"})
"""Properties whose next part is a key (`Outputs['train']`), not an attribute."""


class PipelineVariable:
    """Mixed into batchops's references by the `batchops.sagemaker.workflow` classes."""

    def __str__(self) -> str:
        raise TypeError(
            "Pipeline variables do not support __str__ operation: a value known only when "
            "the pipeline runs. Use .to_string() to make text of it at run time, or .expr "
            "to see its definition JSON"
        )

    @property
    def expr(self) -> dict[str, Any]:
        assert isinstance(self, Reference)
        spelled: dict[str, Any] = sagemaker_spelling(self.to_json())
        return spelled

    def to_string(self) -> Join:
        return Join(on="", values=[self])


class Join(PipelineVariable, _references.Join):
    """`values` joined with `on` when the pipeline runs (each value as text)."""

    def __init__(self, on: str = "", values: list[Any] | tuple[Any, ...] | None = None) -> None:
        super().__init__(on, tuple(values or ()))


def sagemaker_path(path: str) -> str:
    """`Steps.X.ProcessingOutputConfig.Outputs.train.S3Output.S3Uri` in the SDK's spelling."""
    head, _, rest = path.partition(".")
    step, _, tail = rest.partition(".")
    if not tail:
        return path
    spelled = [head, step]
    keyed = False
    for part in tail.split("."):
        if keyed:
            spelled[-1] += f"[{part}]" if part.isdigit() else f"['{part}']"
            keyed = False
        else:
            spelled.append(part)
            keyed = part in KEYED
    return ".".join(spelled)


def sagemaker_spelling(value: Any) -> Any:
    """A definition fragment with every `{"Get": "Steps..."}` in the SDK's spelling."""
    if isinstance(value, Mapping):
        get = value.get("Get")
        if set(value) == {"Get"} and isinstance(get, str) and get.startswith("Steps."):
            return {"Get": sagemaker_path(get)}
        return {k: sagemaker_spelling(v) for k, v in value.items()}
    if isinstance(value, list):
        return [sagemaker_spelling(v) for v in value]
    return value


__all__ = ["Join", "PipelineVariable", "sagemaker_path", "sagemaker_spelling"]
