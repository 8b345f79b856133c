"""`batchops plan` and `apply` on a project `batchops init` wrote: against a home and a
server, through a change of every kind, idempotent, leaving what they did not make alone."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from batchops.events import alarms, rules, schedules
from batchops.runtime import catalog
from support.cli import run_batchops

NAME = "churn-batch"


def _edit(project: Path) -> None:
    """A new schedule, a changed rule filter, a paused rule, a removed alarm, an edited
    pipeline."""
    toml = project / "batchops.toml"
    text = toml.read_text()
    text = text.replace(
        f'start = "{NAME}-batch-inference"', f'start = "{NAME}-batch-inference"\npaused = true'
    )
    text = text.replace('filters = { status = "Failed" }', 'filters = { status = "Stopped" }')
    text = text[: text.index("# Too many data-quality violations")]
    text += (
        "\n[[schedules]]\n"
        f'name = "{NAME}-weekly-inference"\n'
        f'pipeline = "{NAME}-batch-inference"\n'
        'cron = "0 7 * * 1"\n'
        "parameters = { FailOnViolation = true }\n"
    )
    toml.write_text(text)
    pipelines = project / "churn_batch" / "pipelines.py"
    pipelines.write_text(pipelines.read_text().replace('"num_round": 30', '"num_round": 40'))


def _plan(project: Path, *server: str, env: dict[str, str] | None = None) -> list[str]:
    done = run_batchops("plan", str(project), *server, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def _apply(project: Path, *extra: str, env: dict[str, str] | None = None) -> list[str]:
    done = run_batchops("apply", str(project), *extra, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()


def test_plan_apply_change_and_apply_again_on_a_home(project: Path) -> None:
    made = run_batchops("rule", "create", "by-hand", "--on", "ModelVersionRegistered", "--log")
    assert made.returncode == 0, made.stderr

    planned = _plan(project)
    assert f"+ pipeline {NAME}-train-and-baseline ({project}/batchops.toml:9)" in planned
    assert f"+ schedule {NAME}-daily-inference ({project}/batchops.toml:23)" in planned
    assert "+     cron: 0 6 * * *" in planned
    assert "not managed by a project file, left alone: rule by-hand" in planned
    assert (
        planned[-1]
        == f"plan for project {NAME}: 7 to create, 0 to update, 0 to delete, 0 unchanged"
    )

    applied = _apply(project, "--revision", "c0ffee1")
    assert applied[-1] == f"apply of project {NAME}: 7 applied"
    assert rules.get_rule("by-hand").managed is None  # left alone
    rule = rules.get_rule(f"{NAME}-failed-runs")
    assert rule.managed is not None and rule.managed.to_json() == {
        "project": NAME,
        "revision": "c0ffee1",
    }
    assert catalog.stored_pipelines()[f"{NAME}-batch-inference"].managed == rule.managed
    assert (
        _apply(project, "--revision", "c0ffee1")[-1]
        == f"apply of project {NAME}: nothing to change"
    )

    _edit(project)
    position = rule.after_position
    run_batchops("rule", "create", "later", "--on", "ModelVersionRegistered", "--log")
    planned = _plan(project)
    assert f"+ schedule {NAME}-weekly-inference ({project}/batchops.toml:45)" in planned
    assert f"~ rule {NAME}-failed-runs ({project}/batchops.toml:38)" in planned
    assert '-     filters: {"status": "Failed"}' in planned
    assert '+     filters: {"status": "Stopped"}' in planned
    assert f"- alarm {NAME}-violations" in planned
    assert f"~ pipeline {NAME}-train-and-baseline ({project}/batchops.toml:9)" in planned
    assert (
        planned[-1]
        == f"plan for project {NAME}: 1 to create, 3 to update, 1 to delete, 3 unchanged"
    )

    _apply(project, "--revision", "beef002")
    changed = rules.get_rule(f"{NAME}-failed-runs")
    assert changed.filters == {"status": "Stopped"}
    assert changed.after_position == position  # it keeps its place in the event log
    assert changed.managed is not None and changed.managed.revision == "beef002"
    assert rules.get_rule(f"{NAME}-score-on-approval").paused
    assert f"{NAME}-violations" not in [a.name for a in alarms.list_alarms()]
    weekly = schedules.get_schedule(f"{NAME}-weekly-inference")
    assert weekly.parameters == {"FailOnViolation": "true"}
    stored = catalog.stored_pipelines()
    assert stored[f"{NAME}-train-and-baseline"].version == 2
    assert stored[f"{NAME}-batch-inference"].version == 1
    assert stored[f"{NAME}-batch-inference"].managed.revision == "c0ffee1"  # type: ignore[union-attr]
    again = _apply(project, "--revision", "beef002")
    assert again[-1] == f"apply of project {NAME}: nothing to change"
    assert "not managed by a project file, left alone: rule by-hand, rule later" in again


def test_an_invalid_project_file_is_one_line_per_problem_and_exit_2(project: Path) -> None:
    toml = project / "batchops.toml"
    text = toml.read_text()
    text = text.replace('cron = "0 6 * * *"', 'cron = "every morning"')
    text = text.replace(
        'on = "ExecutionStatusChanged"', 'on = "ExecutionStatusChanged"\ncolour = "red"'
    )
    toml.write_text(text)
    done = run_batchops("plan", str(project))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: {toml}:40: [[rules]] {NAME}-failed-runs: unknown key `colour`; keys: name, on, "
        "filters, start, parameters, webhook, webhook_env, secret_env, log, paused",
    ]
    toml.write_text(text.replace('colour = "red"\n', ""))
    done = run_batchops("plan", str(project))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: {toml}:23: schedule {NAME}-daily-inference: invalid cron expression "
        "'every morning': five fields, minute hour "
        "day month weekday (e.g. '0 6 * * *')",
    ]


def test_secrets_are_references_never_values_and_never_printed(project: Path) -> None:
    toml = project / "batchops.toml"
    secret = "s3cr3t-hook-token"
    toml.write_text(
        toml.read_text()
        + f'\n[[rules]]\nname = "tell"\non = "ModelVersionRegistered"\nwebhook = "https://hooks.example.com/x?token={secret}"\n'
    )
    done = run_batchops("plan", str(project))
    assert done.returncode == 2
    assert re.search(
        r"batchops.toml:\d+: \[\[rules\]\] tell: the webhook URL holds a credential", done.stderr
    )
    assert secret not in done.stdout + done.stderr

    text = toml.read_text().replace(
        f'webhook = "https://hooks.example.com/x?token={secret}"',
        'webhook_env = "TELL_HOOK"\nsecret_env = "TELL_SIGNING_KEY"',
    )
    toml.write_text(text)
    missing = run_batchops("plan", str(project), env={"TELL_HOOK": ""})
    assert missing.returncode == 2
    assert "`webhook_env` names TELL_HOOK, which is not set" in missing.stderr
    env = {"TELL_HOOK": f"https://hooks.example.com/x?token={secret}"}
    planned = run_batchops("plan", str(project), env=env)
    applied = run_batchops("apply", str(project), env=env)
    assert planned.returncode == applied.returncode == 0, planned.stderr + applied.stderr
    assert "+     webhook: https://hooks.example.com/x?token=***" in planned.stdout
    assert "+     secret_env: TELL_SIGNING_KEY" in planned.stdout
    assert secret not in planned.stdout + planned.stderr + applied.stdout + applied.stderr
    assert rules.get_rule("tell").url == env["TELL_HOOK"]
    again = run_batchops("apply", str(project), env=env)
    assert again.stdout.splitlines()[-1] == f"apply of project {NAME}: nothing to change"


def test_apply_to_a_server_with_a_token_from_the_environment(
    project: Path, server: tuple[str, dict[str, str]]
) -> None:
    url, env = server
    planned = _plan(project, "--server", url, env=env)
    assert (
        planned[-1]
        == f"plan for project {NAME}: 7 to create, 0 to update, 0 to delete, 0 unchanged"
    )
    applied = _apply(project, "--server", url, "--revision", "c0ffee1", env=env)
    assert applied[-1] == f"apply of project {NAME}: 7 applied"
    assert env["BATCHOPS_TOKEN"] not in "\n".join(planned + applied)
    assert not list(Path(os.environ["BATCHOPS_HOME"]).glob("*.db"))  # the client's home: untouched

    server_home = {"BATCHOPS_HOME": env["BATCHOPS_SERVER_HOME"]}
    listed = run_batchops("schedule", "list", "--json", env=server_home)
    assert f"{NAME}-daily-inference" in listed.stdout and '"revision": "c0ffee1"' in listed.stdout

    _edit(project)
    planned = _plan(project, "--server", url, env=env)
    assert (
        planned[-1]
        == f"plan for project {NAME}: 1 to create, 3 to update, 1 to delete, 3 unchanged"
    )
    _apply(project, "--server", url, "--revision", "beef002", env=env)
    again = _apply(project, "--server", url, env=env)
    assert again[-1] == f"apply of project {NAME}: nothing to change"
    versions = run_batchops("pipeline", "list", "--json", env=server_home)
    assert '"latest_version": 2' in versions.stdout

    refused = run_batchops("plan", str(project), "--server", url, env={"BATCHOPS_TOKEN": ""})
    assert refused.returncode == 2
    assert "refused" in refused.stderr


@pytest.mark.parametrize("template", ["batch", "regression"])
def test_init_refuses_a_folder_with_files(tmp_path: Path, template: str) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    done = run_batchops("init", str(tmp_path / "taken"), "--template", template)
    assert done.returncode == 2
    assert done.stderr == f"error: {tmp_path / 'taken'} exists and is not an empty folder\n"
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]
