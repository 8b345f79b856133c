"""The parameters a schedule or rule starts a pipeline with, checked when it is created."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from batchops.errors import InvalidInput
from batchops.pipeline.graph import PipelineGraph
from batchops.pipeline.parameters import parameter_from_declaration
from batchops.runtime.pipelines import describe_pipeline
from batchops.settings import MAX_PARAMETER_CHARS, check_length

Definitions = Mapping[str, Mapping[str, Any]]
"""Pipelines' definitions by name that are about to be stored (`batchops plan` checks a
project's schedules and rules against the pipelines the same project declares)."""


def pipeline_definition(pipeline: str, declared: Definitions | None = None) -> Mapping[str, Any]:
    """The declared definition of `pipeline`, else its stored one (NotFound if neither)."""
    if declared is not None and pipeline in declared:
        return declared[pipeline]
    definition: Mapping[str, Any] = describe_pipeline(pipeline)["definition"]
    return definition


def check_pipeline_parameters(
    pipeline: str, parameters: Mapping[str, str], what: str, declared: Definitions | None = None
) -> None:
    """The pipeline must exist (NotFound) and declare every parameter given; a value with no
    `{…}` placeholder is bound now as a start would bind it (type, range, finite), so a bad
    one is refused at creation, not at 6 a.m."""
    definition = pipeline_definition(pipeline, declared)
    names = {p["Name"] for p in PipelineGraph.from_definition(dict(definition)).parameters}
    unknown = sorted(set(parameters) - names)
    if unknown:
        raise InvalidInput(
            f"{what}: pipeline {pipeline} has no parameter {', '.join(unknown)}; "
            f"it declares: {', '.join(sorted(names)) or 'none'}"
        )
    for declaration in definition.get("Parameters", []):
        parameter = parameter_from_declaration(declaration)
        value = parameters.get(parameter.name)
        if value is None or "{" in str(value):
            if value is not None:  # a template: bound when it starts, bounded now
                check_length(str(value), MAX_PARAMETER_CHARS, f"{what}: {parameter.name}")
            continue  # the default, or filled from the tick or the event when it starts
        try:
            parameter.check(parameter.parsed(value))
        except InvalidInput as error:
            raise InvalidInput(f"{what}: {error}") from None
