"""A real, throwaway PostgreSQL server for the tests: installed when missing, started on a free
local port with its own data directory, stopped at the end.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user
that Debian's package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from support.debian import Unavailable, apt_install


@dataclass
class PostgresServer:
    port: int
    data_dir: Path
    socket_dir: Path
    bin_dir: Path
    run_as: str | None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        _run(
            self,
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "stop"],
            check=False,
        )
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def start_server() -> PostgresServer:
    bin_dir = _find_binaries() or _install()
    run_as = "postgres" if os.geteuid() == 0 else None
    if run_as:
        try:
            pwd.getpwnam(run_as)
        except KeyError as error:
            raise Unavailable("running as root and there is no 'postgres' user") from error
    root = Path(tempfile.mkdtemp(prefix="batchops-pg-"))
    data_dir, socket_dir = root / "data", root / "run"
    socket_dir.mkdir()
    if run_as:
        shutil.chown(root, run_as)
        shutil.chown(socket_dir, run_as)
        root.chmod(0o755)
    port = _free_port()
    server = PostgresServer(port, data_dir, socket_dir, bin_dir, run_as)
    _run(
        server,
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        ],
    )
    options = (
        f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c max_connections=200"
    )
    _run(
        server,
        [
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data_dir),
            "-o",
            options,
            "-l",
            str(root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
    )
    _wait_for(port)
    return server


def _find_binaries() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for directory in candidates:
        if (Path(directory) / "initdb").exists():
            return Path(directory)
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _install() -> Path:
    """Debian's server package, the way the issue asks: only where we may install."""
    apt_install("postgresql")
    found = _find_binaries()
    if found is None:
        raise Unavailable("postgresql installed but initdb was not found")
    return found


def _run(server: PostgresServer, command: list[str], check: bool = True) -> None:
    if server.run_as:
        command = ["runuser", "-u", server.run_as, "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, cwd="/")
    if check and done.returncode != 0:
        raise Unavailable(f"{' '.join(command)} failed: {(done.stderr or done.stdout)[-800:]}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise Unavailable(f"PostgreSQL did not accept connections on port {port}")
