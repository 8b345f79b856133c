"""Data-quality monitoring in SageMaker Model Monitor's formats.

- `baseline(data, out_dir)` profiles a dataset (CSV with or without header, Parquet, JSON Lines;
  a file or a directory) in one streaming pass and writes `statistics.json` and
  `constraints.json`.
- `check(data, statistics=..., constraints=..., out_dir=...)` profiles a batch the same way,
  runs the checks the constraints enable (data type, completeness, baseline drift, missing and
  extra columns, categorical values) and writes the batch's `statistics.json`,
  `constraint_violations.json`, `metrics.json` and a self-contained `report.html`.

Baselines made by SageMaker itself are accepted as they are, and ours load there.
A plain library: pipeline steps and the CLI wrap it.
"""

from batchops.monitor.checks import Violation
from batchops.monitor.constraints import Constraints, read_constraints
from batchops.monitor.jobs import BaselineResult, CheckResult, baseline, check
from batchops.monitor.statistics import DatasetStatistics, read_statistics

__all__ = [
    "BaselineResult",
    "CheckResult",
    "Constraints",
    "DatasetStatistics",
    "Violation",
    "baseline",
    "check",
    "read_constraints",
    "read_statistics",
]
