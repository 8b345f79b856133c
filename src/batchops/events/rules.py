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
from sqlalchemy.orm import Session

from batchops.errors import Conflict, InvalidInput, NotFound
from batchops.events import history
from batchops.events.schedules import check_name
from batchops.events.start_parameters import Definitions, check_pipeline_parameters
from batchops.events.templates import check_templates
from batchops.events.webhooks import check_secret_env, check_url
from batchops.settings import get_settings
from batchops.store.db import session_scope
from batchops.store.events import Event, EventType, last_position
from batchops.store.executions import newest_failure_for_triggers
from batchops.store.managed import Managed, managed_json, managed_of
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
    paused: bool = False
    managed: Managed | None = None

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
            bool(row.paused),
            managed_of(row),
        )

    def matches(self, event: Event) -> bool:
        """A paused rule matches nothing; a resumed one only the events after its resumption."""
        if self.paused or event.type != self.event_type or event.position <= self.after_position:
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
            "state": "PAUSED" if self.paused else "ENABLED",
            "after_position": self.after_position,
            "created_at": iso(self.created_at),
            "created_by": self.created_by,
            "managed": managed_json(self.managed),
        }


def check_rule(
    name: str,
    on: str,
    *,
    filters: dict[str, str] | None = None,
    start: str | None = None,
    parameters: dict[str, str] | None = None,
    webhook: str | None = None,
    secret_env: str | None = None,
    log: bool = False,
    declared: Definitions | None = None,
) -> dict[str, Any]:
    """Check the type, filters, action, pipeline and parameters now; the columns to store."""
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
        check_pipeline_parameters(start, parameters, f"rule {name}", declared)
        check_templates(parameters, [*known, "time"], f"rule {name}")
    if webhook:
        check_url(webhook)
        check_secret_env(secret_env)
    return {
        "event_type": str(event_type),
        "filters": filters,
        "action": action,
        "pipeline": start,
        "parameters": parameters,
        "url": webhook,
        "secret_env": secret_env,
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
    paused: bool = False,
    managed: Managed | None = None,
) -> Rule:
    """A new rule (Conflict if the name is taken), checked by `check_rule`; it sees the
    events appended from now on."""
    columns = check_rule(
        name,
        on,
        filters=filters,
        start=start,
        parameters=parameters,
        webhook=webhook,
        secret_env=secret_env,
        log=log,
    )
    after = last_position()
    with session_scope() as session:
        if session.get(RuleRow, name) is not None:
            raise Conflict(f"rule {name} exists already; delete it first")
        row = RuleRow(
            name=name,
            **columns,
            paused=paused,
            after_position=after,
            created_by=get_settings().user,
        )
        if managed is not None:
            managed.write(row)
        session.add(row)
        session.flush()
        return Rule.of(row)


def update_rule(
    name: str,
    on: str,
    *,
    filters: dict[str, str] | None = None,
    start: str | None = None,
    parameters: dict[str, str] | None = None,
    webhook: str | None = None,
    secret_env: str | None = None,
    log: bool = False,
    paused: bool = False,
    managed: Managed | None = None,
) -> Rule:
    """Change a rule in place, in one transaction. It keeps its position in the event log:
    the events it has already seen are not matched again, none after it are skipped (but
    those that arrived while it was paused, when this resumes it)."""
    columns = check_rule(
        name,
        on,
        filters=filters,
        start=start,
        parameters=parameters,
        webhook=webhook,
        secret_env=secret_env,
        log=log,
    )
    newest = last_position()
    with session_scope() as session:
        row = session.get(RuleRow, name, with_for_update=True)
        if row is None:
            raise NotFound(f"unknown rule {name!r}")
        for column, value in columns.items():
            setattr(row, column, value)
        _pause(session, row, paused, newest, None)
        if managed is not None:
            managed.write(row)
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
    return {
        **get_rule(name).to_json(),
        "last_failure": last_failure(name),
        "history": rule_history(name, limit=10),
    }


def rule_history(name: str, limit: int = 100) -> list[dict[str, Any]]:
    get_rule(name)
    return history.entries("rule", name, limit)


FAILED_OUTCOMES = ("failed", "chain-limit")
"""What a rule did that did not work: a start refused, a webhook not delivered, a chain cut."""


def last_failure(name: str) -> dict[str, Any] | None:
    """What went wrong last for this rule, or None: its action failing (a start refused, a
    webhook not delivered, a chain cut) or an execution it started ending Failed.

    `at` and `reason`, and `execution_id` when it was an execution."""
    get_rule(name)
    failures = []
    entry = history.newest_entry("rule", name, FAILED_OUTCOMES)
    if entry is not None:
        reason = entry.get("reason") or entry.get("error") or entry["outcome"]
        failures.append({"at": entry["at"], "reason": str(reason)})
    execution = newest_failure_for_triggers(f"rule:{name}:")
    if execution is not None:
        failures.append(execution)
    return max(failures, key=lambda f: f["at"] or "", default=None)


def set_rule_paused(name: str, paused: bool, user: str | None = None) -> Rule:
    """Pause, or resume; a paused rule acts on nothing, and the events that arrive meanwhile
    are not acted on after it resumes (as a schedule's ticks while paused are not run)."""
    newest = last_position()
    with session_scope() as session:
        row = session.get(RuleRow, name, with_for_update=True)
        if row is None:
            raise NotFound(f"unknown rule {name!r}")
        _pause(session, row, paused, newest, user)
        session.flush()
        return Rule.of(row)


def _pause(session: Session, row: RuleRow, paused: bool, newest: int, user: str | None) -> None:
    """Pause or resume the rule in the caller's transaction (a resumed rule acts only on the
    events after `newest`), with its history entry; nothing when it already is so."""
    if row.paused == paused:
        return
    if not paused:
        row.after_position = max(row.after_position, newest)
    row.paused = paused
    history.add_pause_entry(session, "rule", row.name, paused, user)


def delete_rule(name: str) -> None:
    with session_scope() as session:
        row = session.get(RuleRow, name)
        if row is None:
            raise NotFound(f"unknown rule {name!r}")
        session.delete(row)
