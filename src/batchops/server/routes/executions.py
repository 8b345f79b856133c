"""Executions: list, describe, steps, logs, what they produced, files, retry, stop, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse

from batchops.errors import NotFound
from batchops.runtime.execution import execution_logs, retry_execution, stop_execution
from batchops.runtime.summary import column_labels, summarize_execution
from batchops.server import response_models as models
from batchops.server.auth import Principal, requires
from batchops.server.files import open_recorded, step_files
from batchops.server.pagination import Limit, Offset, page
from batchops.server.responses import json_response
from batchops.store.execution_records import StepRecord
from batchops.store.executions import count_executions, execution_record, list_executions
from batchops.store.tokens import Role

router = APIRouter(prefix="/api/executions", tags=["executions"])
Text = Annotated[str | None, Query(max_length=256)]


@router.get(
    "", response_model=models.Page[models.ExecutionItem], dependencies=[requires(Role.VIEWER)]
)
def executions(
    request: Request,
    pipeline: Text = None,
    status: Text = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    """Executions newest first (the objects of `execution list --json`)."""
    items = list_executions(pipeline, limit=limit, status=status, offset=offset)
    return json_response(page(request, items, count_executions(pipeline, status), limit, offset))


@router.get(
    "/{execution_id}", response_model=models.Execution, dependencies=[requires(Role.VIEWER)]
)
def execution(execution_id: str) -> Response:
    """The execution's JSON object (`execution describe --json`)."""
    return json_response(execution_record(execution_id).to_json())


@router.get(
    "/{execution_id}/live", response_model=models.LiveStatus, dependencies=[requires(Role.VIEWER)]
)
def live(execution_id: str) -> Response:
    """Just the statuses, for a page that polls while the execution runs."""
    found = execution_record(execution_id)
    steps = (step.to_json() for step in found.steps)
    timings = {
        s["name"]: {"status": s["status"], "started_at": s["started_at"], "ended_at": s["ended_at"]}
        for s in steps
    }
    return json_response({"id": found.id, "status": found.status, "steps": timings})


@router.get(
    "/{execution_id}/steps",
    response_model=list[models.Step],
    dependencies=[requires(Role.VIEWER)],
)
def steps(execution_id: str) -> Response:
    """Each step's record: status, timing, inputs, outputs, properties."""
    return json_response([step.to_json() for step in execution_record(execution_id).steps])


@router.get("/{execution_id}/logs", dependencies=[requires(Role.VIEWER)])
def logs(execution_id: str, step: Text = None) -> dict[str, str]:
    """Each step's captured output (or one step's), by step name."""
    return execution_logs(execution_id, step)


@router.get(
    "/{execution_id}/summary", response_model=models.Summary, dependencies=[requires(Role.VIEWER)]
)
def summary(execution_id: str) -> Response:
    """What it produced: rows scored, violations, baselines, metrics, versions registered."""
    return json_response(summarize_execution(execution_record(execution_id)).to_json())


@router.get(
    "/{execution_id}/lineage",
    response_model=models.ExecutionLineage,
    dependencies=[requires(Role.VIEWER)],
)
def lineage(execution_id: str) -> Response:
    """Versions it registered and used, its inputs and outputs."""
    from batchops.registry import execution_lineage

    return json_response(execution_lineage(execution_id))


def _step(execution_id: str, name: str) -> StepRecord:
    return execution_record(execution_id).step(name)


@router.get("/{execution_id}/steps/{step}/files", dependencies=[requires(Role.VIEWER)])
def files(execution_id: str, step: str) -> dict[str, str]:
    """The viewable files the step's record names, by name."""
    return step_files(_step(execution_id, step))


@router.get(
    "/{execution_id}/steps/{step}/files/{name}",
    dependencies=[requires(Role.VIEWER)],
    response_class=FileResponse,
    responses=models.FILE,
)
def file(execution_id: str, step: str, name: str) -> Response:
    """One of those files, opened by its recorded URI under the artifact root."""
    found = step_files(_step(execution_id, step))
    return open_recorded(found, name, f"step {step} of execution {execution_id}")


@router.get(
    "/{execution_id}/steps/{step}/statistics",
    response_model=list[models.StatisticsRow],
    dependencies=[requires(Role.VIEWER)],
)
def statistics(execution_id: str, step: str) -> Response:
    """The step's statistics.json as rows: type, completeness, mean, std, min, max, distinct."""
    from batchops.monitor.file_views import statistics_rows

    record = execution_record(execution_id)
    found = step_files(record.step(step))
    if "statistics.json" not in found:
        raise NotFound(f"step {step} of execution {execution_id} recorded no statistics.json")
    return json_response(statistics_rows(found["statistics.json"], column_labels(record, step)))


@router.post("/{execution_id}/retry", response_model=models.Execution)
def retry(execution_id: str, principal: Principal = requires(Role.APPROVER)) -> Response:
    """Run again the steps that did not succeed (in the background)."""
    retry_execution(execution_id, user=principal.user)
    return json_response(execution_record(execution_id).to_json())


@router.post("/{execution_id}/stop", response_model=models.Execution)
def stop(execution_id: str, principal: Principal = requires(Role.APPROVER)) -> Response:
    """Ask the runner to stop; idempotent for a Stopped execution, 409 for one that ended."""
    stop_execution(execution_id, principal.user)
    return json_response(execution_record(execution_id).to_json())


@router.delete(
    "/{execution_id}", response_model=models.ExecutionDeleted, dependencies=[requires(Role.ADMIN)]
)
def delete(execution_id: str) -> Response:
    """Delete an ended execution's record and the files no model version uses."""
    from batchops.runtime.cleanup import delete_execution

    removal = delete_execution(execution_id)
    return json_response(
        {"deleted": execution_id, "files_removed": len(removal.files), "bytes": removal.bytes}
    )
