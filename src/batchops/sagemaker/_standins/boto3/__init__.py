"""batchops's stand-in for boto3 inside a LambdaStep: `boto3.client("sagemaker")` is served by
batchops's registry; any other service answers ClientError "UnsupportedOperation"."""

from batchops.sagemaker._registry_client import Session, client, resource

__all__ = ["Session", "client", "resource"]
