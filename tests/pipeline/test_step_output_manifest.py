"""A step's published output carries a manifest naming the execution and step; a later step
given a folder whose files no longer match it fails, naming the folder and the file."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from batchops.pipeline import Pipeline, ProcessingInput, ProcessingOutput, ProcessingStep
from batchops.registry import execution_lineage
from batchops.store.outputs import MANIFEST_NAME, OutputStatus, verify_output

WRITE = """
import os, pathlib
base = pathlib.Path(os.environ["BATCHOPS_PROCESSING_DIR"])
inputs = base / "input"  # as on SageMaker, it may also hold the code/ folder
names = sorted(p.name for p in inputs.iterdir() if p.is_file()) if inputs.exists() else []
(base / "out").mkdir(exist_ok=True)
(base / "out" / "result.txt").write_text(",".join(names) or "first")
"""


def _step(script: Path, name: str, source: str | None = None) -> ProcessingStep:
    inputs = [ProcessingInput(source, "input")] if source else []
    return ProcessingStep(
        name, code=script, inputs=inputs, outputs=[ProcessingOutput("out", "out")]
    )


def test_published_outputs_have_a_manifest_and_downstream_refuses_a_tampered_one(
    tmp_path: Path,
) -> None:
    script = tmp_path / "write.py"
    script.write_text(textwrap.dedent(WRITE))
    made = Pipeline("makes", [], [_step(script, "Make")]).start(wait=True).describe()
    assert made["status"] == "Succeeded", made["failure_reason"]
    folder = Path(made["steps"][0]["outputs"]["out"])

    manifest = json.loads((folder / MANIFEST_NAME).read_text())
    assert manifest["complete"] is True
    assert (manifest["execution_id"], manifest["step"]) == (made["id"], "Make")
    assert [f["name"] for f in manifest["files"]] == ["result.txt"]
    assert verify_output(folder).status == OutputStatus.COMPLETE
    assert execution_lineage(made["id"])["execution"]["outputs"] == [
        {"step": "Make", "name": "out", "uri": str(folder), "state": "complete"}
    ]

    reads = Pipeline("reads", [], [_step(script, "Read", str(folder))])
    good = reads.start(wait=True).describe()
    assert good["status"] == "Succeeded", good["failure_reason"]
    staged = (Path(good["steps"][0]["outputs"]["out"]) / "result.txt").read_text()
    assert staged == "result.txt"  # the data, not the manifest

    (folder / "result.txt").write_text("changed after the step finished")
    bad = reads.start(wait=True).describe()
    assert bad["status"] == "Failed"
    assert f"cannot use the input {folder}" in bad["failure_reason"]
    assert "result.txt: size differs" in bad["failure_reason"]
    assert execution_lineage(made["id"])["execution"]["outputs"][0]["state"] == "partial"
