"""Every list the API pages is read one page at a time by the owner of its table (limit and
offset in SQL, a count beside it), on SQLite and on PostgreSQL: groups, pipelines and their
definition versions, schedules, rules and alarms."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from batchops import registry
from batchops.events import alarms, rules, schedules
from batchops.registry.groups import count_groups
from batchops.runtime.catalog import (
    count_definition_versions,
    count_pipelines,
    definition_versions,
    list_pipelines,
    upsert_definition,
)
from support.automation import store_pipeline
from support.models import tiny_model_archive


def _register(tmp_path: Path, group: str, status: str = "PendingManualApproval") -> None:
    folder = tmp_path / f"{group}-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    (folder / "model.tar.gz").write_bytes(tiny_model_archive())
    registry.register_version(group, model_data_uri=str(folder / "model.tar.gz"), status=status)


def _pages(read: Callable[..., list[Any]], total: int, size: int) -> list[list[Any]]:
    return [read(limit=size, offset=start) for start in range(0, total, size)]


def test_groups_are_paged_by_name_with_each_groups_status_counts(
    database: str, tmp_path: Path
) -> None:
    for name in ("delta", "alpha", "echo", "charlie", "bravo"):
        registry.create_group(name)
    _register(tmp_path, "bravo")
    _register(tmp_path, "bravo", "Approved")
    _register(tmp_path, "echo", "Approved")

    def names(limit: int, offset: int) -> list[str]:
        return [group.name for group in registry.list_groups(limit=limit, offset=offset)]

    assert _pages(names, 5, 2) == [["alpha", "bravo"], ["charlie", "delta"], ["echo"]]
    assert count_groups() == 5
    counts = {group.name: group.status_counts for group in registry.list_groups()}
    assert counts == {
        "alpha": {},
        "bravo": {"Approved": 1, "PendingManualApproval": 1},
        "charlie": {},
        "delta": {},
        "echo": {"Approved": 1},
    }
    assert registry.list_groups(limit=1, offset=1)[0].version_count == 2


def test_pipelines_and_their_definition_versions_are_paged(database: str) -> None:
    for name in ("c", "a", "b"):
        upsert_definition(name, {"steps": [], "name": name})
    for n in range(1, 4):
        upsert_definition("a", {"steps": [], "name": "a", "revision": n})

    def names(limit: int, offset: int) -> list[str]:
        return [p["name"] for p in list_pipelines(limit=limit, offset=offset)]

    def versions(limit: int, offset: int) -> list[int]:
        return [v["version"] for v in definition_versions("a", limit=limit, offset=offset)]

    assert _pages(names, 3, 2) == [["a", "b"], ["c"]]
    assert count_pipelines() == 3
    assert _pages(versions, 4, 3) == [[4, 3, 2], [1]]
    assert count_definition_versions("a") == 4 and count_definition_versions("c") == 1


def test_schedules_rules_and_alarms_are_paged_by_name(database: str) -> None:
    store_pipeline("greet")
    for name in ("weekly", "hourly", "nightly"):
        schedules.create_schedule(name, "greet", "0 6 * * *")
        rules.create_rule(f"{name}-rule", "ModelVersionRegistered", log=True)
        alarms.create_alarm(f"{name}-alarm", "violation_count", above=0)

    def by_name(list_them: Callable[..., list[Any]]) -> Callable[..., list[str]]:
        return lambda limit, offset: [x.name for x in list_them(limit=limit, offset=offset)]

    assert _pages(by_name(schedules.list_schedules), 3, 2) == [["hourly", "nightly"], ["weekly"]]
    assert _pages(by_name(rules.list_rules), 3, 2) == [
        ["hourly-rule", "nightly-rule"],
        ["weekly-rule"],
    ]
    assert _pages(by_name(alarms.list_alarms), 3, 2) == [
        ["hourly-alarm", "nightly-alarm"],
        ["weekly-alarm"],
    ]
    assert schedules.count_schedules() == rules.count_rules() == alarms.count_alarms() == 3
    assert alarms.list_alarms(limit=5, offset=3) == []
