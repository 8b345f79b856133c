"""Inside `unshare`'s new mount namespace, as root: build the private root, enter it, and
become the script there.

`batchops.runtime.sandbox` runs it as `python -I -S sandbox_init.py PLAN.json`: before the
script's interpreter, with the standard library only (it imports nothing of batchops). The plan
names the folder to build the root on, the mounts in order, the working folder and the
command. The mounts are private to the namespace, so the host sees none of them; when the
namespace's last process ends they are gone, and with them everything the script wrote
outside its writable binds.

Each step replaces the process (`unshare` execs this, this execs the script), so the script
keeps the pid the runner started, and a stop or a signal reaches it directly.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384

_libc = ctypes.CDLL(None, use_errno=True)


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    def text(value: str | None) -> bytes | None:
        return value.encode() if value is not None else None

    if _libc.mount(text(source), text(target), text(fstype), flags, text(data or None)) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {source} on {target}: {os.strerror(error)}")


def build(root: str, mounts: list[list[str]]) -> None:
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755")
    for kind, target, source in mounts:
        inside = root + target
        os.makedirs(os.path.dirname(inside), exist_ok=True)
        if kind == "symlink":
            os.symlink(source, inside)
        elif kind in ("ro", "rw", "dev"):
            if os.path.isdir(source or "/dev"):
                os.makedirs(inside, exist_ok=True)
            else:
                open(inside, "a").close()
            mount(source or "/dev", inside, None, MS_BIND | MS_REC)
            if kind == "ro":
                mount(None, inside, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
        elif kind == "tmpfs":
            os.makedirs(inside, exist_ok=True)
            mount("tmpfs", inside, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
        elif kind == "proc":
            os.makedirs(inside, exist_ok=True)
            mount("proc", inside, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        else:
            raise ValueError(f"unknown mount kind {kind!r}")


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as handle:
        plan = json.load(handle)
    build(plan["root"], plan["mounts"])
    os.chroot(plan["root"])
    os.chdir(plan["cwd"])
    argv = plan["argv"]
    try:
        os.execv(argv[0], argv)
    except OSError as error:
        print(f"cannot run {argv[0]} in the private root: {error.strerror}", file=sys.stderr)
    return 127


if __name__ == "__main__":
    sys.exit(main())
