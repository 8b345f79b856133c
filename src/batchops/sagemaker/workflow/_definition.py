"""SageMaker's pipeline JSON, derived from the batchops definition that `upsert()` stores.

Each step type's request (CreateProcessingJob, CreateTrainingJob, ...) is built from the
batchops step's arguments, with what batchops keeps only for this JSON (roles, instance types,
images: `Metadata.SageMaker.Steps`) merged in; `{"Get": ...}` paths take the SDK's spelling,
and a condition's branch steps are nested in it, as SageMaker's definition has them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from batchops.pipeline.steps.processing import SAGEMAKER_PROCESSING_ROOT
from batchops.sagemaker._jobs import without_none
from batchops.sagemaker.workflow.entities import sagemaker_spelling
from batchops.store import artifacts

Entry = dict[str, Any]
Nested = Callable[[str], Entry]

EXPERIMENT_CONFIG = {
    "ExperimentName": {"Get": "Execution.PipelineName"},
    "TrialName": {"Get": "Execution.PipelineExecutionId"},
}
"""The SDK's default PipelineExperimentConfig."""


def sagemaker_definition(definition: Mapping[str, Any]) -> dict[str, Any]:
    """The SDK's `Pipeline.definition()` (as a dict) of a stored batchops definition."""
    sagemaker = (definition.get("Metadata") or {}).get("SageMaker") or {}
    steps = list(definition.get("Steps", []))
    entries = step_entries(steps, sagemaker.get("Steps") or {})
    branches = {
        member
        for step in steps
        if step["Type"] == "Condition"
        for key in ("IfSteps", "ElseSteps")
        for member in step["Arguments"].get(key, [])
    }
    result = {
        "Version": definition.get("Version"),
        "Metadata": {},
        "Parameters": [_parameter(p) for p in definition.get("Parameters", [])],
        "PipelineExperimentConfig": sagemaker.get("PipelineExperimentConfig", EXPERIMENT_CONFIG),
        "Steps": [entries[s["Name"]] for s in steps if s["Name"] not in branches],
    }
    return {key: value for key, value in result.items() if value is not None}


def _parameter(declaration: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("Name", "Type", "DefaultValue", "EnumValues")
    return {key: declaration[key] for key in keys if key in declaration}


def step_entries(
    steps: list[Mapping[str, Any]], sagemaker: Mapping[str, Mapping[str, Any]]
) -> dict[str, Entry]:
    """Each step's SageMaker entry by name (a condition's with its branches in it)."""
    by_name = {step["Name"]: step for step in steps}
    entries: dict[str, Entry] = {}

    def entry(name: str) -> Entry:
        if name not in entries:
            entries[name] = _entry(by_name[name], sagemaker.get(name) or {}, entry)
        return entries[name]

    for name in by_name:
        entry(name)
    return entries


def _entry(step: Mapping[str, Any], info: Mapping[str, Any], nested: Nested) -> Entry:
    build = BUILDERS.get(step["Type"], _as_stored)
    built = build(step["Name"], step.get("Arguments") or {}, nested)
    result: Entry = {
        "Name": step["Name"],
        "Type": step["Type"],
        "Arguments": _merge(info.get("Request") or {}, built.pop("Arguments")),
    }
    if info.get("DisplayName"):
        result["DisplayName"] = info["DisplayName"]
    if step.get("Description"):
        result["Description"] = step["Description"]
    if step.get("DependsOn"):
        result["DependsOn"] = list(step["DependsOn"])
    result.update(built)
    if step.get("CacheConfig"):
        result["CacheConfig"] = dict(step["CacheConfig"])
    spelled: Entry = sagemaker_spelling(result)
    return spelled


def _merge(base: Any, over: Any) -> Any:
    """`over` on `base`: mappings key by key, lists of one length item by item."""
    if isinstance(base, Mapping) and isinstance(over, Mapping):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = _merge(base.get(key), value)
        return merged
    if isinstance(base, list) and isinstance(over, list) and len(base) == len(over):
        return [_merge(b, o) for b, o in zip(base, over, strict=True)]
    return over


def _as_stored(name: str, arguments: Mapping[str, Any], nested: Nested) -> Entry:
    return {"Arguments": dict(arguments)}


def _s3_input(name: str, uri: Any, local_path: str) -> dict[str, Any]:
    return {
        "InputName": name,
        "AppManaged": False,
        "S3Input": {
            "S3Uri": uri,
            "LocalPath": local_path,
            "S3DataType": "S3Prefix",
            "S3InputMode": "File",
            "S3DataDistributionType": "FullyReplicated",
            "S3CompressionType": "None",
        },
    }


def execution_location(step: str, output: str) -> dict[str, Any]:
    """Where an output without a destination goes: its execution's folder of the store."""
    values = [
        artifacts.join(artifacts.artifacts_root(), "pipelines"),
        {"Get": "Execution.PipelineName"},
        "executions",
        {"Get": "Execution.PipelineExecutionId"},
        step,
        output,
    ]
    return {"Std:Join": {"On": "/", "Values": values}}


def _processing(name: str, arguments: Mapping[str, Any], nested: Nested) -> Entry:
    root = SAGEMAKER_PROCESSING_ROOT
    inputs = [
        _s3_input(i["InputName"], i["Source"], f"{root}/{i['Destination']}")
        for i in arguments.get("Inputs") or []
    ]
    inputs.append(_s3_input("code", arguments.get("Code"), f"{root}/input/code"))
    outputs = [
        {
            "OutputName": o["OutputName"],
            "AppManaged": False,
            "S3Output": {
                "S3Uri": o.get("Destination") or execution_location(name, o["OutputName"]),
                "LocalPath": f"{root}/{o['Source']}",
                "S3UploadMode": "EndOfJob",
            },
        }
        for o in arguments.get("Outputs") or []
    ]
    application = without_none(
        {
            "ImageUri": arguments.get("ImageUri"),
            "ContainerArguments": list(arguments.get("ContainerArguments") or []) or None,
        }
    )
    request = without_none(
        {
            "AppSpecification": application,
            "ProcessingInputs": inputs,
            "ProcessingOutputConfig": {"Outputs": outputs},
            "Environment": dict(arguments.get("Environment") or {}),
        }
    )
    built: Entry = {"Arguments": request}
    if arguments.get("PropertyFiles"):
        built["PropertyFiles"] = list(arguments["PropertyFiles"])
    return built


def _training(name: str, arguments: Mapping[str, Any], nested: Nested) -> Entry:
    channels = [
        {
            "ChannelName": c["ChannelName"],
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": c["DataUri"],
                    "S3DataDistributionType": "FullyReplicated",
                }
            },
            "ContentType": c.get("ContentType"),
        }
        for c in arguments.get("InputDataConfig") or []
    ]
    hyperparameters = {
        key: value if isinstance(value, str | dict) else json.dumps(value)
        for key, value in (arguments.get("HyperParameters") or {}).items()
    }
    return {"Arguments": {"HyperParameters": hyperparameters, "InputDataConfig": channels}}


def _model(name: str, arguments: Mapping[str, Any], nested: Nested) -> Entry:
    container = {
        "Image": arguments.get("Image"),
        "Environment": dict(arguments.get("Environment") or {}),
        "ModelDataUrl": arguments.get("ModelDataUrl"),
    }
    return {"Arguments": {"PrimaryContainer": without_none(container)}}


def _nest(sources: Mapping[str, Any] | None, known: Mapping[str, Any]) -> dict[str, Any]:
    """`{"ModelQuality.Statistics": source}` as `{"ModelQuality": {"Statistics": source}}`."""
    nested: dict[str, Any] = {}
    for path, source in {**known, **(sources or {})}.items():
        if source is None:
            continue
        group, _, part = path.partition(".")
        nested.setdefault(group, {})[part] = source
    return nested


def _register(name: str, arguments: Mapping[str, Any], nested: Nested) -> Entry:
    metrics = arguments.get("ModelMetrics") or {}
    drift = arguments.get("DriftCheckBaselines") or {}
    inference = arguments.get("InferenceSpecification") or {}
    request = {
        "ModelPackageGroupName": arguments.get("ModelPackageGroupName"),
        "ModelMetrics": _nest(
            metrics.get("OtherSources"),
            {"ModelQuality.Statistics": metrics.get("ModelStatistics")},
        ),
        "DriftCheckBaselines": _nest(
            drift.get("OtherSources"),
            {
                "ModelDataQuality.Statistics": drift.get("ModelDataStatistics"),
                "ModelDataQuality.Constraints": drift.get("ModelDataConstraints"),
            },
        ),
        "CustomerMetadataProperties": dict(arguments.get("CustomerMetadataProperties") or {}),
        "InferenceSpecification": {
            "Containers": [{"ModelDataUrl": arguments.get("ModelData")}],
            "SupportedContentTypes": inference.get("SupportedContentTypes"),
            "SupportedResponseMIMETypes": inference.get("SupportedResponseMIMETypes"),
        },
        "ModelApprovalStatus": arguments.get("ModelApprovalStatus"),
        "ModelPackageDescription": arguments.get("ModelPackageDescription") or None,
    }
    return {"Arguments": without_none(request)}


def _transform(name: str, arguments: Mapping[str, Any], nested: Nested) -> Entry:
    transformer = arguments.get("Transformer") or {}
    given = arguments.get("TransformInput") or {}
    data_source = {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": given.get("DataUri")}}
    transform_input = {
        "DataSource": data_source,
        "ContentType": given.get("ContentType"),
        "SplitType": given.get("SplitType"),
    }
    output = {"S3OutputPath": transformer.get("OutputPath"), "Accept": transformer.get("Accept")}
    processing = {
        "InputFilter": given.get("InputFilter"),
        "OutputFilter": given.get("OutputFilter"),
        "JoinSource": given.get("JoinSource"),
    }
    request = {
        "ModelName": transformer.get("ModelName") or transformer.get("ModelData"),
        "TransformInput": without_none(transform_input),
        "TransformOutput": without_none(output),
        "DataProcessing": without_none(processing),
    }
    return {"Arguments": without_none(request)}


def _quality_check(name: str, arguments: Mapping[str, Any], nested: Nested) -> Entry:
    dataset = _s3_input(
        "baseline_dataset_input",
        arguments.get("BaselineDataset"),
        "/opt/ml/processing/input/baseline_dataset_input",
    )
    flags = {
        "CheckType": arguments.get("CheckType"),
        "ModelPackageGroupName": arguments.get("ModelPackageGroupName"),
        "SkipCheck": arguments.get("SkipCheck"),
        "FailOnViolation": arguments.get("FailOnViolation"),
        "RegisterNewBaseline": arguments.get("RegisterNewBaseline"),
        "SuppliedBaselineStatistics": arguments.get("SuppliedBaselineStatistics"),
        "SuppliedBaselineConstraints": arguments.get("SuppliedBaselineConstraints"),
    }
    return {"Arguments": {"ProcessingInputs": [dataset]}, **without_none(flags)}


def _lambda(name: str, arguments: Mapping[str, Any], nested: Nested) -> Entry:
    return {
        "Arguments": dict(arguments.get("Inputs") or {}),
        "FunctionArn": arguments.get("FunctionArn"),
        "OutputParameters": list(arguments.get("OutputParameters") or []),
    }


def _condition(name: str, arguments: Mapping[str, Any], nested: Nested) -> Entry:
    return {
        "Arguments": {
            "Conditions": [_flat_condition(c) for c in arguments.get("Conditions") or []],
            "IfSteps": [nested(member) for member in arguments.get("IfSteps") or []],
            "ElseSteps": [nested(member) for member in arguments.get("ElseSteps") or []],
        }
    }


def _flat_condition(condition: Mapping[str, Any]) -> dict[str, Any]:
    """batchops's `{"Type", "Arguments": {...}}` as SageMaker's `{"Type", ...}`."""
    flat = {"Type": condition["Type"], **(condition.get("Arguments") or {})}
    if "Expression" in flat:
        flat["Expression"] = _flat_condition(flat["Expression"])
    if condition["Type"] == "Or":
        flat["Conditions"] = [_flat_condition(c) for c in flat.get("Conditions", [])]
    return flat


def _fail(name: str, arguments: Mapping[str, Any], nested: Nested) -> Entry:
    return {"Arguments": {"ErrorMessage": arguments.get("ErrorMessage", "")}}


BUILDERS: dict[str, Callable[[str, Mapping[str, Any], Nested], Entry]] = {
    "Processing": _processing,
    "Training": _training,
    "Model": _model,
    "RegisterModel": _register,
    "Transform": _transform,
    "QualityCheck": _quality_check,
    "Lambda": _lambda,
    "Condition": _condition,
    "Fail": _fail,
}
