"""The two monitoring jobs: baseline a dataset, and check a batch against a baseline.

Both read their input once, streaming, and write their outputs only when everything was
computed, each file atomically, as one output set with a manifest written last
(`batchops.store.outputs`). A baseline made by batchops is used only when its manifest
vouches for the files; statistics and constraints brought from elsewhere are read as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchops.data.cluster import dask_address, dask_client, require_visible
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
from batchops.monitor.dataset import MonitoredInput, probe_input, resolve_input
from batchops.monitor.formats import (
    CONSTRAINTS,
    STATISTICS,
    WrongFile,
    dump_json,
    file_kind,
    load_json,
)
from batchops.monitor.hints import column_count_differs, header_read_as_data
from batchops.monitor.profiling import (
    MAX_PARTS_PER_FILE,
    ColumnOptions,
    DatasetProfile,
    profile_dataset,
)
from batchops.monitor.reading import NUMBER, TEXT, ReadPlan
from batchops.monitor.statistics import DatasetStatistics, read_statistics
from batchops.monitor.types import INTEGRAL, NUMERIC, STRING
from batchops.store import artifacts, outputs
from batchops.store.metric_names import DATASET_ITEM_COUNT, feature_metric
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
    hints: list[str] = field(default_factory=list)
    """Warnings for a person (`monitor.hints`), e.g. a header profiled as data."""

    @property
    def row_count(self) -> int:
        return self.statistics.item_count

    def type_counts(self) -> dict[str, int]:
        """How many features were inferred as each type, by type name."""
        counts: dict[str, int] = {}
        for feature in self.statistics.features:
            counts[feature.inferred_type] = counts.get(feature.inferred_type, 0) + 1
        return dict(sorted(counts.items()))

    def to_dict(self) -> dict[str, Any]:
        """The summary `batchops baseline --json` prints and the API returns."""
        return {
            "rows": self.row_count,
            "features": [
                {"name": f.name, "inferred_type": f.inferred_type} for f in self.statistics.features
            ],
            "statistics_uri": self.statistics_uri,
            "constraints_uri": self.constraints_uri,
            "hints": self.hints,
        }


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
    hints: list[str] = field(default_factory=list)
    """What the violations do not say (`monitor.hints`): a header read as data, a batch of
    another width than the baseline."""

    @property
    def metric_values(self) -> dict[str, float]:
        """The metrics under flat names, as in metrics.json."""
        return named_metrics(self.row_count, self.metrics)

    def raise_for_violations(self, violations_uri: str | None = None) -> None:
        """The one place where violations become a failed job (CLI, steps and API alike):
        `JobFailed` after everything was written, naming the checks and the features, and
        the report where it was published (`violations_uri`, default where it was written)."""
        if self.violations:
            raise JobFailed(violation_summary(self, violations_uri))

    def to_dict(self) -> dict[str, Any]:
        """The summary `batchops monitor --json` prints and the API returns."""
        return {
            "rows": self.row_count,
            "violations": [v.to_dict() for v in self.violations],
            "violations_uri": self.violations_uri,
            "statistics_uri": self.statistics_uri,
            "metrics_uri": self.metrics_uri,
            "report_uri": self.report_uri,
            "hints": self.hints,
        }

    def violations_by_type(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for violation in self.violations:
            kind = violation.constraint_check_type
            counts[kind] = counts.get(kind, 0) + 1
        return counts


def named_metrics(row_count: int, metrics: dict[str, dict[str, float]]) -> dict[str, float]:
    """Per-feature figures under the names metrics.json, alarms and the page use
    (`feature_baseline_drift_<feature>`, ...: `store.metric_names`)."""
    values: dict[str, float] = {DATASET_ITEM_COUNT: float(row_count)}
    for feature, figures in metrics.items():
        for key, value in figures.items():
            values[feature_metric(key, feature)] = value
    return values


def baseline(
    data: str | Path,
    out_dir: str | Path,
    *,
    header: bool | None = None,
    ignore_columns: Sequence[str] = (),
    data_format: str | None = None,
    workers: int | None = None,
    block_size: int = reading.BLOCK_SIZE,
    dask: str | None = None,
) -> BaselineResult:
    """Profile `data` and write `statistics.json` and `constraints.json` into `out_dir`.

    `header=None` guesses from the first rows whether a CSV file starts with a header.
    `workers` threads read parts of large files (default: one per CPU); `block_size` is the
    bytes of CSV parsed at a time (memory use follows it). `dask`: a Dask scheduler's address
    (or `local`) to profile the parts on (default BATCHOPS_DASK_ADDRESS; unset: here).
    """
    source = resolve_input(data, header, ignore_columns, data_format, None)
    kinds, integers = probe_input(source)
    plan = ReadPlan(
        source.layout,
        {n: kinds.get(n, NUMBER) for n in source.included},
        include=source.included,
        block_size=block_size,
    )
    options = {name: ColumnOptions(distinguish_whole=name in integers) for name in source.included}
    profile = _profile(source, plan, options, workers, data, dask)
    statistics = profile.statistics(source.names)
    constraints = suggest_constraints(statistics)
    written = _write_output_set(
        out_dir,
        "baseline",
        {
            STATISTICS_FILE: dump_json(statistics.to_dict()),
            CONSTRAINTS_FILE: dump_json(constraints.to_dict()),
        },
    )
    statistics_uri, constraints_uri = written[STATISTICS_FILE], written[CONSTRAINTS_FILE]
    hints = [hint for hint in (header_read_as_data(source),) if hint]
    return BaselineResult(statistics_uri, constraints_uri, statistics, constraints, hints)


def _write_output_set(out_dir: str | Path, kind: str, texts: dict[str, str]) -> dict[str, str]:
    """Write a job's files into `out_dir` as one set (see `batchops.store.outputs`); each
    file's URI by name."""
    folder = str(out_dir)
    writing = outputs.begin_output(folder, kind, texts)
    entries, uris = [], {}
    try:
        for name, text in texts.items():
            data = text.encode("utf-8")
            uris[name] = artifacts.write_bytes(artifacts.join(folder, name), data)
            entries.append(outputs.entry_for_bytes(name, data))
    except BaseException:
        writing.abandon(touched=bool(entries))
        raise
    writing.finish(entries)
    return uris


def _profile(
    source: MonitoredInput,
    plan: ReadPlan,
    options: dict[str, ColumnOptions],
    workers: int | None,
    data: str | Path,
    dask: str | None,
) -> DatasetProfile:
    # Parts by the files' sizes alone, not by `workers`: the same figures with any workers,
    # here or on Dask.
    parts = reading.split_parts(source.files, MAX_PARTS_PER_FILE)
    address = dask_address(dask)
    if address is None:
        profile = profile_dataset(parts, plan, options, workers)
    else:
        from batchops.monitor.on_dask import profile_parts_on

        with dask_client(
            address, purpose="profiling on Dask (`dask`, BATCHOPS_DASK_ADDRESS)"
        ) as client:
            require_visible(client, address, [file.uri for file in source.files])
            profile = profile_dataset(parts, plan, options, profile_parts=profile_parts_on(client))
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
    dask: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> CheckResult:
    """Check a batch against a baseline; write the batch's statistics, the violations, the
    metrics and an HTML report into `out_dir`.

    `header=None` follows the baseline: features named `_c0`, `_c1`, ... mean headerless data;
    named features mean a header unless the first row names none of them and looks like data.
    With `fail_on_violation`, raise `JobFailed` after writing everything if anything was found.
    `dask`: as for `baseline`. `labels`: the model's names of positional columns, which the
    report shows beside them (`Day Mins (_c8)`); the files keep `_cN`.
    """
    outputs.require_complete_file(statistics, "the baseline statistics")
    outputs.require_complete_file(constraints, "the baseline constraints")
    baseline_statistics, baseline_constraints = _read_baseline(statistics, constraints)
    require_features(baseline_constraints, str(constraints))
    baseline_constraints = _without_ignored(baseline_constraints, ignore_columns, constraints)
    baseline_names = baseline_constraints.names
    source = resolve_input(data, header, ignore_columns, data_format, baseline_names)
    kinds, integers = probe_input(source)
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
    profile = _profile(source, plan, options, workers, data, dask)
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
        labels=labels,
    )
    written = _write_output_set(
        out_dir,
        "check",
        {
            STATISTICS_FILE: dump_json(batch_statistics.to_dict()),
            METRICS_FILE: dump_json(named_metrics(batch_statistics.item_count, metrics)),
            REPORT_FILE: report,
            VIOLATIONS_FILE: dump_json({"violations": [v.to_dict() for v in outcome.violations]}),
        },
    )
    statistics_uri, metrics_uri = written[STATISTICS_FILE], written[METRICS_FILE]
    report_uri, violations_uri = written[REPORT_FILE], written[VIOLATIONS_FILE]
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
        hints=[
            hint
            for hint in (
                header_read_as_data(source),
                column_count_differs(len(baseline_names), source),
            )
            if hint
        ],
    )
    if fail_on_violation:
        result.raise_for_violations()
    return result


def _read_baseline(
    statistics: str | Path, constraints: str | Path
) -> tuple[DatasetStatistics, Constraints]:
    """The baseline's two files; given the other way round, one error that says so."""
    try:
        return read_statistics(statistics), read_constraints(constraints)
    except WrongFile as wrong:
        swapped = wrong.found == CONSTRAINTS and file_kind(load_json(constraints)) == STATISTICS
        if not swapped:
            raise
        raise InvalidInput(
            f"statistics and constraints are swapped: {statistics} is the constraints file and "
            f"{constraints} the statistics file (--statistics takes statistics.json, "
            "--constraints constraints.json)"
        ) from None


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


def violation_summary(result: CheckResult, violations_uri: str | None = None) -> str:
    """One line per violation type, for messages and the CLI."""
    counts = result.violations_by_type()
    found = ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items()))
    features = list(dict.fromkeys(v.feature_name for v in result.violations))
    shown = ", ".join(features[:5]) + (
        f" and {len(features) - 5} more" if len(features) > 5 else ""
    )
    return (
        f"{len(result.violations)} violation(s) in {counted(result.row_count, 'row')} ({found}) "
        f"on {shown}; see {violations_uri or result.violations_uri}"
    )
