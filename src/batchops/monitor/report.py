"""`report.html`: one self-contained page a person reads to see what changed in a batch.

A summary (rows, violations by type, the violations themselves), then a card per feature with
the baseline's and the batch's distributions drawn together: histogram and CDF for numbers,
bars for categories; the distance and its threshold; cards with violations come first and are
marked. Plots are inline SVG and styles inline CSS: the file opens anywhere, offline.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import numpy as np

from batchops.monitor.checks import (
    BASELINE_DRIFT_CHECK,
    CATEGORICAL_VALUES_CHECK,
    CHECK_TYPES,
    COMPLETENESS_CHECK,
    DATA_TYPE_CHECK,
    EXTRA_COLUMN_CHECK,
    EXTRA_COLUMNS,
    MISSING_COLUMN_CHECK,
    MISSING_COLUMNS,
    CheckOutcome,
    FeatureResult,
)
from batchops.monitor.constraints import ROBUST
from batchops.monitor.profiling import ColumnProfile
from batchops.monitor.sketches import QuantileSketch
from batchops.monitor.statistics import DatasetStatistics, FeatureStatistics
from batchops.monitor.types import NUMERIC
from batchops.wording import feature_title

BASELINE_COLOUR = "#4c72b0"
BATCH_COLOUR = "#dd8452"
ALERT_COLOUR = "#c0392b"
HISTOGRAM_BINS = 24
MAX_CATEGORIES = 12

_STYLE = """
*{box-sizing:border-box}
body{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;margin:0;
background:#f3f4f7;color:#1f2430;line-height:1.45}
header{background:#1f2430;color:#fff;padding:20px 32px}
header h1{margin:0 0 6px;font-size:22px}
header p{margin:2px 0;color:#c9cdd6;font-size:13px;word-break:break-all}
header b{color:#fff;font-weight:600}
main{padding:20px 32px 40px;max-width:1240px}
.tiles{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:6px}
.tile{background:#fff;border-radius:8px;padding:12px 16px;min-width:160px;
box-shadow:0 1px 2px rgba(0,0,0,.08)}
.tile .v{font-size:26px;font-weight:650}.tile .k{font-size:12px;color:#667}
.tile.bad .v{color:#c0392b}.tile.good .v{color:#1e8449}
.chips{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0 4px}
.chip{font-size:12px;padding:4px 10px;border-radius:14px;background:#e8f5ec;color:#1e6b3a}
.chip b{font-size:13px;margin-left:4px}.chip.bad{background:#fbe4e1;color:#9b2c20}
table.list{border-collapse:collapse;width:100%;background:#fff;border-radius:8px;
overflow:hidden;box-shadow:0 1px 2px rgba(0,0,0,.08);font-size:13px}
table.list th,table.list td{text-align:left;padding:7px 10px;border-bottom:1px solid #eceef2;
vertical-align:top}
table.list th{background:#fafbfc;font-weight:600}
table.list td:first-child{white-space:nowrap;font-weight:600}
table.list td:nth-child(2){white-space:nowrap;color:#9b2c20}
a{color:#1f5f99;text-decoration:none}a:hover{text-decoration:underline}
h2{font-size:17px;margin:26px 0 10px}
h2 small{font-weight:400;color:#667;font-size:13px;margin-left:6px}
.legend{font-size:12px;color:#556;margin:-4px 0 10px}
.legend span{display:inline-block;width:11px;height:11px;margin:0 4px -1px 12px;
border-radius:2px}
.legend span.gap{width:14px;height:0;border-top:2px dashed #c0392b;border-radius:0;
margin-bottom:3px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:14px}
.card{background:#fff;border-radius:8px;padding:12px 16px 14px;
box-shadow:0 1px 2px rgba(0,0,0,.08);border-left:5px solid #2e86c1}
.card.alert{border-left-color:#c0392b;background:#fffbfa}
.card.missing{border-left-color:#7f8c8d}
.card h3{margin:0 0 2px;font-size:16px}
.types{font-size:12px;color:#556;margin:0 0 6px}
.badge{display:inline-block;font-size:11px;font-weight:500;padding:1px 8px;border-radius:9px;
margin-left:6px;background:#c0392b;color:#fff;vertical-align:middle}
table.checks{border-collapse:collapse;font-size:12px;margin:2px 0 8px}
table.checks td,table.checks th{padding:2px 22px 2px 0;text-align:left}
table.checks th{font-weight:500;color:#778;font-size:11px}
table.checks td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
table.checks td.mark{width:16px;font-weight:700}
tr.pass td.mark{color:#1e8449}tr.fail td{color:#9b2c20}tr.fail td.mark{color:#c0392b}
tr.fail td:nth-child(2){font-weight:650}tr.off td{color:#889}
.note{font-size:12px;color:#556;margin:4px 0}
.why{font-size:12px;color:#9b2c20;margin:6px 0 0;padding:6px 8px;background:#fdf0ee;
border-radius:5px}
.plots{display:flex;gap:8px;max-width:640px}
svg.bars{width:100%;max-width:600px;height:auto;display:block}
svg text{font-family:inherit}
"""


def render_report(
    outcome: CheckOutcome,
    baseline: DatasetStatistics,
    batch: DatasetStatistics,
    columns: Mapping[str, ColumnProfile],
    *,
    data: str,
    baseline_uri: str,
    labels: Mapping[str, str] | None = None,
) -> str:
    """The whole HTML page as text. `labels`: the model's names of positional columns, shown
    with the column beside them (`Day Mins (_c8)`)."""
    named = dict(labels or {})
    counts = {kind: 0 for kind in CHECK_TYPES}
    for violation in outcome.violations:
        counts[violation.constraint_check_type] += 1
    total = len(outcome.violations)
    anchors = {feature.name: f"f{index}" for index, feature in enumerate(outcome.features)}
    reported = {v.constraint_check_type for v in outcome.violations}
    flagged = [f for f in outcome.features if f.violations or f.status != "checked"]
    passed = [f for f in outcome.features if not (f.violations or f.status != "checked")]
    links = dict(anchors)  # the column-count violations link to the first column they name
    for label, status in ((MISSING_COLUMNS, "missing"), (EXTRA_COLUMNS, "extra")):
        first = next((f for f in outcome.features if f.status == status), None)
        if first is not None:
            links[label] = anchors[first.name]
    with_violations = sum(
        1
        for f in outcome.features
        if f.violations
        or (f.status == "missing" and MISSING_COLUMN_CHECK in reported)
        or (f.status == "extra" and EXTRA_COLUMN_CHECK in reported)
    )
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>Data quality: {_e(data)}</title><style>{_STYLE}</style></head><body>",
        "<header><h1>Data quality report</h1>",
        f"<p>Batch <b>{_e(data)}</b></p><p>checked against the baseline {_e(baseline_uri)}</p>",
        f"<p>{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}</p></header><main>",
        "<div class='tiles'>",
        _tile("violations", str(total), "bad" if total else "good"),
        _tile(
            "features with violations",
            f"{with_violations} of {len(outcome.features)}",
            "bad" if with_violations else "good",
        ),
        _tile("rows in the batch", f"{batch.item_count:,}"),
        _tile("rows in the baseline", f"{baseline.item_count:,}"),
        _tile(
            "columns (batch / baseline)",
            f"{outcome.batch_column_count} / {outcome.baseline_column_count}",
            "bad" if outcome.batch_column_count != outcome.baseline_column_count else "",
        ),
        "</div>",
        _violation_summary(outcome, counts, links, named),
    ]
    legend = (
        "<p class='legend'>"
        f"<span style='background:{BASELINE_COLOUR}'></span>baseline"
        f"<span style='background:{BATCH_COLOUR}'></span>this batch"
        "<span class='gap'></span>largest gap between the CDFs (the drift distance)</p>"
    )
    for title, features in (
        ("Features with violations, missing or extra", flagged),
        ("Features that pass", passed),
    ):
        if not features:
            continue
        parts.append(f"<h2>{title}<small>{len(features)}</small></h2>{legend}<div class='cards'>")
        for feature in features:
            parts.append(
                _card(
                    feature,
                    anchors[feature.name],
                    reported,
                    baseline.feature(feature.name),
                    batch.feature(feature.name),
                    columns.get(feature.name),
                    named,
                )
            )
        parts.append("</div>")
    parts.append("</main></body></html>")
    return "".join(parts)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _tile(label: str, value: str, tone: str = "") -> str:
    return (
        f"<div class='tile {tone}'><div class='v'>{_e(value)}</div>"
        f"<div class='k'>{_e(label)}</div></div>"
    )


def _violation_summary(
    outcome: CheckOutcome,
    counts: Mapping[str, int],
    anchors: Mapping[str, str],
    labels: dict[str, str],
) -> str:
    chips = "".join(
        f"<span class='chip{' bad' if n else ''}'>{_e(kind)}<b>{n}</b></span>"
        for kind, n in counts.items()
    )
    parts = ["<h2>Violations by check</h2>", f"<div class='chips'>{chips}</div>"]
    if outcome.violations:
        rows = []
        for v in outcome.violations:
            anchor = anchors.get(v.feature_name)
            title = _e(feature_title(v.feature_name, labels))
            name = f"<a href='#{anchor}'>{title}</a>" if anchor else title
            rows.append(
                f"<tr><td>{name}</td><td>{_e(v.constraint_check_type)}</td>"
                f"<td>{_e(v.description)}</td></tr>"
            )
        parts.append(
            "<h2>Violations</h2><table class='list'><tr><th>feature</th><th>check</th>"
            f"<th>description</th></tr>{''.join(rows)}</table>"
        )
    return "".join(parts)


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _check_rows(result: FeatureResult) -> list[tuple[str, str, str, str]]:
    """(check type, what was measured, what is required, how that compares) per check run."""
    violated = {v.constraint_check_type for v in result.violations}

    def state(kind: str, fits: bool) -> str:
        return "fail" if kind in violated else ("pass" if fits else "off")

    rows = []
    if result.type_share is not None and result.type_threshold is not None:
        rows.append(
            (
                "data type",
                f"{_share(result.type_share)} {_e(result.baseline_type or '')}",
                f"≥ {_share(result.type_threshold)}",
                state(DATA_TYPE_CHECK, result.type_share >= result.type_threshold),
            )
        )
    if result.completeness is not None and result.completeness_threshold is not None:
        required = f"≥ {_share(result.completeness_threshold)}"
        if result.required_completeness is not None and (
            result.completeness_threshold < result.required_completeness
        ):
            required += f" (baseline {_share(result.required_completeness)} less noise)"
        rows.append(
            (
                "completeness",
                _share(result.completeness),
                required,
                state(
                    COMPLETENESS_CHECK,
                    result.completeness >= result.completeness_threshold - 1e-12,
                ),
            )
        )
    if result.domain_share is not None and result.domain_threshold is not None:
        rows.append(
            (
                "in the domain",
                _share(result.domain_share),
                f"≥ {_share(result.domain_threshold)}",
                state(CATEGORICAL_VALUES_CHECK, result.domain_share >= result.domain_threshold),
            )
        )
    if result.drift is not None and result.drift_threshold is not None:
        measured = f"{result.drift.value:.3f}"
        if result.drift.method == ROBUST:
            measured += f" (plain {result.drift.simple:.3f})"
        rows.append(
            (
                f"drift, {_e(result.drift.method)} L∞",
                measured,
                f"≤ {result.drift_threshold:g}",
                state(BASELINE_DRIFT_CHECK, result.drift.value <= result.drift_threshold),
            )
        )
    return rows


def _card(
    result: FeatureResult,
    anchor: str,
    reported: set[str],
    baseline: FeatureStatistics | None,
    batch: FeatureStatistics | None,
    column: ColumnProfile | None,
    labels: dict[str, str],
) -> str:
    column_check = {"missing": MISSING_COLUMN_CHECK, "extra": EXTRA_COLUMN_CHECK}.get(result.status)
    kinds = [v.constraint_check_type for v in result.violations]
    if column_check is not None and column_check in reported:
        kinds.append(column_check)
    tone = "alert" if kinds else ("missing" if result.status != "checked" else "")
    badges = "".join(f"<span class='badge'>{_e(kind)}</span>" for kind in kinds)
    if result.status == "missing":
        types = f"<b>missing from this batch</b> · {_e(result.baseline_type)} in the baseline"
    elif result.status == "extra":
        types = f"<b>not in the baseline</b> · {_e(result.batch_type)} in this batch"
    elif result.baseline_type == result.batch_type:
        types = f"{_e(result.baseline_type)}"
    else:
        types = (
            f"{_e(result.baseline_type)} in the baseline, "
            f"<b>{_e(result.batch_type)}</b> in this batch"
        )
    rows = _check_rows(result)
    table = ""
    if rows:
        body = "".join(
            f"<tr class='{status}'><td class='mark'>{_MARKS[status]}</td><td>{check}</td>"
            f"<td class='num'>{measured}</td><td class='num'>{required}</td></tr>"
            for check, measured, required, status in rows
        )
        table = (
            "<table class='checks'><tr><th></th><th>check</th><th>this batch</th>"
            f"<th>required</th></tr>{body}</table>"
        )
    outside = ""
    if result.unknown_values:
        listed = ", ".join(f"'{_e(value)}' ({count:,})" for value, count in result.unknown_values)
        outside = f"<p class='note'>Values outside the domain: {listed}</p>"
    why = "".join(f"<p class='why'>{_e(v.description)}</p>" for v in result.violations)
    plot = _plot(result, baseline, batch, column)
    title = _e(feature_title(result.name, labels))
    return (
        f"<section class='card {tone}' id='{anchor}'><h3>{title}{badges}</h3>"
        f"<p class='types'>{types}</p>{table}{plot}{outside}{why}</section>"
    )


_MARKS = {"pass": "✓", "fail": "✗", "off": "–"}


def _plot(
    result: FeatureResult,
    baseline: FeatureStatistics | None,
    batch: FeatureStatistics | None,
    column: ColumnProfile | None,
) -> str:
    base_sketch = baseline.numerical.sketch if baseline and baseline.numerical else None
    batch_sketch = column.quantile_sketch() if column is not None else None
    numeric = base_sketch is not None or (
        baseline is None and column is not None and column.inferred_type in NUMERIC
    )
    if numeric and ((base_sketch is not None and base_sketch.count) or batch_sketch is not None):
        return _numeric_plots(base_sketch, batch_sketch)
    base_counts = (
        {c.value: c.count for c in baseline.string.categories}
        if baseline is not None and baseline.string is not None and baseline.string.categories
        else {}
    )
    batch_counts: dict[str, float] = (
        {k: float(v) for k, v in column.categories.items()} if column is not None else {}
    )
    batch_total = float(column.types.present) if column is not None else 0.0
    if base_counts or batch_counts:
        return _category_plot(base_counts, batch_counts, batch_total)
    distinct = batch.string.distinct_count if batch is not None and batch.string else None
    if distinct:
        return (
            f"<p class='note'>About {distinct:,.0f} distinct values: too many to list, so "
            "neither side keeps a distribution (as Model Monitor does).</p>"
        )
    return "<p class='note'>No distribution to draw.</p>"


def _numeric_plots(base: QuantileSketch | None, batch: QuantileSketch | None) -> str:
    sketches = [s for s in (base, batch) if s is not None and s.count]
    low = min(float(s.items[0]) for s in sketches)
    high = max(float(s.items[-1]) for s in sketches)
    if high <= low:
        high = low + 1.0
    edges = np.linspace(low, high, HISTOGRAM_BINS + 1)
    series = []
    for sketch, colour in ((base, BASELINE_COLOUR), (batch, BATCH_COLOUR)):
        if sketch is None or not sketch.count:
            continue
        below = sketch.rank(edges, inclusive=False)
        below[-1] = sketch.count
        series.append((sketch, colour, np.diff(below) / sketch.count))
    return (
        "<div class='plots'>"
        + _histogram_svg(edges, [(c, d) for _, c, d in series])
        + _cdf_svg(low, high, [(s, c) for s, c, _ in series])
        + "</div>"
    )


_W, _H, _PAD_L, _PAD_B, _PAD_T, _PAD_R = 260, 160, 36, 22, 16, 8
_SVG_STYLE = "flex:1 1 0;min-width:0;width:50%;height:auto"


def _frame(title: str, low: float, high: float, top: float, fmt_y: str = "{:.0%}") -> str:
    inner_w, inner_h = _W - _PAD_L - _PAD_R, _H - _PAD_T - _PAD_B
    parts = [
        f"<rect x='{_PAD_L}' y='{_PAD_T}' width='{inner_w}' height='{inner_h}' fill='#fbfbfd' "
        "stroke='#dde1e7'/>",
        f"<text x='{_PAD_L}' y='{_PAD_T - 5}' font-size='10' fill='#667'>{_e(title)}</text>",
        f"<text x='{_PAD_L}' y='{_H - 6}' font-size='9' fill='#556'>{_e(_fmt(low))}</text>",
        f"<text x='{_W - _PAD_R}' y='{_H - 6}' font-size='9' fill='#556' "
        f"text-anchor='end'>{_e(_fmt(high))}</text>",
        f"<text x='{_PAD_L + inner_w / 2:.1f}' y='{_H - 6}' font-size='9' fill='#556' "
        f"text-anchor='middle'>{_e(_fmt((low + high) / 2))}</text>",
        f"<text x='{_PAD_L - 3}' y='{_PAD_T + 8}' font-size='9' fill='#556' "
        f"text-anchor='end'>{_e(fmt_y.format(top))}</text>",
        f"<text x='{_PAD_L - 3}' y='{_H - _PAD_B}' font-size='9' fill='#556' "
        "text-anchor='end'>0</text>",
    ]
    return "".join(parts)


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _histogram_svg(edges: np.ndarray, series: Sequence[tuple[str, np.ndarray]]) -> str:
    inner_w, inner_h = _W - _PAD_L - _PAD_R, _H - _PAD_T - _PAD_B
    top = max((float(d.max()) for _, d in series), default=1.0) or 1.0
    bins = len(edges) - 1
    width = inner_w / bins
    shapes = []
    for index, (colour, density) in enumerate(series):
        offset = width * (0.08 + 0.42 * index) if len(series) > 1 else width * 0.1
        bar_w = width * (0.42 if len(series) > 1 else 0.8)
        for i, share in enumerate(density):
            h = inner_h * float(share) / top
            x = _PAD_L + i * width + offset
            y = _PAD_T + inner_h - h
            shapes.append(
                f"<rect x='{x:.1f}' y='{y:.1f}' width='{bar_w:.1f}' height='{h:.1f}' "
                f"fill='{colour}' opacity='0.85'/>"
            )
    return (
        f"<svg viewBox='0 0 {_W} {_H}' style='{_SVG_STYLE}' role='img' "
        "aria-label='histogram'>"
        + _frame("histogram", float(edges[0]), float(edges[-1]), top)
        + "".join(shapes)
        + "</svg>"
    )


def _cdf_svg(low: float, high: float, series: Sequence[tuple[QuantileSketch, str]]) -> str:
    inner_w, inner_h = _W - _PAD_L - _PAD_R, _H - _PAD_T - _PAD_B
    points = np.linspace(low, high, 121)

    def x_of(value: float) -> float:
        return _PAD_L + inner_w * (value - low) / (high - low)

    def y_of(share: float) -> float:
        return _PAD_T + inner_h * (1.0 - share)

    lines = []
    curves = []
    for sketch, colour in series:
        cdf = sketch.cdf(points)
        curves.append(cdf)
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x_of(float(p)):.1f},{y_of(float(c)):.1f}"
            for i, (p, c) in enumerate(zip(points, cdf, strict=True))
        )
        lines.append(f"<path d='{path}' fill='none' stroke='{colour}' stroke-width='2'/>")
    if len(curves) == 2:
        gaps = np.abs(curves[0] - curves[1])
        at = int(np.argmax(gaps))
        if gaps[at] > 0:
            x = x_of(float(points[at]))
            lines.append(
                f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{y_of(float(curves[0][at])):.1f}' "
                f"y2='{y_of(float(curves[1][at])):.1f}' stroke='{ALERT_COLOUR}' "
                "stroke-width='2' stroke-dasharray='3,2'/>"
            )
    return (
        f"<svg viewBox='0 0 {_W} {_H}' style='{_SVG_STYLE}' role='img' aria-label='CDF'>"
        + _frame("cumulative share (CDF)", low, high, 1.0)
        + "".join(lines)
        + "</svg>"
    )


def _category_plot(
    baseline: Mapping[str, float], batch: Mapping[str, float], batch_total: float
) -> str:
    base_total = float(sum(baseline.values())) or 1.0
    batch_total = batch_total or float(sum(batch.values())) or 1.0
    shares = {
        key: (baseline.get(key, 0.0) / base_total, batch.get(key, 0.0) / batch_total)
        for key in set(baseline) | set(batch)
    }
    ordered = sorted(shares.items(), key=lambda item: (-max(item[1]), item[0]))
    shown = ordered[:MAX_CATEGORIES]
    hidden = len(ordered) - len(shown)
    row_h, label_w, width = 16, 150, 540
    bar_area = width - label_w - 96
    top = max((max(pair) for _, pair in shown), default=1.0) or 1.0
    height = row_h * len(shown) + 10 + (14 if hidden else 0)
    parts = [
        f"<svg viewBox='0 0 {width} {height}' class='bars' role='img' aria-label='categories'>"
    ]
    for row, (key, (base_share, batch_share)) in enumerate(shown):
        y = 4 + row * row_h
        new = key not in baseline and baseline
        label = key if len(key) <= 22 else key[:20] + "…"
        colour = ALERT_COLOUR if new else "#1f2430"
        parts.append(
            f"<text x='{label_w - 6}' y='{y + 11}' font-size='11' text-anchor='end' "
            f"fill='{colour}'>{_e(label)}{' (new)' if new else ''}</text>"
        )
        for index, (share, fill) in enumerate(
            ((base_share, BASELINE_COLOUR), (batch_share, BATCH_COLOUR))
        ):
            w = bar_area * share / top
            parts.append(
                f"<rect x='{label_w}' y='{y + 1 + index * 7}' width='{w:.1f}' height='6' "
                f"fill='{fill}'/>"
            )
        parts.append(
            f"<text x='{label_w + bar_area + 4}' y='{y + 11}' font-size='10' fill='#556'>"
            f"{base_share:.1%} → {batch_share:.1%}</text>"
        )
    if hidden:
        parts.append(
            f"<text x='{label_w}' y='{height - 3}' font-size='10' fill='#667'>"
            f"and {hidden} more categories</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
