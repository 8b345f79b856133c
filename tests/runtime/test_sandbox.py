"""Processing scripts written for SageMaker run unchanged in a private root, as root (unshare)
and as an unprivileged user (bubblewrap), and leave nothing on the host outside their outputs.
Without a private root, such a script is refused before it runs."""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from batchops.pipeline import Pipeline, ProcessingOutput, ProcessingStep
from batchops.runtime import sandbox
from support import sagemaker_style
from support.cli import run_batchops
from support.debian import Unavailable
from support.napper import describe, is_running, wait_until
from support.unprivileged import require_bubblewrap, run_as_nobody, shared_folder

TESTS = Path(__file__).resolve().parents[1]


def _tool(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Use only `name` for private roots here, or skip with what stops it."""
    if name == sandbox.BWRAP:
        try:
            require_bubblewrap()
        except Unavailable as reason:
            pytest.skip(f"bubblewrap unavailable: {reason}")
    monkeypatch.setenv(sandbox.SETTING, name)
    found = sandbox.support()
    if found.tool != name:
        pytest.skip(f"{name} cannot make a private root here: {found.reason}")


def _clean_host() -> None:
    left = [path for path in sagemaker_style.HOST_TRACES if Path(path).exists()]
    assert not left, f"remove {left} first: the test checks that they do not appear"


@pytest.mark.parametrize("tool", [sandbox.UNSHARE, sandbox.BWRAP])
def test_a_sagemaker_script_runs_unchanged_and_leaves_nothing_on_the_host(
    tool: str, tmp_path: Path, batchops_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tool(tool, monkeypatch)
    _clean_host()
    found = sagemaker_style.run(tmp_path)

    execution = found["execution"]
    assert execution["status"] == "Succeeded", execution["failure_reason"]
    assert found["result"] == {
        "cwd": "/",
        "script": "/opt/ml/processing/input/code/script.py",
        "rows": 3,
        "note": "extracted into /",
        "argv": ["--alpha", "1"],
        "greeting": "hello",
        "input_file": "Read-only file system",
    }
    assert found["output_files"] == ["_batchops_manifest.json", "result.json"]
    assert f"private root ({tool})" in found["log"]
    assert sagemaker_style.host_traces(tmp_path, batchops_home) == []


def test_as_an_unprivileged_user_bubblewrap_runs_it_the_same() -> None:
    try:
        require_bubblewrap()
        folder = shared_folder("batchops-nobody-")
    except Unavailable as reason:
        pytest.skip(f"bubblewrap unavailable: {reason}")
    try:
        _clean_host()
        home = folder / "home"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "BATCHOPS_HOME": str(home),
            "BATCHOPS_USER": "nobody-test",
            "PYTHONPATH": str(TESTS),
        }
        driver = (
            "import json, pathlib, sys\n"
            "from batchops.runtime import sandbox\n"
            "from support import sagemaker_style\n"
            "support = sandbox.support()\n"
            "if support.tool is None:\n"
            "    print(json.dumps({'unavailable': support.reason}))\n"
            "    sys.exit(0)\n"
            f"found = sagemaker_style.run(pathlib.Path({str(folder / 'job')!r}))\n"
            "print(json.dumps(found))\n"
        )
        (folder / "job").mkdir()
        (folder / "job").chmod(0o777)
        try:
            done = run_as_nobody([sys.executable, "-c", driver], env, folder)
        except Unavailable as reason:
            pytest.skip(str(reason))
        assert done.returncode == 0, done.stderr[-3000:]
        found = json.loads(done.stdout.strip().splitlines()[-1])
        if "unavailable" in found:
            pytest.skip(f"no private root for an unprivileged user here: {found['unavailable']}")
        execution = found["execution"]
        assert execution["status"] == "Succeeded", execution["failure_reason"]
        assert "private root (bwrap)" in found["log"]
        assert found["result"]["cwd"] == "/"
        assert found["result"]["note"] == "extracted into /"
        assert found["result"]["input_file"] == "Read-only file system"
        assert sagemaker_style.host_traces(folder / "job", home) == []
    finally:
        shutil.rmtree(folder, ignore_errors=True)


NAP = """
import os, time
open("/opt/ml/processing/out/pid", "w").write(str(os.getpid()))
time.sleep(120)
"""


def test_stopping_a_step_stops_its_script_in_the_private_root(
    tmp_path: Path, batchops_home: Path
) -> None:
    if sandbox.support().tool is None:
        pytest.skip(f"no private root here: {sandbox.support().reason}")
    script = tmp_path / "nap.py"
    script.write_text(NAP)
    step = ProcessingStep(
        "Nap", code=script, outputs=[ProcessingOutput("out", "/opt/ml/processing/out")]
    )
    pipeline = Pipeline("sandboxed-nap", [], [step])
    pipeline.upsert()
    execution = pipeline.start()
    pid_file = batchops_home / "work" / execution.id / "Nap" / "out" / "pid"
    pid = int(wait_until(lambda: pid_file.exists() and pid_file.read_text(), 60))

    stopped = run_batchops("execution", "stop", execution.id, "--wait", "--timeout", "60")
    assert stopped.returncode == 0, stopped.stderr
    wait_until(lambda: not is_running(pid), 30)
    assert describe(execution.id)["status"] == "Stopped"


def test_without_a_private_root_a_script_naming_opt_ml_is_refused_before_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(sandbox.SETTING, "off")
    _clean_host()
    found = sagemaker_style.run(tmp_path)
    execution = found["execution"]
    assert execution["status"] == "Failed"
    reason = execution["steps"][0]["failure_reason"]
    assert reason == (
        "step Evaluate: script.py hard-codes /opt/ml/processing, which batchops gives a "
        "script only in a private root, not available here (BATCHOPS_SANDBOX=off): on Linux "
        "install bubblewrap (apt-get install bubblewrap) or run batchops as root (unshare), "
        "or make the script read $BATCHOPS_PROCESSING_DIR"
    )
    assert "$ " not in found["log"]  # no process was started
    assert not Path("/opt/ml").exists()


PORTABLE = """
import os, pathlib
base = pathlib.Path(os.environ.get("BATCHOPS_PROCESSING_DIR", "/opt/ml/processing"))
(base / "out" / "where.txt").write_text(str(base))
"""


@pytest.mark.parametrize("setting", ["off", "auto"])
def test_a_script_reading_batchops_processing_dir_runs_with_or_without_a_private_root(
    setting: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(sandbox.SETTING, setting)
    script = tmp_path / "portable.py"
    script.write_text(textwrap.dedent(PORTABLE))
    step = ProcessingStep("Portable", code=script, outputs=[ProcessingOutput("out", "out")])
    described = Pipeline("portable", [], [step]).start(wait=True).describe()
    assert described["status"] == "Succeeded", described["failure_reason"]
    written = (Path(described["steps"][0]["outputs"]["out"]) / "where.txt").read_text()
    sandboxed = sandbox.support().tool is not None
    assert (written == "/opt/ml/processing") == sandboxed


def test_the_plan_puts_parents_before_children_and_never_binds_the_hosts_root(
    tmp_path: Path,
) -> None:
    (tmp_path / "store" / "deep").mkdir(parents=True)
    builder = sandbox.RootBuilder()
    builder.writable(tmp_path / "out", "/opt/ml/processing/evaluation/sub")
    builder.read_only(tmp_path / "model", "/opt/ml/processing/model")
    builder.host_paths(
        [Path("/"), tmp_path / "store" / "deep", tmp_path / "store", Path("/usr/lib")]
    )
    targets = [m.target for m in builder.build().mounts]
    assert "/" not in targets  # the host's root would hide the private one
    assert str(tmp_path / "store") in targets
    assert str(tmp_path / "store" / "deep") not in targets  # shown by its parent already
    assert "/usr/lib" not in targets  # the system folders show it
    assert targets.index("/opt/ml/processing/model") < targets.index(
        "/opt/ml/processing/evaluation/sub"
    )
    assert targets.index("/tmp") < targets.index(str(tmp_path / "store"))


KILL_MYSELF = """
import os, signal
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("tool", [sandbox.UNSHARE, sandbox.BWRAP])
def test_a_script_killed_by_a_signal_in_a_private_root_says_so(
    tool: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tool(tool, monkeypatch)
    script = tmp_path / "kill.py"
    script.write_text(KILL_MYSELF)
    described = Pipeline("killed", [], [ProcessingStep("Evaluate", code=script)]).start(wait=True)
    reason = described.describe()["failure_reason"]
    assert "Evaluate was killed by SIGKILL" in reason, reason
