"""What `apply` would change on this home: a project's declarations compared with what the
home holds, object by object, as a diff a person reviews before anything acts.

Objects are matched by kind and name. A declared object that exists and is managed by the
same project is updated when it differs; one that exists but was made by hand (or by
another project) is a problem, never taken over; an object this project manages that its
file no longer declares is deleted. Objects no project manages are left alone and listed.
Pipelines are versioned, so a declared pipeline stored by hand or by a package gets its new
version (nothing is lost) and is managed from then on; pipelines are never deleted.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from batchops.errors import InvalidInput, NotFound
from batchops.events import alarms, rules, schedules
from batchops.pipeline.pipeline import Pipeline, definition_digest
from batchops.project.declared import Declared, ObjectSpec
from batchops.project.projectfile import Problem
from batchops.runtime import catalog
from batchops.store.managed import Managed
from batchops.store.redact import mask_url

CREATE, UPDATE, DELETE, UNCHANGED = "create", "update", "delete", "unchanged"
KINDS = ("pipeline", "schedule", "rule", "alarm")


@dataclass(frozen=True)
class Change:
    """One object's change; `before` and `after` are its arguments (a pipeline's: its
    version and digest)."""

    kind: str
    name: str
    action: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    line: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "action": self.action,
            "before": None if self.before is None else shown(self.before),
            "after": None if self.after is None else shown(self.after),
            "line": self.line,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        return cls(
            data["kind"],
            data["name"],
            data["action"],
            data.get("before"),
            data.get("after"),
            int(data.get("line") or 0),
        )

    def diff(self, file: str) -> list[str]:
        """The change as diff lines: `+` added, `-` removed, `~` the object changed."""
        where = f" ({file}:{self.line})" if self.line else ""
        sign = {CREATE: "+", DELETE: "-", UPDATE: "~"}.get(self.action, " ")
        lines = [f"{sign} {self.kind} {self.name}{where}" + ("" if sign != " " else ": unchanged")]
        before, after = shown(self.before or {}), shown(self.after or {})
        for key in dict.fromkeys([*before, *after]):
            old, new = before.get(key), after.get(key)
            if self.action == CREATE:
                lines.append(f"+     {key}: {_text(new)}")
            elif self.action == DELETE:
                lines.append(f"-     {key}: {_text(old)}")
            elif self.action == UPDATE and old != new:
                lines += [f"-     {key}: {_text(old)}", f"+     {key}: {_text(new)}"]
        return lines


@dataclass(frozen=True)
class Plan:
    project: str
    changes: tuple[Change, ...] = ()
    unmanaged: tuple[tuple[str, str], ...] = ()
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def pending(self) -> list[Change]:
        """The changes apply makes, in its order: pipelines, then the others, deletes last."""
        order = {CREATE: 0, UPDATE: 0, DELETE: 1}
        found = [c for c in self.changes if c.action in order]
        return sorted(found, key=lambda c: (order[c.action], KINDS.index(c.kind)))

    def counts(self) -> str:
        count = {a: sum(c.action == a for c in self.changes) for a in (CREATE, UPDATE, DELETE)}
        unchanged = sum(c.action == UNCHANGED for c in self.changes)
        return (
            f"{count[CREATE]} to create, {count[UPDATE]} to update, {count[DELETE]} to delete, "
            f"{unchanged} unchanged"
        )

    def diff(self, file: str) -> list[str]:
        lines = [line for change in self.changes for line in change.diff(file)]
        if self.unmanaged:
            listed = ", ".join(f"{kind} {name}" for kind, name in self.unmanaged)
            lines.append(f"not managed by a project file, left alone: {listed}")
        lines.append(f"plan for project {self.project}: {self.counts()}")
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "changes": [c.to_json() for c in self.changes],
            "unmanaged": [{"kind": k, "name": n} for k, n in self.unmanaged],
            "problems": [{"line": p.line, "message": p.message} for p in self.problems],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Plan:
        return cls(
            data["project"],
            tuple(Change.from_json(c) for c in data.get("changes") or ()),
            tuple((u["kind"], u["name"]) for u in data.get("unmanaged") or ()),
            tuple(Problem(int(p["line"]), p["message"]) for p in data.get("problems") or ()),
        )


def shown(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments as they may be printed: a webhook URL's credentials masked; what is not
    given (None, an empty table, an action's false flag) left out."""
    return {
        key: mask_url(value) if key == "webhook" and isinstance(value, str) else value
        for key, value in arguments.items()
        if not (value is None or value == {} or (value is False and key != "paused"))
    }


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else str(value)


# --- each kind as it is now, by its create function's arguments ------------------------------


def _schedule(found: schedules.Schedule) -> dict[str, Any]:
    return {
        "pipeline": found.pipeline,
        "cron": found.cron,
        "timezone": found.timezone,
        "parameters": found.parameters,
        "catch_up": found.catch_up,
        "paused": found.paused,
    }


def _rule(found: rules.Rule) -> dict[str, Any]:
    return {
        "on": found.event_type,
        "filters": found.filters,
        "start": found.pipeline if found.action == "start" else None,
        "parameters": found.parameters,
        "webhook": found.url if found.action == "webhook" else None,
        "secret_env": found.secret_env,
        "log": found.action == "log",
        "paused": found.paused,
    }


def _alarm(found: alarms.Alarm) -> dict[str, Any]:
    return {
        "metric": found.metric,
        "above": found.threshold if found.comparison == "above" else None,
        "below": found.threshold if found.comparison == "below" else None,
        "pipeline": found.pipeline,
        "datapoints": found.datapoints,
        "of": found.of,
        "webhook": found.url,
        "secret_env": found.secret_env,
        "paused": found.paused,
    }


@dataclass(frozen=True)
class Existing:
    arguments: dict[str, Any]
    managed: Managed | None


def existing_objects() -> dict[tuple[str, str], Existing]:
    """Every schedule, rule and alarm of this home, by kind and name."""
    found: dict[tuple[str, str], Existing] = {}
    for s in schedules.list_schedules():
        found["schedule", s.name] = Existing(_schedule(s), s.managed)
    for r in rules.list_rules():
        found["rule", r.name] = Existing(_rule(r), r.managed)
    for a in alarms.list_alarms():
        found["alarm", a.name] = Existing(_alarm(a), a.managed)
    return found


CHECKS: dict[str, Callable[..., dict[str, Any]]] = {
    "schedule": schedules.check_schedule,
    "rule": rules.check_rule,
    "alarm": alarms.check_alarm,
}


def checked(spec: ObjectSpec, declared: Declared) -> dict[str, Any]:
    """The spec's arguments as they would be stored (the event type's own spelling), checked
    as its create function checks them, against the pipelines the project declares too."""
    arguments = dict(spec.arguments)
    check_arguments = {k: v for k, v in arguments.items() if k != "paused"}
    check = CHECKS[spec.kind]
    try:  # a project sent to the API, not read from a file, may lack or add arguments
        inspect.signature(check).bind(spec.name, **check_arguments, declared=None)
    except TypeError as error:
        raise InvalidInput(str(error)) from None
    check(spec.name, **check_arguments, declared=declared.definitions())
    if spec.kind == "rule":
        arguments["on"] = str(rules.check_event_type(arguments["on"]))
    return arguments


# --- the plan ----------------------------------------------------------------------------------


def plan(declared: Declared) -> Plan:
    """What `apply` would change on this home (its problems, each at its line, included)."""
    problems: list[Problem] = []
    changes = _pipeline_changes(declared, problems)
    existing = existing_objects()
    declared_keys = set()
    for spec in declared.objects:
        declared_keys.add((spec.kind, spec.name))
        try:
            arguments = checked(spec, declared)
        except (InvalidInput, NotFound) as error:
            what = f"{spec.kind} {spec.name}"
            told = str(error) if str(error).startswith(what) else f"{what}: {error}"
            problems.append(Problem(spec.line, told))
            continue
        now = existing.get((spec.kind, spec.name))
        if now is None:
            changes.append(Change(spec.kind, spec.name, CREATE, None, arguments, spec.line))
        elif now.managed is None or now.managed.project != declared.project:
            problems.append(Problem(spec.line, _taken(spec.kind, spec.name, now.managed)))
        elif now.arguments != arguments:
            changes.append(
                Change(spec.kind, spec.name, UPDATE, now.arguments, arguments, spec.line)
            )
        else:
            changes.append(
                Change(spec.kind, spec.name, UNCHANGED, now.arguments, arguments, spec.line)
            )
    unmanaged = []
    for (kind, name), now in sorted(existing.items()):
        if (kind, name) in declared_keys:
            continue
        if now.managed is None:
            unmanaged.append((kind, name))
        elif now.managed.project == declared.project:
            changes.append(Change(kind, name, DELETE, now.arguments, None))
    return Plan(declared.project, tuple(changes), tuple(unmanaged), tuple(problems))


def _pipeline_changes(declared: Declared, problems: list[Problem]) -> list[Change]:
    stored = catalog.stored_pipelines()
    changes = []
    for pipeline in declared.pipelines:
        try:
            Pipeline.from_definition(pipeline.name, dict(pipeline.definition))
        except InvalidInput as error:
            problems.append(Problem(pipeline.line, f"pipeline {pipeline.name}: {error}"))
            continue
        digest = definition_digest(pipeline.definition)[:12]
        after: dict[str, Any] = {"digest": digest}
        now = stored.get(pipeline.name)
        if now is None:
            changes.append(Change("pipeline", pipeline.name, CREATE, None, after, pipeline.line))
            continue
        if now.managed is not None and now.managed.project != declared.project:
            problems.append(Problem(pipeline.line, _taken("pipeline", pipeline.name, now.managed)))
            continue
        before: dict[str, Any] = {"version": now.version, "digest": now.digest[:12]}
        if now.digest[:12] != digest:
            action, after = UPDATE, {"version": now.version + 1, **after}
        elif now.managed is None:  # the same definition, managed from now on
            action, after = UPDATE, {**before, "managed": declared.project}
        else:
            action, after = UNCHANGED, before
        changes.append(Change("pipeline", pipeline.name, action, before, after, pipeline.line))
    return changes


def _taken(kind: str, name: str, managed: Managed | None) -> str:
    owner = "by hand" if managed is None else f"by project {managed.project}"
    return (
        f"{kind} {name} exists already, made {owner}; apply never takes over an object it did "
        f"not make: delete it or give the declared {kind} another name"
    )
