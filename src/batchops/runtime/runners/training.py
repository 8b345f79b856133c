"""Runs a TrainingStep: the built-in XGBoost trainer in its own process, as SageMaker runs a job.

On a Dask cluster the training is one task on one worker (`train`: channels staged from the
artifact store there, the model published from there), the same process as on one machine,
so the model has the same bytes. With `distributed=dask` it is `xgboost.dask` over the
cluster's workers instead, and this host is that job's client.

An estimator written for a SageMaker XGBoost image gets the model that image wrote: before
1.3-1 the archive's `xgboost-model` is the pickled booster (user scripts `pickle.load` it),
with batchops's native booster beside it. With `output_path`, model.tar.gz is published
there too, at SageMaker's `<output_path>/<job name>/output/model.tar.gz`, and that is the
step's `ModelArtifacts.S3ModelArtifacts`.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from batchops.errors import InvalidInput
from batchops.pipeline.graph import StepNode
from batchops.pipeline.images import check_training_image
from batchops.pipeline.steps.training import TrainingArguments
from batchops.runtime.context import StepContext, StepOutcome, Workspace
from batchops.runtime.runners.staging import child_environment, run_process, stage
from batchops.store import artifacts

_ARCHIVE = "model.tar.gz"
_JOB_NAME_CHARS = 63  # SageMaker's limit on a training job's name


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
    pickled_booster = False
    if args.image_uri is not None:
        image = check_training_image(args.image_uri)
        context.log(f"image {image.name}: trained by batchops's built-in XGBoost")
        pickled_booster = image.pickles_booster
    properties: dict[str, object] = {"TrainingJobName": training_job_name(context)}
    target = None
    if args.output_path:
        target = artifacts.join(str(args.output_path), training_job_name(context), "output")
        properties["OutputDataConfig"] = {"S3OutputPath": str(args.output_path)}
    if args.image_uri is not None:
        properties["AlgorithmSpecification"] = {"TrainingImage": args.image_uri}
    if str(hyperparameters.get("distributed", "")) == "dask":  # the trainer checks the rest
        cluster = {"BATCHOPS_DASK_ADDRESS": context.dask} if context.dask else {}
        published, model_uri = train(
            context, channels, hyperparameters, cluster, pickled_booster, target
        )
    else:
        published, model_uri = context.on_worker(
            train, channels, hyperparameters, {}, pickled_booster, target
        )
    return StepOutcome(
        properties={
            "TrainingJobStatus": "Completed",
            "ModelArtifacts": {"S3ModelArtifacts": model_uri},
            "HyperParameters": hyperparameters,
            "InputDataConfig": channels,
            **properties,
        },
        outputs={"model": published},
    )


def train(
    workspace: Workspace,
    channels: dict[str, str],
    hyperparameters: dict[str, Any],
    environment: dict[str, str],
    pickled_booster: bool,
    output_target: str | None,
) -> tuple[str, str]:
    """Stage the channels, train in a child process, publish the model folder (and again at
    `output_target` when given): the folder's URI and the model archive's."""
    command = [sys.executable, "-m", "batchops.models.train"]
    for name, uri in channels.items():
        local = stage(uri, workspace.work_dir / "input" / name)
        command += [f"--{name}", str(local)]
    model_dir = workspace.work_dir / "model"
    command += ["--model-dir", str(model_dir), "--hyperparameters", json.dumps(hyperparameters)]
    if pickled_booster:
        command.append("--pickled-booster")
    run_process(command, workspace, env=child_environment(environment), cwd=workspace.work_dir)
    published = workspace.publish(model_dir, "model")
    if output_target is None:
        return published, artifacts.join(published, _ARCHIVE)
    at_output_path = workspace.publish(model_dir, "model", target=output_target)
    return published, artifacts.join(at_output_path, _ARCHIVE)


def training_job_name(context: Workspace) -> str:
    """The job's name as SageMaker's pipelines form it: stable across retries of the step, so
    a retry replaces its model at `output_path` instead of adding another."""
    name = re.sub(r"[^A-Za-z0-9-]+", "-", f"pipelines-{context.execution_id}-{context.step_name}")
    return name[:_JOB_NAME_CHARS].rstrip("-")
