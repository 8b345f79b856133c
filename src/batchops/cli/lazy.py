"""The `batchops` group, whose commands are built only when they run.

Typer builds a command's options by reading its function's signature and evaluating its type
annotations: for all of batchops' commands, about a tenth of a second of every start. So the
group knows only which module of `batchops.cli` registers each command; running one imports
that module and builds its commands alone. `batchops --help` lists every command from its
registration (name, help, panel) without building any.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command_name, get_group, solve_typer_info_defaults

Command = TyperCommand | TyperGroup


class LazyGroup(TyperGroup):
    """A Typer group whose commands come from `modules` (command name: the module under
    `batchops.cli` whose `register(app)` adds it), each module imported on first use."""

    modules: ClassVar[Mapping[str, str]] = {}

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.on_demand = _CommandsOnDemand(self.modules, self.prepare)
        self.commands = self.on_demand
        self._listing = False

    def prepare(self, name: str, command: Command) -> None:
        """Called once with each command built (a subclass may wrap its callbacks)."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)

    def get_command(self, ctx: Any, cmd_name: str) -> Command | None:
        if self._listing:
            return self.on_demand.summary(cmd_name)
        return self.on_demand.get(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The help, listing the commands from their summaries."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


class _CommandsOnDemand(MutableMapping[str, Any]):
    """The group's commands by name, each module's built when one of them is first looked up."""

    def __init__(self, modules: Mapping[str, str], prepare: Any) -> None:
        self._modules = dict(modules)
        self._prepare = prepare
        self._registered: dict[str, typer.Typer] = {}
        self._built: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name not in self._built:
            if name not in self._modules:
                raise KeyError(name)
            built = get_group(self._registrations(self._modules[name])).commands
            for built_name, command in built.items():
                assert isinstance(command, TyperCommand | TyperGroup)
                self._prepare(built_name, command)
                self._built.setdefault(built_name, command)
        return self._built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        self._modules.pop(name, None)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        yield from self._modules
        yield from (name for name in self._built if name not in self._modules)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, name: object) -> bool:
        return name in self._modules or name in self._built

    def summary(self, name: str) -> Command | None:
        """What the group's help lists of command `name`, read from its registration as Typer
        reads it to build the command (help from the docstring unless given), none built."""
        if name in self._built or name not in self._modules:
            return self._built.get(name)
        registered = self._registrations(self._modules[name])
        for info in registered.registered_commands:
            assert info.callback is not None
            if (info.name or get_command_name(info.callback.__name__)) == name:
                if info.help is None:
                    text = inspect.getdoc(info.callback)
                else:
                    text = inspect.cleandoc(info.help)
                return _summary(name, text, info.short_help, info)
        for group in registered.registered_groups:
            solved = solve_typer_info_defaults(group)
            if solved.name == name:
                return _summary(name, solved.help, solved.short_help, solved)
        return None

    def _registrations(self, module: str) -> typer.Typer:
        """A Typer holding what `module` registers (the module imported once)."""
        if module not in self._registered:
            registered = typer.Typer()
            importlib.import_module(f"batchops.cli.{module}").register(registered)
            self._registered[module] = registered
        return self._registered[module]


def _summary(name: str, text: str | None, short: str | None, info: Any) -> TyperCommand:
    return TyperCommand(
        name,
        help=text,
        short_help=short,
        hidden=info.hidden,
        deprecated=info.deprecated,
        rich_help_panel=info.rich_help_panel,
    )
