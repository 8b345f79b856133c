"""Debian's Chromium for the browser tests: found on PATH, or installed when we may install."""

from __future__ import annotations

import os
import shutil
import subprocess


class Unavailable(Exception):
    """Chromium cannot be found or installed here; the message says why."""


def find_or_install() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise Unavailable("chromium is not installed and apt-get as root is not available")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        done = subprocess.run(install, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise Unavailable(f"apt-get install chromium failed: {done.stderr[-500:]}")
    found = shutil.which("chromium")
    if not found:
        raise Unavailable("chromium was installed but is not on PATH")
    return found


# Flags for a closed network and a root user: no sandbox, no background connections.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
