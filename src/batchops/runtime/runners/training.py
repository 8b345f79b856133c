"""Runs a TrainingStep: the built-in XGBoost trainer in its own process, as SageMaker runs a job."""

from __future__ import annotations

import json
import sys

from batchops.errors import InvalidInput
from batchops.pipeline.graph import StepNode
from batchops.pipeline.steps.training import TrainingArguments
from batchops.runtime.context import StepContext, StepOutcome
from batchops.runtime.runners.staging import child_environment, run_process, stage
from batchops.store import artifacts


def run_training(node: StepNode, context: StepContext) -> StepOutcome:
    args = TrainingArguments.from_json(context.arguments(node))
    if args.algorithm != "xgboost":
        raise InvalidInput(
            f"step {node.name}: unknown algorithm {args.algorithm!r} (built in: xgboost)"
        )
    channels = {c.name: str(c.data_uri) for c in args.channels}
    if "train" not in channels:
        raise InvalidInput(f"step {node.name}: a 'train' channel is required")
    command = [sys.executable, "-m", "batchops.models.train"]
    for name, uri in channels.items():
        local = stage(uri, context.work_dir / "input" / name)
        command += [f"--{name}", str(local)]
    model_dir = context.work_dir / "model"
    command += [
        "--model-dir",
        str(model_dir),
        "--hyperparameters",
        json.dumps(dict(args.hyperparameters)),
    ]
    run_process(command, context, env=child_environment({}), cwd=context.work_dir)
    published = context.publish(model_dir, "model")
    model_uri = artifacts.join(published, "model.tar.gz")
    return StepOutcome(
        properties={
            "TrainingJobStatus": "Completed",
            "ModelArtifacts": {"S3ModelArtifacts": model_uri},
            "HyperParameters": dict(args.hyperparameters),
            "InputDataConfig": channels,
        },
        outputs={"model": published},
    )
