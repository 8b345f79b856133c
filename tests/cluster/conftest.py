"""One real Dask cluster (two worker processes, one thread each) shared by the Dask tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="session")
def cluster() -> Iterator[Any]:
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as started:
        yield started


@pytest.fixture
def dask_address(cluster: Any) -> Iterator[str]:
    """The shared cluster's scheduler address, with both workers up (a test may kill one)."""
    with distributed.Client(cluster.scheduler_address, timeout=30) as client:
        client.wait_for_workers(2, timeout=60)
    yield cluster.scheduler_address
