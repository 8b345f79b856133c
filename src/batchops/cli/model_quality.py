"""`batchops ground-truth add`, `batchops model-quality`, `batchops lineage prediction`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

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
    dataset: Annotated[
        str | None,
        typer.Option(
            "--dataset",
            help="A CSV/Parquet file or folder holding predictions and labels (Model Monitor's "
            "model-quality baseline dataset) instead.",
        ),
    ] = None,
    problem_type: Annotated[
        str | None,
        typer.Option(
            "--problem-type",
            help="Regression, BinaryClassification or MulticlassClassification (default for an "
            "execution: the model version's).",
        ),
    ] = None,
    inference_attribute: Annotated[
        str | None,
        typer.Option(
            "--inference-attribute", help="--dataset: the predicted value or class column."
        ),
    ] = None,
    probability_attribute: Annotated[
        str | None,
        typer.Option(
            "--probability-attribute",
            help="--dataset: the probability column (binary), or the prefix of one "
            "PREFIX_<class> column per class (multiclass).",
        ),
    ] = None,
    ground_truth_attribute: Annotated[
        str | None,
        typer.Option("--ground-truth-attribute", help="--dataset: the label column."),
    ] = None,
    reference: Annotated[
        str | None,
        typer.Option(
            "--reference",
            help="--dataset: labelled predictions of the reference period, same columns: the "
            "estimate (with its error beside it) and prediction drift.",
        ),
    ] = None,
    positive: Annotated[
        str | None,
        typer.Option("--positive", help="--dataset: the positive label's value, e.g. True."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the report files.")] = None,
    constraints: Annotated[
        str | None, typer.Option("--constraints", help="Model-quality constraints to check.")
    ] = None,
    fail_on_violation: Annotated[
        bool,
        typer.Option(
            "--fail-on-violation", help="Exit 1 when a violation is found (files are written)."
        ),
    ] = False,
    threshold: Annotated[float, typer.Option(help="Probability above which a row is 1.")] = 0.5,
    chunk_size: Annotated[
        int | None,
        typer.Option("--chunk-size", min=1, help="Also estimate each chunk of N predictions."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Model Monitor's model-quality statistics, constraints and checks: of an execution's
    predictions joined with their labels, or of a dataset holding both."""
    results = _measure(
        execution_id,
        predictions=predictions,
        dataset=dataset,
        problem_type=problem_type,
        attributes=(inference_attribute, probability_attribute, ground_truth_attribute),
        reference=reference,
        positive=positive,
        out=out,
        constraints=constraints,
        threshold=threshold,
        chunk_size=chunk_size,
    )
    if as_json:
        print_json({role: result.to_json() for role, result in results.items()})
    else:
        for role, result in results.items():
            _print_result(role, result)
    found = [v for result in results.values() for v in result.violations]
    if fail_on_violation and found:
        from batchops.errors import JobFailed

        raise JobFailed(f"{len(found)} model-quality violation(s): {found[0]['description']}")


def _measure(
    execution_id: str | None,
    *,
    predictions: str | None,
    dataset: str | None,
    problem_type: str | None,
    attributes: tuple[str | None, str | None, str | None],
    reference: str | None,
    positive: str | None,
    out: Path | None,
    constraints: str | None,
    threshold: float,
    chunk_size: int | None,
) -> dict[str, Any]:
    from batchops.errors import InvalidInput

    inference, probability, ground_truth = attributes
    if dataset is None:
        if reference or positive or any(attributes):
            raise InvalidInput(
                "--inference-attribute, --probability-attribute, --ground-truth-attribute, "
                "--reference and --positive go with --dataset"
            )
        from batchops.registry.quality_measurement import measure_execution

        return measure_execution(
            execution_id,
            predictions_dir=predictions,
            out_dir=out,
            threshold=threshold,
            constraints_uri=constraints,
            problem=problem_type,
            chunk_size=chunk_size,
        )
    if execution_id is not None or predictions is not None:
        raise InvalidInput("give an execution id, --predictions or --dataset, one of them")
    if not problem_type or not ground_truth or out is None:
        raise InvalidInput("--dataset needs --problem-type, --ground-truth-attribute and --out")
    from batchops.models.problem_types import problem_type as named
    from batchops.monitor.model_quality import measure_dataset

    result = measure_dataset(
        dataset,
        named(problem_type),
        ground_truth_attribute=ground_truth,
        inference_attribute=inference,
        probability_attribute=probability,
        out_dir=out,
        constraints_uri=constraints,
        reference_uri=reference,
        threshold=threshold,
        positive=positive,
        chunk_size=chunk_size,
    )
    return {"dataset": result}


def _print_result(role: str, result: Any) -> None:
    from batchops.monitor.model_quality import HEADLINE

    summary = result.summary
    estimate = summary.get("estimate") or {}
    realised = summary.get("realised", {})
    stdout.print(
        f"{role} ({summary['problem_type']}): {summary['labelled']:,} of "
        f"{summary['predictions']:,} predictions labelled ({summary['label_coverage']:.1%})"
    )
    for name in HEADLINE[summary["problem_type"]]:
        guess = estimate.get(name)
        parts = []
        if guess:
            parts.append(
                f"estimated {_f(guess['value'])} [{_f(guess['lower'])}, {_f(guess['upper'])}]"
            )
        if name in realised:
            parts.append(f"realised {_f(realised[name])}")
        if guess and guess.get("error") is not None:
            parts.append(f"estimate error {guess['error']:+.4f}")
        if parts:
            stdout.print(f"  {name}: " + ", ".join(parts))
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
