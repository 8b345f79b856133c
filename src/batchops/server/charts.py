"""Trend lines as SVG points, computed here so the page draws them without a script."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT, PAD = 320, 90, 8
AXIS = 14  # below the plot: the first and the last point's date


@dataclass(frozen=True)
class Trend:
    name: str
    points: str  # "x,y x,y ..." for a <polyline>
    dots: list[tuple[float, float, float, str]]  # x, y, value, execution id
    threshold_y: float | None
    last: float
    above: bool  # the newest value is above the threshold
    start: str = ""  # the first point's date, under the left end of the axis
    end: str = ""  # the last point's date, under the right end
    threshold: float | None = None


def trend(name: str, series: list[dict[str, Any]], threshold: float | None) -> Trend:
    """A polyline of `series` (`value`, `execution_id` and `date` per point, oldest first),
    scaled to fit the threshold too, with the first and last dates for the axis."""
    values = [float(p["value"]) for p in series]
    top = max([*values, threshold or 0.0, 1e-9]) * 1.1
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)

    def y(value: float) -> float:
        return round(HEIGHT - PAD - (value / top) * (HEIGHT - 2 * PAD), 1)

    dots = [
        (round(PAD + i * step, 1), y(v), v, str(p.get("execution_id") or ""))
        for i, (v, p) in enumerate(zip(values, series, strict=True))
    ]
    last = values[-1] if values else 0.0
    return Trend(
        name=name,
        points=" ".join(f"{x},{yy}" for x, yy, _, _ in dots),
        dots=dots,
        threshold_y=y(threshold) if threshold is not None else None,
        last=last,
        above=threshold is not None and last > threshold,
        start=str(series[0].get("date") or "") if series else "",
        end=str(series[-1].get("date") or "") if len(series) > 1 else "",
        threshold=threshold,
    )
