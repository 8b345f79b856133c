"""The two monitoring jobs: baseline a dataset, and check a batch against a baseline.

Both read their input once, streaming, and write their outputs only when everything was
computed, each file atomically: a failed run leaves earlier results as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchops.errors import InvalidInput, JobFailed
from batchops.monitor import reading
from batchops.monitor.checks import CheckOutcome, Violation, run_checks
from batchops.monitor.constraints import (
    ENABLED,
    Constraints,
    looks_headerless,
    read_constraints,
    require_features,
    suggest_constraints,
)
from batchops.monitor.formats import write_json, write_text
from batchops.monitor.profiling import (
    MAX_PARTS_PER_FILE,
    ColumnOptions,
    DatasetProfile,
    profile_dataset,
)
from batchops.monitor.reading import NUMBER, TEXT, DataFile, Layout, ReadPlan
from batchops.monitor.statistics import DatasetStatistics, read_statistics
from batchops.monitor.types import INTEGRAL, NUMERIC, STRING
from batchops.store import artifacts
from batchops.wording import counted

STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"
VIOLATIONS_FILE = "constraint_violations.json"
METRICS_FILE = "metrics.json"
REPORT_FILE = "report.html"


@dataclass
class BaselineResult:
    statistics_uri: str
    constraints_uri: str
    statistics: DatasetStatistics
    constraints: Constraints

    @property
    def row_count(self) -> int:
        return self.statistics.item_count


@dataclass
class CheckResult:
    violations: list[Violation]
    violations_uri: str
    statistics_uri: str
    metrics_uri: str
    report_uri: str
    metrics: dict[str, dict[str, float]]
    """Per feature: `baseline_drift`, `completeness`, `data_type_share`, `domain_share`."""
    row_count: int
    statistics: DatasetStatistics
    outcome: CheckOutcome = field(repr=False)

    @property
    def metric_values(self) -> dict[str, float]:
        """The metrics under flat names, as in metrics.json."""
        return flat_metrics(self.row_count, self.metrics)

    def violations_by_type(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for violation in self.violations:
            kind = violation.constraint_check_type
            counts[kind] = counts.get(kind, 0) + 1
        return counts


def flat_metrics(row_count: int, metrics: dict[str, dict[str, float]]) -> dict[str, float]:
    values: dict[str, float] = {"dataset_item_count": float(row_count)}
    for feature, figures in metrics.items():
        for key, value in figures.items():
            values[f"feature_{key}_{feature}"] = value
    return values


@dataclass
class _Input:
    """A dataset resolved to files, a layout and the columns to read."""

    files: list[DataFile]
    layout: Layout
    included: list[str]
    names: dict[str, str]
    """Physical column name → feature name."""


def _resolve_input(
    data: str | Path,
    header: bool | None,
    ignore_columns: Sequence[str],
    data_format: str | None,
    baseline_names: list[str] | None,
) -> _Input:
    files = reading.list_data_files(data, data_format)
    for file in files:
        reading.check_format(file)
    first = files[0]
    if header is None:
        header = _has_header(first, baseline_names)
    layout = reading.read_layout(first, header)
    for file in files[1:]:
        other = reading.read_layout(file, header)
        if len(other.physical_names) != len(layout.physical_names) or (
            header and other.physical_names != layout.physical_names
        ):
            raise InvalidInput(
                f"{file.uri}: its columns ({len(other.physical_names)}) differ from those of "
                f"{first.uri} ({len(layout.physical_names)}); all files of a dataset must match"
            )
    ignored = set(ignore_columns)
    included = [name for name in layout.physical_names if name not in ignored]
    if not included:
        raise InvalidInput(f"{data}: no columns left to monitor once the ignored ones are removed")
    names = _feature_names(included, layout.header, baseline_names)
    return _Input(files, layout, included, names)


def _has_header(file: reading.DataFile, baseline_names: list[str] | None) -> bool:
    """Whether a CSV file starts with a header, when the caller did not say.

    A baseline of headerless data means headerless batches. A baseline with names means a
    header, unless the first row names none of the baseline's features and looks like data:
    batch-transform inputs usually come without one, also when the baseline had one.
    """
    if file.format != reading.CSV:
        return True
    if baseline_names is None:
        return reading.sniff_header(file)
    if looks_headerless(baseline_names):
        return False
    return reading.sniff_header(file, known_names=baseline_names)


def _feature_names(
    included: list[str], header: bool, baseline_names: list[str] | None
) -> dict[str, str]:
    """Name each read column as the baseline does.

    A baseline of headerless data (`_c0`, `_c1`, ...) takes the batch's columns by position,
    named the same way. A headerless batch against a baseline with names takes those names
    by position when the column counts agree; when they differ, nothing says which column is
    which, so the columns keep `_cN` and the checks report them as missing and extra.
    With a header on both sides, the header's names are used.
    """
    positional = reading.headerless_names(len(included))
    if baseline_names is None:
        return dict(zip(included, included if header else positional, strict=True))
    if looks_headerless(baseline_names):
        return dict(zip(included, positional, strict=True))
    if not header:
        by_position = baseline_names if len(baseline_names) == len(included) else positional
        return dict(zip(included, by_position, strict=True))
    return {name: name for name in included}


def _probe(source: _Input) -> tuple[dict[str, str], set[str]]:
    return reading.probe_types(source.files[0], source.layout)


def baseline(
    data: str | Path,
    out_dir: str | Path,
    *,
    header: bool | None = None,
    ignore_columns: Sequence[str] = (),
    data_format: str | None = None,
    workers: int | None = None,
    block_size: int = reading.BLOCK_SIZE,
) -> BaselineResult:
    """Profile `data` and write `statistics.json` and `constraints.json` into `out_dir`.

    `header=None` guesses from the first rows whether a CSV file starts with a header.
    `workers` threads read parts of large files (default: one per CPU); `block_size` is the
    bytes of CSV parsed at a time (memory use follows it).
    """
    source = _resolve_input(data, header, ignore_columns, data_format, None)
    kinds, integers = _probe(source)
    plan = ReadPlan(
        source.layout,
        {n: kinds.get(n, NUMBER) for n in source.included},
        include=source.included,
        block_size=block_size,
    )
    options = {name: ColumnOptions(distinguish_whole=name in integers) for name in source.included}
    profile = _profile(source, plan, options, workers, data)
    statistics = profile.statistics(source.names)
    constraints = suggest_constraints(statistics)
    folder = str(out_dir)
    statistics_uri = write_json(artifacts.join(folder, STATISTICS_FILE), statistics.to_dict())
    constraints_uri = write_json(artifacts.join(folder, CONSTRAINTS_FILE), constraints.to_dict())
    return BaselineResult(statistics_uri, constraints_uri, statistics, constraints)


def _profile(
    source: _Input,
    plan: ReadPlan,
    options: dict[str, ColumnOptions],
    workers: int | None,
    data: str | Path,
) -> DatasetProfile:
    # Parts by the files' sizes alone, not by `workers`: the same figures with any workers.
    parts = reading.split_parts(source.files, MAX_PARTS_PER_FILE)
    profile = profile_dataset(parts, plan, options, workers)
    if profile.item_count == 0:
        raise InvalidInput(f"{data}: the data has no rows")
    return profile


def check(
    data: str | Path,
    *,
    statistics: str | Path,
    constraints: str | Path,
    out_dir: str | Path,
    header: bool | None = None,
    ignore_columns: Sequence[str] = (),
    fail_on_violation: bool = False,
    data_format: str | None = None,
    workers: int | None = None,
    block_size: int = reading.BLOCK_SIZE,
) -> CheckResult:
    """Check a batch against a baseline; write the batch's statistics, the violations, the
    metrics and an HTML report into `out_dir`.

    `header=None` follows the baseline: features named `_c0`, `_c1`, ... mean headerless data;
    named features mean a header unless the first row names none of them and looks like data.
    With `fail_on_violation`, raise `JobFailed` after writing everything if anything was found.
    """
    baseline_statistics = read_statistics(statistics)
    baseline_constraints = read_constraints(constraints)
    require_features(baseline_constraints, str(constraints))
    baseline_constraints = _without_ignored(baseline_constraints, ignore_columns, constraints)
    baseline_names = baseline_constraints.names
    source = _resolve_input(data, header, ignore_columns, data_format, baseline_names)
    kinds, integers = _probe(source)
    plan_kinds: dict[str, str] = {}
    options: dict[str, ColumnOptions] = {}
    for physical in source.included:
        feature = baseline_constraints.feature(source.names[physical])
        if feature is None:
            plan_kinds[physical] = kinds.get(physical, NUMBER)
            options[physical] = ColumnOptions(distinguish_whole=physical in integers)
            continue
        plan_kinds[physical] = NUMBER if feature.inferred_type in NUMERIC else TEXT
        options[physical] = ColumnOptions(
            distinguish_whole=feature.inferred_type == INTEGRAL or physical in integers,
            watch=_watched_values(feature.name, baseline_constraints, baseline_statistics),
        )
    plan = ReadPlan(source.layout, plan_kinds, include=source.included, block_size=block_size)
    profile = _profile(source, plan, options, workers, data)
    batch_statistics = profile.statistics(source.names)
    columns = {source.names[p]: column for p, column in profile.columns.items()}
    outcome = run_checks(baseline_constraints, baseline_statistics, batch_statistics, columns)
    emit = baseline_constraints.monitoring_config.emit_metrics == ENABLED
    metrics = outcome.metrics() if emit else {}

    from batchops.monitor.report import render_report

    report = render_report(
        outcome,
        baseline_statistics,
        batch_statistics,
        columns,
        data=str(data),
        baseline_uri=str(statistics),
    )
    folder = str(out_dir)
    statistics_uri = write_json(artifacts.join(folder, STATISTICS_FILE), batch_statistics.to_dict())
    metrics_uri = write_json(
        artifacts.join(folder, METRICS_FILE),
        flat_metrics(batch_statistics.item_count, metrics),
    )
    report_uri = write_text(artifacts.join(folder, REPORT_FILE), report)
    violations_uri = write_json(
        artifacts.join(folder, VIOLATIONS_FILE),
        {"violations": [v.to_dict() for v in outcome.violations]},
    )
    result = CheckResult(
        violations=outcome.violations,
        violations_uri=violations_uri,
        statistics_uri=statistics_uri,
        metrics_uri=metrics_uri,
        report_uri=report_uri,
        metrics=metrics,
        row_count=batch_statistics.item_count,
        statistics=batch_statistics,
        outcome=outcome,
    )
    if fail_on_violation and outcome.violations:
        raise JobFailed(violation_summary(result))
    return result


def _without_ignored(
    constraints: Constraints, ignore_columns: Sequence[str], source: str | Path
) -> Constraints:
    """Leave ignored columns out of the baseline too, so that a column the batch lacks on
    purpose (the target, at scoring time) is not reported missing.

    Against a baseline of headerless data, `_c0`, `_c1`, ... name the batch's positions
    instead (the remaining columns are renumbered), so the baseline keeps all its features.
    """
    ignored = set(ignore_columns) & set(constraints.names)
    if not ignored or looks_headerless(constraints.names):
        return constraints
    kept = constraints.without(ignored)
    if not kept.features:
        raise InvalidInput(f"{source}: every feature of the constraints is ignored")
    return kept


def _watched_values(
    name: str, constraints: Constraints, statistics: DatasetStatistics
) -> frozenset[str]:
    """Values whose counts the checks need exactly: the domain and the baseline's categories."""
    values: set[str] = set()
    feature = constraints.feature(name)
    if feature is not None and feature.domains:
        values.update(feature.domains)
    stats = statistics.feature(name)
    if stats is not None and stats.inferred_type == STRING and stats.string is not None:
        values.update(c.value for c in stats.string.categories or ())
    return frozenset(values)


def violation_summary(result: CheckResult) -> str:
    """One line per violation type, for messages and the CLI."""
    counts = result.violations_by_type()
    found = ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items()))
    return (
        f"{len(result.violations)} violation(s) in {counted(result.row_count, 'row')} ({found}); "
        f"see {result.violations_uri}"
    )


def result_summary(result: CheckResult) -> dict[str, Any]:
    return {
        "rows": result.row_count,
        "violations": [v.to_dict() for v in result.violations],
        "violations_uri": result.violations_uri,
        "statistics_uri": result.statistics_uri,
        "metrics_uri": result.metrics_uri,
        "report_uri": result.report_uri,
    }
