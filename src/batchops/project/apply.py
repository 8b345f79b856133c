"""`batchops apply` on this home: the plan's changes made one object at a time.

Each change is one transaction (the object and the mark of the project managing it
together), so an object is changed entirely or not at all; a failure stops the apply and the
result says which changes were made and which were not. A second apply of the same project
finds nothing to change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from batchops.errors import BatchopsError, Conflict
from batchops.events import alarms, rules, schedules
from batchops.project.declared import Declared
from batchops.project.plan import CREATE, DELETE, Change, Plan, plan
from batchops.project.projectfile import InvalidProject
from batchops.runtime.bundles import PipelineBundle, store_bundle
from batchops.store.managed import Managed


@dataclass(frozen=True)
class ApplyResult:
    """The plan applied: `applied` in order; on a failure, the change that failed, why, and
    the changes not made."""

    plan: Plan
    applied: tuple[Change, ...] = ()
    failed: Change | None = None
    error: str | None = None
    not_applied: tuple[Change, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan.to_json(),
            "applied": [c.to_json() for c in self.applied],
            "failed": None if self.failed is None else self.failed.to_json(),
            "error": self.error,
            "not_applied": [c.to_json() for c in self.not_applied],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ApplyResult:
        failed = data.get("failed")
        return cls(
            Plan.from_json(data["plan"]),
            tuple(Change.from_json(c) for c in data.get("applied") or ()),
            None if failed is None else Change.from_json(failed),
            data.get("error"),
            tuple(Change.from_json(c) for c in data.get("not_applied") or ()),
        )


CREATORS: dict[str, Callable[..., Any]] = {
    "schedule": schedules.create_schedule,
    "rule": rules.create_rule,
    "alarm": alarms.create_alarm,
}
UPDATERS: dict[str, Callable[..., Any]] = {
    "schedule": schedules.update_schedule,
    "rule": rules.update_rule,
    "alarm": alarms.update_alarm,
}
DELETERS: dict[str, Callable[[str], None]] = {
    "schedule": schedules.delete_schedule,
    "rule": rules.delete_rule,
    "alarm": alarms.delete_alarm,
}


def apply(declared: Declared, bundles: Mapping[str, PipelineBundle] | None = None) -> ApplyResult:
    """Make this home match the project (InvalidProject when the plan has problems).

    `bundles` are the pipelines' code; without one (a server's apply, whose pipelines were
    PUT before), a pipeline still to change is a failure."""
    planned = plan(declared)
    if planned.problems:
        raise InvalidProject(declared.file, list(planned.problems))
    pending = planned.pending
    managed = declared.managed
    arguments = {(o.kind, o.name): o.arguments for o in declared.objects}
    for index, change in enumerate(pending):
        try:
            _make(change, arguments, bundles, managed)
        except BatchopsError as error:
            return ApplyResult(
                planned, tuple(pending[:index]), change, str(error), tuple(pending[index + 1 :])
            )
    return ApplyResult(planned, tuple(pending))


def _make(
    change: Change,
    arguments: Mapping[tuple[str, str], Mapping[str, Any]],
    bundles: Mapping[str, PipelineBundle] | None,
    managed: Managed,
) -> None:
    if change.kind == "pipeline":
        bundle = (bundles or {}).get(change.name)
        if bundle is None:
            raise Conflict(
                f"pipeline {change.name} differs from its stored version and its code bundle "
                f"was not sent (PUT /api/pipelines/{change.name} first)"
            )
        store_bundle(bundle, managed)
    elif change.action == DELETE:
        DELETERS[change.kind](change.name)
    else:
        make = CREATORS if change.action == CREATE else UPDATERS
        make[change.kind](change.name, **arguments[change.kind, change.name], managed=managed)
