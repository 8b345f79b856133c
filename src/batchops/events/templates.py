"""Parameter values that name the moment or the event: `data/{time:%Y-%m-%d}/batch.csv`,
`{group}`, `{version}`. Checked when a schedule or rule is made, filled when it acts."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from batchops.errors import InvalidInput

_FORMATTER = string.Formatter()


def fields_of(template: str, where: str) -> set[str]:
    try:
        return {name for _, name, _, _ in _FORMATTER.parse(template) if name is not None}
    except ValueError as error:
        raise InvalidInput(f"{where}: {template!r} is not a valid template ({error})") from error


def check_templates(parameters: Mapping[str, str], known: Iterable[str], what: str) -> None:
    """Every `{field}` must be one the schedule or event provides."""
    allowed = set(known)
    for key, value in parameters.items():
        for name in fields_of(value, f"{what} parameter {key}"):
            if name == "" or name.split(".")[0].split("[")[0] not in allowed:
                raise InvalidInput(
                    f"{what} parameter {key}={value!r}: unknown field {{{name}}}; "
                    f"known: {', '.join('{' + f + '}' for f in sorted(allowed))}"
                )


def render(
    parameters: Mapping[str, str], fields: Mapping[str, Any], time: datetime
) -> dict[str, str]:
    """The values with their fields filled in (a list field as comma-separated text)."""
    values = {
        key: ",".join(map(str, value)) if isinstance(value, list) else value
        for key, value in fields.items()
    }
    values["time"] = time
    try:
        return {key: _FORMATTER.vformat(value, (), values) for key, value in parameters.items()}
    except (KeyError, ValueError, IndexError) as error:
        raise InvalidInput(f"cannot fill in the parameters {dict(parameters)}: {error}") from error


def parse_assignments(pairs: Iterable[str], what: str) -> dict[str, str]:
    """`KEY=VALUE` pairs (from -p or --filter) as a dict; anything else is one clear error."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"{what} {pair!r}: expected KEY=VALUE")
        result[key.strip()] = value
    return result
