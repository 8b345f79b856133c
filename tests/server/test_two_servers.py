"""A team's deployment: two `batchops server` processes on two ports (two hosts, each with its
own empty home and its hosted scheduler) over one PostgreSQL and one bucket (moto's S3 server).

A person signs in on one server and approves through the other; the other shows it at once.
A schedule's tick starts one execution, and an event, an alarm's transition and their
webhooks act once, though two schedulers run; when the acting one's host dies, the other
takes over without repeating what was done. The scheduler's log is in the database: either
server shows what both schedulers did, and neither home holds it.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from batchops.events import alarms, history, lease, rules, schedules
from batchops.events.webhooks import DELIVERY_HEADER
from batchops.server.auth import CSRF_HEADER, SESSION_COOKIE
from batchops.store.db import dispose_engines
from batchops.store.executions import execution_json, list_executions
from batchops.store.metrics import record_metrics
from batchops.store.tokens import Role, create_token
from support.automation import Receiver, receiving, store_pipeline
from support.postgres import PostgresServer

from .conftest import register_example_version

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

WAIT_SECONDS = 180  # a wait for something to happen on a loaded machine, not a timing check
LEASE_SECONDS = 6
REQUEST_SECONDS = 60  # a loaded machine answers the first page slowly: a bound, not a check
SERVER = (sys.executable, "-m", "batchops.cli.main", "server")


@dataclass
class Host:
    """One server process with its own empty home: the stand-in for one machine."""

    name: str
    home: Path
    process: subprocess.Popen[str]
    base: str
    log: Path

    def pids(self) -> set[int]:
        try:
            parent = psutil.Process(self.process.pid)
            return {parent.pid, *(child.pid for child in parent.children(recursive=True))}
        except psutil.NoSuchProcess:
            return set()


@dataclass
class Team:
    hosts: list[Host]
    environment: dict[str, str]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_host(name: str, folder: Path, environment: dict[str, str]) -> Host:
    home = folder / name
    home.mkdir()
    port = _free_port()
    log = folder / f"{name}.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [*SERVER, "--port", str(port), "--workers", "1"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
            env={**environment, "BATCHOPS_HOME": str(home)},
        )
    return Host(name, home, process, f"http://127.0.0.1:{port}", log)


def _wait_until_up(host: Host) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and host.process.poll() is None:
        try:
            if httpx.get(f"{host.base}/healthz", timeout=REQUEST_SECONDS).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"server {host.name} did not come up: {host.log.read_text()}")


def _stop(host: Host) -> None:
    if host.process.poll() is None:
        host.process.send_signal(signal.SIGTERM)
        try:
            host.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            host.process.kill()
            host.process.wait()


@pytest.fixture
def team(
    postgres_server: PostgresServer,
    s3_artifacts: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Team]:
    """The shared database and bucket (this test process uses them too), and two hosts."""
    url = postgres_server.create_database(f"batchops_team_{uuid.uuid4().hex[:10]}")
    monkeypatch.setenv("BATCHOPS_DB_URL", url)
    monkeypatch.setenv("BATCHOPS_SCHEDULER_POLL", "0.3")
    monkeypatch.setenv("BATCHOPS_SCHEDULER_LEASE", str(LEASE_SECONDS))
    dispose_engines()
    environment = dict(os.environ)
    environment.pop("BATCHOPS_SESSION_SECRET", None)  # the servers share the database's key
    hosts = [_start_host(name, tmp_path, environment) for name in ("host-a", "host-b")]
    try:
        for host in hosts:
            _wait_until_up(host)
        yield Team(hosts, environment)
    finally:
        for host in hosts:
            _stop(host)


def _wait_for(what: str, done: Callable[[], Any], hosts: list[Host]) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = done()
        if found:
            return found
        time.sleep(0.3)
    logs = "\n".join(f"--- {h.name}\n{h.log.read_text()[-3000:]}" for h in hosts)
    pytest.fail(f"waited {WAIT_SECONDS} s for {what}\n{logs}")


def _sign_in(host: Host, token: str) -> str:
    signed = httpx.post(
        f"{host.base}/login",
        data={"token": token},
        follow_redirects=False,
        timeout=REQUEST_SECONDS,
    )
    assert signed.status_code == 303, signed.text
    return signed.cookies[SESSION_COOKIE]


def _csrf(host: Host, cookie: str) -> str:
    page = httpx.get(f"{host.base}/", cookies={SESSION_COOKIE: cookie}, timeout=REQUEST_SECONDS)
    assert page.status_code == 200, page.text
    return page.text.split('name="csrf_token" value="')[1].split('"')[0]


def _deliveries(receiver: Receiver) -> collections.Counter[str]:
    """Each delivery id the receiver was sent, with how many times."""
    return collections.Counter(r["headers"][DELIVERY_HEADER] for r in receiver.requests)


def _acting(team: Team) -> Host:
    """The host whose scheduler holds the lease."""
    held = _wait_for("a scheduler to take the lease", lease.current, team.hosts)
    pid = int(held["holder"].split(":")[1])
    return next(host for host in team.hosts if pid in host.pids())


def _schedule_runs() -> collections.Counter[str]:
    """Executions of the test's pipeline started by the schedule, counted per tick."""
    ticks: collections.Counter[str] = collections.Counter()
    for listed in list_executions("greet", limit=100):
        trigger = execution_json(listed["id"]).get("trigger") or {}
        if trigger.get("schedule") == "every-minute":
            ticks[trigger["tick"]] += 1
    return ticks


def _schedule_runs_ended() -> bool:
    """Whether the schedule started an execution and all it started have ended."""
    runs = [execution_json(e["id"]) for e in list_executions("greet", limit=100)]
    scheduled = [r for r in runs if (r.get("trigger") or {}).get("schedule")]
    return bool(scheduled) and all(r["status"] != "Executing" for r in scheduled)


def test_two_servers_share_sessions_approvals_and_one_acting_scheduler(
    team: Team, tmp_path: Path
) -> None:
    first, second = team.hosts
    approver = create_token("ann", Role.APPROVER)[0]
    viewer = {"Authorization": f"Bearer {create_token('vic', Role.VIEWER)[0]}"}
    store_pipeline("greet")
    register_example_version(tmp_path / "v1")
    with receiving() as receiver:
        rules.create_rule("tell", "ModelVersionStatusChanged", webhook=receiver.url)
        rules.create_rule("noted", "ModelVersionStatusChanged", log=True)
        alarms.create_alarm("hot", "feature_baseline_drift_usage", above=0.5, webhook=receiver.url)
        schedules.create_schedule("every-minute", "greet", "* * * * *")

        # signed in on one server, acting on the other: one session, one signing key
        cookie = _sign_in(first, approver)
        approved = httpx.post(
            f"{second.base}/api/registry/groups/churn/versions/1/approve",
            json={"reason": "looks right"},
            cookies={SESSION_COOKIE: cookie},
            headers={CSRF_HEADER: _csrf(second, cookie)},
            timeout=REQUEST_SECONDS,
        )
        assert approved.status_code == 200, approved.text
        seen = httpx.get(
            f"{first.base}/api/registry/groups/churn/versions/1",
            headers=viewer,
            timeout=REQUEST_SECONDS,
        )
        assert seen.json()["status"] == "Approved"  # at once: no cache between the servers
        assert seen.json()["approval_history"][-1]["user"] == "ann"

        record_metrics("a-run", {"feature_baseline_drift_usage": 0.9})
        _wait_for("the rule's and the alarm's webhooks", lambda: len(receiver.requests) >= 2, [])
        _wait_for("a scheduled tick's execution to end", _schedule_runs_ended, team.hosts)

        # the acting scheduler's host dies; the other takes over and acts on what is new only
        acting = _acting(team)
        acting.process.kill()
        acting.process.wait()
        other = next(host for host in team.hosts if host is not acting)
        register_example_version(tmp_path / "v2")
        approved = httpx.post(
            f"{other.base}/api/registry/groups/churn/versions/2/approve",
            cookies={SESSION_COOKIE: cookie},
            headers={CSRF_HEADER: _csrf(other, cookie)},
            timeout=REQUEST_SECONDS,
        )
        assert approved.status_code == 200, approved.text
        _wait_for("the other scheduler's webhook", lambda: len(receiver.requests) >= 3, [other])
        assert _acting(team) is other
        _wait_for("a tick run by the other scheduler", lambda: len(_schedule_runs()) >= 2, [other])
        ticks = _schedule_runs()
        log = httpx.get(
            f"{other.base}/api/scheduler/log?limit=1000", headers=viewer, timeout=REQUEST_SECONDS
        ).json()

    assert set(ticks.values()) == {1}, ticks  # every tick started exactly one execution
    deliveries = _deliveries(receiver)
    assert len(deliveries) == 3 and set(deliveries.values()) == {1}, deliveries
    approvals = [r["body"]["event"] for r in receiver.requests if "rule" in r["body"]]
    assert sorted(e["version"] for e in approvals) == [1, 2], approvals
    assert all(e["new_status"] == "Approved" for e in approvals), approvals
    assert [e["outcome"] for e in rules.rule_history("noted")] == ["logged", "logged"]
    transitions = history.entries("alarm", "hot")
    assert [e["outcome"] for e in transitions] == ["ALARM", "delivered"], transitions

    # the scheduler's log, from the database: what both hosts' schedulers did, on either server
    writers = {entry["host"] for entry in log if entry["message"] == "scheduler started"}
    assert len(writers) == 2, writers
    assert {"tick", "rule", "delivery", "alarm"} <= {entry["kind"] for entry in log}
    for host in team.hosts:
        assert not (host.home / "logs" / "scheduler.jsonl").exists()
