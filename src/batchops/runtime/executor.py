"""The loop that runs one execution: ready steps in parallel, statuses recorded as they change.

A step runs when everything it depends on succeeded. A failed step skips what depends on
it; a condition's untaken branch is NotExecuted. Steps already Succeeded (a retry) are not
run again: their recorded properties feed the steps after them.

With a Dask cluster (`dask`, BATCHOPS_DASK_ADDRESS) each step's work runs there
(batchops.runtime.on_cluster) and this process only orchestrates and records.

A stop (`execution stop`, or Ctrl-C reaching this process) lets the running steps end (child
processes terminated, in-process steps at their next checkpoint) as Stopped, settles the
steps not started as NotExecuted, and ends the execution Stopped: a retry resumes it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import traceback
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from enum import Enum
from pathlib import Path
from typing import IO, Any

from batchops.crashpoints import NO_CRASH, CrashPoints, step_ran, step_started
from batchops.data.cluster import dask_address
from batchops.errors import BatchopsError, JobFailed
from batchops.pipeline.graph import PipelineGraph, StepNode
from batchops.pipeline.pipeline import S3_IN_ARTIFACT_STORE
from batchops.pipeline.references import ResolutionContext
from batchops.pipeline.steps.types import StepType
from batchops.runtime import arns, cache
from batchops.runtime.catalog import get_definition
from batchops.runtime.context import StepContext, StepFailed, StepOutcome
from batchops.runtime.control import ExecutionInterrupted, StopSignal, Supervisor
from batchops.runtime.on_cluster import StepCluster
from batchops.runtime.runners import runner_for
from batchops.runtime.step_logs import open_step_log, read_log, step_log_uri
from batchops.settings import get_settings
from batchops.store import artifacts, executions
from batchops.store.db import database_folder
from batchops.store.disks import (
    RESERVE_BYTES,
    Reserve,
    disk_full_text,
    free_bytes,
    says_disk_full,
)
from batchops.store.statuses import ExecutionStatus, StepStatus

EventCallback = Callable[[str, StepStatus, str], None]
"""Told of every step status change: (step name, its new status, a message or "")."""
MAX_PARALLEL_STEPS = 4

_BLOCKING = (StepStatus.FAILED, StepStatus.SKIPPED)  # what makes the steps after it Skipped


class _Readiness(Enum):
    READY = "ready"
    WAIT = "wait"


_READY, _WAIT = _Readiness.READY, _Readiness.WAIT
_Verdict = _Readiness | StepStatus


class Executor:
    def __init__(
        self,
        execution_id: str,
        on_event: EventCallback | None = None,
        crash_points: CrashPoints = NO_CRASH,
        dask: str | None = None,
    ) -> None:
        self.execution_id = execution_id
        address = dask_address(dask)
        self.cluster = StepCluster(address) if address else None
        self.crash_points = crash_points
        self.on_event = on_event or (lambda step, status, message: None)
        row = executions.get_execution_row(execution_id)
        self.pipeline = row.pipeline_name
        self.parameters = dict(row.parameters)
        self.started_at = row.started_at
        _, definition = get_definition(row.pipeline_name, row.pipeline_version)
        self.graph = PipelineGraph.from_definition(definition)
        metadata = definition.get("Metadata") or {}
        in_store = all(metadata.get(k) == v for k, v in S3_IN_ARTIFACT_STORE.items())
        self.uri_map = artifacts.resolve_sdk_s3 if in_store else None
        rows = executions.step_rows(execution_id)
        self.status = {r.name: StepStatus(r.status) for r in rows}
        self.attempts = {r.name: r.attempt for r in rows}
        self.properties = {r.name: r.properties for r in rows if r.status == StepStatus.SUCCEEDED}
        self.failures: dict[str, str] = {}
        self.stop = StopSignal()
        home = get_settings().home
        self.work_root = home / "work" / execution_id
        self.reserve = Reserve(database_folder() or home, execution_id)

    def run(self) -> ExecutionStatus:
        """Run to the end; on Ctrl-C stop cleanly, end Stopped, raise ExecutionInterrupted."""
        settings = get_settings()
        executions.claim_runner(self.execution_id, os.getpid(), socket.gethostname())
        interrupted = False
        running: dict[Future[StepOutcome | None], str] = {}
        if not self.reserve.hold() and self._no_room():
            return self._end_without_room()
        try:
            with (
                Supervisor(self.execution_id, self.stop, settings.heartbeat_timeout),
                ThreadPoolExecutor(MAX_PARALLEL_STEPS, thread_name_prefix="step") as pool,
            ):
                while True:
                    try:
                        self._schedule(pool, running)
                        if not running:
                            break
                        done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                        for future in done:
                            running.pop(future, None)
                    except KeyboardInterrupt:
                        interrupted = True
                        self._stop_here(settings.user)
            status = self._finish()
        finally:
            self.reserve.release()
            if self.cluster is not None:
                self.cluster.close()
        if interrupted:
            raise ExecutionInterrupted(self.execution_id)
        return status

    def _no_room(self) -> bool:
        """Whether the reserve's disk (the database's) has less room than the reserve."""
        try:
            return free_bytes(self.reserve.path.parent) < RESERVE_BYTES
        except OSError:
            return False

    def _end_without_room(self) -> ExecutionStatus:
        """The database's disk has not even room for the reserve: the run would fill it and
        leave nothing to record its end, so it ends Failed now, while it still can."""
        return self._end_failed(disk_full_text([self.reserve.path.parent], "the run began"))

    def _end_failed(self, message: str) -> ExecutionStatus:
        executions.update_execution(
            self.execution_id,
            status=ExecutionStatus.FAILED,
            ended_at=executions.now(),
            failure_reason=message,
        )
        return ExecutionStatus.FAILED

    def _schedule(
        self, pool: ThreadPoolExecutor, running: dict[Future[StepOutcome | None], str]
    ) -> None:
        """Start every ready step, settle those that will not run; none start once stopped."""
        for name in self.graph.order():
            if self.status[name] is not StepStatus.PENDING or name in running.values():
                continue
            if self.stop.is_set:
                self._settle_unrun(name, StepStatus.NOT_EXECUTED)
                continue
            verdict = self._readiness(self.graph.steps[name])
            if verdict is _READY:
                running[pool.submit(self._run_guarded, self.graph.steps[name])] = name
            elif isinstance(verdict, StepStatus):
                self._settle_unrun(name, verdict)

    def _stop_here(self, user: str) -> None:
        """Ctrl-C: leave the request in the database too, so every reader sees who stopped it."""
        self.stop.stop(user)
        executions.update_execution(
            self.execution_id, stop_requested_at=executions.now(), stop_requested_by=user
        )

    def _readiness(self, node: StepNode) -> _Verdict:
        """Run it now, wait for what it depends on, or settle it unrun with that status."""
        states = [self.status[d] for d in node.depends_on]
        if any(s in _BLOCKING for s in states):
            return StepStatus.SKIPPED
        if any(s is StepStatus.NOT_EXECUTED for s in states):
            return StepStatus.NOT_EXECUTED
        if not all(s is StepStatus.SUCCEEDED for s in states):
            return _WAIT
        if node.branch is not None:
            condition, outcome = node.branch
            if bool(self.properties[condition].get("Outcome")) != outcome:
                return StepStatus.NOT_EXECUTED
        return _READY

    def _settle_unrun(self, name: str, status: StepStatus) -> None:
        failed = sorted(d for d in self.graph.steps[name].depends_on if self.status[d] in _BLOCKING)
        reason = (
            f"not run because {', '.join(failed)} did not succeed"
            if status is StepStatus.SKIPPED
            else self.stop.reason
            if self.stop.is_set
            else None
        )
        self.status[name] = status
        executions.update_step(self.execution_id, name, status=status, failure_reason=reason)
        self.on_event(name, status, reason or "")

    def _resolution(self) -> ResolutionContext:
        execution = {
            "PipelineExecutionId": self.execution_id,
            "PipelineExecutionArn": arns.execution_arn(self.pipeline, self.execution_id),
            "PipelineName": self.pipeline,
            "PipelineArn": arns.pipeline_arn(self.pipeline),
            "StartDateTime": self.started_at.isoformat(),
            "CurrentDateTime": executions.now().isoformat(),
        }
        return ResolutionContext(
            parameters=self.parameters,
            execution=execution,
            step_properties=self.properties,
            read_property_file=self._read_property_file,
        )

    def _read_property_file(self, step: str, name: str) -> Any:
        uri = self.properties.get(step, {}).get("PropertyFiles", {}).get(name)
        if uri is None:
            raise BatchopsError(f"step {step!r} published no property file {name!r}")
        try:
            return json.loads(artifacts.read_text(uri))
        except (OSError, json.JSONDecodeError) as error:
            raise BatchopsError(
                f"property file {name!r} of step {step!r} ({uri}): {error}"
            ) from error

    def _run_step(self, node: StepNode) -> StepOutcome | None:
        if self.stop.is_set:  # stopped between being scheduled and starting
            self._settle_unrun(node.name, StepStatus.NOT_EXECUTED)
            return None
        attempt = self.attempts.get(node.name, 0) + 1
        self.attempts[node.name] = attempt
        work_dir = self.work_root / node.name
        shutil.rmtree(work_dir, ignore_errors=True)
        work_dir.mkdir(parents=True)
        log_uri = step_log_uri(self.pipeline, self.execution_id, node.name)
        self.status[node.name] = StepStatus.EXECUTING
        executions.update_step(
            self.execution_id,
            node.name,
            status=StepStatus.EXECUTING,
            attempt=attempt,
            started_at=executions.now(),
            ended_at=None,
            log_uri=log_uri,
        )
        self.on_event(node.name, StepStatus.EXECUTING, "")
        self.crash_points.reached(step_started(node.name))
        local_log = self.work_root / f"{node.name}.log"  # an object store's copy being written
        try:
            with open_step_log(log_uri, local_log) as log_file:
                outcome = self._attempt(node, attempt, work_dir, log_file)
        except Exception as error:  # the log itself could not be read or kept in the store
            if self.status[node.name] in (StepStatus.FAILED, StepStatus.STOPPED):
                return None  # recorded; only closing its log failed
            message = self._failure_text(node, error, f"cannot keep the step's log: {error}")
            self._fail(node, None, message)
            return None
        if outcome is None:
            return None
        self.crash_points.reached(step_ran(node.name))
        shutil.rmtree(work_dir, ignore_errors=True)
        self.properties[node.name] = outcome.properties
        self.status[node.name] = StepStatus.SUCCEEDED
        executions.update_step(
            self.execution_id,
            node.name,
            status=StepStatus.SUCCEEDED,
            ended_at=executions.now(),
            properties=outcome.properties,
            outputs=outcome.outputs,
        )
        self.on_event(node.name, StepStatus.SUCCEEDED, "")
        return outcome

    def _run_guarded(self, node: StepNode) -> StepOutcome | None:
        """`_run_step`; a step that failed even to record its failure (its log or its folder
        on a full disk) is still settled Failed here, never left Executing."""
        try:
            return self._run_step(node)
        except Exception as error:
            if self.status[node.name] in (StepStatus.FAILED, StepStatus.STOPPED):
                return None  # recorded; only closing its log failed
            message = self._failure_text(node, error, f"{type(error).__name__}: {error}")
            self._fail(node, None, message)
            return None

    def _failure_text(self, node: StepNode, error: BaseException, message: str) -> str:
        """`message`, or for a full disk one line naming the disk and the step. The run's
        reserve and the step's working folder (what the step was writing, which nothing
        later uses) go first: the room they free lets the failure be recorded."""
        if not says_disk_full(error, message):
            return message
        self.reserve.release()
        shutil.rmtree(self.work_root / node.name, ignore_errors=True)
        places: list[str | Path] = [self.work_root.parent]
        root = artifacts.artifacts_root()
        if artifacts.is_local(root):
            places.append(artifacts.local_path(root))
        return disk_full_text(places, f"step {node.name} wrote its files")

    @staticmethod
    def _log_quietly(context: StepContext | None, message: str) -> None:
        """Log, unless the log itself cannot be written (its disk is full): the failure is
        still recorded in the database."""
        if context is not None:
            with contextlib.suppress(OSError):
                context.log(message)

    def _attempt(
        self, node: StepNode, attempt: int, work_dir: Path, log_file: IO[str]
    ) -> StepOutcome | None:
        """Run the step once with its log open; None when it failed or stopped (recorded)."""
        started = executions.now().isoformat()
        log_file.write(f"--- {node.name} ({node.type}), attempt {attempt}, {started}\n")
        context = StepContext(
            execution_id=self.execution_id,
            pipeline=self.pipeline,
            step_name=node.name,
            step_type=node.type,
            output_root=artifacts.join(
                artifacts.execution_output_uri(self.pipeline, self.execution_id), node.name
            ),
            work_dir=work_dir,
            log_file=log_file,
            resolution=self._resolution(),
            stop=self.stop,
            crash_points=self.crash_points,
            cluster=self.cluster,
            uri_map=self.uri_map,
        )
        try:
            return self._run_or_reuse(node, context)
        except Exception as error:
            if self.stop.is_set:
                self._fail(node, context, self.stop.reason, StepStatus.STOPPED)
            elif isinstance(error, (StepFailed, BatchopsError, JobFailed)):
                self._fail(node, context, self._failure_text(node, error, str(error)))
            else:  # a runner bug must still end the step, with its trace logged
                self._log_quietly(context, traceback.format_exc())
                message = f"{type(error).__name__}: {error}"
                self._fail(node, context, self._failure_text(node, error, message))
            return None

    def _run_or_reuse(self, node: StepNode, context: StepContext) -> StepOutcome:
        run = runner_for(node.type)
        if StepType(node.type).steers_flow:
            return run(node, context)
        resolved = context.arguments(node)
        executions.update_step(self.execution_id, node.name, inputs=resolved)
        if not cache.enabled(node.cache):
            return run(node, context)
        key = cache.cache_key(node.type, resolved)
        earlier = executions.find_cached_run(
            self.pipeline, key, cache.not_before(node.cache, executions.now())
        )
        if earlier is not None and all(artifacts.exists(u) for u in earlier.outputs.values()):
            context.log(
                f"cache hit: reusing step {node.name!r} of execution {earlier.execution_id}"
            )
            executions.update_step(
                self.execution_id, node.name, cache_key=key, cached_from=earlier.execution_id
            )
            return StepOutcome(dict(earlier.properties), dict(earlier.outputs))
        outcome = run(node, context)
        executions.update_step(self.execution_id, node.name, cache_key=key, cached_from=None)
        return outcome

    def _fail(
        self,
        node: StepNode,
        context: StepContext | None,
        message: str,
        status: StepStatus = StepStatus.FAILED,
    ) -> None:
        self._log_quietly(context, f"{status.upper()}: {message}")
        self.status[node.name] = status
        self.failures[node.name] = message
        executions.update_step(
            self.execution_id,
            node.name,
            status=status,
            ended_at=executions.now(),
            failure_reason=message,
        )
        self.on_event(node.name, status, message)
        return None

    def _finish(self) -> ExecutionStatus:
        unfinished = {StepStatus.STOPPED, StepStatus.NOT_EXECUTED, StepStatus.PENDING}
        if self.stop.is_set and any(s in unfinished for s in self.status.values()):
            executions.update_execution(
                self.execution_id,
                status=ExecutionStatus.STOPPED,
                ended_at=executions.now(),
                failure_reason=self.stop.reason,
            )
            return ExecutionStatus.STOPPED
        failed = [n for n in self.graph.order() if self.status[n] is StepStatus.FAILED]
        if failed:
            first = failed[0]
            node = self.graph.steps[first]
            reason = self.failures.get(first) or "failed"
            message = reason if node.type == StepType.FAIL else f"step {first} failed: {reason}"
            return self._end_failed(message)
        executions.update_execution(
            self.execution_id, status=ExecutionStatus.SUCCEEDED, ended_at=executions.now()
        )
        shutil.rmtree(self.work_root, ignore_errors=True)
        return ExecutionStatus.SUCCEEDED


def run_execution(
    execution_id: str,
    on_event: EventCallback | None = None,
    crash_points: CrashPoints = NO_CRASH,
    dask: str | None = None,
) -> ExecutionStatus:
    """Run the execution here; its steps' work on the Dask cluster at `dask` (default
    BATCHOPS_DASK_ADDRESS; neither: on this host)."""
    return Executor(execution_id, on_event, crash_points, dask).run()


def logs_of(execution_id: str, step: str | None = None) -> dict[str, str]:
    """Each step's log text, in run order."""
    result: dict[str, str] = {}
    for row in executions.step_rows(execution_id):
        if step and row.name != step:
            continue
        text = read_log(row.log_uri) if row.log_uri else None
        if text is not None:
            result[row.name] = text
    return result
