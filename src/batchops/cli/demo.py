"""`batchops demo`: the whole story on embedded defaults, from synthetic data to predictions.

Generates churn data, runs train-and-baseline, approves the new model version (recorded as
done by the demo), scores a fresh batch with batch-inference, then scores a drifted batch to
show a violation report. Everything lands under BATCHOPS_HOME.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from batchops.cli.output import stdout, styled
from batchops.store.statuses import ExecutionStatus
from batchops.wording import counted

if TYPE_CHECKING:
    from batchops.runtime.summary import ExecutionSummary
    from batchops.store.execution_records import ExecutionRecord, StepRecord


def register(app: typer.Typer) -> None:
    app.command()(demo)


def demo(
    rows: Annotated[int, typer.Option(help="Rows of training data to generate.")] = 5000,
    batch_rows: Annotated[int, typer.Option(help="Rows of each scoring batch.")] = 1000,
) -> None:
    """Synthetic data, train-and-baseline, approval, then batch-inference twice; a summary."""
    import os

    from batchops.examples.churn.data import write_churn_csv
    from batchops.examples.churn.pipelines import (
        batch_inference_pipeline,
        example_dir,
        train_and_baseline_pipeline,
    )
    from batchops.settings import get_settings
    from batchops.store.db import display_url

    os.environ.setdefault("BATCHOPS_USER", "batchops-demo")
    settings = get_settings()
    folder = example_dir()
    stdout.rule(styled(("batchops demo", "bold")))
    stdout.print(
        f"home: {settings.home}\ndatabase: {display_url(settings.db_url)}\n"
        f"artifacts: {settings.artifacts}"
    )

    raw = write_churn_csv(folder / f"churn-{rows}.csv", rows, seed=0)
    stdout.print(
        styled("\n", ("1. data", "bold"), f": {rows} synthetic customer-churn rows -> {raw}")
    )

    stdout.print(styled("\n", ("2. train-and-baseline", "bold")))
    # The definitions the example provides, so the demo stores no version of its own.
    training, summary = _run(train_and_baseline_pipeline(), {"InputData": str(raw)})
    registered = summary.registered[0]

    from batchops import registry

    registry.update_status(
        registered.group,
        registered.version,
        "Approved",
        reason="approved by batchops demo",
        user=settings.user,
    )
    stdout.print(styled("\n", ("3. approve", "bold"), f": {registered.ref} -> Approved"))

    vocabulary = Path(_output(training.step("PrepareData"), "vocabulary")) / "vocabulary.json"
    fresh = _prepared_batch(folder, "fresh", batch_rows, seed=1, drift=None, vocabulary=vocabulary)
    stdout.print(styled("\n", ("4. batch-inference", "bold"), f" on a fresh batch: {fresh}"))
    _show_sample(*_run(batch_inference_pipeline(), {"InputData": str(fresh)}))

    drifted = _prepared_batch(
        folder, "drifted", batch_rows, seed=2, drift="shift", vocabulary=vocabulary
    )
    since = _watch_drift(raw)
    stdout.print(styled("\n", ("5. batch-inference", "bold"), f" on a drifted batch: {drifted}"))
    _show_sample(*_run(batch_inference_pipeline(), {"InputData": str(drifted)}))
    _close_the_loop(since)
    stdout.rule(styled(("done", "bold")))
    _print_next_steps()


def _print_next_steps() -> None:
    """What to run next, one command per line, and how to reach `batchops` when the shell
    cannot find it (after `make demo`, it is in the project's venv)."""
    folder = _unreachable_bin()
    if folder is not None:
        activate = folder / "activate"
        how = f"`. {activate}` first, or call " if activate.exists() else "call "
        stdout.print(f"batchops is not on your PATH: {how}{folder / 'batchops'}")
    stdout.print("Try:")
    for command in (
        "batchops execution list",
        "batchops registry versions customer-churn",
        f"batchops rule history {RETRAIN_RULE}",
        "batchops server --no-auth        # then open http://127.0.0.1:8080/",
    ):
        stdout.print(f"  {command}")


def _unreachable_bin() -> Path | None:
    """The folder of this installation's `batchops` when the shell would not find it by its
    name (relative to the working folder when inside it), else None."""
    import shutil
    import sys

    folder = Path(sys.executable).parent
    command = folder / "batchops"
    if not command.exists():
        return None
    found = shutil.which("batchops")
    if found is not None and Path(found).samefile(command):
        return None
    with contextlib.suppress(ValueError):
        return folder.relative_to(Path.cwd())
    return folder


RETRAIN_RULE = "demo-retrain-on-drift"


def _watch_drift(training_data: Path) -> int:
    """The rule that closes the loop: violations in batch-inference retrain on the labelled
    training file (the drifted batch itself has no labels); the log position before it."""
    from batchops.errors import NotFound
    from batchops.events.rules import create_rule, delete_rule
    from batchops.store.events import last_position

    with contextlib.suppress(NotFound):
        delete_rule(RETRAIN_RULE)
    create_rule(
        RETRAIN_RULE,
        "DataQualityViolations",
        filters={"pipeline": "batch-inference"},
        start="train-and-baseline",
        parameters={"InputData": str(training_data)},
    )
    stdout.print(
        styled(
            "\n",
            ("rule", "bold"),
            f" {RETRAIN_RULE}: on DataQualityViolations in batch-inference -> start "
            f"train-and-baseline -p InputData={training_data}",
        )
    )
    return last_position()


def _close_the_loop(since: int) -> None:
    """One scheduler pass: the violations start retraining; then the trail of events."""
    from batchops.events.scheduler import run_once
    from batchops.store.events import read_events

    stdout.print(styled("\n", ("6. scheduler --once", "bold"), ": rules act on what happened"))
    report = run_once()
    stdout.print(f"   started {', '.join(report.started) or 'nothing'}")
    stdout.print(styled("\n", ("7. the trail", "bold"), ": what happened, in order, and why"))
    for event in read_events(since, limit=1000):
        stdout.print(f"   {event.position:>4}  {event.type:<26} {_why(event)}")


def _why(event: Any) -> str:
    detail = event.detail
    if event.type == "DataQualityViolations":
        return (
            f"{detail['pipeline']} {detail['execution_id']}: "
            f"{len(detail['features'])} feature(s) drifted ({', '.join(detail['features'][:3])}…)"
        )
    if event.type == "ExecutionStatusChanged":
        chain = detail.get("chain") or []
        cause = (
            f", started by rule {chain[-1]['rule']} on event {chain[-1]['event']}" if chain else ""
        )
        return f"{detail['pipeline']} {detail['execution_id']} {detail['status']}{cause}"
    if event.type == "ModelVersionRegistered":
        return f"{event.group}/{event.version} {event.new_status}: waits for a person's approval"
    return f"{event.group or ''} {event.new_status or ''}".strip()


def _run(pipeline: Any, parameters: dict[str, Any]) -> tuple[ExecutionRecord, ExecutionSummary]:
    """Run to the end, printing each step and then what the execution produced (as
    `pipeline start --wait` does)."""
    from batchops.cli.execution import print_summary
    from batchops.errors import JobFailed
    from batchops.runtime.summary import summarize_execution

    def show(step: str, status: str, message: str) -> None:
        first = message.splitlines()[0] if message else ""
        stdout.print(f"   {step:<34} {status} {first}")

    record = pipeline.start(parameters, wait=True, on_event=show).record()
    summary = summarize_execution(record)
    stdout.print(f"   execution {record.id}: {summary.headline}")
    print_summary(summary, indent="   ")
    if record.status != ExecutionStatus.SUCCEEDED:
        raise JobFailed(record.failure_reason or "the execution failed")
    return record, summary


def _output(step: StepRecord, name: str) -> str:
    return str(step.properties["ProcessingOutputConfig"]["Outputs"][name]["S3Output"]["S3Uri"])


def _prepared_batch(
    folder: Path, name: str, rows: int, *, seed: int, drift: str | None, vocabulary: Path
) -> Path:
    """A raw batch encoded with the training vocabulary: the layout the model was trained on."""
    from batchops.examples.churn import prepare_batch_file
    from batchops.examples.churn.data import write_churn_csv

    raw = write_churn_csv(folder / f"{name}-raw.csv", rows, seed=seed, drift=drift)
    return Path(prepare_batch_file(raw, vocabulary, folder / f"{name}-batch.csv", with_label=True))


def _show_sample(_: ExecutionRecord, summary: ExecutionSummary) -> None:
    """The first predictions of a local output, to see what scoring wrote."""
    from batchops.store import artifacts

    for scoring in summary.scoring:
        if artifacts.is_local(scoring.predictions):
            files = sorted(Path(scoring.predictions).glob("*.out"))
            sample = files[0].read_text().splitlines()[:5] if files else []
            stdout.print(
                f"   scored {counted(scoring.rows, 'row')}; the first predictions: "
                f"{', '.join(sample)}"
            )
