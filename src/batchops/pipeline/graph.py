"""The DAG of a definition: validated once, then queried by the executor.

Works on the JSON definition rather than on step objects, so a pipeline built in Python and
one loaded from the store are checked by the same rules. Dependencies are the union of
explicit `DependsOn`, every `Steps.<name>` reference in a step's arguments, and, for a step
inside a condition's branch, the condition step itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from batchops.errors import InvalidInput


@dataclass
class StepNode:
    name: str
    type: str
    arguments: dict[str, Any]
    cache: dict[str, Any] | None
    depends_on: set[str] = field(default_factory=set)
    branch: tuple[str, bool] | None = None  # (condition step, outcome that runs this step)


def _gets(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        if set(value) == {"Get"} and isinstance(value["Get"], str):
            yield value["Get"]
        else:
            for item in value.values():
                yield from _gets(item)
    elif isinstance(value, list):
        for item in value:
            yield from _gets(item)


@dataclass
class PipelineGraph:
    steps: dict[str, StepNode]
    parameters: list[dict[str, Any]]

    @classmethod
    def from_definition(cls, definition: Mapping[str, Any]) -> PipelineGraph:
        parameters = list(definition.get("Parameters", []))
        parameter_names = [p.get("Name") for p in parameters]
        _refuse_duplicates(parameter_names, "parameter")
        raw_steps = list(definition.get("Steps", []))
        _refuse_duplicates([s.get("Name") for s in raw_steps], "step")
        steps = {
            s["Name"]: StepNode(s["Name"], s["Type"], s.get("Arguments", {}), s.get("CacheConfig"))
            for s in raw_steps
        }
        for raw in raw_steps:
            node = steps[raw["Name"]]
            for dependency in raw.get("DependsOn", []):
                if dependency not in steps:
                    raise InvalidInput(f"step {node.name!r} depends on unknown step {dependency!r}")
                node.depends_on.add(dependency)
            for path in _gets(node.arguments):
                head, _, rest = path.partition(".")
                target = rest.split(".")[0]
                if head == "Parameters" and target not in parameter_names:
                    raise InvalidInput(f"step {node.name!r} uses unknown parameter {target!r}")
                if head == "Steps":
                    if target not in steps:
                        raise InvalidInput(f"step {node.name!r} refers to unknown step {target!r}")
                    _check_property_file(steps[target], rest, node.name)
                    node.depends_on.add(target)
        for node in list(steps.values()):
            if node.type == "Condition":
                for outcome, key in ((True, "IfSteps"), (False, "ElseSteps")):
                    for member in node.arguments.get(key, []):
                        if member not in steps:
                            raise InvalidInput(
                                f"condition {node.name!r} names unknown step {member!r}"
                            )
                        if steps[member].branch is not None:
                            raise InvalidInput(f"step {member!r} is in more than one branch")
                        steps[member].branch = (node.name, outcome)
                        steps[member].depends_on.add(node.name)
        graph = cls(steps, parameters)
        graph._refuse_cycles()
        return graph

    def order(self) -> list[str]:
        """Steps in an order where each comes after what it depends on."""
        placed: list[str] = []
        seen: set[str] = set()

        def visit(name: str) -> None:
            if name in seen:
                return
            seen.add(name)
            for dependency in sorted(self.steps[name].depends_on):
                visit(dependency)
            placed.append(name)

        for name in self.steps:
            visit(name)
        return placed

    def _refuse_cycles(self) -> None:
        state: dict[str, int] = {}  # 1 visiting, 2 done

        def visit(name: str, trail: list[str]) -> None:
            state[name] = 1
            for dependency in sorted(self.steps[name].depends_on):
                if state.get(dependency) == 1:
                    cycle = [*trail[trail.index(dependency) :], dependency]
                    raise InvalidInput(f"the pipeline has a cycle: {' -> '.join(cycle)}")
                if dependency not in state:
                    visit(dependency, [*trail, dependency])
            state[name] = 2

        for name in self.steps:
            if name not in state:
                visit(name, [name])


def _refuse_duplicates(names: list[Any], what: str) -> None:
    seen: set[Any] = set()
    for name in names:
        if name in seen:
            raise InvalidInput(f"duplicate {what} name {name!r}")
        seen.add(name)


def _check_property_file(target: StepNode, rest: str, user: str) -> None:
    parts = rest.split(".")
    if len(parts) >= 3 and parts[1] == "PropertyFiles":
        declared = [pf.get("PropertyFileName") for pf in target.arguments.get("PropertyFiles", [])]
        if parts[2] not in declared:
            raise InvalidInput(
                f"step {user!r} reads property file {parts[2]!r}, which step {target.name!r} "
                f"does not declare (it declares {declared or 'none'})"
            )
