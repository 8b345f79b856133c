"""Runs a ProcessingStep: stage inputs, run the script in its own process, publish outputs.

Inputs are staged, the script run and its outputs published in one job (`process`), on this
host or on a Dask worker: inputs are staged from the artifact store into the job's folder and
its outputs published back from there.

Where Linux gives a private mount namespace (`batchops.runtime.sandbox`), the script runs as
SageMaker runs it, unchanged: `python3 /opt/ml/processing/input/code/<file> <arguments>` with
its inputs and outputs at the `/opt/ml/processing/...` paths the step declared and `/` as its
working folder; what it writes elsewhere is discarded. Elsewhere it runs in the step's
working folder and finds that folder in `$BATCHOPS_PROCESSING_DIR`; a script whose text
hard-codes `/opt/ml/` (and does not read that variable) is refused before it runs, since it
would fail there or write into the host's `/opt/ml`. Whether a private root is available is
decided where the job runs (a worker's own machine).

The code (a local path or any URI the store reads) is snapshotted into the execution's
folder of the artifact store, by content digest, as SageMaker uploads it: what ran stays
known after the file changes. A step on a framework image runs with the environment whose
libraries behave like the image's (`batchops.runtime.frameworks`), found or built where the
job runs: a worker uses its BATCHOPS_ENVIRONMENTS folder (built ahead into the worker's image,
or shared), else builds it there once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from batchops.errors import BatchopsError, EnvironmentProblem, InvalidInput
from batchops.pipeline.graph import StepNode
from batchops.pipeline.steps.processing import SAGEMAKER_PROCESSING_ROOT, ProcessingArguments
from batchops.runtime import sandbox
from batchops.runtime.context import StepContext, StepOutcome, Workspace
from batchops.runtime.frameworks import Interpreter, interpreter_for
from batchops.runtime.runners.staging import child_environment, run_process, stage
from batchops.store import artifacts
from batchops.store.code_snapshots import code_location, is_snapshot_reference

CODE_FOLDER = f"{SAGEMAKER_PROCESSING_ROOT}/input/code"
HARD_CODED = "/opt/ml/"
PROCESSING_DIR = "BATCHOPS_PROCESSING_DIR"
# What a framework environment must not inherit from batchops's own interpreter.
_INTERPRETER_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")


@dataclass(frozen=True)
class StoredCode:
    """The script as the store keeps it: what the definition named, the store's copy (which
    a worker reads too) and its bytes' digest."""

    source: str
    uri: str
    sha256: str
    name: str


@dataclass(frozen=True)
class RunnableCode:
    """The stored script copied into the job's folder to run from."""

    stored: StoredCode
    local: Path

    @property
    def name(self) -> str:
        return self.stored.name

    @property
    def source(self) -> str:
        return self.stored.source


def run_processing(node: StepNode, context: StepContext) -> StepOutcome:
    args = ProcessingArguments.from_json(context.arguments(node))
    code = snapshot_code(args.code, node.name, context)
    inputs = {staged.input_name: str(staged.source) for staged in args.inputs}
    store = artifacts.artifacts_root()
    published = context.on_worker(process, args, code, store)
    outputs = {name: own for name, (own, _) in published.items()}
    locations = {name: read_at for name, (_, read_at) in published.items()}
    arguments = [str(a) for a in args.container_arguments]
    property_files = {}
    for pf in args.property_files:
        uri = artifacts.join(outputs[pf.output_name], pf.path)
        if not artifacts.exists(uri):
            raise InvalidInput(
                f"step {node.name}: the script wrote no property file {pf.path!r} "
                f"into output {pf.output_name!r}"
            )
        property_files[pf.name] = uri
    app: dict[str, object] = {
        "ContainerEntrypoint": ["python3", f"{CODE_FOLDER}/{code.name}"],
        "ContainerArguments": arguments,
    }
    if args.image_uri is not None:
        app["ImageUri"] = args.image_uri
    return StepOutcome(
        properties={
            "ProcessingJobStatus": "Completed",
            "ProcessingInputs": inputs,
            "ProcessingOutputConfig": {
                "Outputs": {
                    name: {"OutputName": name, "S3Output": {"S3Uri": uri}}
                    for name, uri in locations.items()
                }
            },
            "PropertyFiles": property_files,
            "AppSpecification": app,
            "ProcessingCode": {"Source": code.source, "Uri": code.uri, "Sha256": code.sha256},
        },
        outputs=outputs,
    )


def process(
    workspace: Workspace, args: ProcessingArguments, stored: StoredCode, store: str
) -> dict[str, tuple[str, str]]:
    """Stage the inputs, run the script, publish the outputs: for each, (the execution's
    copy, where it is read). `store` is the orchestrating host's artifact store."""
    root = workspace.work_dir
    code = runnable_code(stored, workspace)
    for staged in args.inputs:
        stage(str(staged.source), root / staged.destination)
    for output in args.outputs:
        (root / output.source).mkdir(parents=True, exist_ok=True)
    interpreter = interpreter_for(args.image_uri, workspace.log)
    workspace.log(f"python: {interpreter.description}")
    environment = {str(k): str(v) for k, v in args.environment.items()}
    arguments = [str(a) for a in args.container_arguments]
    support = sandbox.support()
    if support.tool is not None:
        private = processing_root(args, root, code, interpreter, store)
        script = f"{CODE_FOLDER}/{code.name}"
        command = sandbox.command(
            private, [str(interpreter.python), script, *arguments], support.tool, root / ".root"
        )
        environment.update({PROCESSING_DIR: SAGEMAKER_PROCESSING_ROOT, "TMPDIR": "/tmp"})
        workspace.log(
            f"private root ({support.tool}): the step's folders at {SAGEMAKER_PROCESSING_ROOT}, "
            f"the script at {script}, working folder /; writes elsewhere are discarded"
        )
    else:
        refuse_hard_coded_paths(code, workspace.step_name, support.reason)
        command = [str(interpreter.python), str(_runnable(code)), *arguments]
        environment[PROCESSING_DIR] = str(root)
        workspace.log(f"no private root here ({support.reason}): {PROCESSING_DIR}={root}")
    run_process(
        command,
        workspace,
        env=_environment(environment, interpreter),
        cwd=root,
        program=code.name if support.tool is not None else None,
    )
    return {
        output.output_name: workspace.publish_to(
            root / output.source, output.output_name, output.destination
        )
        for output in args.outputs
    }


def snapshot_code(code: str, step: str, context: StepContext) -> StoredCode:
    """The script `code` names, in the artifact store: a snapshot the definition stored
    (checked against its digest where the job reads it), or a path or URI read now and kept
    in the execution's store under its digest."""
    if is_snapshot_reference(code):
        try:
            uri = code_location(code)
        except BatchopsError as error:
            raise type(error)(f"step {step}: {error}") from None
        _, digest, name = code.split("/")
    else:
        data, name = _read_code(code, step)
        digest = hashlib.sha256(data).hexdigest()
        execution = artifacts.execution_output_uri(context.pipeline, context.execution_id)
        uri = artifacts.join(execution, context.step_name, "_code", digest, name)
        if not artifacts.exists(uri):
            artifacts.write_bytes(uri, data)
    context.log(f"code: {code} (sha256 {digest}), kept at {uri}")
    return StoredCode(code, uri, digest, name)


def runnable_code(stored: StoredCode, workspace: Workspace) -> RunnableCode:
    """The stored script copied into the job's folder, its digest checked again (a worker
    reads it from the store)."""
    data = artifacts.read_bytes(stored.uri)
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        raise InvalidInput(
            f"step {workspace.step_name}: code {stored.source} at {stored.uri} no longer "
            "matches its digest; it was changed"
        )
    local = workspace.work_dir / ".code" / stored.name
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(data)
    return RunnableCode(stored, local)


def _read_code(code: str, step: str) -> tuple[bytes, str]:
    try:
        data = artifacts.read_bytes(code)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise InvalidInput(f"step {step}: script {code} does not exist") from None
    except OSError as error:
        raise InvalidInput(f"step {step}: cannot read script {code}: {error}") from error
    name = code.rstrip("/").rpartition("/")[2]
    if not name or name in (".", ".."):
        raise InvalidInput(f"step {step}: code {code!r} does not name a file")
    return data, name


def processing_root(
    args: ProcessingArguments,
    work_dir: Path,
    code: RunnableCode,
    interpreter: Interpreter,
    store: str,
) -> sandbox.PrivateRoot:
    """The private root of a processing step: the system and the interpreter read-only, the
    staged inputs read-only and the outputs writable at /opt/ml/processing/<destination>,
    the code at /opt/ml/processing/input/code/<file>; a local artifact store `store`
    read-only at its own path (when this machine has it), so paths of stored files passed
    as arguments still open."""
    builder = sandbox.RootBuilder()
    builder.host_paths(sandbox.interpreter_paths(interpreter.python))
    if artifacts.is_local(store) and artifacts.local_path(store).exists():
        builder.host_paths([artifacts.local_path(store)])
    for destination in sorted({staged.destination for staged in args.inputs}):
        for entry in sorted((work_dir / destination).iterdir()):
            target = f"{SAGEMAKER_PROCESSING_ROOT}/{destination}/{entry.name}"
            builder.read_only(entry.resolve(), target)
    for output in args.outputs:
        builder.writable(work_dir / output.source, f"{SAGEMAKER_PROCESSING_ROOT}/{output.source}")
    builder.read_only(code.local, f"{CODE_FOLDER}/{code.name}")
    return builder.build(cwd="/")


def refuse_hard_coded_paths(code: RunnableCode, step: str, reason: str) -> None:
    """Without a private root, a script that names /opt/ml/ itself cannot run as written."""
    text = code.local.read_bytes().decode("utf-8", errors="replace")
    if HARD_CODED in text and PROCESSING_DIR not in text:
        raise EnvironmentProblem(
            f"step {step}: {code.name} hard-codes {HARD_CODED}processing, which batchops gives "
            f"a script only in a private root, not available here ({reason}): on Linux install "
            "bubblewrap (apt-get install bubblewrap) or run batchops as root (unshare), or make "
            f"the script read ${PROCESSING_DIR}"
        )


def _runnable(code: RunnableCode) -> Path:
    """Without a sandbox a local script runs where it is (its sibling modules import)."""
    if (
        not is_snapshot_reference(code.source)
        and artifacts.is_local(code.source)
        and artifacts.local_path(code.source).is_file()
    ):
        return artifacts.local_path(code.source)
    return code.local


def _environment(extra: dict[str, str], interpreter: Interpreter) -> dict[str, str]:
    environment = child_environment(extra)
    if interpreter.framework_environment:
        for name in _INTERPRETER_VARIABLES:
            environment.pop(name, None)
    return environment
