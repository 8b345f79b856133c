"""`image_uris.retrieve`: the SDK's image URIs, in the settings' pseudo-account.

batchops runs no containers: an image URI names behaviour. `sagemaker-xgboost:<version>` is
the built-in XGBoost trainer, `sagemaker-scikit-learn:<version>` a Python script; other images
get the URI's shape and are refused where batchops cannot stand in for them.
"""

from __future__ import annotations

from typing import Any

from batchops.errors import InvalidInput
from batchops.settings import sagemaker_account

REPOSITORIES = {"xgboost": "sagemaker-xgboost", "sklearn": "sagemaker-scikit-learn"}
"""Frameworks batchops stands in for, by the SDK's framework name."""

_TAGGED_WITH_PROCESSOR = {"xgboost": ("0.90-1", "0.90-2", "1.0-1")}
"""XGBoost versions whose tags carry `-cpu-py3`, as scikit-learn's all do."""


def retrieve(
    framework: str,
    region: str | None = None,
    version: str | None = None,
    py_version: str | None = None,
    instance_type: Any = None,
    accelerator_type: str | None = None,
    image_scope: str | None = None,
    container_version: str | None = None,
    distribution: dict[str, Any] | None = None,
    base_framework_version: str | None = None,
    training_compiler_config: Any = None,
    model_id: str | None = None,
    model_version: str | None = None,
    tolerate_vulnerable_model: bool = False,
    tolerate_deprecated_model: bool = False,
    sdk_version: str | None = None,
    inference_tool: str | None = None,
    serverless_inference_config: Any = None,
    sagemaker_session: Any = None,
    config_name: str | None = None,
    **jumpstart: Any,
) -> str:
    """`<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`; instance, accelerator and
    scope are accepted and make no difference (batchops runs on this machine's CPU)."""
    if not version:
        raise InvalidInput(f"image_uris.retrieve({framework!r}): give the framework's version")
    account = sagemaker_account()
    repository = REPOSITORIES.get(framework, framework)
    tag = str(version)
    if framework == "sklearn" or tag in _TAGGED_WITH_PROCESSOR.get(framework, ()):
        tag = f"{tag}-cpu-{py_version or 'py3'}"
    registry = f"{account.account_id}.dkr.ecr.{region or account.region}.amazonaws.com"
    return f"{registry}/{repository}:{tag}"


def repository_and_tag(image_uri: str) -> tuple[str, str]:
    """(`sagemaker-xgboost`, `1.0-1-cpu-py3`) of an image URI from any account and region."""
    name = str(image_uri).rsplit("/", 1)[-1]
    repository, _, tag = name.partition(":")
    return repository, tag


def is_xgboost(image_uri: Any) -> bool:
    return isinstance(image_uri, str) and repository_and_tag(image_uri)[0] == "sagemaker-xgboost"
