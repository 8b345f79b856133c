"""Names of the SDK that batchops does not have: they import, and refuse when used.

A notebook imports more than it runs (the walkthrough imports Clarify and never uses it), so a
missing feature must not fail the import; using it fails with one line naming it.
"""

from __future__ import annotations

from typing import Any, NoReturn

from batchops.errors import InvalidInput


class NotSupported(InvalidInput, NotImplementedError):
    """A SageMaker feature batchops does not have, or an argument it would have to ignore
    although it changes results."""


def refuse(name: str, hint: str = "") -> NoReturn:
    raise NotSupported(f"{name} is not supported by batchops" + (f": {hint}" if hint else ""))


class _Refusing(type):
    """Class attributes a refusing class lacks (`DefaultModelMonitor.attach`) refuse too."""

    def __getattr__(cls, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        refuse(f"{cls.__name__}.{attribute}", cls.__doc__ or "")


def unsupported(name: str, module: str, hint: str = "") -> type:
    """A class named `name` that refuses to be made or used, saying `hint`."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        refuse(name, hint)

    return _Refusing(name, (), {"__init__": __init__, "__doc__": hint, "__module__": module})
