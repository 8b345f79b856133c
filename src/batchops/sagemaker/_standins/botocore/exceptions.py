"""`ClientError` as botocore raises it, for the Lambda's `except ClientError`."""

from batchops.sagemaker._registry_client import BotoCoreError, ClientError

__all__ = ["BotoCoreError", "ClientError"]
