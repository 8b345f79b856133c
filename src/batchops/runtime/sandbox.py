"""A private root for a script: SageMaker's container paths, without a container.

A processing script written for SageMaker reads `/opt/ml/processing/...`, runs with `/` as
its working folder and may write anywhere. On Linux batchops gives it that world in a private
mount namespace: a fresh, empty root (a tmpfs) in which the system and the interpreter are
bound read-only, the step's inputs read-only and its outputs writable at the paths the step
declared, with its own `/tmp`, `/proc` and `/dev`. Whatever the script writes outside its
outputs stays in that root and is gone when the script ends; nothing appears on the host,
`/opt/ml` included. This is a view of the file system, not a security boundary: the script
runs as the user who runs batchops, with the network and among the host's processes (no PID
namespace, so stopping a step signals the script itself, and its pid is the host's).

Two tools make the namespace: as root, util-linux's `unshare` (with `sandbox_init.py` doing
the mounts inside it); as any other user, bubblewrap (`bwrap`, unprivileged user
namespaces). Which one works here is found by running it once (`support()`); where neither
does, the reason is what the tool printed. `BATCHOPS_SANDBOX` chooses: `auto` (the default),
`bwrap` or `unshare` (only that tool), or `off` (no private root).

The plan (`PrivateRoot`) is plain data and `command()` a pure function of it, so the same
sandbox wraps a script wherever it runs: in the runner's process or in a Dask worker's.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from batchops.errors import EnvironmentProblem

SETTING = "BATCHOPS_SANDBOX"
UNSHARE = "unshare"
BWRAP = "bwrap"
_INIT = Path(__file__).with_name("sandbox_init.py")
# Host folders a program needs to run: bound read-only, or re-created as the same symlink
# where the host has one (merged /usr: /bin -> usr/bin).
SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys")
_PROBE_SECONDS = 20


@dataclass(frozen=True)
class Mount:
    """One entry of the private root: `kind` is ro (bind read-only), rw (bind writable),
    symlink (`source` is the link's text), tmpfs, proc or dev."""

    kind: str
    target: str
    source: str = ""


@dataclass(frozen=True)
class PrivateRoot:
    """What the script sees, in mount order (parents before children), and where it starts."""

    mounts: tuple[Mount, ...]
    cwd: str = "/"

    def to_json(self) -> dict[str, object]:
        return {
            "cwd": self.cwd,
            "mounts": [[m.kind, m.target, m.source] for m in self.mounts],
        }


@dataclass(frozen=True)
class Support:
    """Which tool makes private roots here (None: none does) and, if none, why not."""

    tool: str | None
    reason: str = ""


@dataclass
class RootBuilder:
    """Collects the binds of a private root; the system, /tmp, /proc and /dev come first."""

    mounts: list[Mount] = field(default_factory=list)
    _system: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        for folder in SYSTEM_FOLDERS:
            path = Path(folder)
            if path.is_symlink():
                self.mounts.append(Mount("symlink", folder, os.readlink(path)))
            elif path.is_dir():
                self.mounts.append(Mount("ro", folder, folder))
        self.mounts += [Mount("tmpfs", "/tmp"), Mount("proc", "/proc"), Mount("dev", "/dev")]
        self._system = len(self.mounts)
        # Name resolution where /etc/resolv.conf links elsewhere (systemd-resolved's /run).
        resolver = Path("/etc/resolv.conf")
        if resolver.is_symlink() and resolver.exists():
            self.host_paths([resolver.resolve().parent])

    def read_only(self, source: Path, target: str) -> None:
        self.mounts.append(Mount("ro", target, str(source)))

    def writable(self, source: Path, target: str) -> None:
        self.mounts.append(Mount("rw", target, str(source)))

    def host_paths(self, paths: Iterable[Path]) -> None:
        """Bind host folders read-only at their own paths (an interpreter, its libraries),
        skipping those the system folders or another of them already show."""
        shown = [Path(m.target) for m in self.mounts if m.kind in ("ro", "symlink")]
        for path in sorted({p.resolve() for p in paths if p.exists()}, key=lambda p: len(p.parts)):
            if path == Path(path.anchor) or any(path == s or s in path.parents for s in shown):
                continue  # the host's / itself would hide the private root
            self.read_only(path, str(path))
            shown.append(path)

    def build(self, cwd: str = "/") -> PrivateRoot:
        """The mounts with each path's parents before it (a stable sort by depth)."""
        head, rest = self.mounts[: self._system], self.mounts[self._system :]
        rest = sorted(rest, key=lambda m: len(Path(m.target).parts))
        return PrivateRoot(tuple(head + rest), cwd)


def interpreter_paths(python: Path) -> list[Path]:
    """The folders an interpreter needs besides the system: its venv, its base install, and
    (for batchops's own interpreter) every folder on this process's import path, so an
    editable install of batchops imports inside too."""
    paths = [python.parent.parent, Path(sys.base_prefix), Path(sys.base_exec_prefix)]
    if python.parent.parent.resolve() == Path(sys.prefix).resolve():
        paths += [Path(entry) for entry in sys.path if entry and Path(entry).is_absolute()]
    return paths


def command(root: PrivateRoot, argv: Sequence[str], tool: str, scratch: Path) -> list[str]:
    """The command line that runs `argv` inside `root` with `tool` (see `support()`).

    `scratch` is an empty host folder the unshare tool mounts the new root on (it stays empty
    on the host: the mount is private)."""
    if tool == BWRAP:
        return [_bwrap(), *_bwrap_arguments(root), "--", *argv]
    if tool == UNSHARE:
        scratch.mkdir(parents=True, exist_ok=True)
        plan = scratch.with_name(scratch.name + ".json")
        plan.write_text(json.dumps({**root.to_json(), "root": str(scratch), "argv": list(argv)}))
        return [*_unshare(), sys.executable, "-I", "-S", str(_INIT), str(plan)]
    raise ValueError(f"no sandbox tool {tool!r}")


def _bwrap_arguments(root: PrivateRoot) -> list[str]:
    arguments = ["--die-with-parent", "--tmpfs", "/"]
    for mount in root.mounts:
        if mount.kind == "ro":
            arguments += ["--ro-bind", mount.source, mount.target]
        elif mount.kind == "rw":
            arguments += ["--bind", mount.source, mount.target]
        elif mount.kind == "symlink":
            arguments += ["--symlink", mount.source, mount.target]
        elif mount.kind == "tmpfs":
            arguments += ["--tmpfs", mount.target]
        elif mount.kind == "proc":
            arguments += ["--proc", mount.target]
        elif mount.kind == "dev":
            arguments += ["--dev", mount.target]
    return [*arguments, "--chdir", root.cwd]


def _bwrap() -> str:
    return shutil.which(BWRAP) or BWRAP


def _unshare() -> list[str]:
    return [shutil.which(UNSHARE) or UNSHARE, "--mount", "--propagation", "private"]


def support() -> Support:
    """The tool that makes private roots for this user here, found by trying it once."""
    setting = os.environ.get(SETTING, "auto").strip().lower()
    return _support(setting, os.geteuid() if hasattr(os, "geteuid") else -1)


@functools.lru_cache(maxsize=8)
def _support(setting: str, euid: int) -> Support:
    if setting in ("off", "0", "no", "false"):
        return Support(None, f"{SETTING}={setting}")
    if setting not in ("auto", "", UNSHARE, BWRAP):
        raise EnvironmentProblem(f"{SETTING}={setting!r}: use auto, bwrap, unshare or off")
    if not sys.platform.startswith("linux"):
        return Support(None, f"private mount namespaces are Linux's; this is {sys.platform}")
    tried: list[str] = []
    candidates = [UNSHARE, BWRAP] if euid == 0 else [BWRAP]
    if setting in (UNSHARE, BWRAP):
        candidates = [setting]
    for tool in candidates:
        problem = _try(tool)
        if problem is None:
            return Support(tool)
        tried.append(f"{tool}: {problem}")
    return Support(None, "; ".join(tried))


def _try(tool: str) -> str | None:
    """None if `tool` makes a private root here, else what went wrong, in its words."""
    if shutil.which(tool) is None:
        if tool == BWRAP:
            return "bubblewrap is not installed"
        return f"{tool} is not installed"
    probe = (
        [_bwrap(), "--ro-bind", "/", "/", "--proc", "/proc", "true"]
        if tool == BWRAP
        else [*_unshare(), "true"]
    )
    try:
        done = subprocess.run(
            probe, capture_output=True, text=True, timeout=_PROBE_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    if done.returncode == 0:
        return None
    message = " ".join(done.stderr.split()) or f"exit code {done.returncode}"
    return message[:300]
