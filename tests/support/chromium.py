"""Debian's Chromium for the browser tests: found on PATH, or installed when we may install."""

from __future__ import annotations

import shutil

from support.debian import Unavailable, apt_install


def find_or_install() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    apt_install("chromium")
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
