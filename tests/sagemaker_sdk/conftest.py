"""An artifact store on S3: moto's standalone server, in its own process for the test."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from batchops.store.db import dispose_engines


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def s3_artifact_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """BATCHOPS_ARTIFACTS on an S3 bucket of a moto server started for this test."""
    server = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if server is None:
        pytest.skip("moto's server is not installed (pip install 'batchops[dev]')")
    port = _free_port()
    process = subprocess.Popen(
        [server, "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        for variable, value in {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "BATCHOPS_ARTIFACTS": "s3://artifact-store/batchops",
        }.items():
            monkeypatch.setenv(variable, value)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(f"moto's server did not start on port {port}")
                time.sleep(0.1)
        import fsspec

        fsspec.filesystem("s3", skip_instance_cache=True).mkdir("artifact-store")
        dispose_engines()
        yield "s3://artifact-store/batchops"
    finally:
        process.terminate()
        process.wait(timeout=30)
