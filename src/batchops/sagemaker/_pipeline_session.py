"""`PipelineSession` and the step arguments its jobs' methods return instead of running.

Under a PipelineSession the SDK's `processor.run()`, `estimator.fit()`, `model.create()`,
`model.register()` and `transformer.transform()` start nothing: they return a record of the
call, which a step (`ProcessingStep(step_args=...)`, `ModelStep`, ...) turns into its job.
batchops does the same. Called with any other session, those methods would start a job in
the account; batchops runs jobs only as pipeline steps, so it refuses, saying so.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from batchops.errors import InvalidInput
from batchops.sagemaker._unsupported import refuse
from batchops.sagemaker.session import Session


class PipelineSession(Session):
    """A Session whose jobs' methods return step arguments (see the module)."""

    def __init__(
        self,
        boto_session: Any = None,
        sagemaker_client: Any = None,
        default_bucket: str | None = None,
        settings: Any = None,
        sagemaker_config: dict[str, Any] | None = None,
        default_bucket_prefix: str | None = None,
    ) -> None:
        super().__init__(
            boto_session=boto_session,
            sagemaker_client=sagemaker_client,
            default_bucket=default_bucket,
            settings=settings,
            sagemaker_config=sagemaker_config,
            default_bucket_prefix=default_bucket_prefix,
        )
        self.context: StepArguments | None = None


@dataclass
class StepArguments:
    """A recorded call: which method (`caller_name`) of which object, with its arguments
    (defaults filled in)."""

    caller_name: str
    owner: Any
    arguments: dict[str, Any] = field(default_factory=dict)

    def require(self, callers: tuple[str, ...], step: str) -> StepArguments:
        """This record, if its method is one of `callers`; else one line saying what fits."""
        if self.caller_name not in callers:
            wanted = " or ".join(f"{c}()" for c in callers)
            raise InvalidInput(
                f"{step}: step_args must come from {wanted}, got {self.caller_name}()"
            )
        return self


Method = TypeVar("Method", bound=Callable[..., Any])


def runnable_by_pipeline(method: Method) -> Method:
    """Run the method's own checks, then return its StepArguments under a PipelineSession."""
    signature = inspect.signature(method)

    @functools.wraps(method)
    def record(self: Any, *args: Any, **kwargs: Any) -> StepArguments:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        arguments.pop("self")
        if not isinstance(getattr(self, "sagemaker_session", None), PipelineSession):
            refuse(
                f"{type(self).__name__}.{method.__name__}() outside a pipeline",
                "batchops runs jobs as pipeline steps; give the object "
                "sagemaker_session=PipelineSession() and pass what "
                f"{method.__name__}() returns to a step's step_args",
            )
        method(self, *args, **kwargs)
        return StepArguments(method.__name__, self, arguments)

    return record  # type: ignore[return-value]
