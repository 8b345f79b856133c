"""The walkthrough's scripts, written the SageMaker way, run unchanged on batchops's DSL.

PrepareData runs preprocessing.py on the scikit-learn 1.0-1 image (pandas-1 get_dummies),
TrainModel trains with the walkthrough's hyperparameters on the XGBoost 1.0-1 image (which
pickled its booster), and EvaluateModel untars the model from `/` and `pickle.load`s it. The
pickled booster and batchops's native one predict the same; the baseline of the train split
gives the original's verdicts on batch files made like the published ones.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from batchops.errors import EnvironmentProblem
from batchops.examples.churn.data import write_churn_csv
from batchops.models import load_model
from batchops.monitor.jobs import baseline, check
from batchops.pipeline import (
    Pipeline,
    ProcessingInput,
    ProcessingOutput,
    ProcessingStep,
    TrainingInput,
    TrainingStep,
    XGBoost,
)
from batchops.runtime import frameworks, sandbox
from batchops.runtime.executor import logs_of
from support import walkthrough

pytestmark = pytest.mark.slow


@pytest.fixture
def runs_unchanged() -> None:
    """A private root and the pandas-1 environment (built by `make test`), or a skip."""
    found = sandbox.support()
    if found.tool is None:
        pytest.skip(f"no private root here for /opt/ml scripts: {found.reason}")
    try:
        frameworks.build(frameworks.PANDAS1, lambda _line: None)
    except EnvironmentProblem as reason:
        pytest.skip(f"the pandas-1 environment cannot be built here: {reason}")


def _prepare_step(raw: Path, code: Path) -> ProcessingStep:
    return ProcessingStep(
        "PrepareData",
        code=code,
        image_uri=walkthrough.SKLEARN_IMAGE,
        inputs=[ProcessingInput(str(raw), "/opt/ml/processing/input")],
        outputs=[
            ProcessingOutput(name, f"/opt/ml/processing/{name}")
            for name in ("train", "validation", "test")
        ],
    )


def _raw_data(folder: Path) -> Path:
    return write_churn_csv(folder / "raw" / "churn-dataset.csv", 5000, seed=0)


def _output(described: dict[str, Any], step: str, name: str) -> Path:
    row = next(s for s in described["steps"] if s["name"] == step)
    return Path(row["outputs"][name])


def test_prepare_train_evaluate_with_the_walkthroughs_scripts_and_images(
    runs_unchanged: None, tmp_path: Path
) -> None:
    preprocessing, evaluation = walkthrough.write_scripts(tmp_path / "scripts")
    prepare = _prepare_step(_raw_data(tmp_path), preprocessing)
    splits = prepare.properties.ProcessingOutputConfig.Outputs
    estimator = XGBoost(
        image_uri=walkthrough.XGBOOST_IMAGE, output_path=str(tmp_path / "model-artifacts")
    )
    estimator.set_hyperparameters(**walkthrough.HYPERPARAMETERS)
    train = TrainingStep(
        "TrainModel",
        estimator=estimator,
        inputs={
            "train": TrainingInput(splits["train"].S3Output.S3Uri, content_type="text/csv"),
            "validation": TrainingInput(
                splits["validation"].S3Output.S3Uri, content_type="text/csv"
            ),
        },
    )
    evaluate = ProcessingStep(
        "EvaluateModel",
        code=evaluation,
        image_uri=walkthrough.XGBOOST_IMAGE,
        inputs=[
            ProcessingInput(
                train.properties.ModelArtifacts.S3ModelArtifacts, "/opt/ml/processing/model"
            ),
            ProcessingInput(splits["test"].S3Output.S3Uri, "/opt/ml/processing/test"),
        ],
        outputs=[ProcessingOutput("evaluation", "/opt/ml/processing/evaluation")],
    )
    execution = Pipeline("walkthrough", [], [prepare, train, evaluate]).start(wait=True)
    described = execution.describe()
    assert described["status"] == "Succeeded", described["failure_reason"]
    logs = logs_of(execution.id)

    # PrepareData ran with pandas 1: the dummies are 0/1, every field a number
    assert "pandas 1.5.3" in logs["PrepareData"]
    first = (_output(described, "PrepareData", "train") / "train.csv").read_text().split("\n")[0]
    fields = first.split(",")
    assert len(fields) == 100  # the label, 11 numbers, 88 dummies
    assert set(fields[12:]) == {"0", "1"}

    # the model went to output_path as SageMaker names it, with the pickle for 1.0-1 scripts
    artifacts = next(s for s in described["steps"] if s["name"] == "TrainModel")["properties"]
    archive = Path(artifacts["ModelArtifacts"]["S3ModelArtifacts"])
    assert archive.parent.parent.parent == tmp_path / "model-artifacts"
    assert archive.parent.name == "output" and archive.name == "model.tar.gz"
    with tarfile.open(archive) as opened:
        members = {m.name: opened.extractfile(m).read() for m in opened}  # type: ignore[union-attr]
    assert sorted(members) == ["batchops-model.json", "xgboost-model", "xgboost-model.json"]
    assert members["xgboost-model"][:1] == b"\x80"  # a pickle, as the 1.0-1 image wrote it
    manifest = json.loads(members["batchops-model.json"])
    assert manifest["model_file"] == "xgboost-model.json"
    assert manifest["extra_members"]["xgboost-model"]["format"] == "pickle"
    assert "hyperparameter silent=0 mapped to verbosity=1" in logs["TrainModel"]

    # EvaluateModel unpickled it (in its private root); batchops reads the native booster
    folder = _output(described, "EvaluateModel", "evaluation")
    accuracy = json.loads((folder / "evaluation.json").read_text())
    assert accuracy["binary_classification_metrics"]["accuracy"]["value"] > 0.8
    pickled = np.loadtxt(folder / "predictions.csv", dtype=np.float32)
    test_rows = np.loadtxt(
        _output(described, "PrepareData", "test") / "test.csv", delimiter=",", dtype=np.float32
    )
    native = load_model(archive).predict(test_rows[:, 1:])
    assert pickled.shape == (500,)
    assert np.array_equal(pickled, native)
    assert not Path("/xgboost-model").exists()


def test_the_train_baseline_gives_the_originals_verdicts_on_its_batch_files(
    runs_unchanged: None, tmp_path: Path
) -> None:
    preprocessing, _ = walkthrough.write_scripts(tmp_path / "scripts")
    prepare = _prepare_step(_raw_data(tmp_path), preprocessing)
    described = Pipeline("prepare", [], [prepare]).start(wait=True).describe()
    assert described["status"] == "Succeeded", described["failure_reason"]
    train_split = _output(described, "PrepareData", "train") / "train.csv"
    made = baseline(train_split, tmp_path / "baseline", header=False)
    assert made.type_counts().get("String", 0) == 0

    clean, missing = walkthrough.write_batch_files(tmp_path / "batches")
    verdicts = {}
    for batch in (clean, missing):
        result = check(
            batch,
            statistics=tmp_path / "baseline" / "statistics.json",
            constraints=tmp_path / "baseline" / "constraints.json",
            out_dir=tmp_path / batch.stem,
            header=False,
        )
        verdicts[batch.stem] = sorted(
            (v.constraint_check_type, v.feature_name) for v in result.violations
        )
    drift = [("baseline_drift_check", "_c8")]
    assert verdicts["churn-prediction-input"] == drift
    completeness = [("completeness_check", f"_c{c}") for c in walkthrough.MISSING_COLUMNS]
    assert verdicts["churn-prediction-input-missing"] == sorted(drift + completeness)


def test_an_unknown_image_runs_with_batchops_python_and_a_warning(tmp_path: Path) -> None:
    script = tmp_path / "hello.py"
    script.write_text(
        "import os, pathlib\n"
        "base = pathlib.Path(os.environ['BATCHOPS_PROCESSING_DIR'])\n"
        "(base / 'out' / 'hello.txt').write_text('hello')\n"
    )
    step = ProcessingStep(
        "Hello",
        code=script,
        image_uri="123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-own-image:latest",
        outputs=[ProcessingOutput("out", "/opt/ml/processing/out")],
    )
    execution = Pipeline("unknown-image", [], [step]).start(wait=True)
    assert execution.describe()["status"] == "Succeeded"
    log = logs_of(execution.id)["Hello"]
    assert "warning: no environment is known for image 123456789012.dkr.ecr" in log
    assert "the script runs with batchops's Python" in log
