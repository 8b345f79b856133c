"""Event rules, as EventBridge rules on the events SageMaker emits: an event type, filters on
its fields, and one action: start a pipeline, POST a webhook, or log.

A rule sees the events appended after it was made. Filters compare a field's text (a list
field, such as the violated `feature`s, matches when it holds the value).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from batchops.errors import Conflict, InvalidInput, NotFound
from batchops.events import history
from batchops.events.schedules import check_name
from batchops.events.start_parameters import check_pipeline_parameters
from batchops.events.templates import check_templates
from batchops.events.webhooks import check_secret_env, check_url
from batchops.settings import get_settings
from batchops.store.db import session_scope
from batchops.store.events import Event, EventType, last_position
from batchops.store.redact import mask_url
from batchops.store.schema import iso
from batchops.store.schema.automation import RuleRow

#: The fields each event type offers to filters and to parameter templates.
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    EventType.GROUP_CREATED: ("group",),
    EventType.GROUP_DELETED: ("group",),
    EventType.VERSION_REGISTERED: ("group", "version", "status"),
    EventType.STATUS_CHANGED: ("group", "version", "status", "old_status"),
    EventType.VERSION_DELETED: ("group", "version", "old_status"),
    EventType.VERSION_UNUSABLE: ("group", "version", "status", "problems", "execution_id"),
    EventType.EXECUTION_STATUS_CHANGED: ("pipeline", "status", "execution_id", "failure_reason"),
    EventType.DATA_QUALITY_VIOLATIONS: (
        "pipeline",
        "execution_id",
        "step",
        "group",
        "version",
        "input_data",
        "feature",
        "features",
    ),
    EventType.ALARM_STATE_CHANGED: ("alarm", "state", "old_state", "metric", "value"),
}


def check_event_type(name: str) -> EventType:
    for member in EventType:
        if member.lower() == name.lower():
            return member
    raise InvalidInput(f"unknown event type {name!r}; one of: {', '.join(EventType)}")


def event_fields(event: Event) -> dict[str, Any]:
    """The event's fields by the names filters and templates use."""
    fields: dict[str, Any] = {"type": event.type, "position": event.position, "user": event.user}
    if event.group is not None:
        fields["group"] = event.group
    if event.version is not None:
        fields["version"] = event.version
    if event.new_status:
        fields["status"] = event.new_status
    if event.old_status:
        fields["old_status"] = event.old_status
    fields.update({k: v for k, v in event.detail.items() if k != "chain" and v is not None})
    if "features" in fields:
        fields["feature"] = fields["features"]
    return fields


@dataclass(frozen=True)
class Rule:
    name: str
    event_type: str
    filters: dict[str, str]
    action: str
    pipeline: str | None
    parameters: dict[str, str]
    url: str | None
    secret_env: str | None
    after_position: int
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, row: RuleRow) -> Rule:
        return cls(
            row.name,
            row.event_type,
            dict(row.filters or {}),
            row.action,
            row.pipeline,
            dict(row.parameters or {}),
            row.url,
            row.secret_env,
            row.after_position,
            row.created_at,
            row.created_by,
        )

    def matches(self, event: Event) -> bool:
        if event.type != self.event_type or event.position <= self.after_position:
            return False
        fields = event_fields(event)
        for key, wanted in self.filters.items():
            value = fields.get(key)
            if isinstance(value, list):
                if wanted not in map(str, value):
                    return False
            elif value is None or str(value) != wanted:
                return False
        return True

    def to_json(self) -> dict[str, Any]:
        action: dict[str, Any] = {"type": self.action}
        if self.action == "start":
            action.update(pipeline=self.pipeline, parameters=self.parameters)
        elif self.action == "webhook":
            action.update(url=mask_url(self.url or ""), secret_env=self.secret_env)
        return {
            "name": self.name,
            "on": self.event_type,
            "filters": self.filters,
            "action": action,
            "after_position": self.after_position,
            "created_at": iso(self.created_at),
            "created_by": self.created_by,
        }


def create_rule(
    name: str,
    on: str,
    *,
    filters: dict[str, str] | None = None,
    start: str | None = None,
    parameters: dict[str, str] | None = None,
    webhook: str | None = None,
    secret_env: str | None = None,
    log: bool = False,
) -> Rule:
    """Check the type, filters, action, pipeline and parameters now; the rule sees later events."""
    check_name(name, "rule")
    event_type = check_event_type(on)
    known = EVENT_FIELDS[event_type]
    filters = dict(filters or {})
    for key in filters:
        if key not in known:
            raise InvalidInput(
                f"rule {name}: {event_type} events have no field {key!r} to filter on; "
                f"fields: {', '.join(known)}"
            )
    chosen = [a for a, given in (("start", start), ("webhook", webhook), ("log", log)) if given]
    if len(chosen) != 1:
        raise InvalidInput(f"rule {name}: give exactly one action: `start`, `webhook` or `log`")
    action = chosen[0]
    parameters = dict(parameters or {})
    if parameters and action != "start":
        raise InvalidInput(f"rule {name}: `parameters` apply to `start` only")
    if secret_env and action != "webhook":
        raise InvalidInput(f"rule {name}: `secret_env` applies to `webhook` only")
    if start:
        check_pipeline_parameters(start, parameters, f"rule {name}")
        check_templates(parameters, [*known, "time"], f"rule {name}")
    if webhook:
        check_url(webhook)
        check_secret_env(secret_env)
    after = last_position()
    with session_scope() as session:
        if session.get(RuleRow, name) is not None:
            raise Conflict(f"rule {name} exists already; delete it first")
        row = RuleRow(
            name=name,
            event_type=str(event_type),
            filters=filters,
            action=action,
            pipeline=start,
            parameters=parameters,
            url=webhook,
            secret_env=secret_env,
            after_position=after,
            created_by=get_settings().user,
        )
        session.add(row)
        session.flush()
        return Rule.of(row)


def get_rule(name: str) -> Rule:
    with session_scope() as session:
        row = session.get(RuleRow, name)
        if row is None:
            raise NotFound(f"unknown rule {name!r}")
        return Rule.of(row)


def list_rules(*, limit: int | None = None, offset: int = 0) -> list[Rule]:
    """Rules by name; `limit` and `offset` read one page."""
    query = select(RuleRow).order_by(RuleRow.name).offset(offset).limit(limit)
    with session_scope() as session:
        return [Rule.of(r) for r in session.scalars(query)]


def count_rules() -> int:
    with session_scope() as session:
        return int(session.scalar(select(func.count()).select_from(RuleRow)) or 0)


def describe_rule(name: str) -> dict[str, Any]:
    return {**get_rule(name).to_json(), "history": rule_history(name, limit=10)}


def rule_history(name: str, limit: int = 100) -> list[dict[str, Any]]:
    get_rule(name)
    return history.entries("rule", name, limit)


def delete_rule(name: str) -> None:
    with session_scope() as session:
        row = session.get(RuleRow, name)
        if row is None:
            raise NotFound(f"unknown rule {name!r}")
        session.delete(row)
