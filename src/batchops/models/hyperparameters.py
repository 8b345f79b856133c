"""SageMaker built-in XGBoost hyperparameters, as strings or numbers, to XGBoost's parameters.

SageMaker passes every hyperparameter as a string, so "0.2" and 0.2 are both accepted; each
name has one type and an allowed range, and anything else is refused before training starts.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from batchops.errors import InvalidInput


@dataclass(frozen=True)
class _Spec:
    kind: type
    low: float | None = None
    high: float | None = None
    low_open: bool = False


_INT, _FLOAT, _STR = int, float, str
_SPECS: dict[str, _Spec] = {
    "num_round": _Spec(_INT, 1),
    "early_stopping_rounds": _Spec(_INT, 1),
    "max_depth": _Spec(_INT, 0),
    "seed": _Spec(_INT, 0),
    "num_class": _Spec(_INT, 2),
    "max_bin": _Spec(_INT, 2),
    "max_leaves": _Spec(_INT, 0),
    "nthread": _Spec(_INT, 1),
    "verbosity": _Spec(_INT, 0, 3),
    "num_parallel_tree": _Spec(_INT, 1),
    "one_drop": _Spec(_INT, 0, 1),
    "eta": _Spec(_FLOAT, 0, 1),
    "gamma": _Spec(_FLOAT, 0),
    "min_child_weight": _Spec(_FLOAT, 0),
    "subsample": _Spec(_FLOAT, 0, 1, low_open=True),
    "colsample_bytree": _Spec(_FLOAT, 0, 1, low_open=True),
    "colsample_bylevel": _Spec(_FLOAT, 0, 1, low_open=True),
    "colsample_bynode": _Spec(_FLOAT, 0, 1, low_open=True),
    "lambda": _Spec(_FLOAT, 0),
    "alpha": _Spec(_FLOAT, 0),
    "max_delta_step": _Spec(_FLOAT, 0),
    "scale_pos_weight": _Spec(_FLOAT, 0),
    "base_score": _Spec(_FLOAT),
    "sketch_eps": _Spec(_FLOAT, 0, 1, low_open=True),
    "tweedie_variance_power": _Spec(_FLOAT, 1, 2),
    "rate_drop": _Spec(_FLOAT, 0, 1),
    "skip_drop": _Spec(_FLOAT, 0, 1),
    "objective": _Spec(_STR),
    "eval_metric": _Spec(_STR),
    "booster": _Spec(_STR),
    "tree_method": _Spec(_STR),
    "grow_policy": _Spec(_STR),
    "sample_type": _Spec(_STR),
    "normalize_type": _Spec(_STR),
    "process_type": _Spec(_STR),
    "updater": _Spec(_STR),
    "interaction_constraints": _Spec(_STR),
    "monotone_constraints": _Spec(_STR),
    "distributed": _Spec(_STR),
}


@dataclass(frozen=True)
class TrainingPlan:
    """What xgboost.train needs: its params (eval_metric as a list), rounds and early stopping."""

    params: dict[str, Any]
    num_boost_round: int
    early_stopping_rounds: int | None
    distributed: str | None = None
    """`dask`: train with xgboost.dask on the cluster of BATCHOPS_DASK_ADDRESS (else `local`)."""


def parse_hyperparameters(raw: Mapping[str, Any]) -> TrainingPlan:
    values = {name: _parse_one(name, value) for name, value in raw.items()}
    if "num_round" not in values:
        raise InvalidInput("hyperparameter num_round is required (the number of boosting rounds)")
    rounds = values.pop("num_round")
    stopping = values.pop("early_stopping_rounds", None)
    distributed = values.pop("distributed", None)
    if distributed is not None and distributed != "dask":
        raise InvalidInput(f"hyperparameter distributed={distributed!r}: the one choice is 'dask'")
    params: dict[str, Any] = {"objective": "binary:logistic", "verbosity": 0, **values}
    if "eval_metric" in values:
        metrics = [m.strip() for m in str(values["eval_metric"]).split(",") if m.strip()]
        if not metrics:
            raise InvalidInput("hyperparameter eval_metric: give one or more metric names")
        params["eval_metric"] = metrics
    return TrainingPlan(params, rounds, stopping, distributed)


def _parse_one(name: str, value: Any) -> Any:
    spec = _SPECS.get(name)
    if spec is None:
        close = difflib.get_close_matches(name, _SPECS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        known = ", ".join(sorted(_SPECS))
        raise InvalidInput(f"unknown hyperparameter {name!r}; {hint}known ones: {known}")
    if spec.kind is str:
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"hyperparameter {name}: expected a non-empty string, got {value!r}")
        return value.strip()
    number = _number(name, value, spec.kind)
    _check_range(name, number, spec)
    return number


def _number(name: str, value: Any, kind: type) -> int | float:
    expected = "an integer" if kind is int else "a number"
    if isinstance(value, bool):
        raise InvalidInput(f"hyperparameter {name}: expected {expected}, got {value!r}")
    try:
        number = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"hyperparameter {name}: expected {expected}, got {value!r}") from None
    if not math.isfinite(number):
        raise InvalidInput(f"hyperparameter {name}: expected {expected}, got {value!r}")
    if kind is int:
        if not number.is_integer():
            raise InvalidInput(f"hyperparameter {name}: expected an integer, got {value!r}")
        return int(number)
    return number


def _check_range(name: str, number: float, spec: _Spec) -> None:
    too_low = spec.low is not None and (number <= spec.low if spec.low_open else number < spec.low)
    too_high = spec.high is not None and number > spec.high
    if too_low or too_high:
        low = "-inf" if spec.low is None else f"{spec.low:g}"
        high = "inf" if spec.high is None else f"{spec.high:g}"
        bracket = "(" if spec.low_open else "["
        raise InvalidInput(f"hyperparameter {name}={number:g} is outside {bracket}{low}, {high}]")
