"""`boto3.client("sagemaker")` as a Lambda in a LambdaStep sees it: the model registry's
operations, answered by batchops's registry in botocore's output shapes.

Served: `list_model_packages` (SageMaker's default order is ascending, so a Lambda taking
`[0]` gets the oldest approved version, as on SageMaker: a warning says so when several are
Approved and no SortOrder was given), `describe_model_package` (by ARN or `group/version`;
inside an execution it records the version as used by it), `list_model_package_groups`,
`describe_model_package_group` and `update_model_package(ModelApprovalStatus=...)`. Anything
else raises `ClientError` with the code "UnsupportedOperation".
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from batchops.errors import BatchopsError
from batchops.registry.status import APPROVED
from batchops.registry.values import ModelVersion
from batchops.runtime import arns
from batchops.settings import sagemaker_account

EXECUTION_ID = "BATCHOPS_EXECUTION_ID"
STEP_NAME = "BATCHOPS_STEP_NAME"


class BotoCoreError(Exception):
    """The base of botocore's own errors."""


class ClientError(Exception):
    """An error the service answered, as botocore raises it: `.response["Error"]["Code"]`."""

    def __init__(self, error_response: dict[str, Any], operation_name: str) -> None:
        error = error_response.get("Error", {})
        super().__init__(
            f"An error occurred ({error.get('Code', 'Unknown')}) when calling the "
            f"{operation_name} operation: {error.get('Message', '')}"
        )
        self.response = error_response
        self.operation_name = operation_name


def _error(code: str, operation: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def _operation(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


class _Unsupported:
    """A client of a service batchops does not emulate: every call is refused."""

    def __init__(self, service: str) -> None:
        self._service = service

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("__"):
            raise AttributeError(name)

        def refused(*_args: Any, **_kwargs: Any) -> Any:
            raise _error(
                "UnsupportedOperation",
                _operation(name),
                f"batchops serves only the sagemaker model registry inside a Lambda step, "
                f"not {self._service}.{name}",
            )

        return refused


def _package_arn(version: ModelVersion) -> str:
    return arns.arn(f"model-package/{version.group.lower()}/{version.version}")


def _group_arn(group: str) -> str:
    return arns.arn(f"model-package-group/{group.lower()}")


def _source(uri: Any) -> dict[str, str]:
    return {"ContentType": "application/json", "S3Uri": str(uri)}


def _quality(statistics: Any, constraints: Any) -> dict[str, Any]:
    found = {"Statistics": statistics, "Constraints": constraints}
    return {name: _source(uri) for name, uri in found.items() if uri}


class SageMakerClient:
    """The registry's operations, with SageMaker's parameter and response names."""

    meta = type("Meta", (), {"region_name": sagemaker_account().region})()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Unsupported("sagemaker").__getattr__(name)

    def list_model_packages(
        self,
        ModelPackageGroupName: str | None = None,
        ModelApprovalStatus: str | None = None,
        SortBy: str = "CreationTime",
        SortOrder: str | None = None,
        MaxResults: int | None = None,
        NextToken: str | None = None,
        **_filters: Any,
    ) -> dict[str, Any]:
        from batchops import registry

        operation = "ListModelPackages"
        if ModelPackageGroupName is None:
            raise _error("ValidationException", operation, "batchops needs ModelPackageGroupName")
        group = self._group(ModelPackageGroupName, operation)
        versions = _call(operation, lambda: registry.list_versions(group, ModelApprovalStatus))
        descending = (SortOrder or "Ascending") == "Descending"
        if SortBy == "Name":
            versions.sort(key=lambda v: v.version, reverse=descending)
        else:
            versions.sort(key=lambda v: (v.created_at, v.version), reverse=descending)
        if SortOrder is None and ModelApprovalStatus == APPROVED and len(versions) > 1:
            print(
                f"batchops: {len(versions)} versions of {group} are Approved and "
                "list_model_packages sorts ascending by default, as SageMaker does: [0] is the "
                f"oldest ({group}/{versions[0].version}); pass SortOrder='Descending' for the "
                "newest",
                file=sys.stderr,
            )
        start = int(NextToken or 0)
        end = start + int(MaxResults) if MaxResults else len(versions)
        answer: dict[str, Any] = {
            "ModelPackageSummaryList": [
                {
                    "ModelPackageGroupName": v.group,
                    "ModelPackageVersion": v.version,
                    "ModelPackageArn": _package_arn(v),
                    "ModelPackageDescription": v.description,
                    "CreationTime": v.created_at,
                    "ModelPackageStatus": "Completed",
                    "ModelApprovalStatus": str(v.status),
                }
                for v in versions[start:end]
            ]
        }
        if end < len(versions):
            answer["NextToken"] = str(end)
        return answer

    def describe_model_package(self, ModelPackageName: str) -> dict[str, Any]:
        from batchops import registry

        version = self._version(ModelPackageName, "DescribeModelPackage")
        execution_id = os.environ.get(EXECUTION_ID)
        if execution_id:  # lineage and the monitoring pages then know the model
            registry.record_usage(
                execution_id, version.group, version.version, os.environ.get(STEP_NAME, "")
            )
        spec = version.inference_spec
        kept = spec.get("MetricSources") or {}
        metrics = {
            "ModelQuality": _quality(version.metrics_uri, None),
            "ModelDataQuality": _quality(version.statistics_uri, version.constraints_uri),
            **_nested(kept.get("ModelMetrics") or {}),
        }
        container = {"Image": spec.get("Image", ""), "ModelDataUrl": version.model_data_uri}
        return {
            "ModelPackageGroupName": version.group,
            "ModelPackageVersion": version.version,
            "ModelPackageArn": _package_arn(version),
            "ModelPackageDescription": version.description,
            "CreationTime": version.created_at,
            "ModelPackageStatus": "Completed",
            "ModelApprovalStatus": str(version.status),
            "InferenceSpecification": {
                "Containers": [container],
                "SupportedContentTypes": list(spec.get("SupportedContentTypes") or []),
                "SupportedResponseMIMETypes": list(spec.get("SupportedResponseMIMETypes") or []),
            },
            "ModelMetrics": {name: value for name, value in metrics.items() if value},
            "DriftCheckBaselines": _nested(kept.get("DriftCheckBaselines") or {}),
            "CustomerMetadataProperties": dict(version.custom_metadata),
        }

    def list_model_package_groups(self, **_filters: Any) -> dict[str, Any]:
        from batchops import registry

        return {
            "ModelPackageGroupSummaryList": [
                {
                    "ModelPackageGroupName": group.name,
                    "ModelPackageGroupArn": _group_arn(group.name),
                    "ModelPackageGroupDescription": group.description,
                    "CreationTime": group.created_at,
                    "ModelPackageGroupStatus": "Completed",
                }
                for group in registry.list_groups()
            ]
        }

    def describe_model_package_group(self, ModelPackageGroupName: str) -> dict[str, Any]:
        from batchops import registry

        operation = "DescribeModelPackageGroup"
        group = _call(
            operation, lambda: registry.get_group(self._group(ModelPackageGroupName, operation))
        )
        return {
            "ModelPackageGroupName": group.name,
            "ModelPackageGroupArn": _group_arn(group.name),
            "ModelPackageGroupDescription": group.description,
            "CreationTime": group.created_at,
            "ModelPackageGroupStatus": "Completed",
        }

    def update_model_package(
        self,
        ModelPackageArn: str,
        ModelApprovalStatus: str | None = None,
        ApprovalDescription: str = "",
        **other: Any,
    ) -> dict[str, Any]:
        from batchops import registry

        operation = "UpdateModelPackage"
        if other or ModelApprovalStatus is None:
            raise _error(
                "UnsupportedOperation", operation, "batchops updates ModelApprovalStatus only"
            )
        version = self._version(ModelPackageArn, operation)
        _call(
            operation,
            lambda: registry.update_status(
                version.group, version.version, ModelApprovalStatus, reason=ApprovalDescription
            ),
        )
        return {"ModelPackageArn": _package_arn(version)}

    def _group(self, name: str, operation: str) -> str:
        """A group by its name or ARN (whose name SageMaker writes in lower case)."""
        from batchops import registry

        given = str(name).rsplit("model-package-group/", 1)[-1]
        for group in registry.list_groups():
            if group.name == given or group.name.lower() == given.lower():
                return group.name
        raise _error("ValidationException", operation, f"Model package group {given} not found")

    def _version(self, name: str, operation: str) -> ModelVersion:
        from batchops import registry

        text = str(name).rsplit("model-package/", 1)[-1]
        group, _, number = text.rpartition("/")
        if not group or not number.isdigit():
            raise _error(
                "ValidationException",
                operation,
                f"{name!r} is neither a model package ARN nor GROUP/VERSION",
            )
        found = self._group(group, operation)
        return _call(operation, lambda: registry.get_version(found, int(number)))


def _nested(flat: dict[str, Any]) -> dict[str, Any]:
    """`{"Bias.Report": uri}` -> `{"Bias": {"Report": {"ContentType", "S3Uri"}}}`."""
    nested: dict[str, Any] = {}
    for name, uri in flat.items():
        outer, _, inner = name.partition(".")
        nested.setdefault(outer, {})[inner] = _source(uri)
    return nested


def _call(operation: str, call: Callable[[], Any]) -> Any:
    """A registry call, its refusal answered as SageMaker answers it."""
    try:
        return call()
    except BatchopsError as problem:
        raise _error("ValidationException", operation, str(problem)) from None


def client(service_name: str, *_args: Any, **_kwargs: Any) -> Any:
    return SageMakerClient() if service_name == "sagemaker" else _Unsupported(service_name)


def resource(service_name: str, *_args: Any, **_kwargs: Any) -> Any:
    return _Unsupported(service_name)


class Session:
    """`boto3.Session()`: the settings' region; its clients are the ones above."""

    def __init__(self, *_args: Any, region_name: str | None = None, **_kwargs: Any) -> None:
        self.region_name = region_name or sagemaker_account().region

    def client(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
        return client(service_name, *args, **kwargs)

    def resource(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
        return resource(service_name, *args, **kwargs)
