"""Image URIs on batchops's own steps: what they are stored as, what a training step refuses,
and the processing code snapshotted into the execution's store by its digest."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from batchops.errors import InvalidInput
from batchops.pipeline import Pipeline, ProcessingOutput, ProcessingStep, TrainingStep, XGBoost
from batchops.pipeline.images import check_training_image, parse_image

XGBOOST = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.0-1-cpu-py3"
SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.0-1-cpu-py3"


@pytest.mark.parametrize(
    ("uri", "framework", "version", "pickles"),
    [
        (XGBOOST, "xgboost", "1.0-1", True),
        (
            "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.2-2",
            "xgboost",
            "1.2-2",
            True,
        ),
        ("sagemaker-xgboost:1.3-1", "xgboost", "1.3-1", False),
        ("811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:1", "xgboost", "1", True),
        (SKLEARN, "sklearn", "1.0-1", False),
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/mine:latest", None, None, False),
    ],
)
def test_an_image_uri_names_a_framework_and_version_from_any_account(
    uri: str, framework: str | None, version: str | None, pickles: bool
) -> None:
    image = parse_image(uri)
    assert (image.framework, image.version, image.pickles_booster) == (framework, version, pickles)


def test_an_estimator_on_an_image_that_is_not_xgboost_is_refused_with_a_message() -> None:
    with pytest.raises(InvalidInput, match="trains only with the built-in XGBoost") as refused:
        XGBoost(image_uri=SKLEARN)
    assert SKLEARN in str(refused.value)
    assert check_training_image(XGBOOST).version == "1.0-1"


def test_image_uri_and_output_path_are_stored_in_the_definition(tmp_path: Path) -> None:
    estimator = XGBoost({"num_round": "2"}, image_uri=XGBOOST, output_path=str(tmp_path))
    train = TrainingStep("TrainModel", estimator=estimator, inputs={"train": str(tmp_path)})
    arguments = train.arguments().to_json()
    assert arguments["AlgorithmSpecification"] == {"Algorithm": "xgboost", "TrainingImage": XGBOOST}
    assert arguments["OutputDataConfig"] == {"S3OutputPath": str(tmp_path)}
    script = tmp_path / "s.py"
    script.write_text("")
    process = ProcessingStep("Prepare", code=script, image_uri=SKLEARN)
    assert process.arguments().to_json()["ImageUri"] == SKLEARN
    assert "ImageUri" not in ProcessingStep("Own", code=script).arguments().to_json()


WRITE = """
import os, pathlib, sys
base = pathlib.Path(os.environ["BATCHOPS_PROCESSING_DIR"])
(base / "out" / "args.txt").write_text(" ".join(sys.argv[1:]) + "|" + os.environ["COLOR"])
"""


def test_code_from_a_uri_is_snapshotted_by_digest_and_runs_with_its_arguments(
    tmp_path: Path,
) -> None:
    script = tmp_path / "write.py"
    script.write_text(WRITE)
    step = ProcessingStep(
        "Write",
        code=f"file://{script}",
        outputs=[ProcessingOutput("out", "/opt/ml/processing/out")],
        job_arguments=["--size", "3"],
        environment={"COLOR": "blue"},
    )
    assert step.arguments().code == f"file://{script}"
    described = Pipeline("snapshot", [], [step]).start(wait=True).describe()
    assert described["status"] == "Succeeded", described["failure_reason"]
    properties = described["steps"][0]["properties"]
    digest = hashlib.sha256(WRITE.encode()).hexdigest()
    assert properties["ProcessingCode"]["Sha256"] == digest
    snapshot = Path(properties["ProcessingCode"]["Uri"])
    assert snapshot.name == "write.py" and snapshot.parent.name == digest
    script.write_text("raise SystemExit('changed after the run')")
    assert snapshot.read_text() == WRITE
    written = Path(described["steps"][0]["outputs"]["out"]) / "args.txt"
    assert written.read_text() == "--size 3|blue"


def test_a_missing_script_is_refused_when_the_step_is_defined(tmp_path: Path) -> None:
    """A local script is snapshotted when the step is defined, so a missing one is named then,
    before anything is stored or run."""
    with pytest.raises(InvalidInput, match=f"cannot read the code {tmp_path / 'nowhere.py'}"):
        ProcessingStep("Missing", code=tmp_path / "nowhere.py")


def test_a_missing_script_named_by_uri_fails_the_step_naming_it(tmp_path: Path) -> None:
    missing = f"file://{tmp_path / 'nowhere.py'}"
    step = ProcessingStep("Missing", code=missing)
    described = Pipeline("missing-code", [], [step]).start(wait=True).describe()
    assert described["status"] == "Failed"
    assert f"script {missing} does not exist" in described["failure_reason"]
