"""A dataset as a monitoring job reads it: its files, one layout for all of them, and which
column is which feature.

Files, formats and the header rule come from `batchops.data`; what is the monitor's own is
how a batch's columns are matched to a baseline's features.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from batchops.data.csv import headerless_names, sniff_header
from batchops.data.files import DataFile, check_format, list_data_files
from batchops.data.formats import CSV
from batchops.errors import InvalidInput
from batchops.monitor.constraints import looks_headerless
from batchops.monitor.reading import Layout, probe_types, read_layout


@dataclass
class MonitoredInput:
    """A dataset resolved to files, a layout and the columns to read."""

    files: list[DataFile]
    layout: Layout
    included: list[str]
    names: dict[str, str]
    """Physical column name → feature name."""


def resolve_input(
    data: str | Path,
    header: bool | None,
    ignore_columns: Sequence[str],
    data_format: str | None,
    baseline_names: list[str] | None,
) -> MonitoredInput:
    """The files of `data`, their common layout (header or not, column names) and the columns
    to profile, named as the baseline (`baseline_names`, when checking) names them."""
    files = list_data_files(data, data_format)
    for file in files:
        check_format(file)
    first = files[0]
    if header is None:
        header = _has_header(first, baseline_names)
    layout = read_layout(first, header)
    for file in files[1:]:
        other = read_layout(file, header)
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
    return MonitoredInput(files, layout, included, names)


def _has_header(file: DataFile, baseline_names: list[str] | None) -> bool:
    """Whether a CSV file starts with a header, when the caller did not say.

    A baseline of headerless data means headerless batches. A baseline with names means a
    header, unless the first row names none of the baseline's features and looks like data:
    batch-transform inputs usually come without one, also when the baseline had one.
    """
    if file.format != CSV:
        return True
    if baseline_names is None:
        return sniff_header(file)
    if looks_headerless(baseline_names):
        return False
    return sniff_header(file, known_names=baseline_names)


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
    positional = headerless_names(len(included))
    if baseline_names is None:
        return dict(zip(included, included if header else positional, strict=True))
    if looks_headerless(baseline_names):
        return dict(zip(included, positional, strict=True))
    if not header:
        by_position = baseline_names if len(baseline_names) == len(included) else positional
        return dict(zip(included, by_position, strict=True))
    return {name: name for name in included}


def probe_input(source: MonitoredInput) -> tuple[dict[str, str], set[str]]:
    """Each column's kind (`number` or `text`) from the first file's first block, and which
    number columns held only integers there."""
    return probe_types(source.files[0], source.layout)
