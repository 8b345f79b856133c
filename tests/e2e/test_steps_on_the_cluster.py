"""Every step on the cluster, and any host finishing what another started.

Every part is a real process: a `dask scheduler` and two `dask worker` processes speaking TLS
only (the workers hold the bucket's credentials and no database), moto's S3 server holding
every artifact, one SQLite database file shared by two "hosts" (each its own empty local
folder). Host A runs train-and-baseline with `--dask`; its runner is killed with SIGKILL while
TrainModel runs; the missing heartbeat marks the execution Failed; host B retries it, reusing
what A's steps published in the bucket, then approves and scores on the cluster. The data
files match a single-machine run of the same story byte for byte.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fsspec
import psutil
import pytest

from batchops.examples.churn.data import write_churn_csv
from batchops.runtime.execution import execution_logs
from batchops.runtime.step_logs import RUNNER_LOG
from batchops.store import executions
from batchops.store.db import dispose_engines
from support.cli import run_batchops
from support.dask_processes import DaskProcesses, start_cluster, worker_pids
from support.s3 import S3Server
from support.story_files import data_files, files_left

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dask-processes")]

ROWS = 2000
HEARTBEAT_TIMEOUT = 4
TRAIN_STEPS = ("PrepareData", "TrainModel", "EvaluateModel", "DataQualityCheckStep")
ON_A_WORKER = ("PrepareData", "TrainModel", "EvaluateModel", "RegisterModel")


@pytest.fixture(scope="module")
def dask_cluster(
    s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DaskProcesses]:
    """Two workers that can reach the bucket and nothing else of batchops': a database URL
    that answers nobody, so a step's work that touched the database would fail."""
    workers = {
        **os.environ,
        **s3_server.environment(),
        "BATCHOPS_DB_URL": "postgresql://nobody@127.0.0.1:9/no-database-on-workers",
        "BATCHOPS_ARTIFACTS": "",
        "BATCHOPS_DASK_ADDRESS": "",
        # the framework environments built ahead, as a worker's image would hold them
        "BATCHOPS_ENVIRONMENTS": os.environ.get("BATCHOPS_ENVIRONMENTS")
        or str(Path(sys.prefix) / "frameworks"),
    }
    workers.pop("BATCHOPS_SANDBOX", None)  # scripts in a private root wherever Linux allows
    cluster = start_cluster(tmp_path_factory.mktemp("dask"), workers)
    yield cluster
    cluster.stop()


def _cli(env: dict[str, str], *args: str, code: int = 0) -> Any:
    result = run_batchops(*args, env=env, timeout=600)
    assert result.returncode == code, f"batchops {' '.join(args)}: {result.stderr}"
    return json.loads(result.stdout) if "--json" in args else result.stdout


def _single_machine_story(folder: Path, raw: Path) -> dict[str, bytes]:
    """The reference: the same story on one machine, local files, no cluster."""
    env = {
        "BATCHOPS_HOME": str(folder / "home"),
        "BATCHOPS_DB_URL": "",
        "BATCHOPS_ARTIFACTS": "",
        "BATCHOPS_DASK_ADDRESS": "",
    }
    train = _cli(env, "pipeline", "start", "train-and-baseline", "-p", f"InputData={raw}",
                 "--wait", "--json")  # fmt: skip
    _cli(env, "registry", "approve", "customer-churn/1", "--reason", "good")
    _cli(env, "pipeline", "start", "batch-inference", "-p", f"InputData={_batch(train)}",
         "--wait", "--json")  # fmt: skip
    return data_files(str(folder / "home" / "artifacts"))


def _batch(train: dict[str, Any]) -> str:
    step = next(s for s in train["steps"] if s["name"] == "PrepareData")
    return str(
        step["properties"]["ProcessingOutputConfig"]["Outputs"]["batch"]["S3Output"]["S3Uri"]
    )


def _wait_for(check: Any, what: str, timeout: float = 180) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_every_step_runs_on_the_cluster_and_another_host_finishes_a_killed_run(
    dask_cluster: DaskProcesses,
    s3_artifacts: str,
    s3_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    raw = write_churn_csv(tmp_path / "churn.csv", ROWS, seed=3)
    for name, value in dask_cluster.client_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BATCHOPS_HEARTBEAT_TIMEOUT", str(HEARTBEAT_TIMEOUT))
    monkeypatch.setenv("BATCHOPS_USER", "tester")
    reference = _single_machine_story(tmp_path / "one-machine", raw)

    database = f"sqlite:///{tmp_path / 'database' / 'batchops.db'}"
    (tmp_path / "database").mkdir()
    host_a, host_b = tmp_path / "host-a", tmp_path / "host-b"
    on_a = {"BATCHOPS_DB_URL": database, "BATCHOPS_HOME": str(host_a)}
    on_b = {"BATCHOPS_DB_URL": database, "BATCHOPS_HOME": str(host_b)}
    cluster = ("--dask", dask_cluster.address)
    uploaded = f"s3://{s3_bucket}/inputs/churn.csv"
    fsspec.filesystem("s3").put_file(str(raw), uploaded.removeprefix("s3://"))

    # host A starts the run in the background and dies (SIGKILL) while TrainModel runs
    started = _cli(on_a, "pipeline", "start", "train-and-baseline", "-p",
                   f"InputData={uploaded}", *cluster, "--json")  # fmt: skip
    monkeypatch.setenv("BATCHOPS_DB_URL", database)
    monkeypatch.setenv("BATCHOPS_HOME", str(tmp_path / "observer"))
    dispose_engines()
    execution_id = started["id"]

    def training() -> bool:
        steps = {row.name: row.status for row in executions.step_rows(execution_id)}
        return steps["TrainModel"] == "Executing"

    _wait_for(training, "TrainModel to run")
    runner = executions.get_execution_row(execution_id)
    assert runner.runner_pid is not None
    os.kill(runner.runner_pid, signal.SIGKILL)
    before = {row.name: (row.status, row.attempt) for row in executions.step_rows(execution_id)}
    assert before["PrepareData"] == ("Succeeded", 1)

    # the missing heartbeat marks it Failed, whoever looks next (here: host B)
    time.sleep(HEARTBEAT_TIMEOUT + 1)
    failed = _cli(on_b, "execution", "describe", execution_id, "--json")
    assert failed["status"] == "Failed"
    assert "no heartbeat" in failed["failure_reason"]

    # host B (an empty folder, the same database and bucket) finishes it on the cluster
    retried = _cli(on_b, "execution", "retry", execution_id, "--wait", *cluster, "--json")
    assert retried["status"] == "Succeeded", retried
    after = {row.name: row.attempt for row in executions.step_rows(execution_id)}
    for step, (status, attempt) in before.items():
        if status == "Succeeded":
            assert after[step] == attempt, f"{step} ran again"  # its bucket outputs reused
    assert after["TrainModel"] == 2

    # B approves and scores on the cluster
    _cli(on_b, "registry", "approve", "customer-churn/1", "--reason", "good")
    inference = _cli(on_b, "pipeline", "start", "batch-inference", "-p",
                     f"InputData={_batch(retried)}", *cluster, "--wait", "--json")  # fmt: skip
    assert inference["status"] == "Succeeded", inference

    # each step's work ran on a worker (the step's log says which), the data jobs on the
    # cluster; the workers never reached the database (its URL there answers nobody)
    logs = execution_logs(execution_id)
    workers = set(worker_pids(dask_cluster))
    for step in ON_A_WORKER:
        ran_on = [
            line.split()[3]
            for line in logs[step].splitlines()
            if line.startswith("on Dask worker ")
        ]
        assert ran_on and set(ran_on) <= workers, (step, logs[step])

    # the same bytes as on one machine: data, statistics, violations, model, predictions
    cluster_data = data_files(s3_artifacts)
    assert sorted(cluster_data) == sorted(reference), set(cluster_data) ^ set(reference)
    assert [name for name in cluster_data if cluster_data[name] != reference[name]] == []
    assert any(name.endswith("model.tar.gz") for name in cluster_data)
    assert any(name.endswith("constraint_violations.json") for name in cluster_data)
    assert any(name.endswith("batch.csv.out") for name in cluster_data)

    verified = _cli(on_b, "registry", "verify", "customer-churn", "--json")
    assert verified == [{"version": "customer-churn/1", "ok": True, "problems": []}], verified
    # nothing on the hosts' disks but what the killed runner was writing when it died, and
    # no artifact on the workers' (their own settings name no artifact store)
    assert files_left(host_b) == []
    for worker in dask_cluster.folder.glob("worker-*"):
        assert not (worker / "artifacts").exists(), files_left(worker / "artifacts")
    killed = {f"work/{execution_id}/{RUNNER_LOG}", f"work/{execution_id}/TrainModel.log"}
    assert set(files_left(host_a)) <= killed, files_left(host_a)


SLOW_SCRIPT = """
import os, pathlib, time
time.sleep(4)
root = pathlib.Path(os.environ["BATCHOPS_PROCESSING_DIR"])
(root / "out" / "done.txt").write_text("done")
"""

FRAMEWORK_SCRIPT = """
import sys
from pathlib import Path
import pandas
frame = pandas.read_csv("/opt/ml/processing/input/data/rows.csv")
Path("/opt/ml/processing/out/seen.txt").write_text(
    f"pandas {pandas.__version__}, {len(frame)} rows, cwd {Path.cwd()}"
)
Path("/tmp/discarded.txt").write_text("a private root keeps nothing written here")
"""
SKLEARN_0_23 = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:0.23-1-cpu-py3"

FAILING_SCRIPT = """
import sys
print("the input had no rows", file=sys.stderr)
sys.exit(3)
"""


@pytest.fixture
def on_the_cluster(
    dask_cluster: DaskProcesses, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DaskProcesses]:
    """This process runs executions' steps on the cluster (BATCHOPS_DASK_ADDRESS), reaching
    it over TLS through distributed's configuration, as the variables set it in a new one."""
    import dask

    monkeypatch.setenv("BATCHOPS_DASK_ADDRESS", dask_cluster.address)
    with dask.config.set(dask_cluster.client_configuration()):
        yield dask_cluster


def test_a_worker_killed_mid_step_has_its_task_run_again_by_dask(
    on_the_cluster: DaskProcesses, tmp_path: Path
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from distributed import Client

    from batchops.pipeline import Pipeline, ProcessingOutput, ProcessingStep

    script = tmp_path / "slow.py"
    script.write_text(SLOW_SCRIPT)
    step = ProcessingStep(
        "Slow", code=script, outputs=[ProcessingOutput(output_name="out", source="out")]
    )
    pipeline = Pipeline("worker-dies", [], [step])
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(lambda: pipeline.start(wait=True).describe())
        with Client(on_the_cluster.address, timeout=10) as client:
            pids = client.run(os.getpid)
            # the script running under one worker (in its private root), not just its task queued
            busy = _wait_for(
                lambda: [address for address, pid in pids.items() if _runs_script(pid, "slow.py")],
                "the script to start on a worker",
                timeout=120,
            )
        os.kill(pids[busy[0]], signal.SIGKILL)
        described = running.result(timeout=300)
    assert described["status"] == "Succeeded", described
    log = execution_logs(described["id"])["Slow"]
    ran_on = [line.split()[3] for line in log.splitlines() if line.startswith("on Dask worker")]
    assert ran_on and busy[0] not in ran_on, log
    output = described["steps"][0]["outputs"]["out"]
    assert (Path(output) / "done.txt").read_text() == "done"


def test_a_step_failing_on_a_worker_fails_with_its_reason_and_log(
    on_the_cluster: DaskProcesses, tmp_path: Path
) -> None:
    from batchops.pipeline import Pipeline, ProcessingStep

    script = tmp_path / "failing.py"
    script.write_text(FAILING_SCRIPT)
    pipeline = Pipeline("fails-on-worker", [], [ProcessingStep("Prepare", code=script)])
    described = pipeline.start(wait=True).describe()
    assert described["status"] == "Failed"
    reason = described["failure_reason"]
    assert "Prepare (failing.py) exited with code 3" in reason, reason
    assert "the input had no rows" in reason
    log = execution_logs(described["id"])["Prepare"]
    assert "on Dask worker tls://" in log and "the input had no rows" in log


def _runs_script(pid: int, name: str) -> bool:
    """Whether a descendant of process `pid` runs the script `name`."""
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return False
    return any(any(part.endswith(name) for part in _command(child)) for child in children)


def _command(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return []


def test_a_script_on_a_framework_image_runs_on_a_worker_in_its_environment_and_private_root(
    on_the_cluster: DaskProcesses, tmp_path: Path
) -> None:
    """The walkthrough's preprocessing runs on scikit-learn 0.23-1: on the cluster as on one
    machine, with pandas 1 at the image's paths, on a worker."""
    from batchops.pipeline import Pipeline, ProcessingInput, ProcessingOutput, ProcessingStep
    from batchops.runtime import sandbox

    script, data = tmp_path / "preprocessing.py", tmp_path / "data"
    script.write_text(FRAMEWORK_SCRIPT)
    data.mkdir()
    (data / "rows.csv").write_text("a,b\n1,2\n3,4\n5,6\n")
    step = ProcessingStep(
        "Preprocess",
        code=script,
        image_uri=SKLEARN_0_23,
        inputs=[ProcessingInput(source=str(data), destination="input/data")],
        outputs=[ProcessingOutput(output_name="out", source="out")],
    )
    described = Pipeline("framework-on-worker", [], [step]).start(wait=True).describe()

    assert described["status"] == "Succeeded", described
    output = Path(described["steps"][0]["outputs"]["out"])
    assert (output / "seen.txt").read_text() == "pandas 1.5.3, 3 rows, cwd /"
    log = execution_logs(described["id"])["Preprocess"]
    assert "on Dask worker tls://" in log, log
    assert "the pandas1 environment" in log and "private root (" in log, log
    assert sandbox.support().tool is not None  # the workers share this machine's Linux


def test_model_quality_of_traced_predictions_runs_on_a_worker_without_the_database(
    on_the_cluster: DaskProcesses, tmp_path: Path
) -> None:
    """The labels' uploads are named by the host; the worker (whose database URL answers
    nobody) joins them with the traced predictions, with the files one machine writes."""
    import numpy as np
    import polars as pl

    from batchops.monitor.ground_truth import add_ground_truth
    from batchops.pipeline import ModelQualityCheckConfig, Pipeline, QualityCheckStep
    from batchops.registry.quality_measurement import measure_execution
    from batchops.transform import transform
    from batchops.transform.traced import PREDICTIONS_FOLDER
    from support.models import tiny_model_archive

    model = tmp_path / "model.tar.gz"
    model.write_bytes(tiny_model_archive(seed=1))
    rows = np.random.default_rng(5).random((400, 2))
    (tmp_path / "batch").mkdir()
    np.savetxt(tmp_path / "batch" / "rows.csv", rows, delimiter=",", fmt="%.6f")
    scored = tmp_path / "scored"
    transform(model, tmp_path / "batch", scored, workers=0, id_prefix="daily", dask="")
    ids = pl.read_parquet(scored / PREDICTIONS_FOLDER).get_column("inference_id")
    labels = (rows[:, 0] + np.random.default_rng(6).normal(0, 0.2, 400) > 0.5).astype(int)
    pl.DataFrame({"id": ids, "churned": labels}).write_csv(tmp_path / "labels.csv")
    add_ground_truth(tmp_path / "labels.csv", id_column="id", label_column="churned")

    config = ModelQualityCheckConfig(
        baseline_dataset=str(scored), problem_type="BinaryClassification"
    )
    step = QualityCheckStep("ModelQuality", quality_check_config=config)
    described = Pipeline("traced-quality", [], [step]).start(wait=True).describe()

    assert described["status"] == "Succeeded", described
    log = execution_logs(described["id"])["ModelQuality"]
    assert "on Dask worker tls://" in log, log
    published = Path(described["steps"][0]["outputs"]["baseline"])
    measure_execution(predictions_dir=str(scored), out_dir=tmp_path / "here")
    for name in ("statistics.json", "constraints.json"):
        assert (published / name).read_bytes() == (tmp_path / "here" / name).read_bytes()
    figures = json.loads((published / "statistics.json").read_text())
    assert figures["binary_classification_metrics"]["accuracy"]["value"] > 0.5
