"""Pipeline parameters: typed values with defaults, overridable per execution.

Values arriving from the command line are text, so each type knows how to parse text and
refuses what it cannot parse with the parameter's name in the message. A number parameter may
declare the range it accepts (`min_value`, `max_value`, both inclusive); a value outside it
is refused when an execution binds its parameters, before anything runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from batchops.errors import InvalidInput
from batchops.pipeline.reference import Reference
from batchops.settings import MAX_NAME_CHARS, MAX_PARAMETER_CHARS, check_length


@dataclass(frozen=True, eq=False)
class Parameter(Reference):
    name: str
    default_value: Any = None

    type_name: ClassVar[str] = "String"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InvalidInput(f"a parameter needs a name (text), got {self.name!r}")
        check_length(self.name, MAX_NAME_CHARS, "a parameter name")
        if self.default_value is not None:
            object.__setattr__(self, "default_value", self.parsed(self.default_value))

    def parsed(self, value: Any) -> Any:
        """`parse`, after refusing a value longer than MAX_PARAMETER_CHARS as text."""
        if isinstance(value, str):
            check_length(value, MAX_PARAMETER_CHARS, f"the value of parameter {self.name!r}")
        return self.parse(value)

    def parse(self, value: Any) -> Any:
        raise NotImplementedError

    def check(self, value: Any) -> Any:
        """The parsed value if the parameter accepts it (a number outside its range is not)."""
        return value

    def to_json(self) -> dict[str, Any]:
        return {"Get": f"Parameters.{self.name}"}

    def declaration(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"Name": self.name, "Type": self.type_name}
        if self.default_value is not None:
            entry["DefaultValue"] = self.default_value
        return entry

    def _refuse(self, value: Any) -> InvalidInput:
        return InvalidInput(
            f"parameter {self.name!r} expects a {self.type_name.lower()}, got {value!r}"
        )


@dataclass(frozen=True, eq=False)
class ParameterString(Parameter):
    """Text; `enum_values`, when given, are the only values it accepts (SageMaker's EnumValues)."""

    enum_values: tuple[str, ...] | None = None
    type_name = "String"

    def __post_init__(self) -> None:
        if self.enum_values is not None:
            object.__setattr__(self, "enum_values", tuple(map(self.parse, self.enum_values)))
        super().__post_init__()
        if self.default_value is not None:
            self.check(self.default_value)

    def parse(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        raise self._refuse(value)

    def check(self, value: Any) -> Any:
        if self.enum_values is not None and value not in self.enum_values:
            allowed = ", ".join(map(repr, self.enum_values))
            raise InvalidInput(f"parameter {self.name!r} must be one of {allowed}, got {value!r}")
        return value

    def declaration(self) -> dict[str, Any]:
        entry = super().declaration()
        if self.enum_values is not None:
            entry["EnumValues"] = list(self.enum_values)
        return entry


@dataclass(frozen=True, eq=False)
class _Number(Parameter):
    """A number parameter with an optional inclusive range, kept in its declaration as
    `MinValue`/`MaxValue` (only when set: a declaration without them is unchanged)."""

    min_value: float | None = None
    max_value: float | None = None

    def __post_init__(self) -> None:
        for name in ("min_value", "max_value"):
            bound = getattr(self, name)
            if bound is not None:
                object.__setattr__(self, name, self.parsed(bound))
        low, high = self.min_value, self.max_value
        if low is not None and high is not None and low > high:
            raise InvalidInput(
                f"parameter {self.name!r}: min_value {low!r} is above max_value {high!r}"
            )
        super().__post_init__()
        if self.default_value is not None:
            self.check(self.default_value)

    def check(self, value: Any) -> Any:
        low, high = self.min_value, self.max_value
        if (low is not None and value < low) or (high is not None and value > high):
            raise InvalidInput(
                f"parameter {self.name!r} must be {self.range_text()}, got {value!r}"
            )
        return value

    def range_text(self) -> str:
        low, high = self.min_value, self.max_value
        if low is not None and high is not None:
            return f"between {low!r} and {high!r}"
        return f"at least {low!r}" if low is not None else f"at most {high!r}"

    def declaration(self) -> dict[str, Any]:
        entry = super().declaration()
        if self.min_value is not None:
            entry["MinValue"] = self.min_value
        if self.max_value is not None:
            entry["MaxValue"] = self.max_value
        return entry


class ParameterInteger(_Number):
    type_name = "Integer"

    def parse(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self._refuse(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise self._refuse(value) from None


class ParameterFloat(_Number):
    type_name = "Float"

    def parse(self, value: Any) -> float:
        if isinstance(value, bool):
            raise self._refuse(value)
        try:
            number = float(value) if isinstance(value, int | float) else float(str(value).strip())
        except ValueError:
            raise self._refuse(value) from None
        if not math.isfinite(number):  # nothing compares sensibly with NaN; JSON holds neither
            raise InvalidInput(f"parameter {self.name!r} expects a finite number, got {value!r}")
        return number


class ParameterBoolean(Parameter):
    type_name = "Boolean"
    _words: ClassVar[dict[str, bool]] = {
        "true": True,
        "1": True,
        "yes": True,
        "false": False,
        "0": False,
        "no": False,
    }

    def parse(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in self._words:
            return self._words[word]
        raise self._refuse(value)


PARAMETER_TYPES: dict[str, type[Parameter]] = {
    cls.type_name: cls
    for cls in (ParameterString, ParameterInteger, ParameterFloat, ParameterBoolean)
}


def parameter_from_declaration(entry: dict[str, Any]) -> Parameter:
    kind = PARAMETER_TYPES.get(entry.get("Type", ""))
    if kind is None:
        raise InvalidInput(
            f"parameter {entry.get('Name')!r} has unknown type {entry.get('Type')!r}"
        )
    if issubclass(kind, _Number):
        return kind(
            entry["Name"],
            entry.get("DefaultValue"),
            min_value=entry.get("MinValue"),
            max_value=entry.get("MaxValue"),
        )
    if kind is ParameterString and entry.get("EnumValues") is not None:
        return ParameterString(entry["Name"], entry.get("DefaultValue"), entry["EnumValues"])
    return kind(entry["Name"], entry.get("DefaultValue"))


def bind_parameters(declared: list[Parameter], given: dict[str, Any] | None) -> dict[str, Any]:
    """The execution's parameter values: defaults overridden by `given`, each parsed and checked."""
    by_name = {p.name: p for p in declared}
    unknown = sorted(set(given or {}) - set(by_name))
    if unknown:
        shown = ", ".join(repr(n if len(n) <= 80 else f"{n[:80]}…") for n in unknown[:5])
        raise InvalidInput(
            f"unknown parameter {shown}{' …' if len(unknown) > 5 else ''}; "
            f"this pipeline takes {', '.join(sorted(by_name)) or 'no parameters'}"
        )
    values: dict[str, Any] = {}
    for parameter in declared:
        raw = (given or {}).get(parameter.name, parameter.default_value)
        if raw is None:
            raise InvalidInput(f"parameter {parameter.name!r} has no default and was not given")
        values[parameter.name] = parameter.check(parameter.parsed(raw))
    return values
