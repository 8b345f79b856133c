"""How far to trust the label-free estimates: their error against realised quality per chunk.

Run: `PYTHONPATH=src python benchmarks/estimate.py [--nannyml PYTHON] [--chunk 1000]`.

Binary (churn): the churn model as train-and-baseline trains it (XGBoost with the
walkthrough's settings, on 10,000 generated rows), its test split as the reference period,
then chunks of `--chunk` rows: clean batches, batches whose Day Mins are shifted by 0.5 to
3 standard deviations with the labels as they were (a change the model cannot see: concept
drift for it), batches drawn towards high Day Mins (a covariate shift: the labels follow),
and the generator's drifted files (`shift`, `missing`, `new-category`). Regression
(abalone): the example's model, clean chunks and chunks of heavier shells (`--drift shift`).

For each chunk: the realised accuracy and AUC (rmse and mae), our estimate and its band
(`batchops.monitor.estimate`), and NannyML's CBPE (DLE) on the same reference and chunks
when `--nannyml` names a Python that has nannyml installed (it is not a dependency of
batchops). Printed: the mean absolute error of each estimate against the realised figure,
and how often each band held the realised value.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from batchops.examples.abalone.data import NUMERIC as ABALONE_NUMERIC
from batchops.examples.abalone.data import abalone_frame
from batchops.examples.abalone.pipelines import HYPERPARAMETERS as ABALONE_PARAMETERS
from batchops.examples.churn.data import generate_chunk
from batchops.examples.churn.encoding import build_vocabulary, encode
from batchops.examples.churn.pipelines import HYPERPARAMETERS as CHURN_PARAMETERS
from batchops.models.problem_types import BINARY, REGRESSION
from batchops.monitor.estimate import Estimator
from batchops.monitor.reference import Reference

NANNYML_SCRIPT = r"""
import json, sys
import nannyml as nml
import pandas as pd

spec = json.load(open(sys.argv[1]))
reference = pd.read_parquet(spec["reference"])
analysis = pd.read_parquet(spec["analysis"])
if spec["kind"] == "binary":
    estimator = nml.CBPE(
        y_pred_proba="y_pred_proba", y_pred="y_pred", y_true="y_true",
        problem_type="classification_binary", metrics=["accuracy", "roc_auc"],
        chunk_size=spec["chunk"],
    )
    names = {"accuracy": "accuracy", "roc_auc": "auc"}
else:
    estimator = nml.DLE(
        feature_column_names=spec["features"], y_pred="y_pred", y_true="y_true",
        metrics=["mae", "rmse"], chunk_size=spec["chunk"],
    )
    names = {"mae": "mae", "rmse": "rmse"}
estimator.fit(reference)
frame = estimator.estimate(analysis).filter(period="analysis").to_df()
chunks = []
for _, row in frame.iterrows():
    chunks.append({
        ours: {
            "value": float(row[(theirs, "value")]),
            "lower": float(row[(theirs, "lower_confidence_boundary")]),
            "upper": float(row[(theirs, "upper_confidence_boundary")]),
        }
        for theirs, ours in names.items()
    })
print(json.dumps({"version": nml.__version__, "chunks": chunks}))
"""


@dataclass
class Case:
    name: str
    scores: np.ndarray
    labels: np.ndarray
    features: np.ndarray | None = None


@dataclass
class Tally:
    errors: dict[str, list[float]] = field(default_factory=dict)
    held: dict[str, list[bool]] = field(default_factory=dict)

    def add(self, metric: str, estimate: dict[str, float], realised: float) -> None:
        self.errors.setdefault(metric, []).append(abs(estimate["value"] - realised))
        inside = estimate["lower"] <= realised <= estimate["upper"]
        self.held.setdefault(metric, []).append(bool(inside))

    def line(self, metric: str) -> str:
        errors, held = self.errors[metric], self.held[metric]
        return f"MAE {np.mean(errors):.4f}, band held {sum(held)}/{len(held)}"


@dataclass
class Setup:
    """The reference period (as labelled predictions), the chunks, the metrics compared."""

    problem: Any
    reference: Case
    cases: list[Case]
    metrics: list[str]

    def reference_set(self) -> Reference:
        return Reference(self.problem, self.reference.labels, self.reference.scores)


def churn_cases(chunk: int) -> Setup:
    import xgboost

    raw = _text(generate_chunk(0, 0).head(10_000))
    vocabulary = build_vocabulary(raw)
    encoded = encode(raw, vocabulary).to_numpy().astype(np.float64)
    order = np.random.RandomState(1729).permutation(raw.height)
    train, test = order[: int(0.7 * raw.height)], order[int(0.9 * raw.height) :]
    params = {k: v for k, v in CHURN_PARAMETERS.items() if k != "num_round"}
    booster = xgboost.train(
        {**params, "verbosity": 0, "seed": 0},
        xgboost.DMatrix(encoded[train, 1:], label=encoded[train, 0]),
        num_boost_round=int(CHURN_PARAMETERS["num_round"]),
    )

    def scored(frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        table = encode(_text(frame), vocabulary).to_numpy().astype(np.float64)
        return booster.inplace_predict(table[:, 1:]).astype(np.float64), table[:, 0]

    reference = Case("reference", scored(raw[test])[0], encoded[test, 0].astype(np.int8))
    cases = []
    fresh = generate_chunk(5, 0)
    spread = float(fresh.get_column("Day Mins").cast(pl.Float64).std() or 1.0)
    for k in range(4):
        cases.append(Case(f"clean {k + 1}", *scored(fresh.slice(k * chunk, chunk))))
    for k, sd in enumerate((0.5, 1.0, 2.0, 3.0)):
        part = fresh.slice((4 + k) * chunk, chunk)
        moved = part.with_columns(
            (pl.col("Day Mins").cast(pl.Float64) + sd * spread).round(1).cast(pl.String)
        )
        cases.append(Case(f"Day Mins +{sd:g} sd, labels kept", *scored(moved)))
    minutes = fresh.get_column("Day Mins").cast(pl.Float64).to_numpy()
    weights = np.exp((minutes - minutes.mean()) / minutes.std())
    rng = np.random.default_rng(3)
    for k in range(2):
        pick = rng.choice(fresh.height, chunk, replace=False, p=weights / weights.sum())
        cases.append(Case(f"drawn towards high Day Mins {k + 1}", *scored(fresh[np.sort(pick)])))
    from batchops.examples.churn.data import _stream, apply_drift

    for seed, kind in enumerate(("shift", "missing", "new-category"), start=11):
        drifted = apply_drift(generate_chunk(seed, 0).head(chunk), kind, _stream(seed, 0, 1))
        cases.append(Case(f"generator drift {kind}", *scored(drifted)))
    return Setup(BINARY, reference, cases, ["accuracy", "auc"])


def _text(frame: pl.DataFrame) -> pl.DataFrame:
    """Generated rows as a CSV file holds them (text), as the churn encoding reads them."""
    return frame.with_columns(pl.all().cast(pl.String))


def abalone_cases(chunk: int) -> Setup:
    import xgboost

    def table(frame: pl.DataFrame) -> np.ndarray:
        sexes = [(frame["Sex"] == s).cast(pl.Float64).to_numpy() for s in ("F", "I", "M")]
        return np.column_stack([frame.select(ABALONE_NUMERIC).to_numpy(), *sexes])

    data = abalone_frame(10_000, seed=0)
    order = np.random.RandomState(1729).permutation(data.height)
    train, test = order[: int(0.7 * data.height)], order[int(0.9 * data.height) :]
    features = table(data)
    rings = data["Rings"].to_numpy().astype(np.float64)
    params = {k: v for k, v in ABALONE_PARAMETERS.items() if k != "num_round"}
    booster = xgboost.train(
        {**params, "verbosity": 0, "seed": 0},
        xgboost.DMatrix(features[train], label=rings[train]),
        num_boost_round=int(ABALONE_PARAMETERS["num_round"]),
    )

    def case(name: str, frame: pl.DataFrame) -> Case:
        found = table(frame)
        return Case(
            name,
            booster.inplace_predict(found).astype(np.float64),
            frame["Rings"].to_numpy().astype(np.float64),
            found,
        )

    reference = case("reference", data[test])
    cases = [case(f"clean {k + 1}", abalone_frame(chunk, seed=20 + k)) for k in range(4)]
    cases += [
        case(f"heavier shells {k + 1}", abalone_frame(chunk, seed=30 + k, drift="shift"))
        for k in range(4)
    ]
    return Setup(REGRESSION, reference, cases, ["rmse", "mae"])


def nannyml(python: str | None, kind: str, setup: Setup, chunk: int) -> list[dict[str, Any]] | None:
    if not python:
        return None
    with tempfile.TemporaryDirectory(prefix="bench-nannyml-") as folder:
        base = Path(folder)

        def frame(scores: np.ndarray, labels: np.ndarray, features: Any) -> pl.DataFrame:
            columns: dict[str, Any] = {"y_true": labels}
            if kind == "binary":
                columns |= {"y_pred_proba": scores, "y_pred": (scores > 0.5).astype(np.int64)}
            else:
                columns |= {"y_pred": scores}
                columns |= {f"f{i}": features[:, i] for i in range(features.shape[1])}
            return pl.DataFrame(columns)

        reference = setup.reference
        frame(reference.scores, reference.labels, reference.features).write_parquet(
            base / "r.parquet"
        )
        pl.concat([frame(c.scores, c.labels, c.features) for c in setup.cases]).write_parquet(
            base / "a.parquet"
        )
        spec = {
            "kind": kind,
            "reference": str(base / "r.parquet"),
            "analysis": str(base / "a.parquet"),
            "chunk": chunk,
            "features": []
            if reference.features is None
            else [f"f{i}" for i in range(reference.features.shape[1])],
        }
        (base / "spec.json").write_text(json.dumps(spec))
        (base / "run.py").write_text(NANNYML_SCRIPT)
        done = subprocess.run(
            [python, str(base / "run.py"), str(base / "spec.json")],
            capture_output=True,
            text=True,
        )
    if done.returncode != 0:
        print(f"NannyML did not run: {done.stderr.strip().splitlines()[-1:]}")
        return None
    found = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"(NannyML {found['version']})")
    return list(found["chunks"])


def run(kind: str, python: str | None, chunk: int) -> None:
    setup = (churn_cases if kind == "binary" else abalone_cases)(chunk)
    reference, cases, metrics = setup.reference_set(), setup.cases, setup.metrics
    estimator = Estimator.fit(reference)
    theirs = nannyml(python, kind, setup, chunk)
    ours_tally, their_tally = Tally(), Tally()
    print(f"\n{kind}: reference {reference.rows} rows, chunks of {chunk}")
    header = "case".ljust(36) + "".join(
        f"{m + ' realised':>16}{'ours [band]':>28}{'NannyML [band]':>28}" for m in metrics
    )
    print(header)
    for number, case in enumerate(cases):
        found = estimator.estimate(case.scores, case.labels)
        line = case.name.ljust(36)
        for metric in metrics:
            realised = found[metric]["realised"]
            ours = found[metric]
            ours_tally.add(metric, ours, realised)
            line += f"{realised:>16.4f}{_shown(ours):>28}"
            if theirs is not None:
                other = theirs[number][metric]
                their_tally.add(metric, other, realised)
                line += f"{_shown(other):>28}"
            else:
                line += f"{'-':>28}"
        print(line)
    for metric in metrics:
        text = f"{metric}: ours {ours_tally.line(metric)}"
        if theirs is not None:
            text += f"; NannyML {their_tally.line(metric)}"
        print(text)


def _shown(entry: dict[str, float]) -> str:
    return f"{entry['value']:.3f} [{entry['lower']:.3f}, {entry['upper']:.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nannyml", help="A Python interpreter with nannyml installed.")
    parser.add_argument("--chunk", type=int, default=1000)
    arguments = parser.parse_args()
    for kind in ("binary", "regression"):
        run(kind, arguments.nannyml, arguments.chunk)
    sys.exit(0)


if __name__ == "__main__":
    main()
