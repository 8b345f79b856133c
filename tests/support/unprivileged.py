"""Running Python as the unprivileged `nobody`, from tests that run as root (CI's machine).

`setpriv` switches the user. This machine's interpreter may live where `nobody` cannot go
(pyenv under /root, mode 0700): then the command runs in a mount namespace of its own in which
that one folder is shown through a world-readable tmpfs, so nothing changes on the host.
"""

from __future__ import annotations

import itertools
import os
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from support.debian import Unavailable, apt_install

NOBODY = 65534


def require_bubblewrap() -> str:
    """bwrap's path, installing Debian's bubblewrap first when missing (as root)."""
    found = shutil.which("bwrap")
    if found is None:
        apt_install("bubblewrap")
        found = shutil.which("bwrap")
    if found is None:
        raise Unavailable("bubblewrap was installed but bwrap is not on PATH")
    return found


def shared_folder(prefix: str) -> Path:
    """A fresh folder under /tmp that `nobody` may write (pytest's own tmp is root's only)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    folder.chmod(0o777)
    return folder


def run_as_nobody(
    argv: list[str], env: dict[str, str], cwd: Path, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """`argv` as `nobody` with `env`; the interpreter made reachable if it is not."""
    if os.geteuid() != 0:
        raise Unavailable("switching to the nobody user needs root")
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise Unavailable("setpriv (util-linux) is not installed")
    switch = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]
    command = [*switch, *argv]
    hidden = _closed_folder(Path(sys.base_prefix))
    if hidden is not None:
        child = hidden[1]
        keep = cwd / ".interpreter"
        keep.mkdir()
        steps = [
            f"mount --bind {shlex.quote(str(child))} {shlex.quote(str(keep))}",
            f"mount -t tmpfs -o mode=0755 tmpfs {shlex.quote(str(hidden[0]))}",
            f"mkdir {shlex.quote(str(child))}",
            f"mount --bind {shlex.quote(str(keep))} {shlex.quote(str(child))}",
            "exec " + shlex.join(command),
        ]
        command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", " && ".join(steps)]
    return subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def _closed_folder(path: Path) -> tuple[Path, Path] | None:
    """The first folder on the way to `path` that others may not enter, and its child there."""
    parts = [path, *path.parents][::-1]
    for parent, child in itertools.pairwise(parts):
        if not parent.stat().st_mode & stat.S_IXOTH:
            return parent, child
    return None
