"""What every step shares: a name, explicit dependencies, a cache setting, its properties.

A step is a declaration. `arguments()` is everything the runtime needs to run it: one frozen
dataclass per step type (defined next to the step), whose fields may hold references and
whose `to_json()`/`from_json()` map it to the definition's `"Arguments"`. The runtime works
from the serialised definition alone, reading it back through the same dataclass, so a
stored definition version can be executed (and retried) without the Python that built it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, Protocol

from batchops.errors import InvalidInput
from batchops.pipeline.references import Properties, encode
from batchops.pipeline.steps.types import StepType
from batchops.settings import MAX_DESCRIPTION_CHARS, check_length
from batchops.store.code_snapshots import CodeSnapshot

_DURATION = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_iso_duration(text: str) -> timedelta:
    """An ISO 8601 duration ("PT12H", "P30D"); a month counts 30 days and a year 365."""
    match = _DURATION.match(text or "")
    if not match or text in ("P", "PT") or text.endswith("T"):
        raise InvalidInput(f"{text!r} is not an ISO 8601 duration such as 'PT12H' or 'P30D'")
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    days = parts.get("years", 0) * 365 + parts.get("months", 0) * 30 + parts.get("days", 0)
    return timedelta(
        weeks=parts.get("weeks", 0),
        days=days,
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
        seconds=parts.get("seconds", 0),
    )


@dataclass(frozen=True)
class CacheConfig:
    """Opt-in step caching: reuse an earlier run with the same code, inputs and arguments."""

    enable_caching: bool = False
    expire_after: str | None = None

    def __post_init__(self) -> None:
        if self.expire_after is not None:
            parse_iso_duration(self.expire_after)

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"Enabled": self.enable_caching}
        if self.expire_after:
            entry["ExpireAfter"] = self.expire_after
        return entry

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> CacheConfig | None:
        if not data:
            return None
        return cls(bool(data.get("Enabled")), data.get("ExpireAfter"))


class StepArguments(Protocol):
    """A step type's arguments: what its step writes and its runner reads."""

    def to_json(self) -> dict[str, Any]:
        """The definition's `"Arguments"`, references left as objects (`encode` writes them)."""
        ...


def tuple_of(values: Any) -> tuple[Any, ...]:
    """A list in the definition as a tuple, so arguments stay immutable; None as empty."""
    return tuple(values or ())


def dict_of(values: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict(values or {})


class Step:
    step_type: ClassVar[StepType]

    def __init__(
        self,
        name: str,
        *,
        depends_on: list[Step | str] | None = None,
        cache_config: CacheConfig | None = None,
        description: str = "",
    ) -> None:
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,255}", name):
            raise InvalidInput(
                f"step name {name!r} must be 1-256 letters, digits, '-' or '_', "
                "starting with a letter or digit"
            )
        self.name = name
        self.depends_on = [d if isinstance(d, str) else d.name for d in depends_on or []]
        self.cache_config = cache_config
        self.description = description
        if isinstance(description, str):
            check_length(description, MAX_DESCRIPTION_CHARS, f"step {name}'s description")

    @property
    def properties(self) -> Properties:
        return Properties(self.name)

    def arguments(self) -> StepArguments:
        raise NotImplementedError

    def arguments_json(self) -> dict[str, Any]:
        return self.arguments().to_json()

    def child_steps(self) -> list[Step]:
        """Steps declared inside this one (a condition's branches)."""
        return []

    def code_snapshots(self) -> list[CodeSnapshot]:
        """The code the definition names by digest, to keep in the artifact store."""
        return []

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "Name": self.name,
            "Type": self.step_type,
            "Arguments": encode(self.arguments_json()),
        }
        if self.depends_on:
            entry["DependsOn"] = list(self.depends_on)
        if self.cache_config:
            entry["CacheConfig"] = self.cache_config.to_json()
        if self.description:
            entry["Description"] = self.description
        return entry

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class DefinedStep(Step):
    """A step rebuilt from a stored definition: its arguments are kept as they were written.

    Its type stays the stored text, so a definition naming a type this version does not know
    still loads; running such a step is what fails.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        from batchops.pipeline.references import decode

        super().__init__(
            data["Name"],
            depends_on=list(data.get("DependsOn", [])),
            cache_config=CacheConfig.from_json(data.get("CacheConfig")),
            description=data.get("Description", ""),
        )
        self.step_type = data["Type"]  # type: ignore[misc]
        self._arguments = decode(data.get("Arguments", {}))

    def arguments(self) -> StepArguments:
        from batchops.pipeline.steps import arguments_from_json

        return arguments_from_json(self.step_type, self._arguments)

    def arguments_json(self) -> dict[str, Any]:
        return dict(self._arguments)
