"""SageMaker built-in XGBoost hyperparameters, as strings or numbers, to XGBoost's parameters.

SageMaker passes every hyperparameter as a string, so "0.2" and 0.2 are both accepted; each
name has one type and an allowed range, and anything else is refused before training starts.

Notebooks written for the XGBoost images (1.0-1 and later) keep working: every name and
value those images accept is taken. Names today's XGBoost spells otherwise are mapped
(`silent` -> `verbosity`, `objective="reg:linear"` -> `reg:squarederror`, `learning_rate`
-> `eta`, ...), and settings it no longer has or that only mean something on SageMaker's
machines (`lambda_bias`, `predictor`, `_kfold`, ...) are dropped; each mapping or drop is one
note in the training log, so nobody mistakes it for the image's behaviour.
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
    "seed": _Spec(_INT, -(2**31) + 1, 2**31 - 2),
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
    "csv_weights": _Spec(_INT, 0, 1),
    "refresh_leaf": _Spec(_INT, 0, 1),
    "aft_loss_distribution": _Spec(_STR),
    "aft_loss_distribution_scale": _Spec(_FLOAT, 0),
    "sampling_method": _Spec(_STR),
}
# The images' other spellings of XGBoost's names (they declare these aliases).
_ALIASES = {
    "learning_rate": "eta",
    "min_split_loss": "gamma",
    "reg_lambda": "lambda",
    "reg_alpha": "alpha",
}
# Names the images accept that today's XGBoost has no use for, and why they are dropped.
_DROPPED = {
    "lambda_bias": "XGBoost removed it (a bias term of gblinear)",
    "dsplit": "XGBoost removed it (how distributed data was split)",
    "predictor": "XGBoost chooses its predictor itself since 2.0",
    "prob_buffer_row": "XGBoost removed it (a GPU buffer size)",
    "single_precision_histogram": "XGBoost removed it (a GPU histogram option)",
    "deterministic_histogram": "XGBoost removed it (a GPU histogram option)",
    "save_model_on_termination": "it is about SageMaker stopping the instance",
    "use_dask_gpu_training": "batchops trains on CPUs",
    "_kfold": "cross-validation of SageMaker's hyperparameter tuning is not run here",
    "_num_cv_round": "cross-validation of SageMaker's hyperparameter tuning is not run here",
    "_tuning_objective_metric": "it names SageMaker's hyperparameter tuning objective",
}
# Values of the images that today's XGBoost spells otherwise (None: drop the name).
_VALUES: dict[tuple[str, str], str | None] = {
    ("objective", "reg:linear"): "reg:squarederror",
    ("tree_method", "gpu_hist"): "hist",
    ("sampling_method", "gradient_based"): None,
}
_UPDATERS: dict[str, str | None] = {  # tree builders XGBoost removed -> the one that replaced them
    "grow_histmaker": "grow_quantile_histmaker",
    "grow_local_histmaker": "grow_quantile_histmaker",
    "grow_skmaker": "grow_quantile_histmaker",
    "distcol": "grow_colmaker",
    "sync": None,
}


@dataclass(frozen=True)
class TrainingPlan:
    """What xgboost.train needs: its params (eval_metric as a list), rounds and early stopping."""

    params: dict[str, Any]
    num_boost_round: int
    early_stopping_rounds: int | None
    distributed: str | None = None
    """`dask`: train with xgboost.dask on the cluster of BATCHOPS_DASK_ADDRESS (else `local`)."""
    csv_weights: bool = False
    """The column after the target holds each row's weight (the images' `csv_weights=1`)."""
    notes: tuple[str, ...] = ()
    """What was mapped or dropped from SageMaker's names, one line each, for the log."""


def parse_hyperparameters(raw: Mapping[str, Any]) -> TrainingPlan:
    translated, notes = _translate(raw)
    values = {name: _parse_one(name, value) for name, value in translated.items()}
    if "num_round" not in values:
        raise InvalidInput("hyperparameter num_round is required (the number of boosting rounds)")
    rounds = values.pop("num_round")
    stopping = values.pop("early_stopping_rounds", None)
    distributed = values.pop("distributed", None)
    csv_weights = bool(values.pop("csv_weights", 0))
    if distributed is not None and distributed != "dask":
        raise InvalidInput(f"hyperparameter distributed={distributed!r}: the one choice is 'dask'")
    params: dict[str, Any] = {"objective": "binary:logistic", "verbosity": 0, **values}
    if "eval_metric" in values:
        metrics = [m.strip() for m in str(values["eval_metric"]).split(",") if m.strip()]
        if not metrics:
            raise InvalidInput("hyperparameter eval_metric: give one or more metric names")
        params["eval_metric"] = metrics
    return TrainingPlan(params, rounds, stopping, distributed, csv_weights, tuple(notes))


def _translate(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """SageMaker's names and values in today's XGBoost's spelling, and a note per change."""
    values: dict[str, Any] = {}
    notes: list[str] = []
    for name, value in raw.items():
        text = value.strip() if isinstance(value, str) else value
        if name in _DROPPED:
            notes.append(f"hyperparameter {name}={value} dropped: {_DROPPED[name]}")
        elif name == "silent":  # XGBoost 1.0 replaced it by verbosity; a given one wins
            silent = _number(name, value, int)
            _check_range(name, silent, _Spec(_INT, 0, 1))
            verbosity = 0 if silent else 1
            notes.append(f"hyperparameter silent={value} mapped to verbosity={verbosity}")
            values.setdefault("verbosity", verbosity)
        elif name in _ALIASES:
            notes.append(f"hyperparameter {name} mapped to {_ALIASES[name]}")
            values[_ALIASES[name]] = value
        elif isinstance(text, str) and (name, text) in _VALUES:
            replacement = _VALUES[(name, text)]
            if replacement is None:
                notes.append(f"hyperparameter {name}={text} dropped: it needs a GPU")
            else:
                notes.append(f"hyperparameter {name}={text} mapped to {name}={replacement}")
                values[name] = replacement
        elif name == "updater" and isinstance(text, str) and text:
            updaters = _updaters(text, notes)
            if updaters:
                values[name] = updaters
        else:
            values[name] = value
    return values, notes


def _updaters(text: str, notes: list[str]) -> str:
    kept: list[str] = []
    for updater in (part.strip() for part in text.split(",") if part.strip()):
        replacement = _UPDATERS.get(updater, updater)
        if replacement != updater:
            change = f"mapped to {replacement}" if replacement else "dropped"
            notes.append(f"updater {updater} {change}: XGBoost removed it")
        if replacement and replacement not in kept:
            kept.append(replacement)
    return ",".join(kept)


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
