"""Where a data-heavy job runs: in this process, or partitioned on a Dask cluster.

A job asks `dask_address` whether it runs on Dask (its own `dask` argument, else
BATCHOPS_DASK_ADDRESS) and opens the cluster with `dask_client`: `local` starts a
`LocalCluster` for the job, any other value is a scheduler's address (`tcp://host:8786`,
what dask-kubernetes, Coiled or dask-jobqueue hand out). Workers read their partitions
themselves, so a local file must be one they can see: `require_visible` asks a worker, and
names the path it cannot see instead of uploading anything.

This lives in the data layer because partitions are the data layer's files and byte ranges,
and because the monitor, the transform and the models (which are independent of each other)
all run work on the same cluster.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from batchops.errors import EnvironmentProblem, InvalidInput
from batchops.extras import require_extra
from batchops.settings import get_settings
from batchops.store.artifacts import is_local, local_path

if TYPE_CHECKING:
    from distributed import Client

LOCAL = "local"
"""The address that starts a LocalCluster for one job."""

CONNECT_TIMEOUT = 10.0
"""Seconds to reach a scheduler before saying it cannot be reached."""


def dask_address(explicit: str | None) -> str | None:
    """The Dask scheduler a job runs on: `explicit`, else BATCHOPS_DASK_ADDRESS, else None."""
    if explicit is not None and explicit.strip():
        return explicit.strip()
    return get_settings().dask_address


@contextmanager
def dask_client(address: str, purpose: str) -> Iterator[Client]:
    """A client of the cluster at `address` (`local`: a LocalCluster started now, one worker
    process per CPU, one thread each), closed when the job ends."""
    require_extra("dask", "dask", "distributed", purpose=purpose)
    from distributed import Client, LocalCluster

    if address == LOCAL:
        workers = max(1, os.cpu_count() or 1)
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as error:
        raise EnvironmentProblem(
            f"cannot reach the Dask scheduler at {address} "
            f"({_first_line(error) or type(error).__name__}); "
            "check the address (`dask`, BATCHOPS_DASK_ADDRESS) and that the scheduler runs"
        ) from None
    try:
        yield client
    finally:
        client.close()


def require_visible(client: Client, address: str, uris: Iterable[str]) -> None:
    """Refuse local paths the workers cannot see, naming the first, before any work starts.

    A `local` cluster shares this machine's files; on any other, one small task on a worker
    checks the paths (a worker on another machine sees its own disk, not this one's).
    """
    if address == LOCAL:
        return
    paths = sorted({str(local_path(uri)) for uri in uris if is_local(uri)})
    if not paths:
        return
    missing = client.submit(missing_paths, paths, pure=False).result()
    if missing:
        raise InvalidInput(
            f"{missing[0]}: the Dask workers at {address} cannot see this local path; "
            "put the data where they can read it (a shared folder, or an s3://, gs:// or "
            "abfs:// URL) and pass that instead"
        )


def missing_paths(paths: list[str]) -> list[str]:
    """The paths that do not exist where this runs (on a worker)."""
    return [path for path in paths if not os.path.exists(path)]


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""
