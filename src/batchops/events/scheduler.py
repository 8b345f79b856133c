"""The scheduler: runs due schedules, hands new events to rules, evaluates alarms, and sends
queued webhooks, while it holds the lease (at most one scheduler acts at a time).

`run_once(now)` does everything due at `now`, runs the executions it starts here to their end,
handles the events they produced, and repeats until nothing is left: approved → score →
violations → retrain happens in one call. `run_forever()` does the same every poll interval,
starting executions in the background, until SIGTERM or SIGINT; it then lets in-flight webhook
tries end, releases the lease and returns, never leaving an execution half-started.

Guarantees: each event is handled at least once (the consumer position moves after its rules
acted); a rule starts its pipeline at most once per event, also across a crash, because the
decision is the execution's unique trigger key written with the execution itself; a schedule's
tick is claimed by a compare-and-set, so it never runs twice.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from batchops.crashpoints import NO_CRASH, SCHEDULER_AFTER_DECIDE, CrashPoints
from batchops.errors import BatchopsError, Conflict
from batchops.events import alarms, history, schedules, webhooks
from batchops.events.clock import Clock, system_clock
from batchops.events.lease import Lease
from batchops.events.logs import log
from batchops.events.rules import Rule, event_fields, list_rules
from batchops.events.templates import render
from batchops.runtime.pipelines import start_pipeline
from batchops.settings import automation_settings
from batchops.store.events import Event, commit_position, poll
from batchops.store.executions import get_execution_row
from batchops.store.statuses import ExecutionStatus

CONSUMER = "scheduler"


@dataclass
class Report:
    """What one pass (or a whole `run_once`) did."""

    acquired: bool = True
    started: list[str] = field(default_factory=list)
    skipped: int = 0
    events: int = 0
    transitions: int = 0
    deliveries: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "acquired_lease": self.acquired,
            "started": self.started,
            "skipped": self.skipped,
            "events": self.events,
            "alarm_transitions": self.transitions,
            "deliveries": self.deliveries,
        }


class Scheduler:
    def __init__(
        self,
        *,
        clock: Clock = system_clock,
        wait: bool = False,
        crash_points: CrashPoints = NO_CRASH,
    ) -> None:
        """`crash_points` (tests only, see batchops.crashpoints): where this process dies, and
        those handed on to the runners of the executions it starts."""
        self.clock = clock
        self.wait = wait
        self.crash_points = crash_points
        self.settings = automation_settings()
        self.stop = threading.Event()
        self.lease = Lease(self.settings.lease_seconds)
        self.report = Report()
        self._pool = ThreadPoolExecutor(4, thread_name_prefix="webhook")
        self._sending: dict[str, Future[str]] = {}

    # --- one pass ---------------------------------------------------------------------------

    def run_schedules(self, now: datetime) -> None:
        for due in schedules.claim_due(now):
            self._tick(due, now)

    def _tick(self, due: schedules.DueTick, now: datetime) -> None:
        schedule = due.schedule
        if due.missed:
            history.record(
                "schedule", schedule.name, "missed", {"ticks": due.missed, "now": now.isoformat()}
            )
            log(
                "tick",
                f"schedule {schedule.name}: {due.missed} missed tick(s) not run",
                schedule=schedule.name,
                missed=due.missed,
                catch_up=schedule.catch_up,
            )
        if due.tick is None:
            return
        tick = due.tick.isoformat()
        previous = schedule.last_execution_id
        if previous and _status(previous) is ExecutionStatus.EXECUTING:
            self.report.skipped += 1
            history.record(
                "schedule",
                schedule.name,
                "skipped",
                {"tick": tick, "reason": f"previous run {previous} is still executing"},
            )
            log(
                "tick",
                f"schedule {schedule.name}: tick skipped, {previous} still executing",
                schedule=schedule.name,
                tick=tick,
            )
            return
        local = due.tick.astimezone(schedules.zone(schedule.timezone))
        try:
            parameters = render(schedule.parameters, {}, local)
            execution = self._start(
                schedule.pipeline,
                parameters,
                key=f"schedule:{schedule.name}:{tick}",
                trigger={"schedule": schedule.name, "tick": tick, "chain": []},
                on_record=lambda eid: _schedule_started(schedule.name, tick, eid),
            )
        except BatchopsError as error:
            history.record(
                "schedule", schedule.name, "failed", {"tick": tick, "reason": str(error)}
            )
            log(
                "tick",
                f"schedule {schedule.name}: tick failed: {error}",
                schedule=schedule.name,
                tick=tick,
            )
            return
        log(
            "tick",
            f"schedule {schedule.name}: started {execution}",
            schedule=schedule.name,
            tick=tick,
            execution_id=execution,
        )

    def handle_events(self) -> int:
        """Hand each new event to the rules; the position moves after each event's actions."""
        handled = 0
        while not self.stop.is_set():
            batch = poll(CONSUMER, limit=100)
            if not batch:
                break
            rules = list_rules()
            for event in batch:
                for rule in rules:
                    if rule.matches(event):
                        self._act(rule, event)
                commit_position(CONSUMER, event.position)
                handled += 1
                if self.stop.is_set() or self.lease.lost.is_set():
                    break
        self.report.events += handled
        return handled

    def _act(self, rule: Rule, event: Event) -> None:
        key = f"rule:{rule.name}:{event.position}"
        link = {"rule": rule.name, "event": event.position, "type": event.type}
        chain = [*event.detail.get("chain", []), link]
        base = {"event": event.position, "event_type": event.type}
        log(
            "rule",
            f"rule {rule.name} matched event {event.position} ({event.type})",
            rule=rule.name,
            event=event.position,
            action=rule.action,
        )
        if rule.action == "log":
            history.record(
                "rule", rule.name, "logged", {**base, "fields": event_fields(event)}, key=key
            )
        elif rule.action == "webhook":
            from batchops.store.db import session_scope

            with session_scope() as session:
                webhooks.enqueue(
                    session,
                    key,
                    "rule",
                    rule.name,
                    rule.url or "",
                    rule.secret_env,
                    {"rule": rule.to_json(), "event": event.to_json()},
                )
        elif len(chain) > self.settings.max_event_chain:
            history.record(
                "rule",
                rule.name,
                "chain-limit",
                {
                    **base,
                    "chain": chain,
                    "reason": f"a chain of {len(chain)} rule actions exceeds "
                    f"BATCHOPS_MAX_EVENT_CHAIN={self.settings.max_event_chain}; not run",
                },
                key=key,
            )
            log("rule", f"rule {rule.name}: chain too long, not run", rule=rule.name, chain=chain)
        else:
            self._start_for(rule, event, key, chain, base)

    def _start_for(
        self, rule: Rule, event: Event, key: str, chain: list[Any], base: dict[str, Any]
    ) -> None:
        try:
            parameters = render(rule.parameters, event_fields(event), event.at)
            self._start(
                rule.pipeline or "",
                parameters,
                key=key,
                trigger={"rule": rule.name, "event": event.position, "chain": chain},
                on_record=lambda eid: history.record(
                    "rule",
                    rule.name,
                    "started",
                    {**base, "execution_id": eid, "parameters": parameters},
                    key=key,
                ),
            )
        except Conflict as repeat:  # handled before a crash: the start is not repeated
            log("rule", f"rule {rule.name}: {repeat}", rule=rule.name, event=event.position)
        except BatchopsError as error:
            history.record("rule", rule.name, "failed", {**base, "reason": str(error)}, key=key)
            log("rule", f"rule {rule.name}: failed: {error}", rule=rule.name, event=event.position)

    def _start(
        self,
        pipeline: str,
        parameters: dict[str, str],
        *,
        key: str,
        trigger: dict[str, Any],
        on_record: Callable[[str], Any],
    ) -> str:
        def recorded(execution_id: str) -> None:
            on_record(execution_id)
            self.report.started.append(execution_id)
            self.crash_points.reached(SCHEDULER_AFTER_DECIDE)

        execution = start_pipeline(
            pipeline,
            parameters,
            wait=self.wait,
            trigger_key=key,
            trigger=trigger,
            after_record=recorded,
            crash_points=self.crash_points,
        )
        return execution.id

    def send_deliveries(self) -> None:
        """Hand queued deliveries to worker threads; nothing here waits for a receiver."""
        for delivery_id in webhooks.pending_ids():
            if delivery_id in self._sending and not self._sending[delivery_id].done():
                continue
            future = self._pool.submit(webhooks.deliver, delivery_id, self.stop)
            self._sending[delivery_id] = future

    def drain_deliveries(self) -> None:
        for delivery_id, future in list(self._sending.items()):
            self.report.deliveries[delivery_id] = future.result()
        self._sending.clear()

    def one_pass(self) -> int:
        """Everything due now; how many things happened (events handled, transitions)."""
        now = self.clock()
        self.run_schedules(now)
        activity = self.handle_events()
        transitions = alarms.evaluate_alarms()
        self.report.transitions += transitions
        self.send_deliveries()
        return activity + transitions

    # --- the two ways to run -----------------------------------------------------------------

    def run_once(self) -> Report:
        if not self.lease.acquire():
            self.report.acquired = False
            log("lease", "another scheduler holds the lease; nothing done")
            return self.report
        try:
            log("lease", "lease taken", holder=self.lease.holder, once=True)
            while self.one_pass() and not self.stop.is_set():
                pass
            self.drain_deliveries()
        finally:
            self._pool.shutdown(wait=True)
            self.lease.release()
        return self.report

    def run_forever(self) -> None:
        """Pass after pass until `stop` is set: by SIGTERM or Ctrl-C when this is the main
        thread, else by whoever hosts it (the server, on its shutdown)."""
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: self.stop.set())
        _log_safely("scheduler started", poll_seconds=self.settings.poll_seconds)
        try:
            while not self.stop.is_set():
                try:
                    if self.lease.held or self.lease.acquire():
                        self.one_pass()
                except Exception as error:  # a busy or unreachable database: try next time
                    _log_safely(f"pass failed: {type(error).__name__}: {error}")
                self.stop.wait(self.settings.poll_seconds)
        finally:
            self._pool.shutdown(wait=True)
            self.lease.release()
            _log_safely("scheduler stopped")


def _log_safely(message: str, **fields: Any) -> None:
    """Log where the database itself may be what failed: to the log when it can be written,
    else to stderr, so a database that is down never stops the scheduler."""
    try:
        log("scheduler", message, **fields)
    except Exception as error:
        print(f"scheduler: {message} (not logged: {type(error).__name__})", file=sys.stderr)


def _schedule_started(name: str, tick: str, execution_id: str) -> None:
    schedules.record_started(name, execution_id)
    history.record("schedule", name, "started", {"tick": tick, "execution_id": execution_id})


def _status(execution_id: str) -> ExecutionStatus | None:
    try:
        return ExecutionStatus(get_execution_row(execution_id).status)
    except BatchopsError:
        return None


def run_once(now: datetime | None = None, *, crash_points: CrashPoints = NO_CRASH) -> Report:
    """Do everything due at `now` (default: the wall clock), waiting for what it started."""
    clock: Clock = (lambda: now) if now is not None else system_clock
    return Scheduler(clock=clock, wait=True, crash_points=crash_points).run_once()


def run_forever(*, crash_points: CrashPoints = NO_CRASH) -> None:
    Scheduler(crash_points=crash_points).run_forever()
