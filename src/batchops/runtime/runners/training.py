"""Runs a TrainingStep: the built-in XGBoost trainer in its own process, as SageMaker runs a job.

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

from batchops.errors import InvalidInput
from batchops.pipeline.graph import StepNode
from batchops.pipeline.images import check_training_image
from batchops.pipeline.steps.training import TrainingArguments
from batchops.runtime.context import StepContext, StepOutcome
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
    if args.image_uri is not None:
        image = check_training_image(args.image_uri)
        context.log(f"image {image.name}: trained by batchops's built-in XGBoost")
        if image.pickles_booster:
            command.append("--pickled-booster")
    run_process(command, context, env=child_environment({}), cwd=context.work_dir)
    published = context.publish(model_dir, "model")
    model_uri = artifacts.join(published, _ARCHIVE)
    properties: dict[str, object] = {"TrainingJobName": training_job_name(context)}
    if args.output_path:
        target = artifacts.join(str(args.output_path), training_job_name(context), "output")
        model_uri = artifacts.join(context.publish(model_dir, "model", target=target), _ARCHIVE)
        properties["OutputDataConfig"] = {"S3OutputPath": str(args.output_path)}
    if args.image_uri is not None:
        properties["AlgorithmSpecification"] = {"TrainingImage": args.image_uri}
    return StepOutcome(
        properties={
            "TrainingJobStatus": "Completed",
            "ModelArtifacts": {"S3ModelArtifacts": model_uri},
            "HyperParameters": dict(args.hyperparameters),
            "InputDataConfig": channels,
            **properties,
        },
        outputs={"model": published},
    )


def training_job_name(context: StepContext) -> str:
    """The job's name as SageMaker's pipelines form it: stable across retries of the step, so
    a retry replaces its model at `output_path` instead of adding another."""
    name = re.sub(r"[^A-Za-z0-9-]+", "-", f"pipelines-{context.execution_id}-{context.step_name}")
    return name[:_JOB_NAME_CHARS].rstrip("-")
