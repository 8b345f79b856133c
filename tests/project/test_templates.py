"""`batchops init`: a project whose own tests pass at once, whose project file reads, and
whose CI workflows run the tests on every change and `batchops apply` on main."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from batchops.project.declared import declare
from batchops.project.projectfile import read_project_file

from .conftest import init_project

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("template", ["batch", "regression"])
def test_the_projects_own_tests_pass_right_after_init(tmp_path: Path, template: str) -> None:
    project = init_project(tmp_path / f"my-{template}", template)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BATCHOPS_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout

    declared, bundles = declare(read_project_file(project))
    assert declared.project == f"my-{template}"
    assert sorted(bundles) == [
        f"my-{template}-batch-inference",
        f"my-{template}-train-and-baseline",
    ]
    inference = bundles[f"my-{template}-batch-inference"]
    assert any(ref.endswith("/functions.py") for ref in inference.code)  # the code travels
    requirement = f"batchops @ {Path(__file__).resolve().parents[2].as_uri()}"
    assert f'dependencies = ["{requirement}"]' in (project / "pyproject.toml").read_text()


def _steps_run(job: dict[str, object]) -> str:
    steps = job["steps"]
    assert isinstance(steps, list)
    for step in steps:
        assert ("uses" in step) != ("run" in step), step
    return "\n".join(str(step.get("run", "")) for step in steps)


def test_the_ci_workflows_test_every_change_and_apply_on_main(tmp_path: Path) -> None:
    project = init_project(tmp_path / "ci-checked")
    workflow = project / ".github" / "workflows" / "batchops.yml"
    actionlint = shutil.which("actionlint")
    if actionlint is not None:  # its own schema, where it is installed
        checked = subprocess.run([actionlint, str(workflow)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout
    github = yaml.safe_load(workflow.read_text())
    assert set(github[True]) == {"push", "pull_request"}  # YAML 1.1 reads `on` as true
    test, apply = github["jobs"]["test"], github["jobs"]["apply"]
    assert "python -m pytest" in _steps_run(test)
    assert apply["needs"] == "test"
    assert "refs/heads/main" in apply["if"]
    run = _steps_run(apply)
    assert 'batchops apply --server "$BATCHOPS_SERVER" --revision "$GITHUB_SHA"' in run
    apply_step = next(s for s in apply["steps"] if "batchops apply" in s.get("run", ""))
    assert apply_step["env"]["BATCHOPS_TOKEN"] == "${{ secrets.BATCHOPS_TOKEN }}"

    gitlab = yaml.safe_load((project / ".gitlab-ci.yml").read_text())
    assert gitlab["stages"] == ["test", "apply"]
    assert "python -m pytest -q" in gitlab["test"]["script"]
    assert gitlab["apply"]["needs"] == ["test"]
    assert gitlab["apply"]["rules"] == [{"if": '$CI_COMMIT_BRANCH == "main"'}]
    assert any("batchops apply --server" in line for line in gitlab["apply"]["script"])
    assert "BATCHOPS_TOKEN" not in (project / ".gitlab-ci.yml").read_text()  # a CI variable
