"""Runs a TrainingStep: the built-in XGBoost trainer in its own process, as SageMaker runs a job.

On a Dask cluster the training is one task on one worker (`train`: channels staged from the
artifact store there, the model published from there), the same process as on one machine,
so the model has the same bytes. With `distributed=dask` it is `xgboost.dask` over the
cluster's workers instead, and this host is that job's client.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from batchops.errors import InvalidInput
from batchops.pipeline.graph import StepNode
from batchops.pipeline.steps.training import TrainingArguments
from batchops.runtime.context import StepContext, StepOutcome, Workspace
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
    hyperparameters = dict(args.hyperparameters)
    if str(hyperparameters.get("distributed", "")) == "dask":  # the trainer checks the rest
        cluster = {"BATCHOPS_DASK_ADDRESS": context.dask} if context.dask else {}
        published = train(context, channels, hyperparameters, cluster)
    else:
        published = context.on_worker(train, channels, hyperparameters, {})
    model_uri = artifacts.join(published, "model.tar.gz")
    return StepOutcome(
        properties={
            "TrainingJobStatus": "Completed",
            "ModelArtifacts": {"S3ModelArtifacts": model_uri},
            "HyperParameters": hyperparameters,
            "InputDataConfig": channels,
        },
        outputs={"model": published},
    )


def train(
    workspace: Workspace,
    channels: dict[str, str],
    hyperparameters: dict[str, Any],
    environment: dict[str, str],
) -> str:
    """Stage the channels, train in a child process, publish the model folder: its URI."""
    command = [sys.executable, "-m", "batchops.models.train"]
    for name, uri in channels.items():
        local = stage(uri, workspace.work_dir / "input" / name)
        command += [f"--{name}", str(local)]
    model_dir = workspace.work_dir / "model"
    command += ["--model-dir", str(model_dir), "--hyperparameters", json.dumps(hyperparameters)]
    run_process(command, workspace, env=child_environment(environment), cwd=workspace.work_dir)
    return workspace.publish(model_dir, "model")
