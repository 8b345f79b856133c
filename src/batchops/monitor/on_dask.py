"""Profiling a dataset's parts on Dask workers.

Each part (a file, or a byte range of a large CSV file: `batchops.data.csv.split_parts`) is
profiled on a worker by the same `profile_part` a local run uses, with the same seed and
sketch share; only the profile comes back to the client, which merges them in part order as
they come (`profiling.merge_profiles`). So the figures equal the one-process ones byte for byte
for the same partitioning. A worker lost mid-job only means Dask runs its parts again: a part's
profile is a pure function of its bytes.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from batchops.data.worker_heap import kept_heap
from batchops.monitor.profiling import (
    ColumnOptions,
    DatasetProfile,
    PartProfiler,
    part_exact_values,
    profile_part,
)
from batchops.monitor.reading import Part, ReadPlan

if TYPE_CHECKING:
    from distributed import Client, Future

IN_FLIGHT_PER_THREAD = 2
"""Parts submitted ahead per worker thread: enough to keep every thread busy."""


def profile_parts_on(client: Client) -> PartProfiler:
    """A `PartProfiler` running each part as one task on the cluster of `client`.

    A few tasks per worker thread are in flight at a time: each profile is taken from the
    cluster in part order and let go as soon as it is merged, so neither the client nor the
    workers hold the profiles of all parts (a few hundred KB each) of a large dataset.
    """

    def profile_parts(
        parts: Sequence[Part], plan: ReadPlan, options: Mapping[str, ColumnOptions]
    ) -> Iterator[DatasetProfile]:
        share = part_exact_values(len(parts))
        job = uuid.uuid4().hex[:12]
        ahead = IN_FLIGHT_PER_THREAD * max(1, sum(client.nthreads().values()))

        def submit(index: int) -> Future:
            return client.submit(
                profile_part_on_worker,
                parts[index],
                plan,
                dict(options),
                share,
                index,
                key=f"batchops-profile-{job}-{index}",
                pure=False,
                retries=0,
            )

        in_flight = deque(submit(index) for index in range(min(ahead, len(parts))))
        submitted = len(in_flight)
        try:
            while in_flight:
                future = in_flight.popleft()
                profile: DatasetProfile = future.result()
                future.release()
                if submitted < len(parts):
                    in_flight.append(submit(submitted))
                    submitted += 1
                yield profile
        finally:
            client.cancel(list(in_flight))

    return profile_parts


def profile_part_on_worker(
    part: Part,
    plan: ReadPlan,
    options: Mapping[str, ColumnOptions],
    exact_values: int,
    seed: int,
) -> DatasetProfile:
    """`profile_part` with the worker's heap kept while it runs (`data.worker_heap`)."""
    with kept_heap():
        return profile_part(part, plan, options, exact_values, seed)
