"""Every artifact in a bucket (moto's S3 server, a real process): the churn story run with
BATCHOPS_ARTIFACTS in the bucket and its inputs there, read by a second host (another empty
home, the same database and bucket); and a local home relocated into a bucket.

Both compare what they wrote with one local-files run of the same story on the same data,
byte for byte, and check that nothing but caches and temporary files stayed on local disk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
import pytest

from batchops import registry
from batchops.examples.churn.data import write_churn_csv
from batchops.registry import ModelVersion
from batchops.runtime.execution import execution_logs
from batchops.store import artifacts, executions
from batchops.store.db import dispose_engines
from batchops.store.executions import execution_json
from batchops.store.outputs import verify_output
from support.cli import run_batchops
from support.story_files import data_files, files_left

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("local-churn-story")]

ROWS = 2000
STEPS = ("PrepareData", "TrainModel", "EvaluateModel", "DataQualityCheckStep", "RegisterModel")


def _cli(env: dict[str, str], *args: str, code: int = 0) -> Any:
    result = run_batchops(*args, env=env, timeout=600)
    assert result.returncode == code, f"batchops {' '.join(args)}: {result.stderr}"
    return json.loads(result.stdout) if "--json" in args else result.stdout


def _step(execution: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in execution["steps"] if s["name"] == name)


def _prepared(train: dict[str, Any], output: str) -> str:
    outputs = _step(train, "PrepareData")["properties"]["ProcessingOutputConfig"]["Outputs"]
    return str(outputs[output]["S3Output"]["S3Uri"])


def _predictions(inference: dict[str, Any]) -> str:
    step = _step(inference, "MonitorCustomerChurnDataQuality")
    return str(step["properties"]["TransformOutput"]["S3OutputPath"])


@dataclass
class Story:
    train: dict[str, Any]
    inference: dict[str, Any]


def _run_story(env: dict[str, str], raw: str) -> Story:
    """train-and-baseline on `raw`, approval, batch-inference on the batch PrepareData split."""
    start = ("pipeline", "start", "--wait", "--json")
    train = _cli(env, *start[:2], "train-and-baseline", "-p", f"InputData={raw}", *start[2:])
    _cli(env, "registry", "approve", "customer-churn/1", "--reason", "good")
    batch = _prepared(train, "batch")
    inference = _cli(env, *start[:2], "batch-inference", "-p", f"InputData={batch}", *start[2:])
    assert train["status"] == inference["status"] == "Succeeded"
    return Story(train, inference)


@dataclass
class LocalStory:
    home: Path
    env: dict[str, str]
    raw: Path
    story: Story
    data: dict[str, bytes]


@pytest.fixture(scope="module")
def local_story(tmp_path_factory: pytest.TempPathFactory) -> LocalStory:
    """The story with local files only (SQLite and artifacts in one home): the reference."""
    folder = tmp_path_factory.mktemp("local-story")
    raw = write_churn_csv(folder / "churn.csv", ROWS, seed=3)
    home = folder / "home"
    env = {
        "BATCHOPS_HOME": str(home),
        "BATCHOPS_DB_URL": "",
        "BATCHOPS_ARTIFACTS": "",
        "BATCHOPS_DASK_ADDRESS": "",
        "BATCHOPS_USER": "tester",
    }
    story = _run_story(env, str(raw))
    data = data_files(str(home / "artifacts"))
    assert any(name.endswith("model.tar.gz") for name in data)
    return LocalStory(home, env, raw, story, data)


def _upload(local: Path, uri: str) -> str:
    fsspec.filesystem("s3").put_file(str(local), uri.removeprefix("s3://"))
    return uri


def _become(host: Path, database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """This test process acts as another host: its own empty home, the shared database."""
    monkeypatch.setenv("BATCHOPS_HOME", str(host))
    monkeypatch.setenv("BATCHOPS_DB_URL", database)
    dispose_engines()


def _reads_everything(story: Story, group: str, exported: Path) -> ModelVersion:
    """What a second host reads of a story: every step's record and log, the version's files
    (checked against their digests), each output set (checked against its manifest)."""
    described = execution_json(story.train["id"])
    assert [s["status"] for s in described["steps"] if s["name"] in STEPS] == ["Succeeded"] * 5
    inference = execution_json(story.inference["id"])
    logs = execution_logs(story.train["id"])
    for name in STEPS:
        assert logs[name].startswith(f"--- {name} ("), name
    assert f"registered {group}/1" in logs["RegisterModel"]
    assert registry.verify_versions(group) == {f"{group}/1": []}
    for execution in (described, inference):
        for step in execution["steps"]:
            for folder in (step.get("outputs") or {}).values():
                assert verify_output(folder, digests=True).is_complete, folder
    registry.export_version(group, 1, exported)
    version = registry.get_version(group, 1)
    _served(story.inference["id"], version)
    return version


def _served(inference_id: str, version: ModelVersion) -> None:
    """The server on this host lists and opens the files records name, read from the store."""
    from fastapi.testclient import TestClient

    from batchops.server import create_app
    from batchops.store.tokens import Role, create_token

    auth = {"Authorization": f"Bearer {create_token('viewer', Role.VIEWER)[0]}"}
    step = f"/api/executions/{inference_id}/steps/MonitorCustomerChurnDataQuality/files"
    with TestClient(create_app()) as client:
        listed = client.get(step, headers=auth).json()
        assert {"report.html", "statistics.json", "constraint_violations.json"} <= set(listed)
        report = client.get(f"{step}/report.html", headers=auth)
        assert report.status_code == 200 and "sandbox" in report.headers["content-security-policy"]
        assert report.content == artifacts.read_bytes(listed["report.html"])
        model = client.get(
            f"/api/registry/groups/{version.group}/versions/1/files/model.tar.gz", headers=auth
        )
        assert model.content == artifacts.read_bytes(version.model_data_uri)
        assert client.get(f"{step}/..%2F..%2Fx.json", headers=auth).status_code == 404


def test_the_churn_story_with_every_artifact_in_the_bucket_is_read_from_a_second_host(
    local_story: LocalStory,
    s3_artifacts: str,
    s3_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database = f"sqlite:///{tmp_path / 'database' / 'batchops.db'}"
    (tmp_path / "database").mkdir()
    host_a, host_b = tmp_path / "host-a", tmp_path / "host-b"
    on_a = {"BATCHOPS_DB_URL": database, "BATCHOPS_HOME": str(host_a)}
    raw = _upload(local_story.raw, f"s3://{s3_bucket}/inputs/churn.csv")

    story = _run_story(on_a, raw)
    assert story.train["parameters"]["InputData"] == raw
    assert _prepared(story.train, "batch").startswith(s3_artifacts)

    # byte for byte what the local-files run wrote, and every kind of artifact in the bucket
    data = data_files(s3_artifacts)
    assert sorted(data) == sorted(local_story.data)
    assert [name for name in data if data[name] != local_story.data[name]] == []
    s3 = fsspec.filesystem("s3")
    objects = s3.find(s3_artifacts.removeprefix("s3://"))
    for kind in ("/_batchops_manifest.json", "/report.html", "/_logs/TrainModel.log"):
        assert any(name.endswith(kind) for name in objects), kind

    _become(host_b, database, monkeypatch)
    version = _reads_everything(story, "customer-churn", tmp_path / "export")
    assert version.model_data_uri == f"{s3_artifacts}/registry/customer-churn/1/model.tar.gz"
    model = (tmp_path / "export" / "model.tar.gz").read_bytes()
    assert model == data["registry/customer-churn/1/model.tar.gz"]
    registry.export_version("customer-churn", 1, f"s3://{s3_bucket}/exports/v1")
    copy = registry.import_version(f"s3://{s3_bucket}/exports/v1", "copy")
    assert copy.model_data_uri == f"{s3_artifacts}/registry/copy/1/model.tar.gz"
    assert registry.verify_versions("copy") == {"copy/1": []}

    # the data jobs on the second host, reading the bucket and writing into it, agree with
    # what the pipeline's step wrote
    on_b = {"BATCHOPS_DB_URL": database, "BATCHOPS_HOME": str(host_b)}
    batch = _prepared(story.train, "batch")
    checks, scores = f"s3://{s3_bucket}/checks", f"s3://{s3_bucket}/scores"
    _cli(on_b, "monitor", batch, "--statistics", str(version.statistics_uri), "--constraints",
         str(version.constraints_uri), "--out", checks, "--no-header")  # fmt: skip
    _cli(on_b, "transform", "--model", "customer-churn", "--input", batch, "--output", scores,
         "--input-filter", "$[1:]")  # fmt: skip
    step = "pipelines/batch-inference/executions/<id>/MonitorCustomerChurnDataQuality"
    for name in ("statistics.json", "constraint_violations.json"):
        assert s3.cat_file(f"{checks}/{name}") == data[f"{step}/monitoring/{name}"], name
    assert s3.cat_file(f"{scores}/batch.csv.out") == data[f"{step}/predictions/batch.csv.out"]

    assert files_left(host_a) == [] and files_left(host_b) == []


def test_a_local_home_relocated_into_the_bucket_is_read_from_a_second_host(
    local_story: LocalStory,
    s3_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home, train = local_story.home, local_story.story.train
    database = f"sqlite:///{home / 'batchops.db'}"
    _become(home, database, monkeypatch)
    # PrepareData's log where release 0.1.0 kept logs: under the home, not the artifacts
    rows = {row.name: row for row in executions.step_rows(train["id"])}
    log = Path(rows["PrepareData"].log_uri or "")
    older = home / "logs" / train["id"] / "PrepareData.log"
    older.parent.mkdir(parents=True)
    log.rename(older)
    executions.update_step(train["id"], "PrepareData", log_uri=str(older))

    # into a prefix holding another file under a name of this home's: refused, nothing changed
    clash = f"s3://{s3_bucket}/taken"
    fsspec.filesystem("s3").pipe_file(
        f"{s3_bucket}/taken/registry/customer-churn/1/model.tar.gz", b"another model"
    )
    refused = run_batchops("home", "relocate", "--artifacts", clash)
    assert refused.returncode == 2
    assert "differ from this home's" in refused.stderr
    assert registry.get_version("customer-churn", 1).model_data_uri.startswith(str(home))

    target = f"s3://{s3_bucket}/moved"
    moved = _cli(local_story.env, "home", "relocate", "--artifacts", target, "--json")
    assert moved["files"] > 30 and moved["already_there"] == 0
    assert moved["versions"] == 1 and moved["partial_outputs"] == []
    again = _cli(local_story.env, "home", "relocate", "--artifacts", target, "--json")
    assert again["files"] == 0 and again["already_there"] == moved["files"]

    host = tmp_path / "second-host"
    monkeypatch.setenv("BATCHOPS_ARTIFACTS", target)
    _become(host, database, monkeypatch)
    version = _reads_everything(local_story.story, "customer-churn", tmp_path / "export")
    assert version.model_data_uri == f"{target}/registry/customer-churn/1/model.tar.gz"
    assert execution_logs(train["id"], "PrepareData")["PrepareData"] == older.read_text()
    moved_data = data_files(target)
    assert {name: moved_data[name] for name in local_story.data} == local_story.data

    batch = _prepared(executions.execution_json(train["id"]), "batch")
    assert batch.startswith(target)
    scores = f"{target}/rescored"
    _cli({"BATCHOPS_HOME": str(host)}, "transform", "--model", "customer-churn", "--input", batch,
         "--output", scores, "--input-filter", "$[1:]")  # fmt: skip
    step = "pipelines/batch-inference/executions/<id>/MonitorCustomerChurnDataQuality"
    rescored = fsspec.filesystem("s3").cat_file(f"{scores}/batch.csv.out")
    assert rescored == local_story.data[f"{step}/predictions/batch.csv.out"]
    assert files_left(host) == []
