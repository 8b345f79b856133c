"""The model-quality benchmark's measuring function, run small: it joins every label and
measures what the figures say a uniform, calibrated scorer has (AUC 5/6)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "model_quality.py"


def test_benchmark_joins_every_label_and_measures_the_expected_auc() -> None:
    spec = importlib.util.spec_from_file_location("model_quality_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    benchmark = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = benchmark  # dataclasses look their module up there
    try:
        spec.loader.exec_module(benchmark)
    finally:
        sys.modules.pop(spec.name, None)

    figure = benchmark.measure(20_000)

    assert figure.rows == 20_000
    assert figure.label_coverage == 1.0
    assert abs(figure.auc - 5 / 6) < 0.02
    assert figure.seconds > 0
