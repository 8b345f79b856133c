"""`Lambda`: a function from a handler file, which a LambdaStep calls as AWS Lambda would.

`upsert()` deploys nothing: the script is snapshotted into the artifact store when its
pipeline is stored, and the ARN is the pseudo-account's.
"""

from __future__ import annotations

from typing import Any

from batchops.errors import InvalidInput
from batchops.runtime import arns
from batchops.sagemaker._unsupported import refuse


class Lambda:
    def __init__(
        self,
        function_arn: str | None = None,
        function_name: str | None = None,
        execution_role_arn: str | None = None,
        zipped_code_dir: str | None = None,
        s3_bucket: str | None = None,
        script: str | None = None,
        handler: str | None = None,
        session: Any = None,
        timeout: int = 120,
        memory_size: int = 128,
        runtime: str = "python3.8",
        vpc_config: Any = None,
        environment: Any = None,
        layers: Any = None,
    ) -> None:
        if zipped_code_dir is not None:
            refuse("Lambda(zipped_code_dir=...)", "give script= and handler=")
        if script is None or handler is None:
            refuse(
                "a Lambda without script= and handler=",
                "batchops runs the function's file itself; give script= (a .py file) and "
                "handler= ('module.function')",
            )
        if function_name is None and function_arn is None:
            raise InvalidInput("Lambda needs function_name (or function_arn)")
        if "." not in handler:
            raise InvalidInput(f"Lambda handler {handler!r} must be 'module.function'")
        self.function_arn = function_arn
        self.function_name = function_name or str(function_arn).rsplit(":", 1)[-1]
        self.execution_role_arn = execution_role_arn
        self.script = script
        self.handler = handler
        self.session = session
        self.timeout = int(timeout)
        self.memory_size = memory_size
        self.runtime = runtime

    def arn(self) -> str:
        return self.function_arn or arns.arn(f"function:{self.function_name}", service="lambda")

    def create(self) -> dict[str, Any]:
        return {"FunctionArn": self.arn()}

    def update(self) -> dict[str, Any]:
        return {"FunctionArn": self.arn()}

    def upsert(self) -> dict[str, Any]:
        return {"FunctionArn": self.arn()}

    def invoke(self) -> Any:
        refuse("Lambda.invoke outside a pipeline", "a LambdaStep calls it when the step runs")

    def delete(self) -> dict[str, Any]:
        return {}


__all__ = ["Lambda"]
