"""The two pipelines of the AWS walkthrough "MLOps for batch use cases", step for step.

Names, parameters and steps are the original's, so its users recognise every piece:
`train-and-baseline` (monthly) and `batch-inference` (daily), model package group
`customer-churn`. Differences, each a fix: AUC from probabilities, the newest approved model
(not the oldest), XGBoost's own model format instead of pickle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from batchops.examples.generated import write_once
from batchops.pipeline import (
    CacheConfig,
    ConditionEquals,
    ConditionGreaterThanOrEqualTo,
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
    TransformStep,
    XGBoost,
)
from batchops.runtime.pipelines import PipelineProvider
from batchops.settings import HOME_PLACEHOLDER, expand_locations

SCRIPTS = Path(__file__).with_name("scripts")
GROUP = "customer-churn"
TRAIN_AND_BASELINE = "train-and-baseline"
BATCH_INFERENCE = "batch-inference"
DEFAULT_ROWS = 5000
DEFAULT_BATCH_ROWS = 1000

#: The original walkthrough's XGBoost settings.
HYPERPARAMETERS = {
    "objective": "binary:logistic",
    "num_round": 48,
    "max_depth": 5,
    "eta": 0.2,
    "gamma": 4,
    "min_child_weight": 6,
    "subsample": 0.7,
}
SPLITS = ("train", "validation", "test", "batch", "vocabulary", "raw_train")


EXAMPLE_FOLDER = f"{HOME_PLACEHOLDER}/examples/churn"
"""The example's files, in the home of whoever runs it: the definitions name it this way, so
they are the same stored from any home or machine."""
DEFAULT_INPUT_DATA = f"{EXAMPLE_FOLDER}/churn-{DEFAULT_ROWS}.csv"
"""The generated 5,000-row file train-and-baseline reads unless told otherwise. Only its
place: storing or listing the pipeline writes nothing; `make_default_input_data` writes it
when a run is about to read it."""
DEFAULT_BATCH_DATA = f"{EXAMPLE_FOLDER}/batch.csv"


def example_dir() -> Path:
    return Path(expand_locations(EXAMPLE_FOLDER))


def default_input_data() -> str:
    return expand_locations(DEFAULT_INPUT_DATA)


def make_default_input_data(pipeline: str, parameters: Mapping[str, Any]) -> None:
    """Write the default data (once) when a run of `pipeline` with these values reads it:
    the raw training file, or a day's batch in the model's layout for batch-inference."""
    from batchops.examples.churn.data import write_churn_csv
    from batchops.examples.churn.prepared import write_prepared_csv

    write: Callable[..., Path]
    if pipeline == TRAIN_AND_BASELINE:
        uri, rows, seed, write = default_input_data(), DEFAULT_ROWS, 0, write_churn_csv
    elif pipeline == BATCH_INFERENCE:
        uri, rows, seed, write = default_batch_data(), DEFAULT_BATCH_ROWS, 1, write_prepared_csv
    else:
        return
    if str(parameters.get("InputData", "")) == uri:
        write_once(uri, lambda path: write(path, rows, seed=seed))


def default_batch_data() -> str:
    return expand_locations(DEFAULT_BATCH_DATA)


def _output(step: ProcessingStep, name: str) -> object:
    return step.properties.ProcessingOutputConfig.Outputs[name].S3Output.S3Uri


def train_and_baseline_pipeline(input_data: str | Path | None = None) -> Pipeline:
    data = ParameterString("InputData", str(input_data or DEFAULT_INPUT_DATA))
    min_accuracy = ParameterFloat("MinAccuracy", 0.7, min_value=0.0, max_value=1.0)
    group = ParameterString("ModelPackageGroup", GROUP)
    challenger_metric = ParameterString("ChallengerMetric", "auc")
    challenger_margin = ParameterFloat("ChallengerMargin", 0.0)
    cache = CacheConfig(enable_caching=True, expire_after="PT12H")

    prepare = ProcessingStep(
        "PrepareData",
        code=SCRIPTS / "prepare.py",
        inputs=[ProcessingInput(data, "/opt/ml/processing/input")],
        outputs=[ProcessingOutput(name, f"/opt/ml/processing/{name}") for name in SPLITS],
        cache_config=cache,
    )
    train = TrainingStep(
        "TrainModel",
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
    report = PropertyFile("EvaluationReport", "evaluation", "evaluation.json")
    champion = FunctionStep(
        "GetChampionModel",
        function="batchops.examples.churn.functions:get_champion_model",
        inputs={
            "model_package_group": group,
            "execution_id": ExecutionVariables.PIPELINE_EXECUTION_ID,
        },
        outputs=["model_uri", "model_package", "champion_problem"],
    )
    evaluate = ProcessingStep(
        "EvaluateModel",
        code=SCRIPTS / "evaluate.py",
        job_arguments=[
            "--champion-model",
            champion.properties.Outputs["model_uri"],
            "--challenger-metric",
            challenger_metric,
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
    accuracy = JsonGet(evaluate, report, "binary_classification_metrics.accuracy.value")
    challenger_gap = JsonGet(evaluate, report, "challenger.gap")
    baseline = QualityCheckStep(
        "DataQualityCheckStep",
        quality_check_config=DataQualityCheckConfig(
            baseline_dataset=_output(prepare, "train"),
            dataset_format=DatasetFormat.csv(header=False),
        ),
        skip_check=True,
        register_new_baseline=True,
        model_package_group_name=group,
        cache_config=cache,
    )
    raw_baseline = QualityCheckStep(
        "RawDataQualityCheckStep",
        quality_check_config=DataQualityCheckConfig(
            baseline_dataset=_output(prepare, "raw_train"),
            dataset_format=DatasetFormat.csv(header=True),
        ),
        skip_check=True,
        register_new_baseline=True,
        model_package_group_name=group,
        cache_config=cache,
    )
    register = RegisterModel(
        "RegisterModel",
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
            model_data_statistics=MetricsSource(
                baseline.properties.BaselineUsedForDriftCheckStatistics
            ),
            model_data_constraints=MetricsSource(
                baseline.properties.BaselineUsedForDriftCheckConstraints
            ),
            raw_data_statistics=MetricsSource(
                raw_baseline.properties.BaselineUsedForDriftCheckStatistics
            ),
            raw_data_constraints=MetricsSource(
                raw_baseline.properties.BaselineUsedForDriftCheckConstraints
            ),
        ),
        customer_metadata_properties={
            "model_name": Join("-", [group, ExecutionVariables.PIPELINE_EXECUTION_ID]),
            "training_data": data,
        },
    )
    fail = FailStep(
        "AccuracyBelowThreshold",
        error_message=Join(
            " ",
            [
                "Model accuracy",
                accuracy,
                "is below the MinAccuracy threshold",
                min_accuracy,
                "or it does not beat the approved model on",
                challenger_metric,
                "(gap after the margin:",
                challenger_gap,
                ")",
            ],
        ),
    )
    check = ConditionStep(
        "PerformanceConditionalCheck",
        conditions=[
            ConditionGreaterThanOrEqualTo(accuracy, min_accuracy),
            ConditionGreaterThanOrEqualTo(challenger_gap, 0.0),
        ],
        if_steps=[baseline, raw_baseline, register],
        else_steps=[fail],
    )
    return Pipeline(
        TRAIN_AND_BASELINE,
        [data, min_accuracy, group, challenger_metric, challenger_margin],
        [prepare, train, evaluate, champion, check],
        description="Prepare churn data, train XGBoost, evaluate, baseline, register for approval.",
    )


def batch_inference_pipeline(input_data: str | Path | None = None) -> Pipeline:
    data = ParameterString("InputData", str(input_data or DEFAULT_BATCH_DATA))
    group = ParameterString("ModelPackageGroup", GROUP)
    fail_on_violation = ParameterBoolean("FailOnViolation", False)
    input_filter = ParameterString("InputFilter", "$[1:]")
    id_column = ParameterString("IdColumn", "")
    shadow_pending = ParameterBoolean("ShadowPending", False)

    get_model = FunctionStep(
        "GetApprovedModel",
        function="batchops.examples.churn.functions:get_approved_model",
        inputs={
            "model_package_group": group,
            "execution_id": ExecutionVariables.PIPELINE_EXECUTION_ID,
            "shadow_pending": shadow_pending,
        },
        outputs=[
            "model_package",
            "model_version",
            "model_uri",
            "statistics_uri",
            "constraints_uri",
            "raw_statistics_uri",
            "raw_constraints_uri",
            "shadow",
            "shadow_model_package",
            "shadow_model_uri",
        ],
    )
    monitor_and_score = MonitorBatchTransformStep(
        "MonitorCustomerChurnDataQuality",
        transformer=Transformer(
            model_data=get_model.properties.Outputs["model_uri"],
            accept="text/csv",
            id_column=id_column,
        ),
        inputs=TransformInput(
            data=data, content_type="text/csv", header=False, input_filter=input_filter
        ),
        monitor_configuration=DataQualityCheckConfig(
            baseline_dataset=data, dataset_format=DatasetFormat.csv(header=False)
        ),
        supplied_baseline_statistics=get_model.properties.Outputs["statistics_uri"],
        supplied_baseline_constraints=get_model.properties.Outputs["constraints_uri"],
        supplied_raw_baseline_statistics=get_model.properties.Outputs["raw_statistics_uri"],
        supplied_raw_baseline_constraints=get_model.properties.Outputs["raw_constraints_uri"],
        monitor_before_transform=True,
        fail_on_violation=fail_on_violation,
    )
    # The newest pending version scores the same rows beside the approved one (its predictions
    # traced as the shadow's), so both get realised figures once the labels come.
    shadow_score = TransformStep(
        "ShadowScore",
        transformer=Transformer(
            model_data=get_model.properties.Outputs["shadow_model_uri"],
            accept="text/csv",
            id_column=id_column,
            prediction_role="shadow",
        ),
        inputs=TransformInput(
            data=data, content_type="text/csv", header=False, input_filter=input_filter
        ),
    )
    shadow_check = ConditionStep(
        "ShadowPendingCheck",
        conditions=[ConditionEquals(get_model.properties.Outputs["shadow"], True)],
        if_steps=[shadow_score],
        else_steps=[],
    )
    return Pipeline(
        BATCH_INFERENCE,
        [data, group, fail_on_violation, input_filter, id_column, shadow_pending],
        [get_model, monitor_and_score, shadow_check],
        description="Latest approved churn model: check the batch against its baseline, score it.",
    )


def example_pipelines() -> list[Pipeline]:
    return [train_and_baseline_pipeline(), batch_inference_pipeline()]


PROVIDER = PipelineProvider(pipelines=example_pipelines, prepare=make_default_input_data)
"""The example's entry in the `batchops.pipelines` entry point group (pyproject.toml): the
pipeline service stores both pipelines and makes their default data when a run reads it."""
