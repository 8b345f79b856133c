"""What a project declares, ready to compare and to send: each pipeline's definition (made
by importing its Python) with its code bundle, and each schedule, rule and alarm as the
arguments of the function that makes it, secrets' references resolved from the environment.

`Declared` is plain JSON (`to_json`), so the same plan and apply run on a home or, through
the API, on a server; the code bundles travel separately (`PUT /api/pipelines/{name}`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batchops.errors import BatchopsError
from batchops.pipeline.pipeline import load_pipeline
from batchops.project.projectfile import (
    DeclaredObject,
    InvalidProject,
    Problem,
    ProjectFile,
    as_text,
)
from batchops.runtime.bundles import PipelineBundle, bundle_of
from batchops.store.managed import Managed

#: Each kind's arguments (those of events' create functions) and their defaults.
DEFAULTS: dict[str, dict[str, Any]] = {
    "schedule": {
        "pipeline": None,
        "cron": None,
        "timezone": "UTC",
        "parameters": {},
        "catch_up": "skip",
        "paused": False,
    },
    "rule": {
        "on": None,
        "filters": {},
        "start": None,
        "parameters": {},
        "webhook": None,
        "secret_env": None,
        "log": False,
        "paused": False,
    },
    "alarm": {
        "metric": None,
        "above": None,
        "below": None,
        "pipeline": None,
        "datapoints": 1,
        "of": 1,
        "webhook": None,
        "secret_env": None,
        "paused": False,
    },
}


@dataclass(frozen=True)
class DeclaredDefinition:
    name: str
    definition: Mapping[str, Any]
    line: int


@dataclass(frozen=True)
class ObjectSpec:
    """A schedule, rule or alarm: `arguments` are its create function's (but the name)."""

    kind: str
    name: str
    arguments: Mapping[str, Any]
    line: int

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "arguments": dict(self.arguments),
            "line": self.line,
        }


@dataclass(frozen=True)
class Declared:
    """A project's declarations; `file` names the project file in messages."""

    project: str
    revision: str | None
    file: str
    pipelines: tuple[DeclaredDefinition, ...]
    objects: tuple[ObjectSpec, ...]

    @property
    def managed(self) -> Managed:
        return Managed(self.project, self.revision)

    def definitions(self) -> dict[str, Mapping[str, Any]]:
        return {p.name: p.definition for p in self.pipelines}

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "revision": self.revision,
            "file": self.file,
            "pipelines": [
                {"name": p.name, "definition": dict(p.definition), "line": p.line}
                for p in self.pipelines
            ],
            "objects": [o.to_json() for o in self.objects],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Declared:
        return cls(
            str(data["project"]),
            data.get("revision"),
            str(data.get("file") or "batchops.toml"),
            tuple(
                DeclaredDefinition(p["name"], p["definition"], int(p.get("line", 0)))
                for p in data.get("pipelines") or ()
            ),
            tuple(
                ObjectSpec(o["kind"], o["name"], o["arguments"], int(o.get("line", 0)))
                for o in data.get("objects") or ()
            ),
        )


def declare(
    project: ProjectFile, revision: str | None = None, environ: Mapping[str, str] | None = None
) -> tuple[Declared, dict[str, PipelineBundle]]:
    """The project's declarations and its pipelines' bundles (InvalidProject lists every
    pipeline that does not import or build, and every secret reference not set)."""
    environ = os.environ if environ is None else environ
    problems: list[Problem] = []
    bundles: dict[str, PipelineBundle] = {}
    lines: dict[str, int] = {}
    with _importable(project.python_path):
        for declared in project.pipelines:
            try:
                bundle = bundle_of(load_pipeline(declared.code))
            except BatchopsError as error:
                problems.append(Problem(declared.line, f"pipeline {declared.code}: {error}"))
                continue
            if bundle.name in bundles:
                problems.append(Problem(declared.line, f"pipeline {bundle.name} is declared twice"))
            bundles[bundle.name] = bundle
            lines[bundle.name] = declared.line
    objects = []
    for entry in project.objects:
        arguments, found = _arguments(entry, environ)
        problems.extend(found)
        objects.append(ObjectSpec(entry.kind, entry.name, arguments, entry.line))
    if problems:
        raise InvalidProject(project.shown, problems)
    pipelines = tuple(
        DeclaredDefinition(name, bundle.definition, lines[name]) for name, bundle in bundles.items()
    )
    return Declared(project.name, revision, project.shown, pipelines, tuple(objects)), bundles


def _arguments(
    entry: DeclaredObject, environ: Mapping[str, str]
) -> tuple[dict[str, Any], list[Problem]]:
    """The create function's arguments: defaults filled in, values as stored, `webhook_env`
    read (a problem when it is not set; its value is never told)."""
    problems = []
    values = dict(entry.values)
    variable = values.pop("webhook_env", None)
    if variable is not None:
        if not environ.get(variable):
            problems.append(
                Problem(
                    entry.line,
                    f"{entry.kind} {entry.name}: `webhook_env` names {variable}, which is not set",
                )
            )
        values["webhook"] = environ.get(variable) or None
    arguments = {**DEFAULTS[entry.kind], **values}
    arguments.pop("name", None)
    for key in ("parameters", "filters"):
        if key in arguments:
            arguments[key] = {k: as_text(v) for k, v in arguments[key].items()}
    for key in ("above", "below"):
        if arguments.get(key) is not None:
            arguments[key] = float(arguments[key])
    return arguments, problems


@contextmanager
def _importable(folders: tuple[Path, ...]) -> Iterator[None]:
    """The project's folders first on sys.path while its pipelines are imported; its modules
    forgotten after, so the next read imports the files as they are then."""
    added = [str(folder) for folder in folders]
    sys.path[:0] = added
    before = set(sys.modules)
    try:
        yield
    finally:
        for folder in added:
            sys.path.remove(folder)
        for name in set(sys.modules) - before:
            file = getattr(sys.modules[name], "__file__", None) or ""
            if any(file.startswith(folder + os.sep) for folder in added):
                del sys.modules[name]
