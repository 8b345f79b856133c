"""`batchops ground-truth add`, `batchops model-quality`, `batchops lineage prediction`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from batchops.cli.output import JsonFlag, print_json, stdout

ground_truth_app = typer.Typer(
    help="Labels that arrive after the predictions.", no_args_is_help=True
)
lineage_app = typer.Typer(help="Where a prediction came from.", no_args_is_help=True)


@ground_truth_app.command("add")
def add(
    file: Annotated[str, typer.Argument(help="CSV, or SageMaker ground-truth JSON Lines.")],
    id_column: Annotated[str | None, typer.Option("--id-column")] = None,
    label_column: Annotated[str | None, typer.Option("--label-column")] = None,
    positive: Annotated[
        str | None, typer.Option("--positive", help="The positive label's value, e.g. True.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record labels (each upload with its arrival time) for predictions made earlier."""
    from batchops.monitor.ground_truth import add_ground_truth

    added = add_ground_truth(
        file, id_column=id_column, label_column=label_column, positive=positive
    )
    if as_json:
        print_json(added.to_json())
        return
    stdout.print(f"recorded {added.rows:,} labels from {file} at {added.arrived_at}")
    if added.unmatched:
        stdout.print(f"  {added.unmatched:,} of them match no recorded prediction")


def model_quality_command(
    execution_id: Annotated[str | None, typer.Argument(help="A batch-inference execution.")] = None,
    predictions: Annotated[
        str | None, typer.Option("--predictions", help="A transform's output folder instead.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the report files.")] = None,
    constraints: Annotated[
        str | None, typer.Option("--constraints", help="Model-quality constraints to check.")
    ] = None,
    threshold: Annotated[float, typer.Option(help="Probability above which a row is 1.")] = 0.5,
    as_json: JsonFlag = False,
) -> None:
    """Join predictions with their labels; Model Monitor's model-quality statistics and checks."""
    from batchops.registry.quality_measurement import measure_execution

    results = measure_execution(
        execution_id,
        predictions_dir=predictions,
        out_dir=out,
        threshold=threshold,
        constraints_uri=constraints,
    )
    if as_json:
        print_json({role: result.to_json() for role, result in results.items()})
        return
    for role, result in results.items():
        summary = result.summary
        estimate = summary["estimate"]
        stdout.print(
            f"{role}: {summary['labelled']:,} of {summary['predictions']:,} predictions labelled "
            f"({summary['label_coverage']:.1%})"
        )
        for name in ("accuracy", "auc"):
            guess = estimate[name]
            interval = f"[{_f(guess['lower'])}, {_f(guess['upper'])}]"
            line = f"  {name}: estimated {_f(guess['value'])} {interval}"
            if name in summary.get("realised", {}):
                line += f", realised {_f(summary['realised'][name])}"
            stdout.print(line)
        if "prediction_drift" in summary:
            drift = summary["prediction_drift"]
            stdout.print(
                f"  prediction drift (PSI): {drift['psi']:.4f} (threshold {drift['threshold']})"
            )
        for violation in result.violations:
            stdout.print(f"  violation: {violation['description']}")
        if result.out_dir:
            stdout.print(f"  wrote {result.out_dir}")


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


@lineage_app.command("prediction")
def prediction(inference_id: str, as_json: JsonFlag = False) -> None:
    """Which model version, execution, input file and row, and baseline made a prediction."""
    from batchops.registry.prediction_lineage import prediction_lineage

    found = prediction_lineage(inference_id)
    if as_json:
        print_json(found)
        return
    for key, value in found.items():
        stdout.print(f"{key + ':':<18} {value}")


def register(app: typer.Typer) -> None:
    app.add_typer(ground_truth_app, name="ground-truth")
    app.add_typer(lineage_app, name="lineage")
    app.command(name="model-quality")(model_quality_command)
