"""batchops's stand-in for botocore inside a LambdaStep: only `botocore.exceptions`."""
