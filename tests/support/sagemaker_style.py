"""A processing step written the SageMaker way, and what it must not leave on the host.

The script hard-codes `/opt/ml/processing/...`, expects `/` as its working folder, untars
its model with `extractall("..")` (from `/`, that is `/` itself) as the walkthrough's
evaluation.py does, and writes outside its outputs: into `/`, `/tmp` and an input folder.
Used by the sandbox tests as root and, through `setpriv`, as an unprivileged user.
"""

from __future__ import annotations

import io
import json
import tarfile
import textwrap
from pathlib import Path
from typing import Any

SCRIPT = """
import json, os, sys, tarfile

base = "/opt/ml/processing"
start = os.getcwd()
rows = open(f"{base}/input/data/rows.csv").read().splitlines()
with tarfile.open(f"{base}/model/model.tar.gz") as archive:
    archive.extractall("..")
note = open("note.txt").read()
open("/scratch.txt", "w").write("written into the private root")
open("/tmp/scratch.txt", "w").write("written into the private /tmp")
open(f"{base}/input/data/added.txt", "w").write("a new file in an input folder")
try:
    open(f"{base}/input/data/rows.csv", "a").write("changed")
    input_file = "changed"
except OSError as error:
    input_file = error.strerror
os.makedirs(f"{base}/elsewhere", exist_ok=True)
open(f"{base}/elsewhere/x.txt", "w").write("not an output")
result = {
    "cwd": start,
    "script": __file__,
    "rows": len(rows),
    "note": note,
    "argv": sys.argv[1:],
    "greeting": os.environ.get("GREETING"),
    "input_file": input_file,
}
with open(f"{base}/output/result.json", "w") as handle:
    json.dump(result, handle)
print("done", json.dumps(result))
"""

# Where the script writes that is not an output; none of it may exist on the host afterwards.
HOST_TRACES = ("/opt/ml", "/scratch.txt", "/note.txt", "/tmp/scratch.txt")


def prepare(folder: Path) -> Path:
    """The script, its data and a model archive holding note.txt, under `folder`."""
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "rows.csv").write_text("1,2\n3,4\n5,6\n")
    (folder / "model").mkdir()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        payload = b"extracted into /"
        info = tarfile.TarInfo("note.txt")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    (folder / "model" / "model.tar.gz").write_bytes(buffer.getvalue())
    script = folder / "script.py"
    script.write_text(textwrap.dedent(SCRIPT))
    return script


def run(folder: Path) -> dict[str, Any]:
    """Run the step in a pipeline of its own; the execution, its result and its log."""
    from batchops.pipeline import Pipeline, ProcessingInput, ProcessingOutput, ProcessingStep
    from batchops.runtime.executor import logs_of

    script = prepare(folder)
    step = ProcessingStep(
        "Evaluate",
        code=script,
        inputs=[
            ProcessingInput(str(folder / "data"), "/opt/ml/processing/input/data"),
            ProcessingInput(str(folder / "model"), "/opt/ml/processing/model"),
        ],
        outputs=[ProcessingOutput("result", "/opt/ml/processing/output")],
        job_arguments=["--alpha", "1"],
        environment={"GREETING": "hello"},
    )
    execution = Pipeline("sagemaker-style", [], [step]).start(wait=True)
    described = execution.describe()
    found: dict[str, Any] = {"execution": described, "log": logs_of(execution.id)["Evaluate"]}
    if described["status"] == "Succeeded":
        output = Path(described["steps"][0]["outputs"]["result"])
        found["result"] = json.loads((output / "result.json").read_text())
        found["output_files"] = sorted(p.name for p in output.iterdir())
    return found


def host_traces(folder: Path, home: Path) -> list[str]:
    """What the run left on the host outside its outputs (empty when nothing)."""
    left = [path for path in HOST_TRACES if Path(path).exists()]
    if (folder / "data" / "added.txt").exists():
        left.append(str(folder / "data" / "added.txt"))
    if (folder / "data" / "rows.csv").read_text() != "1,2\n3,4\n5,6\n":
        left.append(f"{folder / 'data' / 'rows.csv'} changed")
    work = home / "work"
    if work.exists():
        left += [str(p) for p in work.rglob("*")]
    return left
