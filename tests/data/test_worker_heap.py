"""A Dask worker's heap kept during a task, and handed back after (`data.worker_heap`)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="glibc's mallopt"
)

_CHURN = textwrap.dedent(
    """
    import json, resource
    import numpy as np
    from batchops.data.worker_heap import kept_heap

    def faults_churning():
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(300):
            array = np.ones(1 << 17)  # 1 MiB, freed at once: a profiling temporary
            del array
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

    outside = faults_churning()
    with kept_heap():
        inside = faults_churning()
    after = faults_churning()
    print(json.dumps({"outside": outside, "inside": inside, "after": after}))
    """
)


def _faults(environment: dict[str, str]) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", _CHURN],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_a_worker_started_as_dask_does_reuses_freed_arrays_during_a_task_only() -> None:
    # Dask's nanny sets this: every array above 128 KiB is mapped afresh and faulted in.
    faults = _faults({"MALLOC_TRIM_THRESHOLD_": "65536"})
    assert faults["inside"] * 10 < faults["outside"]
    # After the task the environment's setting holds again: memory goes back at once.
    assert faults["after"] * 2 > faults["outside"]
