"""A Dask cluster of real processes, as a team runs one: `dask scheduler` and `dask worker`
commands, TLS on every connection (a key and certificate made for the test), the workers
holding only what the brief gives them (the object store's credentials, no database).

Clients reach it through distributed's own configuration (`DASK_DISTRIBUTED__COMM__TLS__*`
variables, `client_environment()`), as a user's batchops does: batchops passes no security
object of its own.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from support.debian import Unavailable

if TYPE_CHECKING:
    from distributed.security import Security


@dataclass
class DaskProcesses:
    address: str
    folder: Path
    certificate: Path
    key: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def client_environment(self) -> dict[str, str]:
        """What a client process needs to reach the scheduler over TLS."""
        prefix = "DASK_DISTRIBUTED__COMM__"
        return {
            f"{prefix}REQUIRE_ENCRYPTION": "True",
            f"{prefix}TLS__CA_FILE": str(self.certificate),
            f"{prefix}TLS__CLIENT__CERT": str(self.certificate),
            f"{prefix}TLS__CLIENT__KEY": str(self.key),
        }

    def client_configuration(self) -> dict[str, object]:
        """The same, as dask configuration for `dask.config.set` in a running process."""
        return {
            "distributed.comm.require-encryption": True,
            "distributed.comm.tls.ca-file": str(self.certificate),
            "distributed.comm.tls.client.cert": str(self.certificate),
            "distributed.comm.tls.client.key": str(self.key),
        }

    def logs(self) -> str:
        return "\n".join(
            f"== {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.folder.glob("*.log"))
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _write_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed key and certificate (distributed's `Security.temporary()`), on disk."""
    from distributed.security import Security

    made = Security.temporary()
    certificate, key = folder / "cluster.pem", folder / "cluster-key.pem"
    certificate.write_text(str(made.tls_ca_file))
    key.write_text(str(made.tls_client_key))
    key.chmod(0o600)
    return certificate, key


def start_cluster(
    folder: Path, worker_environment: Mapping[str, str], workers: int = 2
) -> DaskProcesses:
    """`dask scheduler` on a free loopback port and `workers` `dask worker` processes (one
    thread each, under a nanny that restarts a killed one), all over TLS."""
    try:
        import distributed  # noqa: F401
    except ImportError as error:
        raise Unavailable(f"distributed is not installed: {error}") from error
    folder.mkdir(parents=True, exist_ok=True)
    certificate, key = _write_certificate(folder)
    tls = ["--tls-ca-file", str(certificate), "--tls-cert", str(certificate), "--tls-key", str(key)]
    port = _free_port()
    address = f"tls://127.0.0.1:{port}"
    cluster = DaskProcesses(address, folder, certificate, key)
    dask = str(Path(sys.executable).with_name("dask"))
    cluster.processes.append(
        _spawn(
            [
                dask,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--protocol",
                "tls",
                "--no-dashboard",
                *tls,
            ],
            folder / "scheduler.log",
            {**os.environ, **cluster.client_environment()},
        )
    )
    for index in range(workers):
        home = folder / f"worker-{index}"
        home.mkdir()
        cluster.processes.append(
            _spawn(
                [
                    dask,
                    "worker",
                    address,
                    "--host",
                    "127.0.0.1",
                    "--nthreads",
                    "1",
                    "--name",
                    f"worker-{index}",
                    "--no-dashboard",
                    "--local-directory",
                    str(home / "dask"),
                    *tls,
                ],
                folder / f"worker-{index}.log",
                {**worker_environment, **cluster.client_environment(), "BATCHOPS_HOME": str(home)},
            )
        )
    try:
        _wait_for_workers(cluster, workers)
    except Exception:
        cluster.stop()
        raise
    return cluster


def _spawn(
    command: list[str], log: Path, environment: Mapping[str, str]
) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=dict(environment),
            start_new_session=True,
        )


def _wait_for_workers(cluster: DaskProcesses, workers: int, timeout: float = 120) -> None:
    from distributed import Client

    security = _security(cluster)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with Client(cluster.address, security=security, timeout=5) as client:
                client.wait_for_workers(workers, timeout=max(1, deadline - time.monotonic()))
                return
        except (OSError, TimeoutError) as error:
            if time.monotonic() > deadline or cluster.processes[0].poll() is not None:
                raise Unavailable(
                    f"the Dask cluster did not start ({error}):\n{cluster.logs()}"
                ) from None
            time.sleep(0.5)


def worker_pids(cluster: DaskProcesses) -> dict[str, int]:
    """Each worker's address and the pid of its process (not its nanny's)."""
    from distributed import Client

    with Client(cluster.address, security=_security(cluster), timeout=10) as client:
        return dict(client.run(os.getpid))


def _security(cluster: DaskProcesses) -> Security:
    from distributed.security import Security

    return Security(
        tls_ca_file=str(cluster.certificate),
        tls_client_cert=str(cluster.certificate),
        tls_client_key=str(cluster.key),
        require_encryption=True,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
