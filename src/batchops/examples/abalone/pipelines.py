"""The regression example's two pipelines, as SageMaker's abalone pipeline example has them.

`abalone-train-and-baseline`: PrepareAbaloneData, TrainAbaloneModel (XGBoost,
`reg:squarederror`), GetChampionModel, EvaluateAbaloneModel (Model Monitor's
`regression_metrics`), CheckMSEAbaloneEvaluation (mse at most `MseThreshold`, and not worse
than the approved model on rmse), then AbaloneDataQualityCheck (the baseline of the raw
measurements) and RegisterAbaloneModel (PendingManualApproval, group `abalone`), or
AbaloneMSEFail. `abalone-batch-inference`: GetApprovedModel, then
MonitorAbaloneDataQuality (the extract checked against the raw baseline, scored through the
model's own encoding, each prediction traced by the `id` column), so `batchops ground-truth
add` and `batchops model-quality` measure it once the rings are counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from batchops.examples.generated import write_once
from batchops.pipeline import (
    CacheConfig,
    ConditionGreaterThanOrEqualTo,
    ConditionLessThanOrEqualTo,
    ConditionStep,
    DataQualityCheckConfig,
    DatasetFormat,
    DriftCheckBaselines,
    ExecutionVariables,
    FailStep,
    FunctionStep,
    Join,
    JsonGet,
    MetricsSource,
    ModelMetrics,
    MonitorBatchTransformStep,
    ParameterBoolean,
    ParameterFloat,
    ParameterString,
    Pipeline,
    ProcessingInput,
    ProcessingOutput,
    ProcessingStep,
    PropertyFile,
    QualityCheckStep,
    RegisterModel,
    TrainingInput,
    TrainingStep,
    Transformer,
    TransformInput,
    XGBoost,
)
from batchops.runtime.pipelines import PipelineProvider
from batchops.settings import HOME_PLACEHOLDER, expand_locations

SCRIPTS = Path(__file__).with_name("scripts")
GROUP = "abalone"
TRAIN_AND_BASELINE = "abalone-train-and-baseline"
BATCH_INFERENCE = "abalone-batch-inference"
DEFAULT_ROWS = 4000
HYPERPARAMETERS = {
    "objective": "reg:squarederror",
    "num_round": 50,
    "max_depth": 5,
    "eta": 0.2,
    "gamma": 4,
    "min_child_weight": 6,
    "subsample": 0.7,
}
SPLITS = ("train", "validation", "test", "vocabulary", "raw_train")


EXAMPLE_FOLDER = f"{HOME_PLACEHOLDER}/examples/abalone"
"""The example's files, in the home of whoever runs it (as churn's): the definitions name it
this way, so they are the same stored from any home or machine."""
DEFAULT_INPUT_DATA = f"{EXAMPLE_FOLDER}/abalone-{DEFAULT_ROWS}.csv"
"""The generated file abalone-train-and-baseline reads unless told otherwise. Only its place:
`make_default_input_data` writes it when a run is about to read it."""


def default_input_data() -> str:
    return expand_locations(DEFAULT_INPUT_DATA)


def make_default_input_data(pipeline: str, parameters: Mapping[str, Any]) -> None:
    """Write the default training file (once) when a run of abalone-train-and-baseline
    with these values reads it."""
    from batchops.examples.abalone.data import write_abalone_csv

    uri = default_input_data()
    if pipeline == TRAIN_AND_BASELINE and str(parameters.get("InputData", "")) == uri:
        write_once(uri, lambda path: write_abalone_csv(path, DEFAULT_ROWS, seed=0))


def _output(step: ProcessingStep, name: str) -> object:
    return step.properties.ProcessingOutputConfig.Outputs[name].S3Output.S3Uri


def train_and_baseline_pipeline() -> Pipeline:
    data = ParameterString("InputData", DEFAULT_INPUT_DATA)
    mse_threshold = ParameterFloat("MseThreshold", 10.0, min_value=0.0)
    group = ParameterString("ModelPackageGroup", GROUP)
    challenger_margin = ParameterFloat("ChallengerMargin", 0.0)
    cache = CacheConfig(enable_caching=True, expire_after="PT12H")
    prepare = ProcessingStep(
        "PrepareAbaloneData",
        code=SCRIPTS / "prepare.py",
        inputs=[ProcessingInput(data, "/opt/ml/processing/input")],
        outputs=[ProcessingOutput(name, f"/opt/ml/processing/{name}") for name in SPLITS],
        cache_config=cache,
    )
    train = TrainingStep(
        "TrainAbaloneModel",
        estimator=XGBoost(hyperparameters=dict(HYPERPARAMETERS)),
        inputs={
            "train": TrainingInput(_output(prepare, "train"), content_type="text/csv"),
            "validation": TrainingInput(_output(prepare, "validation"), content_type="text/csv"),
            "schema": TrainingInput(
                _output(prepare, "vocabulary"), content_type="application/json"
            ),
        },
        cache_config=cache,
    )
    champion = FunctionStep(
        "GetChampionModel",
        function="batchops.examples.churn.functions:get_champion_model",
        inputs={
            "model_package_group": group,
            "execution_id": ExecutionVariables.PIPELINE_EXECUTION_ID,
        },
        outputs=["model_uri", "model_package", "champion_problem"],
    )
    report = PropertyFile("AbaloneEvaluationReport", "evaluation", "evaluation.json")
    evaluate = ProcessingStep(
        "EvaluateAbaloneModel",
        code=SCRIPTS / "evaluate.py",
        job_arguments=[
            "--champion-model",
            champion.properties.Outputs["model_uri"],
            "--challenger-margin",
            challenger_margin,
        ],
        inputs=[
            ProcessingInput(
                train.properties.ModelArtifacts.S3ModelArtifacts, "/opt/ml/processing/model"
            ),
            ProcessingInput(_output(prepare, "test"), "/opt/ml/processing/test"),
        ],
        outputs=[ProcessingOutput("evaluation", "/opt/ml/processing/evaluation")],
        property_files=[report],
        cache_config=cache,
    )
    mse = JsonGet(evaluate, report, "regression_metrics.mse.value")
    gap = JsonGet(evaluate, report, "challenger.gap")
    baseline = QualityCheckStep(
        "AbaloneDataQualityCheck",
        quality_check_config=DataQualityCheckConfig(
            baseline_dataset=_output(prepare, "raw_train"),
            dataset_format=DatasetFormat.csv(header=True),
        ),
        skip_check=True,
        register_new_baseline=True,
        model_package_group_name=group,
        cache_config=cache,
    )
    statistics = baseline.properties.BaselineUsedForDriftCheckStatistics
    constraints = baseline.properties.BaselineUsedForDriftCheckConstraints
    register = RegisterModel(
        "RegisterAbaloneModel",
        model_data=train.properties.ModelArtifacts.S3ModelArtifacts,
        model_package_group_name=group,
        content_types=["text/csv"],
        response_types=["text/csv"],
        approval_status="PendingManualApproval",
        model_metrics=ModelMetrics(
            model_statistics=MetricsSource(
                Join("/", [_output(evaluate, "evaluation"), "evaluation.json"])
            ),
            score_distribution=MetricsSource(
                Join("/", [_output(evaluate, "evaluation"), "score_distribution.json"])
            ),
        ),
        drift_check_baselines=DriftCheckBaselines(
            model_data_statistics=MetricsSource(statistics),
            model_data_constraints=MetricsSource(constraints),
            raw_data_statistics=MetricsSource(statistics),
            raw_data_constraints=MetricsSource(constraints),
        ),
        customer_metadata_properties={
            "model_name": Join("-", [group, ExecutionVariables.PIPELINE_EXECUTION_ID]),
            "training_data": data,
        },
    )
    fail = FailStep(
        "AbaloneMSEFail",
        error_message=Join(
            " ",
            [
                "Model mse",
                mse,
                "is above the MseThreshold",
                mse_threshold,
                "or its rmse is worse than the approved model's (gap after the margin:",
                gap,
                ")",
            ],
        ),
    )
    check = ConditionStep(
        "CheckMSEAbaloneEvaluation",
        conditions=[
            ConditionLessThanOrEqualTo(mse, mse_threshold),
            ConditionGreaterThanOrEqualTo(gap, 0.0),
        ],
        if_steps=[baseline, register],
        else_steps=[fail],
    )
    return Pipeline(
        TRAIN_AND_BASELINE,
        [data, mse_threshold, group, challenger_margin],
        [prepare, train, champion, evaluate, check],
        description="Abalone age (regression): prepare, train XGBoost, evaluate mse, baseline, "
        "register for approval.",
    )


def batch_inference_pipeline() -> Pipeline:
    data = ParameterString("InputData", "abalone-batch.csv")
    group = ParameterString("ModelPackageGroup", GROUP)
    fail_on_violation = ParameterBoolean("FailOnViolation", False)
    id_column = ParameterString("IdColumn", "id")
    get_model = FunctionStep(
        "GetApprovedModel",
        function="batchops.examples.churn.functions:get_approved_model",
        inputs={
            "model_package_group": group,
            "execution_id": ExecutionVariables.PIPELINE_EXECUTION_ID,
        },
        outputs=[
            "model_package",
            "model_version",
            "model_uri",
            "statistics_uri",
            "constraints_uri",
            "raw_statistics_uri",
            "raw_constraints_uri",
        ],
    )
    outputs = get_model.properties.Outputs
    monitor_and_score = MonitorBatchTransformStep(
        "MonitorAbaloneDataQuality",
        transformer=Transformer(
            model_data=outputs["model_uri"], accept="text/csv", id_column=id_column
        ),
        inputs=TransformInput(data=data, content_type="text/csv", header=True),
        monitor_configuration=DataQualityCheckConfig(
            baseline_dataset=data, dataset_format=DatasetFormat.csv(header=True)
        ),
        supplied_baseline_statistics=outputs["statistics_uri"],
        supplied_baseline_constraints=outputs["constraints_uri"],
        supplied_raw_baseline_statistics=outputs["raw_statistics_uri"],
        supplied_raw_baseline_constraints=outputs["raw_constraints_uri"],
        monitor_before_transform=True,
        fail_on_violation=fail_on_violation,
    )
    return Pipeline(
        BATCH_INFERENCE,
        [data, group, fail_on_violation, id_column],
        [get_model, monitor_and_score],
        description="Latest approved abalone model: check the extract against its baseline, "
        "score it with traced ids.",
    )


def example_pipelines() -> list[Pipeline]:
    return [train_and_baseline_pipeline(), batch_inference_pipeline()]


PROVIDER = PipelineProvider(pipelines=example_pipelines, prepare=make_default_input_data)
"""The example's entry in the `batchops.pipelines` entry point group (pyproject.toml), beside
churn's: the pipeline service stores both pipelines and makes the default training data when
a run reads it."""
