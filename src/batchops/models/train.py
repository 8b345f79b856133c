"""Entry point the pipeline runtime runs in its own process to train the built-in XGBoost.

    python -m batchops.models.train --train DIR [--validation DIR] [--schema DIR]
        --model-dir DIR --hyperparameters JSON [--pickled-booster]

Exit codes: 0 trained, 2 bad input (the message on stderr), 1 any other failure.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from batchops.errors import BatchopsError, InvalidInput


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m batchops.models.train", description=__doc__)
    parser.add_argument("--train", type=Path, required=True, help="train channel folder")
    parser.add_argument("--validation", type=Path, help="validation channel folder")
    parser.add_argument("--schema", type=Path, help="folder with a JSON file of feature_names")
    parser.add_argument("--model-dir", type=Path, required=True, help="where model.tar.gz goes")
    parser.add_argument(
        "--hyperparameters", default="{}", help="JSON object of SageMaker hyperparameters"
    )
    parser.add_argument(
        "--pickled-booster",
        action="store_true",
        help="also write the booster pickled as xgboost-model (SageMaker images before 1.3-1)",
    )
    args = parser.parse_args(argv)
    try:
        from batchops.models.xgboost import train

        train(
            train=args.train,
            validation=args.validation,
            model_dir=args.model_dir,
            hyperparameters=_hyperparameters(args.hyperparameters),
            schema=args.schema,
            pickled_booster=args.pickled_booster,
            log=lambda line: print(line, flush=True),
        )
    except BatchopsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception:
        traceback.print_exc()
        return 1
    return 0


def _hyperparameters(text: str) -> dict[str, str | int | float]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"--hyperparameters is not valid JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise InvalidInput("--hyperparameters must be a JSON object of name: value")
    return value


if __name__ == "__main__":
    sys.exit(main())
