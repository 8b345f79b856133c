"""Installing a Debian package for the tests, the way CI's clean machine needs it: as root,
with apt-get, refreshing the package lists only when the first attempt fails."""

from __future__ import annotations

import os
import shutil
import subprocess


class Unavailable(Exception):
    """The package cannot be installed here; the message says why."""


def apt_install(package: str) -> None:
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise Unavailable(f"{package} is not installed and apt-get as root is not available")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", package]
    if subprocess.run(install, env=env, capture_output=True).returncode == 0:
        return
    subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
    done = subprocess.run(install, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise Unavailable(f"apt-get install {package} failed: {done.stderr[-500:]}")
