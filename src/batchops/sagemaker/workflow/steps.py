"""The SDK's steps: `ProcessingStep`, `TrainingStep`, `CreateModelStep`, `TransformStep`, and
the `Step` every step type builds on.

Each takes the SDK's arguments (step arguments from a PipelineSession, or the legacy
`processor=` / `estimator=` / `transformer=` forms) and compiles into the batchops step that
runs it (`_compile`); `.arguments` and `to_request()` are SageMaker's request JSON, derived
from that batchops step as a pipeline's `definition()` is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import PurePosixPath
from typing import Any

from batchops.errors import InvalidInput
from batchops.pipeline.steps import processing as _processing
from batchops.pipeline.steps import training as _training
from batchops.pipeline.steps import transform as _transform
from batchops.pipeline.steps.base import CacheConfig
from batchops.pipeline.steps.base import Step as BatchopsStep
from batchops.pipeline.steps.model import CreateModel
from batchops.pipeline.steps.processing import SAGEMAKER_PROCESSING_ROOT
from batchops.sagemaker import s3
from batchops.sagemaker._jobs import given
from batchops.sagemaker._unsupported import refuse
from batchops.sagemaker.estimator import Estimator
from batchops.sagemaker.image_uris import is_xgboost
from batchops.sagemaker.inputs import CreateModelInput, TrainingInput, TransformInput
from batchops.sagemaker.model import Model
from batchops.sagemaker.processing import ProcessingInput, ProcessingOutput, Processor
from batchops.sagemaker.transformer import Transformer
from batchops.sagemaker.workflow._compile import Compilation, accepts
from batchops.sagemaker.workflow.pipeline_context import StepArguments
from batchops.sagemaker.workflow.properties import Properties, PropertyFile
from batchops.transform.libsvm import LIBSVM


class StepTypeEnum(Enum):
    CONDITION = "Condition"
    CREATE_MODEL = "Model"
    PROCESSING = "Processing"
    REGISTER_MODEL = "RegisterModel"
    TRAINING = "Training"
    TRANSFORM = "Transform"
    CALLBACK = "Callback"
    TUNING = "Tuning"
    LAMBDA = "Lambda"
    QUALITY_CHECK = "QualityCheck"
    CLARIFY_CHECK = "ClarifyCheck"
    EMR = "EMR"
    FAIL = "Fail"
    AUTOML = "AutoML"


class Step:
    """A pipeline step as the SDK shapes it; `_compile` makes the batchops step that runs it."""

    step_type: StepTypeEnum

    def __init__(
        self,
        name: str,
        display_name: str | None = None,
        description: str | None = None,
        depends_on: list[Any] | None = None,
        retry_policies: list[Any] | None = None,
    ) -> None:
        self.name = name
        self.display_name = display_name
        self.description = description
        self.depends_on: list[Any] = list(depends_on or [])
        self.retry_policies = retry_policies

    def add_depends_on(self, step_names: list[Any] | None) -> None:
        self.depends_on += list(step_names or [])

    @property
    def properties(self) -> Properties:
        return Properties(self.name)

    @property
    def ref(self) -> dict[str, str]:
        return {"Name": self.name}

    def to_request(self) -> dict[str, Any]:
        """This step's entry of SageMaker's pipeline definition."""
        from batchops.sagemaker.workflow._definition import step_entries

        compilation = Compilation()
        compiled = compilation.step(self)
        entries = step_entries([s.to_json() for s in compilation.steps], compilation.sagemaker)
        return entries[compiled.name]

    @property
    def arguments(self) -> dict[str, Any]:
        """SageMaker's request for the step's job (`to_request()["Arguments"]`)."""
        arguments: dict[str, Any] = self.to_request()["Arguments"]
        return arguments

    def _compile(self, compilation: Compilation) -> BatchopsStep:
        raise NotImplementedError

    def _request(self) -> dict[str, Any]:
        """What SageMaker's request holds that batchops does not run on."""
        return {}

    def _ignored(self) -> list[str]:
        """The arguments given to this step (and its job) that batchops accepts and ignores."""
        return ["retry_policies"] if self.retry_policies else []

    def _common(self, compilation: Compilation, **more: Any) -> dict[str, Any]:
        """The batchops step's keywords every type shares."""
        return {
            "depends_on": compilation.step_names(self.depends_on),
            "description": self.description or "",
            **more,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class ConfigurableRetryStep(Step):
    """The SDK's base of steps with retry policies (batchops retries by `execution retry`)."""


def _arguments_or_legacy(
    step: str, step_args: StepArguments | None, legacy: Any, callers: tuple[str, ...], what: str
) -> StepArguments | None:
    if (step_args is None) == (legacy is None):
        raise InvalidInput(f"{step}: give either step_args or {what}, not both or neither")
    return step_args.require(callers, step) if step_args is not None else None


@dataclass
class _ProcessingJob:
    processor: Processor
    code: Any
    inputs: list[ProcessingInput]
    outputs: list[ProcessingOutput]
    arguments: list[Any]
    ignored: list[str]


class ProcessingStep(ConfigurableRetryStep):
    """A processing job: the script `code` with its inputs and outputs."""

    step_type = StepTypeEnum.PROCESSING

    def __init__(
        self,
        name: str,
        step_args: StepArguments | None = None,
        processor: Processor | None = None,
        display_name: str | None = None,
        description: str | None = None,
        inputs: list[ProcessingInput] | None = None,
        outputs: list[ProcessingOutput] | None = None,
        job_arguments: list[Any] | None = None,
        code: Any = None,
        property_files: list[PropertyFile] | None = None,
        cache_config: CacheConfig | None = None,
        depends_on: list[Any] | None = None,
        retry_policies: list[Any] | None = None,
        kms_key: Any = None,
    ) -> None:
        super().__init__(name, display_name, description, depends_on, retry_policies)
        recorded = _arguments_or_legacy(name, step_args, processor, ("run",), "processor")
        if recorded is not None:
            given = recorded.arguments
            self.job = _ProcessingJob(
                recorded.owner,
                given.get("code"),
                list(given.get("inputs") or []),
                list(given.get("outputs") or []),
                list(given.get("arguments") or []),
                [n for n in ("kms_key", "experiment_config") if given.get(n)],
            )
        else:
            assert processor is not None
            self.job = _ProcessingJob(
                processor,
                code,
                list(inputs or []),
                list(outputs or []),
                list(job_arguments or []),
                ["kms_key"] if kms_key else [],
            )
        for number, item in enumerate(self.job.inputs, 1):
            item.input_name = item.input_name or f"input-{number}"
        for number, output in enumerate(self.job.outputs, 1):
            output.output_name = output.output_name or f"output-{number}"
        self.property_files = list(property_files or [])
        self.cache_config = cache_config

    @property
    def properties(self) -> Properties:
        names = [str(o.output_name) for o in self.job.outputs]
        return Properties(self.name, names={("ProcessingOutputConfig", "Outputs"): names})

    @property
    def arguments(self) -> dict[str, Any]:
        """SageMaker's request. As the SDK does, the first look gives each output without a
        destination a fixed one, `s3://<bucket>/<job name>/output/<output name>`, which every
        later execution then publishes to (and which notebooks format into later steps)."""
        job_name = None
        for output in self.job.outputs:
            if output.destination is None:
                job_name = job_name or self.job.processor.job_name()
                output.destination = s3.s3_path_join(
                    "s3://",
                    self.job.processor.default_bucket(),
                    job_name,
                    "output",
                    str(output.output_name),
                )
        return super().arguments

    def _compile(self, compilation: Compilation) -> BatchopsStep:
        job = self.job
        command = job.processor.command()
        if not isinstance(job.code, str):
            refuse(f"{self.name}: a processing job without a script", "give code='<file>'")
        if not command or not PurePosixPath(command[0]).name.startswith("python"):
            refuse(f"{self.name}: command {command}", "batchops runs Python scripts: python3")
        keywords: dict[str, Any] = self._common(
            compilation,
            code=job.code,  # replaced below by the URI of its snapshot
            inputs=[_staged(self.name, item) for item in job.inputs],
            outputs=[
                _processing.ProcessingOutput(
                    str(o.output_name), _local(self.name, o.source), o.destination
                )
                for o in job.outputs
            ],
            job_arguments=list(job.arguments),
            property_files=list(self.property_files),
            environment=dict(job.processor.env),
            cache_config=self.cache_config,
        )
        if accepts(_processing.ProcessingStep, "image_uri"):
            keywords["image_uri"] = job.processor.image_uri
        step = _processing.ProcessingStep(self.name, **keywords)
        step.code = compilation.snapshot(job.code, "code")
        return step

    def _request(self) -> dict[str, Any]:
        script = PurePosixPath(str(self.job.code)).name
        entrypoint = [*self.job.processor.command(), f"{CODE_DIR}/{script}"]
        app = {"ImageUri": self.job.processor.image_uri, "ContainerEntrypoint": entrypoint}
        return {**self.job.processor.request(), "AppSpecification": app}

    def _ignored(self) -> list[str]:
        return [*super()._ignored(), *self.job.processor.ignored(), *self.job.ignored]


CODE_DIR = f"{SAGEMAKER_PROCESSING_ROOT}/input/code"


def _local(step: str, path: Any) -> str:
    if not isinstance(path, str) or not path.startswith(SAGEMAKER_PROCESSING_ROOT + "/"):
        raise InvalidInput(
            f"{step}: a processing path must be a folder below {SAGEMAKER_PROCESSING_ROOT}, "
            f"got {path!r}"
        )
    return path


def _staged(step: str, item: ProcessingInput) -> _processing.ProcessingInput:
    if item.source is None:
        raise InvalidInput(f"{step}: input {item.input_name!r} has no source")
    return _processing.ProcessingInput(item.source, _local(step, item.destination), item.input_name)


class TrainingStep(ConfigurableRetryStep):
    """A training job: SageMaker's XGBoost image, trained by batchops's built-in XGBoost."""

    step_type = StepTypeEnum.TRAINING

    def __init__(
        self,
        name: str,
        step_args: StepArguments | None = None,
        estimator: Estimator | None = None,
        display_name: str | None = None,
        description: str | None = None,
        inputs: Any = None,
        cache_config: CacheConfig | None = None,
        depends_on: list[Any] | None = None,
        retry_policies: list[Any] | None = None,
    ) -> None:
        super().__init__(name, display_name, description, depends_on, retry_policies)
        recorded = _arguments_or_legacy(name, step_args, estimator, ("fit",), "estimator")
        chosen = recorded.owner if recorded is not None else estimator
        if not isinstance(chosen, Estimator):
            raise InvalidInput(f"{name}: the estimator must be an Estimator, got {chosen!r}")
        self.estimator = chosen
        self.inputs = recorded.arguments.get("inputs") if recorded is not None else inputs
        self.cache_config = cache_config
        if not is_xgboost(self.estimator.image_uri):
            refuse(
                f"{name}: an Estimator on image {self.estimator.image_uri!r}",
                "batchops trains with SageMaker's XGBoost image only "
                "(image_uris.retrieve('xgboost', region, version))",
            )

    def channels(self) -> dict[str, TrainingInput]:
        given = self.inputs
        if given is None:
            return {}
        if not isinstance(given, dict):
            given = {"training": given}
        channels = {}
        for name, value in given.items():
            channel = value if isinstance(value, TrainingInput) else TrainingInput(value)
            if channel.content_type is None:
                raise InvalidInput(
                    f"{self.name}: channel {name!r} has no content_type; SageMaker's XGBoost "
                    "image then reads libsvm, which batchops's trainer does not: give "
                    "content_type='text/csv'"
                )
            channels[str(name)] = channel
        return channels

    def _compile(self, compilation: Compilation) -> BatchopsStep:
        given = {"image_uri": self.estimator.image_uri, "output_path": self.estimator.output_path}
        estimator = _training.XGBoost(  # its own checks of the image run as it is made
            self.estimator.hyperparameters(),
            **{k: v for k, v in given.items() if accepts(_training.XGBoost, k)},
        )
        inputs = {
            name: _training.TrainingInput(channel.s3_data, channel.content_type)
            for name, channel in self.channels().items()
        }
        return _training.TrainingStep(
            self.name,
            estimator=estimator,
            inputs=inputs,
            **self._common(compilation, cache_config=self.cache_config),
        )

    def _request(self) -> dict[str, Any]:
        output = self.estimator.output_path or self.estimator.default_output_path()
        return {**self.estimator.request(), "OutputDataConfig": {"S3OutputPath": output}}

    def _ignored(self) -> list[str]:
        return [*super()._ignored(), *self.estimator.ignored()]


class CreateModelStep(ConfigurableRetryStep):
    """The legacy step making a model (use `ModelStep(step_args=model.create())`)."""

    step_type = StepTypeEnum.CREATE_MODEL

    def __init__(
        self,
        name: str,
        step_args: StepArguments | None = None,
        model: Model | None = None,
        inputs: CreateModelInput | None = None,
        depends_on: list[Any] | None = None,
        retry_policies: list[Any] | None = None,
        display_name: str | None = None,
        description: str | None = None,
    ) -> None:
        super().__init__(name, display_name, description, depends_on, retry_policies)
        recorded = _arguments_or_legacy(name, step_args, model, ("create",), "model")
        chosen = recorded.owner if recorded is not None else model
        if not isinstance(chosen, Model):
            raise InvalidInput(f"{name}: the model must be a Model, got {chosen!r}")
        self.model = chosen
        created = recorded.arguments if recorded is not None else vars(inputs or CreateModelInput())
        self.job_ignored = given(created, CREATE_IGNORED)

    def _compile(self, compilation: Compilation) -> BatchopsStep:
        return CreateModel(
            self.name,
            image_uri=self.model.image_uri,
            model_data=self.model.model_data,
            environment=dict(self.model.env),
            **self._common(compilation),
        )

    def _request(self) -> dict[str, Any]:
        return self.model.request()

    def _ignored(self) -> list[str]:
        return [*super()._ignored(), *self.model.ignored(), *self.job_ignored]


CREATE_IGNORED = {
    "instance_type": None,
    "accelerator_type": None,
    "serverless_inference_config": None,
    "tags": None,
}


class TransformStep(ConfigurableRetryStep):
    """A batch transform: the model named by the Transformer scores the input."""

    step_type = StepTypeEnum.TRANSFORM

    def __init__(
        self,
        name: str,
        step_args: StepArguments | None = None,
        transformer: Transformer | None = None,
        inputs: TransformInput | None = None,
        display_name: str | None = None,
        description: str | None = None,
        cache_config: CacheConfig | None = None,
        depends_on: list[Any] | None = None,
        retry_policies: list[Any] | None = None,
    ) -> None:
        super().__init__(name, display_name, description, depends_on, retry_policies)
        recorded = _arguments_or_legacy(name, step_args, transformer, ("transform",), "transformer")
        if recorded is not None:
            given = dict(recorded.arguments)
            self.transformer: Transformer = recorded.owner
            self.inputs = TransformInput(
                **{k: given[k] for k in TRANSFORM_INPUT_FIELDS if k in given}
            )
            self.job_ignored = [
                n for n in ("experiment_config", "batch_data_capture_config") if given.get(n)
            ]
        else:
            assert transformer is not None
            if inputs is None:
                raise InvalidInput(f"{name}: a TransformStep with transformer= needs inputs=")
            self.transformer, self.inputs, self.job_ignored = transformer, inputs, []
        self.cache_config = cache_config

    def _compile(self, compilation: Compilation) -> BatchopsStep:
        given = self.inputs
        transformer = _transform.Transformer(
            output_path=self.transformer.output_path,
            accept=self.transformer.accept,
            model_name=self.transformer.model_name,
        )
        transform_input = _transform.TransformInput(
            given.data,
            given.content_type or LIBSVM,  # what the XGBoost image assumes without one
            given.split_type or "None",
            input_filter=given.input_filter,
            join_source=given.join_source,
            output_filter=given.output_filter,
        )
        return _transform.TransformStep(
            self.name,
            transformer=transformer,
            inputs=transform_input,
            **self._common(compilation, cache_config=self.cache_config),
        )

    def _request(self) -> dict[str, Any]:
        return self.transformer.request()

    def _ignored(self) -> list[str]:
        ignored = [*super()._ignored(), *self.transformer.ignored(), *self.job_ignored]
        if self.inputs.compression_type or self.inputs.model_client_config:
            ignored += ["compression_type/model_client_config"]
        return ignored


TRANSFORM_INPUT_FIELDS = (
    "data",
    "data_type",
    "content_type",
    "compression_type",
    "split_type",
    "input_filter",
    "output_filter",
    "join_source",
    "model_client_config",
    "batch_data_capture_config",
)


__all__ = [
    "CacheConfig",
    "ConfigurableRetryStep",
    "CreateModelStep",
    "ProcessingStep",
    "Step",
    "StepTypeEnum",
    "TrainingStep",
    "TransformStep",
]
