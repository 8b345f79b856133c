"""An execution in SageMaker's response shapes, read from batchops's records.

`describe_execution` is DescribePipelineExecution's response, `execution_steps`
ListPipelineExecutionSteps' `PipelineExecutionSteps`: the steps that started, newest first,
each with the `Metadata` of its type. URIs keep the SDK's spelling where they stand for an
SDK bucket (`s3://...`); other store locations are given as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from batchops.runtime import arns
from batchops.runtime.catalog import get_definition
from batchops.store import artifacts, executions
from batchops.store.statuses import ExecutionStatus, StepStatus

_LISTED = {
    StepStatus.EXECUTING: "Executing",
    StepStatus.SUCCEEDED: "Succeeded",
    StepStatus.FAILED: "Failed",
    StepStatus.STOPPED: "Stopped",
}
"""Step statuses SageMaker lists (a step that never started is not listed)."""


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _spelled(value: Any) -> Any:
    if isinstance(value, str):
        return artifacts.sdk_s3_spelling(value)
    if isinstance(value, Mapping):
        return {k: _spelled(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_spelled(v) for v in value]
    return value


def _started_by(record: Mapping[str, Any]) -> dict[str, Any]:
    return dict((record.get("trigger") or {}).get("sagemaker") or {})


def execution_status(record: Mapping[str, Any]) -> str:
    """SageMaker's status: an execution asked to stop is Stopping until it ends."""
    if record["status"] == ExecutionStatus.EXECUTING and record.get("stop_requested_at"):
        return "Stopping"
    return str(record["status"])


def describe_execution(execution_id: str) -> dict[str, Any]:
    record = executions.execution_json(execution_id)
    pipeline, started_by = record["pipeline"], _started_by(record)
    moments = [record["started_at"], record["ended_at"]]
    moments += [s[key] for s in record["steps"] for key in ("started_at", "ended_at")]
    user = {"UserProfileName": record["created_by"]}
    response = {
        "PipelineArn": arns.pipeline_arn(pipeline),
        "PipelineExecutionArn": arns.execution_arn(pipeline, execution_id),
        "PipelineExecutionDisplayName": started_by.get("PipelineExecutionDisplayName")
        or f"execution-{execution_id}",
        "PipelineExecutionStatus": execution_status(record),
        "PipelineExecutionDescription": started_by.get("PipelineExecutionDescription"),
        "PipelineExperimentConfig": {"ExperimentName": pipeline, "TrialName": execution_id},
        "FailureReason": record["failure_reason"],
        "CreationTime": _moment(record["started_at"]),
        "LastModifiedTime": _moment(max(m for m in moments if m)),
        "CreatedBy": user,
        "LastModifiedBy": user,
    }
    return {key: value for key, value in response.items() if value is not None}


def execution_summary(row: Mapping[str, Any]) -> dict[str, Any]:
    """One execution of ListPipelineExecutions' `PipelineExecutionSummaries`."""
    summary = {
        "PipelineExecutionArn": arns.execution_arn(row["pipeline"], row["id"]),
        "StartTime": _moment(row["started_at"]),
        "PipelineExecutionStatus": str(row["status"]),
        "PipelineExecutionDisplayName": f"execution-{row['id']}",
        "PipelineExecutionFailureReason": row.get("failure_reason"),
    }
    return {key: value for key, value in summary.items() if value is not None}


def execution_steps(execution_id: str) -> list[dict[str, Any]]:
    """The steps that started, newest first, in ListPipelineExecutionSteps' shape."""
    record = executions.execution_json(execution_id)
    _, definition = get_definition(record["pipeline"], record["pipeline_version"])
    declared = {s["Name"]: s for s in definition.get("Steps", [])}
    shown = ((definition.get("Metadata") or {}).get("SageMaker") or {}).get("Steps") or {}
    listed = [
        (number, step)
        for number, step in enumerate(record["steps"])
        if step["status"] in _LISTED and step["started_at"]
    ]
    listed.sort(key=lambda item: (item[1]["started_at"], item[0]), reverse=True)
    return [
        _step(record, step, declared.get(step["name"], {}), shown.get(step["name"]) or {})
        for _, step in listed
    ]


def _step(
    record: Mapping[str, Any],
    step: Mapping[str, Any],
    declared: Mapping[str, Any],
    shown: Mapping[str, Any],
) -> dict[str, Any]:
    status = _LISTED[StepStatus(step["status"])]
    metadata = METADATA.get(step["type"], _no_metadata)(record["id"], step)
    entry = {
        "StepName": step["name"],
        "StepDisplayName": shown.get("DisplayName"),
        "StepDescription": declared.get("Description") or None,
        "StartTime": _moment(step["started_at"]),
        "EndTime": _moment(step["ended_at"]),
        "StepStatus": status,
        "CacheHitResult": {
            "SourcePipelineExecutionArn": arns.execution_arn(
                record["pipeline"], step["cached_from"]
            )
        }
        if step.get("cached_from")
        else None,
        "AttemptCount": step["attempt"],
        "FailureReason": step["failure_reason"] if status == "Failed" else None,
        "Metadata": _spelled(metadata),
    }
    return {key: value for key, value in entry.items() if value is not None}


def _job(kind: str) -> Callable[[str, Mapping[str, Any]], dict[str, Any]]:
    key = "".join(part.title() for part in kind.split("-"))  # processing-job -> ProcessingJob

    def metadata(execution_id: str, step: Mapping[str, Any]) -> dict[str, Any]:
        name = arns.job_name(execution_id, step["name"])
        return {key: {"Arn": arns.arn(f"{kind}/{name}")}}

    return metadata


def _model(execution_id: str, step: Mapping[str, Any]) -> dict[str, Any]:
    name = (step.get("properties") or {}).get("ModelName")
    return {"Model": {"Arn": arns.arn(f"model/{str(name).lower()}")} if name else {}}


def _register(execution_id: str, step: Mapping[str, Any]) -> dict[str, Any]:
    properties = step.get("properties") or {}
    group, version = properties.get("ModelPackageGroupName"), properties.get("ModelPackageVersion")
    if group is None or version is None:
        return {"RegisterModel": {}}
    return {"RegisterModel": {"Arn": arns.arn(f"model-package/{str(group).lower()}/{version}")}}


def _condition(execution_id: str, step: Mapping[str, Any]) -> dict[str, Any]:
    outcome = (step.get("properties") or {}).get("Outcome")
    return {"Condition": {"Outcome": str(bool(outcome))} if outcome is not None else {}}


def _fail(execution_id: str, step: Mapping[str, Any]) -> dict[str, Any]:
    return {"Fail": {"ErrorMessage": step.get("failure_reason") or ""}}


def _quality_check(execution_id: str, step: Mapping[str, Any]) -> dict[str, Any]:
    given = step.get("inputs") or {}
    properties = step.get("properties") or {}
    found = {
        "CheckType": given.get("CheckType"),
        "BaselineUsedForDriftCheckStatistics": properties.get(
            "BaselineUsedForDriftCheckStatistics"
        ),
        "BaselineUsedForDriftCheckConstraints": properties.get(
            "BaselineUsedForDriftCheckConstraints"
        ),
        "CalculatedBaselineStatistics": properties.get("CalculatedBaselineStatistics"),
        "CalculatedBaselineConstraints": properties.get("CalculatedBaselineConstraints"),
        "ModelPackageGroupName": given.get("ModelPackageGroupName"),
        "ViolationReport": properties.get("ViolationReport"),
        "CheckJobArn": _job("processing-job")(execution_id, step)["ProcessingJob"]["Arn"],
        "SkipCheck": _flag(given.get("SkipCheck")),
        "RegisterNewBaseline": _flag(given.get("RegisterNewBaseline")),
    }
    return {"QualityCheck": {k: v for k, v in found.items() if v is not None}}


def _flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes")


def _lambda(execution_id: str, step: Mapping[str, Any]) -> dict[str, Any]:
    returned = (step.get("properties") or {}).get("OutputParameters") or {}
    found = {
        "Arn": (step.get("inputs") or {}).get("FunctionArn"),
        "OutputParameters": [{"Name": k, "Value": str(v)} for k, v in returned.items()],
    }
    return {"Lambda": {k: v for k, v in found.items() if v is not None}}


def _no_metadata(execution_id: str, step: Mapping[str, Any]) -> dict[str, Any]:
    return {}


METADATA: dict[str, Callable[[str, Mapping[str, Any]], dict[str, Any]]] = {
    "Processing": _job("processing-job"),
    "Training": _job("training-job"),
    "Transform": _job("transform-job"),
    "Model": _model,
    "RegisterModel": _register,
    "Condition": _condition,
    "Fail": _fail,
    "QualityCheck": _quality_check,
    "Lambda": _lambda,
}


def job_step(kind: str, job_arn: str) -> tuple[str, dict[str, Any]]:
    """The execution and the step record that ran the job `job_arn` (`arn:...:<kind>/<name>`);
    job names are `pipelines-<execution id>-<step>` (runtime/arns.py)."""
    from batchops.errors import NotFound

    resource = str(job_arn).split(":", 5)[-1]
    if not resource.startswith(f"{kind}/"):
        raise NotFound(f"{job_arn!r} is not a {kind} ARN")
    name = resource[len(kind) + 1 :]
    execution_id = name.removeprefix("pipelines-").split("-", 1)[0]
    record = executions.execution_json(execution_id)
    for step in record["steps"]:
        if arns.job_name(execution_id, step["name"]) == name:
            return execution_id, step
    raise NotFound(f"no step of execution {execution_id} ran the {kind} {name}")
