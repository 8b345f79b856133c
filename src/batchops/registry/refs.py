"""Names of groups and `GROUP/VERSION` references, checked before anything is looked up."""

from __future__ import annotations

import re

from batchops.errors import InvalidInput

# SageMaker's rule for model package group names, so names move between the two unchanged.
_GROUP = re.compile(r"[A-Za-z0-9](-*[A-Za-z0-9]){0,62}")
# ASCII digits only (int() would read "٣" as 3); numbers fit the database's 32-bit integer.
_NUMBER = re.compile(r"[0-9]{1,10}")
MAX_VERSION = 2**31 - 1


def check_group_name(name: str) -> str:
    if not _GROUP.fullmatch(name):
        raise InvalidInput(
            f"invalid model package group name {name!r}: 1 to 63 letters, digits and hyphens, "
            "starting and ending with a letter or digit"
        )
    return name


def parse_version_ref(ref: str) -> tuple[str, int]:
    """`"customer-churn/3"` -> `("customer-churn", 3)`; anything else names what is wrong."""
    group, sep, number = ref.rpartition("/")
    if not sep or not group:
        raise InvalidInput(f"{ref!r}: expected GROUP/VERSION, e.g. customer-churn/1")
    if not _NUMBER.fullmatch(number) or not 1 <= int(number) <= MAX_VERSION:
        raise InvalidInput(
            f"{ref!r}: the version must be a positive integer up to {MAX_VERSION} "
            f"in digits 0-9, got {number[:40]!r}"
        )
    return check_group_name(group), int(number)


def is_registry_ref(spec: str) -> bool:
    """Whether `spec` reads as `GROUP` or `GROUP/VERSION` rather than as a path."""
    group, _, number = spec.partition("/")
    return bool(_GROUP.fullmatch(group)) and (number == "" or bool(_NUMBER.fullmatch(number)))
