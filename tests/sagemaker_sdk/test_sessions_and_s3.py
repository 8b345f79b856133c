"""Sessions answer for a stable pseudo-account without AWS, and every SDK `s3://` URI is a
folder of the artifact store, found through one function of the store layer."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import batchops.sagemaker as sagemaker
from batchops.errors import EnvironmentProblem, InvalidInput, NotFound
from batchops.sagemaker.s3 import S3Downloader, S3Uploader
from batchops.sagemaker.workflow.pipeline_context import PipelineSession
from batchops.settings import get_settings
from batchops.store.artifacts import resolve_sdk_s3, sdk_s3_spelling


def test_a_session_is_the_settings_pseudo_account(monkeypatch: pytest.MonkeyPatch) -> None:
    session = sagemaker.Session()
    assert (session.boto_region_name, session.account_id()) == ("us-east-1", "000000000000")
    assert session.default_bucket() == "sagemaker-us-east-1-000000000000"
    assert sagemaker.get_execution_role() == (
        "arn:aws:iam::000000000000:role/service-role/AmazonSageMaker-ExecutionRole-batchops"
    )

    monkeypatch.setenv("BATCHOPS_SAGEMAKER_REGION", "eu-west-1")
    monkeypatch.setenv("BATCHOPS_SAGEMAKER_ACCOUNT", "123456789012")
    assert PipelineSession().default_bucket() == "sagemaker-eu-west-1-123456789012"
    assert PipelineSession(default_bucket="mine").default_bucket() == "mine"
    monkeypatch.setenv("BATCHOPS_SAGEMAKER_ACCOUNT", "12345")
    with pytest.raises(EnvironmentProblem, match="BATCHOPS_SAGEMAKER_ACCOUNT='12345' must be"):
        sagemaker.Session()


def test_sessions_make_no_network_call(tmp_path: Path) -> None:
    """A process whose sockets refuse to connect still makes sessions, uploads and reads."""
    script = textwrap.dedent(
        f"""
        import socket
        def refuse(*args, **kwargs):
            raise AssertionError("a network call")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        import batchops.sagemaker as sagemaker
        from batchops.sagemaker.s3 import S3Downloader, S3Uploader
        from batchops.sagemaker.workflow.pipeline_context import PipelineSession
        session = PipelineSession()
        role = sagemaker.get_execution_role()
        open({str(tmp_path / "x.txt")!r}, "w").write("x")
        uri = S3Uploader.upload({str(tmp_path / "x.txt")!r}, f"s3://{{session.default_bucket()}}/a")
        print(S3Downloader.read_file(uri), session.boto_region_name)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["x", "us-east-1"]


def test_an_sdk_bucket_is_a_folder_of_the_artifact_store(tmp_path: Path) -> None:
    root = get_settings().artifacts
    (tmp_path / "churn.csv").write_text("1,2\n")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "a.py").write_text("print(1)\n")

    uri = S3Uploader.upload(str(tmp_path / "churn.csv"), "s3://my-bucket/raw/")
    folder = S3Uploader.upload(str(tmp_path / "scripts"), "s3://my-bucket/code")

    assert (uri, folder) == ("s3://my-bucket/raw/churn.csv", "s3://my-bucket/code")
    assert resolve_sdk_s3(uri) == f"{root}/s3/my-bucket/raw/churn.csv"
    assert Path(resolve_sdk_s3(uri)).read_text() == "1,2\n"
    assert S3Downloader.read_file(uri) == "1,2\n"
    assert S3Downloader.list("s3://my-bucket/") == [
        "s3://my-bucket/code/a.py",
        "s3://my-bucket/raw/churn.csv",
    ]
    assert S3Downloader.download("s3://my-bucket/code", str(tmp_path / "back")) == [
        str(tmp_path / "back" / "a.py")
    ]
    assert sdk_s3_spelling(resolve_sdk_s3(uri)) == uri
    assert resolve_sdk_s3(resolve_sdk_s3(uri)) == resolve_sdk_s3(uri)
    assert resolve_sdk_s3("/data/local.csv") == "/data/local.csv"


def test_a_missing_object_and_a_climbing_key_are_one_clear_error() -> None:
    with pytest.raises(NotFound, match=r"s3://my-bucket/none.csv does not exist .*S3Uploader"):
        S3Downloader.read_file("s3://my-bucket/none.csv")
    with pytest.raises(InvalidInput, match="not an s3://bucket/key URI batchops can map"):
        resolve_sdk_s3("s3://my-bucket/../../etc/passwd")


def test_on_an_s3_artifact_store_sdk_buckets_are_folders_of_it(
    s3_artifact_store: str, tmp_path: Path
) -> None:
    import fsspec

    (tmp_path / "churn.csv").write_text("1,2\n")
    uri = S3Uploader.upload(
        str(tmp_path / "churn.csv"), "s3://sagemaker-us-east-1-000000000000/raw"
    )

    location = resolve_sdk_s3(uri)
    assert location == f"{s3_artifact_store}/s3/sagemaker-us-east-1-000000000000/raw/churn.csv"
    assert fsspec.filesystem("s3").cat_file(location).decode() == "1,2\n"
    assert S3Downloader.read_file(uri) == "1,2\n"
    assert resolve_sdk_s3(location) == location
    assert sdk_s3_spelling(location) == uri


def test_an_sdk_pipeline_runs_on_an_s3_artifact_store(
    s3_artifact_store: str, tmp_path: Path
) -> None:
    from sagemaker_sdk.runnable import data, gate_pipeline, upload_data

    upload_data(tmp_path, "demo/raw", data(ones=8, zeros=2))
    pipeline = gate_pipeline(tmp_path)
    pipeline.upsert(role_arn="arn:aws:iam::000000000000:role/any")

    execution = pipeline.start()

    assert execution.describe()["PipelineExecutionStatus"] == "Succeeded"
    bucket = pipeline.sagemaker_session.default_bucket()
    assert S3Downloader.read_file(f"s3://{bucket}/demo/prepared/train/train.csv") == data(8, 2)
