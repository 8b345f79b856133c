"""`Pipeline`: the SDK's pipeline on batchops, and `_PipelineExecution`, a run of it.

`upsert()` compiles every SDK step into batchops's own definition (snapshots included) and
stores it as a new version when it changed; `definition()` is SageMaker's JSON, derived from
that definition. `start()` runs an execution to its end, as the SDK's local mode does (in the
background with BATCHOPS_SAGEMAKER_ASYNC=1); the execution is a batchops execution like any
other (`batchops execution list`, logs, retry, stop), whose ARN ends with its batchops id.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from batchops.errors import InvalidInput, JobFailed, NotFound
from batchops.pipeline.pipeline import S3_IN_ARTIFACT_STORE
from batchops.pipeline.pipeline import Pipeline as BatchopsPipeline
from batchops.runtime import arns
from batchops.runtime.catalog import definition_versions, get_definition, upsert_definition
from batchops.runtime.execution import start_execution, stop_execution
from batchops.sagemaker._unsupported import refuse
from batchops.sagemaker.session import Session, resolve_session
from batchops.sagemaker.workflow._compile import Compilation
from batchops.sagemaker.workflow._definition import sagemaker_definition
from batchops.sagemaker.workflow._execution import (
    describe_execution,
    execution_steps,
    execution_summary,
)
from batchops.sagemaker.workflow.pipeline_experiment_config import PipelineExperimentConfig
from batchops.sagemaker.workflow.step_collections import StepCollection
from batchops.settings import sagemaker_account
from batchops.store import executions
from batchops.store.statuses import ExecutionStatus

log = logging.getLogger("batchops.sagemaker")

_DEFAULT = object()
_told: set[tuple[str, str]] = set()


class WaiterError(JobFailed):
    """`wait()` met a terminal failure, as the SDK's waiter raises it."""


class Pipeline:
    def __init__(
        self,
        name: str = "",
        parameters: list[Any] | None = None,
        pipeline_experiment_config: Any = _DEFAULT,
        steps: list[Any] | None = None,
        sagemaker_session: Session | None = None,
        pipeline_definition_config: Any = None,
    ) -> None:
        if pipeline_experiment_config not in (_DEFAULT, None) and not isinstance(
            pipeline_experiment_config, PipelineExperimentConfig
        ):
            raise InvalidInput(
                f"pipeline {name!r}: pipeline_experiment_config must be a "
                "PipelineExperimentConfig or None (give the steps as steps=...)"
            )
        self.name = name
        self.parameters = list(parameters or [])
        self.pipeline_experiment_config = pipeline_experiment_config
        self.steps = list(steps or [])
        self.sagemaker_session = resolve_session(sagemaker_session)

    def _compile(self) -> tuple[BatchopsPipeline, Compilation]:
        compilation = Compilation(self.sagemaker_session.default_bucket(), self.name)
        for item in self._all_items():
            if isinstance(item, StepCollection):
                compilation.collections[item.name] = [s.name for s in item.steps]
        steps = compilation.steps_of(self.steps)
        sagemaker: dict[str, Any] = {"Steps": compilation.sagemaker}
        config = self.pipeline_experiment_config
        if config is None:
            sagemaker["PipelineExperimentConfig"] = None
        elif isinstance(config, PipelineExperimentConfig):
            sagemaker["PipelineExperimentConfig"] = config.to_request()
        pipeline = BatchopsPipeline(
            self.name,
            self.parameters,
            steps,
            metadata={**S3_IN_ARTIFACT_STORE, "SageMaker": sagemaker},
        )
        return pipeline, compilation

    def _all_items(self) -> list[Any]:
        """Every step and collection, branches included."""
        found: list[Any] = []
        pending = list(self.steps)
        while pending:
            item = pending.pop(0)
            found.append(item)
            pending += getattr(item, "steps", [])
            pending += getattr(item, "if_steps", []) + getattr(item, "else_steps", [])
        return found

    def definition(self) -> str:
        """SageMaker's pipeline definition JSON."""
        compiled, _ = self._compile()
        return json.dumps(sagemaker_definition(compiled.definition()))

    def create(
        self, role_arn: str | None = None, description: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        if self._stored_version() is not None:
            raise InvalidInput(f"pipeline {self.name!r} exists already; use upsert() or update()")
        return self.upsert(role_arn, description, **kw)

    def update(
        self, role_arn: str | None = None, description: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        if self._stored_version() is None:
            raise NotFound(f"pipeline {self.name!r} does not exist yet; use create() or upsert()")
        return self.upsert(role_arn, description, **kw)

    def upsert(
        self,
        role_arn: str | None = None,
        description: str | None = None,
        tags: Any = None,
        parallelism_config: Any = None,
    ) -> dict[str, Any]:
        """Store the definition (a new version when it changed); `{"PipelineArn", ...}`."""
        compiled, compilation = self._compile()
        compilation.write_uploads()
        version = upsert_definition(self.name, compiled.definition(), description or "")
        _tell_ignored(self.name, compiled.metadata["SageMaker"]["Steps"])
        return {"PipelineArn": arns.pipeline_arn(self.name), "PipelineVersionId": version}

    def describe(self, pipeline_version_id: int | None = None) -> dict[str, Any]:
        version, definition = get_definition(self.name, pipeline_version_id)
        created = definition_versions(self.name)
        return {
            "PipelineArn": arns.pipeline_arn(self.name),
            "PipelineName": self.name,
            "PipelineDisplayName": self.name,
            "PipelineDefinition": json.dumps(sagemaker_definition(definition)),
            "PipelineStatus": "Active",
            "CreationTime": _moment(created[-1]["created_at"]),
            "LastModifiedTime": _moment(created[0]["created_at"]),
            "PipelineVersionDisplayName": f"version {version}",
        }

    def start(
        self,
        parameters: dict[str, Any] | None = None,
        execution_display_name: str | None = None,
        execution_description: str | None = None,
        parallelism_config: Any = None,
        selective_execution_config: Any = None,
        pipeline_version_id: int | None = None,
    ) -> _PipelineExecution:
        """Run the stored definition (upsert() first): to the end here, or in the background
        with BATCHOPS_SAGEMAKER_ASYNC=1. A failed run returns too; `wait()` raises for it."""
        if selective_execution_config is not None:
            refuse("selective_execution_config", "a retry of the execution reruns what failed")
        if self._stored_version() is None:
            raise NotFound(
                f"pipeline {self.name!r} does not exist: call upsert(role_arn=...) before start()"
            )
        shown = {
            "PipelineExecutionDisplayName": execution_display_name,
            "PipelineExecutionDescription": execution_description,
        }
        shown = {k: v for k, v in shown.items() if v}
        execution = start_execution(
            self.name,
            pipeline_version_id,
            dict(parameters or {}),
            wait=not sagemaker_account().run_in_background,
            trigger={"sagemaker": shown, "chain": []} if shown else None,
        )
        return _PipelineExecution(execution.id, self.sagemaker_session)

    def list_executions(
        self,
        sort_by: str | None = None,
        sort_order: str | None = None,
        max_results: int = 50,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        rows = executions.list_executions(self.name, limit=max_results)
        if sort_order == "Ascending":
            rows.reverse()
        return {"PipelineExecutionSummaries": [execution_summary(r) for r in rows]}

    def delete(self) -> dict[str, Any]:
        refuse(
            "Pipeline.delete", "stored versions stay; executions go with batchops execution delete"
        )

    def _stored_version(self) -> int | None:
        try:
            return get_definition(self.name)[0]
        except NotFound:
            return None


def _moment(text: str | None) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text) if text else None


def _tell_ignored(pipeline: str, steps: dict[str, Any]) -> None:
    """Say once per pipeline (and process) which arguments batchops accepted and ignored."""
    ignored = sorted({name for info in steps.values() for name in info.get("Ignored", [])})
    key = (pipeline, ",".join(ignored))
    if not ignored or key in _told:
        return
    _told.add(key)
    log.warning(
        "pipeline %s: batchops runs every step on this machine and accepted and ignored: %s",
        pipeline,
        ", ".join(ignored),
    )


class _PipelineExecution:
    """A pipeline execution, from its ARN or its batchops execution id."""

    def __init__(self, arn: str, sagemaker_session: Session | None = None) -> None:
        self.execution_id = arns.execution_id_of(arn)
        row = executions.get_execution_row(self.execution_id)
        self.arn = arns.execution_arn(row.pipeline_name, self.execution_id)
        self.sagemaker_session = resolve_session(sagemaker_session)

    def describe(self) -> dict[str, Any]:
        """DescribePipelineExecution's response."""
        return describe_execution(self.execution_id)

    def list_steps(self) -> list[dict[str, Any]]:
        """The steps that started, newest first, each with its Metadata."""
        return execution_steps(self.execution_id)

    def stop(self) -> dict[str, Any]:
        stop_execution(self.execution_id)
        return {"PipelineExecutionArn": self.arn}

    def wait(self, delay: float = 30, max_attempts: int = 60) -> None:
        """Until Succeeded; a Failed (or Stopped) execution raises WaiterError, as does one
        still running after `delay * max_attempts` seconds."""
        deadline = time.monotonic() + delay * max_attempts
        while True:
            status = executions.get_execution_row(self.execution_id).status
            if status == ExecutionStatus.SUCCEEDED:
                return
            if status in (ExecutionStatus.FAILED, ExecutionStatus.STOPPED):
                reason = executions.get_execution_row(self.execution_id).failure_reason
                raise WaiterError(
                    "Waiter PipelineExecutionComplete failed: Waiter encountered a terminal "
                    f'failure state: PipelineExecutionStatus is "{status}" ({reason})'
                )
            if time.monotonic() > deadline:
                raise WaiterError(
                    "Waiter PipelineExecutionComplete failed: Max attempts exceeded "
                    f"({max_attempts} of {delay} s)"
                )
            time.sleep(min(delay, 0.5))

    def __repr__(self) -> str:
        return f"_PipelineExecution(arn={self.arn!r})"


PipelineExecution = _PipelineExecution
"""The execution class under a public name (the SDK's is `_PipelineExecution`)."""

__all__ = ["Pipeline", "PipelineExecution", "WaiterError", "_PipelineExecution"]
