"""Values that are known only when an execution runs: parameters, step properties, files.

Each reference serialises to the same JSON shape as a SageMaker pipeline definition
(`{"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}`, `{"Std:JsonGet": ...}`,
`{"Std:Join": ...}`), and `resolve` turns any argument tree holding them into plain values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from batchops.errors import InvalidInput
from batchops.pipeline.parameters import Parameter, ParameterString
from batchops.pipeline.reference import Reference


class _Named(Protocol):
    """A step, as far as a reference to it needs one."""

    @property
    def name(self) -> str: ...


class Properties(Reference):
    """`step.properties.A.B["key"].C`: a path into the properties a step publishes."""

    def __init__(self, step_name: str, path: tuple[str, ...] = ()) -> None:
        self._step_name = step_name
        self._path = path

    def __getattr__(self, name: str) -> Properties:
        if name.startswith("_"):
            raise AttributeError(name)
        return Properties(self._step_name, (*self._path, name))

    def __getitem__(self, key: str | int) -> Properties:
        return Properties(self._step_name, (*self._path, str(key)))

    def to_json(self) -> dict[str, Any]:
        return {"Get": ".".join(["Steps", self._step_name, *self._path])}

    @property
    def step_name(self) -> str:
        return self._step_name

    @property
    def path(self) -> tuple[str, ...]:
        return self._path

    def __repr__(self) -> str:
        return f"Properties({'.'.join([self._step_name, *self._path])})"


@dataclass(frozen=True)
class ExecutionVariable(Reference):
    name: str

    def to_json(self) -> dict[str, Any]:
        return {"Get": f"Execution.{self.name}"}


class ExecutionVariables:
    """What an execution knows about itself, as SageMaker names it."""

    PIPELINE_EXECUTION_ID = ExecutionVariable("PipelineExecutionId")
    PIPELINE_NAME = ExecutionVariable("PipelineName")
    START_DATETIME = ExecutionVariable("StartDateTime")
    CURRENT_DATETIME = ExecutionVariable("CurrentDateTime")


@dataclass(frozen=True)
class PropertyFile:
    """A JSON file a processing step writes into one of its outputs, readable by `JsonGet`."""

    name: str
    output_name: str
    path: str

    def to_json(self) -> dict[str, Any]:
        return {
            "PropertyFileName": self.name,
            "OutputName": self.output_name,
            "FilePath": self.path,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PropertyFile:
        return cls(data["PropertyFileName"], data["OutputName"], data["FilePath"])


@dataclass(frozen=True)
class JsonGet(Reference):
    step_name: str
    property_file: PropertyFile | str
    json_path: str

    def __init__(self, step_name: _Named | str, property_file: PropertyFile | str, json_path: str):
        name = step_name if isinstance(step_name, str) else step_name.name
        object.__setattr__(self, "step_name", name)
        object.__setattr__(self, "property_file", property_file)
        object.__setattr__(self, "json_path", json_path)

    @property
    def property_file_name(self) -> str:
        pf = self.property_file
        return pf if isinstance(pf, str) else pf.name

    def to_json(self) -> dict[str, Any]:
        return {
            "Std:JsonGet": {
                "PropertyFile": {
                    "Get": f"Steps.{self.step_name}.PropertyFiles.{self.property_file_name}"
                },
                "Path": self.json_path,
            }
        }


@dataclass(frozen=True)
class Join(Reference):
    on: str = ""
    values: tuple[Any, ...] = field(default_factory=tuple)

    def __init__(self, on: str = "", values: list[Any] | tuple[Any, ...] = ()) -> None:
        object.__setattr__(self, "on", on)
        object.__setattr__(self, "values", tuple(values))

    def to_json(self) -> dict[str, Any]:
        return {"Std:Join": {"On": self.on, "Values": [encode(v) for v in self.values]}}


def encode(value: Any) -> Any:
    """An argument tree as JSON, references in their definition form."""
    if isinstance(value, Reference):
        return value.to_json()
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    """The inverse of `encode`."""
    if isinstance(value, Mapping):
        if set(value) == {"Get"} and isinstance(value["Get"], str):
            return _decode_get(value["Get"])
        if set(value) == {"Std:Join"}:
            spec = value["Std:Join"]
            return Join(spec.get("On", ""), [decode(v) for v in spec.get("Values", [])])
        if set(value) == {"Std:JsonGet"}:
            spec = value["Std:JsonGet"]
            parts = spec["PropertyFile"]["Get"].split(".")
            if len(parts) != 4 or parts[0] != "Steps" or parts[2] != "PropertyFiles":
                raise InvalidInput(f"malformed JsonGet property file reference {parts!r}")
            return JsonGet(parts[1], parts[3], spec["Path"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def _decode_get(path: str) -> Reference:
    head, _, rest = path.partition(".")
    if head == "Parameters" and rest:
        return ParameterString(rest)  # a placeholder: resolved by name, typed by the declaration
    if head == "Execution" and rest:
        return ExecutionVariable(rest)
    if head == "Steps" and rest:
        step, *tail = rest.split(".")
        return Properties(step, tuple(tail))
    raise InvalidInput(f"malformed reference {path!r}")


@dataclass
class ResolutionContext:
    """What `resolve` needs: parameter values, step properties, and a reader for property files."""

    parameters: dict[str, Any]
    execution: dict[str, Any]
    step_properties: dict[str, dict[str, Any]]
    read_property_file: Callable[[str, str], Any]


def resolve(value: Any, context: ResolutionContext) -> Any:
    if isinstance(value, Parameter):
        return context.parameters[value.name]
    if isinstance(value, ExecutionVariable):
        if value.name not in context.execution:
            raise InvalidInput(f"unknown execution variable {value.name!r}")
        return context.execution[value.name]
    if isinstance(value, Properties):
        return _lookup(context.step_properties.get(value.step_name, {}), value)
    if isinstance(value, JsonGet):
        document = context.read_property_file(value.step_name, value.property_file_name)
        return json_path_get(
            document, value.json_path, where=f"{value.step_name}/{value.property_file_name}"
        )
    if isinstance(value, Join):
        return value.on.join(_as_text(resolve(v, context)) for v in value.values)
    if isinstance(value, Mapping):
        return {k: resolve(v, context) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(v, context) for v in value]
    return value


def _as_text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _lookup(properties: dict[str, Any], ref: Properties) -> Any:
    node: Any = properties
    for key in ref.path:
        if isinstance(node, Mapping) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            raise InvalidInput(f"step {ref.step_name!r} has no property {'.'.join(ref.path)!r}")
    return node


_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def json_path_get(document: Any, path: str, *, where: str) -> Any:
    """Follow a dotted path with [index] parts ("a.b[0].c") into a JSON document."""
    node = document
    for match in _PATH_TOKEN.finditer(path):
        key, index = match.group(1), match.group(2)
        if key is not None and isinstance(node, Mapping) and key in node:
            node = node[key]
        elif index is not None and isinstance(node, list) and int(index) < len(node):
            node = node[int(index)]
        else:
            raise InvalidInput(f"{where}: no value at JSON path {path!r}")
    return node
