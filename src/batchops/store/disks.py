"""A full disk, told as a person can act on it: which disk (its mount point), how much is
left, and what was being written.

"No space left on device" reaches us in many forms: an OSError with errno ENOSPC in this
process, a script's traceback text, polars' "os error 28", SQLite's "database or disk is
full". Each is recognised here, and the disk is found by the paths involved.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from batchops.errors import EnvironmentProblem

_FULL_WORDS = ("no space left on device", "os error 28", "errno 28", "database or disk is full")


def says_disk_full(error: BaseException | None, text: str = "") -> bool:
    """Whether `error` (or any error it was raised from) or `text` tells of a full disk."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            return True
        text += f"\n{error}"
        error = error.__cause__ or error.__context__
    lowered = text.lower()
    return any(words in lowered for words in _FULL_WORDS)


def mount_point(path: str | Path) -> Path:
    """The mount point of the file system holding `path` (or its nearest existing parent)."""
    place = Path(path).absolute()
    while not place.exists() and place != place.parent:
        place = place.parent
    while not os.path.ismount(place) and place != place.parent:
        place = place.parent
    return place


def free_bytes(path: str | Path) -> int:
    """Bytes an unprivileged writer may still use on the disk holding `path`."""
    stats = os.statvfs(mount_point(path))
    return stats.f_bavail * stats.f_frsize


def fullest_disk(paths: list[str | Path]) -> Path:
    """Of the disks holding `paths`, the mount point with the least space left."""
    mounts = {mount_point(p) for p in paths}
    return min(mounts, key=free_bytes)


def disk_full_text(paths: list[str | Path], what: str, then: str = "retry the execution") -> str:
    """One line: the disk that filled up while `what` was written, and what to do."""
    disk = fullest_disk(paths)
    return (
        f"no space left on the disk mounted at {disk} ({free_bytes(disk) >> 10} KiB free) "
        f"while {what}; free space there, then {then}"
    )


RESERVE_BYTES = 1 << 20


class Reserve:
    """Room kept on a disk to record a failure: a file of RESERVE_BYTES written when a run
    starts and removed the moment a disk-full is met, so that the database beside it can
    still take the few pages saying the run Failed (instead of the run showing Executing
    until its heartbeat times out). Removed when the run ends, in any case."""

    def __init__(self, folder: Path, name: str) -> None:
        self.path = folder / f".batchops-reserve-{name}"

    def hold(self) -> bool:
        """Write the reserve; False when the disk has no room even for it (or is read-only)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "wb") as handle:
                handle.write(bytes(RESERVE_BYTES))
                handle.flush()
                os.fsync(handle.fileno())
        except OSError:
            self.release()
            return False
        return True

    def release(self) -> None:
        self.path.unlink(missing_ok=True)


def require_room(folder: Path, what: str) -> None:
    """Refuse to begin `what` when the disk holding `folder` has less room than a reserve:
    a run begun there could not even record its own end."""
    try:
        left = free_bytes(folder)
    except OSError:
        return  # not a local disk we can measure: the run finds out itself
    if left < RESERVE_BYTES:
        raise EnvironmentProblem(disk_full_text([folder], what, then="start it again"))
