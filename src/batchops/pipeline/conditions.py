"""Conditions a `ConditionStep` evaluates, named and serialised as SageMaker names them."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from batchops.errors import InvalidInput
from batchops.pipeline.references import ResolutionContext, decode, encode, resolve


class Condition:
    kind: ClassVar[str]

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    def evaluate(self, context: ResolutionContext) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class _Comparison(Condition):
    left: Any
    right: Any

    compare: ClassVar[Callable[[Any, Any], bool]]
    symbol: ClassVar[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "Type": self.kind,
            "Arguments": {"LeftValue": encode(self.left), "RightValue": encode(self.right)},
        }

    def evaluate(self, context: ResolutionContext) -> bool:
        left, right = resolve(self.left, context), resolve(self.right, context)
        try:
            return bool(type(self).compare(_number_or_self(left), _number_or_self(right)))
        except TypeError:
            raise InvalidInput(f"{self.kind}: cannot compare {left!r} with {right!r}") from None

    def describe(self, context: ResolutionContext) -> str:
        return f"{resolve(self.left, context)!r} {self.symbol} {resolve(self.right, context)!r}"


def _number_or_self(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


class ConditionEquals(_Comparison):
    kind, symbol, compare = "Equals", "==", operator.eq


class ConditionGreaterThan(_Comparison):
    kind, symbol, compare = "GreaterThan", ">", operator.gt


class ConditionGreaterThanOrEqualTo(_Comparison):
    kind, symbol, compare = "GreaterThanOrEqualTo", ">=", operator.ge


class ConditionLessThan(_Comparison):
    kind, symbol, compare = "LessThan", "<", operator.lt


class ConditionLessThanOrEqualTo(_Comparison):
    kind, symbol, compare = "LessThanOrEqualTo", "<=", operator.le


@dataclass(frozen=True)
class ConditionIn(Condition):
    value: Any
    in_values: tuple[Any, ...]
    kind: ClassVar[str] = "In"

    def to_json(self) -> dict[str, Any]:
        return {
            "Type": "In",
            "Arguments": {"QueryValue": encode(self.value), "Values": encode(list(self.in_values))},
        }

    def evaluate(self, context: ResolutionContext) -> bool:
        return resolve(self.value, context) in [resolve(v, context) for v in self.in_values]


@dataclass(frozen=True)
class ConditionNot(Condition):
    expression: Condition
    kind: ClassVar[str] = "Not"

    def to_json(self) -> dict[str, Any]:
        return {"Type": "Not", "Arguments": {"Expression": self.expression.to_json()}}

    def evaluate(self, context: ResolutionContext) -> bool:
        return not self.expression.evaluate(context)


@dataclass(frozen=True)
class ConditionOr(Condition):
    conditions: tuple[Condition, ...]
    kind: ClassVar[str] = "Or"

    def to_json(self) -> dict[str, Any]:
        return {"Type": "Or", "Arguments": {"Conditions": [c.to_json() for c in self.conditions]}}

    def evaluate(self, context: ResolutionContext) -> bool:
        return any(c.evaluate(context) for c in self.conditions)


COMPARISONS: dict[str, type[_Comparison]] = {
    cls.kind: cls
    for cls in (
        ConditionEquals,
        ConditionGreaterThan,
        ConditionGreaterThanOrEqualTo,
        ConditionLessThan,
        ConditionLessThanOrEqualTo,
    )
}


def condition_from_json(data: dict[str, Any]) -> Condition:
    kind, args = data.get("Type"), data.get("Arguments", {})
    if kind in COMPARISONS:
        return COMPARISONS[kind](decode(args["LeftValue"]), decode(args["RightValue"]))
    if kind == "In":
        return ConditionIn(decode(args["QueryValue"]), tuple(decode(args["Values"])))
    if kind == "Not":
        return ConditionNot(condition_from_json(args["Expression"]))
    if kind == "Or":
        return ConditionOr(tuple(condition_from_json(c) for c in args["Conditions"]))
    raise InvalidInput(f"unknown condition type {kind!r}")
