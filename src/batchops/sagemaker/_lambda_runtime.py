"""Runs a Lambda handler as AWS Lambda calls it: `handler(event, context)`, in its own process.

`python -m batchops.sagemaker._lambda_runtime --code DIR --handler mod.fn --event JSON
--result FILE --timeout SECONDS --function-name NAME`: imports `mod` from DIR, calls `fn` and
writes what it returned as JSON to FILE. batchops's `boto3` and `botocore` stand-ins come first
on the path (the LambdaStep's runner puts them there), so `boto3.client("sagemaker")` is
served by batchops's registry.
"""

from __future__ import annotations

import argparse
import importlib
import json
import signal
import sys
import time
import uuid
from pathlib import Path
from types import FrameType
from typing import Any


class LambdaContext:
    """The parts of AWS Lambda's context object handlers read."""

    def __init__(self, function_name: str, timeout: int, function_arn: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function_arn
        self.memory_limit_in_mb = 128
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = self.aws_request_id
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class TimedOut(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="batchops-lambda")
    for name in ("--code", "--handler", "--event", "--result", "--function-name"):
        parser.add_argument(name, required=True)
    parser.add_argument("--function-arn", default="")
    parser.add_argument("--timeout", type=int, default=120)
    args = parser.parse_args(argv)
    module_name, _, function_name = args.handler.rpartition(".")
    sys.path.insert(0, args.code)
    handler = getattr(importlib.import_module(module_name), function_name)
    event = json.loads(args.event)

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise TimedOut(f"Task timed out after {args.timeout} seconds")

    signal.signal(signal.SIGALRM, expire)
    signal.alarm(args.timeout)
    try:
        returned: Any = handler(
            event, LambdaContext(args.function_name, args.timeout, args.function_arn)
        )
    except TimedOut as late:
        print(late, file=sys.stderr)
        return 1
    finally:
        signal.alarm(0)
    Path(args.result).write_text(json.dumps(returned, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
