"""Which project file manages an object (a pipeline, schedule, rule or alarm), if one does.

`batchops apply` writes it with the object, in the object's own transaction, so an object is
never changed by a project without saying so; the page and `describe` show it, and `apply`
deletes only what its own project manages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class HasManagedColumns(Protocol):
    managed_by: str | None
    managed_revision: str | None


@dataclass(frozen=True)
class Managed:
    """The project (its file's `[project] name`) and the revision (a commit) that applied it."""

    project: str
    revision: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"project": self.project, "revision": self.revision}

    def write(self, row: HasManagedColumns) -> None:
        row.managed_by = self.project
        row.managed_revision = self.revision


def managed_of(row: HasManagedColumns) -> Managed | None:
    """The row's manager, or None for an object made by hand."""
    return None if row.managed_by is None else Managed(row.managed_by, row.managed_revision)


def managed_json(managed: Managed | None) -> dict[str, Any] | None:
    return None if managed is None else managed.to_json()
