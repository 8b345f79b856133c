"""A real S3 API for the tests: moto's standalone server in its own process on a loopback port.

The tests talk to it as batchops talks to any S3 API, through s3fs with the standard AWS
variables (`AWS_ENDPOINT_URL` pointing at the server). Each test gets a bucket of its own, so
tests sharing the server never see each other's objects.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from support.debian import Unavailable

ACCESS_KEY = "batchops-test-key"
SECRET_KEY = "batchops-test-secret-do-not-print"


@dataclass
class S3Server:
    endpoint_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def environment(self) -> dict[str, str]:
        """What a process needs to reach this server as its S3 API, and nothing from the host
        (no profile, no instance metadata)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def create_bucket(self, name: str | None = None) -> str:
        """A new, empty bucket; its name."""
        bucket = name or f"batchops-{uuid.uuid4().hex[:12]}"
        request = urllib.request.Request(f"{self.endpoint_url}/{bucket}", method="PUT")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
        return bucket

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(timeout: float = 60.0) -> S3Server:
    """Start `moto.server` on a free loopback port and wait until it answers."""
    try:
        import moto.server  # noqa: F401
    except ImportError as error:
        raise Unavailable(f"moto's server is not installed: {error}") from error
    port = _free_port()
    log = Path(tempfile.mkstemp(prefix="batchops-moto-", suffix=".log")[1])
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = S3Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Unavailable(f"moto's server exited with {process.returncode}: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"{server.endpoint_url}/", timeout=1) as response:
                response.read()
            return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise Unavailable(f"moto's server did not answer on port {port} within {timeout:.0f} s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
