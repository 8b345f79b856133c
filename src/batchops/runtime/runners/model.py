"""Runs a Model step: records the named model in the catalogue and publishes `ModelName`."""

from __future__ import annotations

from batchops.pipeline.graph import StepNode
from batchops.pipeline.steps.model import ModelArguments
from batchops.runtime import arns
from batchops.runtime.context import StepContext, StepOutcome


def run_model(node: StepNode, context: StepContext) -> StepOutcome:
    """The name is the step's job name (`pipelines-<execution>-<step>`), so a retried step
    finds its own model rather than making a second one."""
    from batchops.registry.models import record_model

    args = ModelArguments.from_json(context.arguments(node))
    model = record_model(
        arns.job_name(context.execution_id, context.step_name),
        image=str(args.image_uri or ""),
        model_data_url=str(args.model_data) if args.model_data else None,
        environment={str(k): str(v) for k, v in args.environment.items()},
        execution_id=context.execution_id,
        step_name=context.step_name,
    )
    context.log(f"model {model.name}: {model.image} with {model.model_data_url}")
    return StepOutcome(
        properties={
            "ModelName": model.name,
            "PrimaryContainer": {"Image": model.image, "ModelDataUrl": model.model_data_url},
        }
    )
