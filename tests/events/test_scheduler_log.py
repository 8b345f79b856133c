"""The scheduler's log lives in the metadata database: a host with another, empty home and the
same database reads what a scheduler elsewhere did, and `batchops gc` forgets old entries."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update

from batchops.events import schedules
from batchops.events.scheduler import run_once
from batchops.store.db import session_scope
from batchops.store.schema.automation import SchedulerLogRow
from support.automation import store_pipeline
from support.cli import run_batchops

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def _other_host(tmp_path: Path, database: str) -> dict[str, str]:
    """Another host: its own empty home, the same database."""
    return {"BATCHOPS_HOME": str(tmp_path / "other-host"), "BATCHOPS_DB_URL": database}


def test_another_host_reads_what_the_scheduler_did(
    database: str, batchops_home: Path, tmp_path: Path
) -> None:
    store_pipeline()
    schedules.create_schedule("daily", "greet", "0 6 * * *", now=T0)
    started = run_once(datetime(2024, 3, 2, 6, 0, 30, tzinfo=UTC)).started

    read = run_batchops(
        "scheduler", "logs", "--kind", "tick", "--json", env=_other_host(tmp_path, database)
    )
    assert read.returncode == 0, read.stderr
    ticks = json.loads(read.stdout)
    assert [entry["execution_id"] for entry in ticks] == started
    assert ticks[0]["schedule"] == "daily" and ticks[0]["host"]
    shown = run_batchops("scheduler", "logs", env=_other_host(tmp_path, database)).stdout
    assert f"schedule daily: started {started[0]}" in shown
    assert "lease taken" in shown
    for home in (batchops_home, tmp_path / "other-host"):
        assert not (home / "logs" / "scheduler.jsonl").exists()


def test_gc_forgets_log_entries_older_than_asked(database: str) -> None:
    store_pipeline()
    run_once()
    with session_scope() as session:
        session.execute(update(SchedulerLogRow).values(at=datetime(2020, 1, 1, tzinfo=UTC)))
    run_once()  # these entries are new
    before = json.loads(run_batchops("scheduler", "logs", "--json").stdout)

    dry = run_batchops("gc", "--older-than", "30d", "--json")
    assert dry.returncode == 0, dry.stderr
    old = sum(entry["at"].startswith("2020-") for entry in before)
    assert old > 0 and json.loads(dry.stdout)["scheduler_log_entries"] == old
    assert json.loads(run_batchops("scheduler", "logs", "--json").stdout) == before

    done = run_batchops("gc", "--older-than", "30d", "--yes")
    assert f"and {old} scheduler log entr" in done.stdout
    after = json.loads(run_batchops("scheduler", "logs", "--json").stdout)
    assert after == [entry for entry in before if not entry["at"].startswith("2020-")]
    assert after


def test_a_bad_since_is_one_clear_error() -> None:
    done = run_batchops("scheduler", "logs", "--since", "yesterday")
    assert done.returncode == 2
    assert "--since 'yesterday' is not an ISO-8601 moment" in done.stderr


def test_the_newest_entries_of_one_kind() -> None:
    for _ in range(3):
        run_once()
    entries = json.loads(run_batchops("scheduler", "logs", "--kind", "lease", "--json").stdout)
    assert [entry["message"] for entry in entries] == ["lease taken"] * 3
    newest = run_batchops("scheduler", "logs", "--kind", "lease", "--limit", "2", "--json")
    assert json.loads(newest.stdout) == entries[1:]
