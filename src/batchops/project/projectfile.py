"""The project file (`batchops.toml`): what a project declares, read with the line of each
entry, so every problem is told as `FILE:LINE: what is wrong`.

```toml
[project]
name = "churn"                 # the objects `apply` makes are managed by this name
python_path = ["."]            # where the pipelines' modules are imported from

[[pipelines]]
code = "churn.pipelines:train_and_baseline"   # a Pipeline, or a function returning one

[[schedules]]   # name, pipeline, cron, timezone, parameters, catch_up, paused
[[rules]]       # name, on, filters, start + parameters | webhook | log, secret_env, paused
[[alarms]]      # name, metric, above | below, pipeline, datapoints, of, webhook, secret_env, paused
```

Secrets are never values in the file: a webhook's signing secret is `secret_env` (the name
of an environment variable), and a webhook URL that holds a token is `webhook_env`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchops.errors import InvalidInput
from batchops.store.redact import credentials_in

FILE_NAME = "batchops.toml"

#: Each kind's keys, and the type each holds.
KEYS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "schedules": {
        "name": str,
        "pipeline": str,
        "cron": str,
        "timezone": str,
        "parameters": dict,
        "catch_up": str,
        "paused": bool,
    },
    "rules": {
        "name": str,
        "on": str,
        "filters": dict,
        "start": str,
        "parameters": dict,
        "webhook": str,
        "webhook_env": str,
        "secret_env": str,
        "log": bool,
        "paused": bool,
    },
    "alarms": {
        "name": str,
        "metric": str,
        "above": (int, float),
        "below": (int, float),
        "pipeline": str,
        "datapoints": int,
        "of": int,
        "webhook": str,
        "webhook_env": str,
        "secret_env": str,
        "paused": bool,
    },
}
REQUIRED = {
    "schedules": ("name", "pipeline", "cron"),
    "rules": ("name", "on"),
    "alarms": ("name", "metric"),
}
KIND = {"schedules": "schedule", "rules": "rule", "alarms": "alarm"}
_SECRET_KEY = re.compile(r"(secret|token|password|passwd|api_?key)", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the project, at a line of its file (0: the file as a whole)."""

    line: int
    message: str

    def told(self, file: str) -> str:
        return f"{file}:{self.line}: {self.message}" if self.line else f"{file}: {self.message}"


class InvalidProject(InvalidInput):
    """The project file has problems; the message holds one line per problem."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("\n".join(p.told(file) for p in self.problems))


@dataclass(frozen=True)
class DeclaredPipeline:
    code: str
    """`module:attribute`: a Pipeline, or a function returning one."""
    line: int


@dataclass(frozen=True)
class DeclaredObject:
    """A schedule, rule or alarm as the file declares it: `values` are its keys (secrets
    still as references)."""

    kind: str
    name: str
    values: Mapping[str, Any]
    line: int


@dataclass(frozen=True)
class ProjectFile:
    path: Path
    name: str
    python_path: tuple[Path, ...]
    pipelines: tuple[DeclaredPipeline, ...] = ()
    objects: tuple[DeclaredObject, ...] = field(default_factory=tuple)

    @property
    def shown(self) -> str:
        return str(self.path)


def find_project_file(place: str | Path | None) -> Path:
    """The project file at `place`: the file itself, or `batchops.toml` in that folder."""
    path = Path(place or ".")
    found = path / FILE_NAME if path.is_dir() else path
    if not found.is_file():
        raise InvalidInput(f"no project file at {found} (`batchops init DIR` writes one)")
    return found


def read_project_file(place: str | Path | None = None) -> ProjectFile:
    """The project file read and checked for its shape (InvalidProject lists every problem;
    whether a cron, an event type or a metric is valid is told by `plan`)."""
    path = find_project_file(place)
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"at line (\d+)", str(error))
        raise InvalidProject(
            str(path), [Problem(int(found[1]) if found else 0, f"not valid TOML: {error}")]
        ) from None
    lines = _Lines(text)
    problems: list[Problem] = []
    for key in sorted(set(data) - {"project", "pipelines", *KEYS}):
        problems.append(Problem(lines.of(key), f"unknown table [{key}]"))
    project = data.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", name):
        problems.append(
            Problem(
                lines.of("project", key="name") or lines.of("project"),
                "[project] needs `name`: letters, digits, '.', '_' and '-' (at most 128)",
            )
        )
    python_path = project.get("python_path", ["."]) if isinstance(project, dict) else ["."]
    if not isinstance(python_path, list) or not all(isinstance(p, str) for p in python_path):
        problems.append(
            Problem(
                lines.of("project", key="python_path"), "`python_path` must be a list of folders"
            )
        )
        python_path = ["."]
    pipelines = []
    for index, entry in enumerate(_entries(data, "pipelines", lines, problems)):
        line = lines.of("pipelines", index)
        code = entry.get("code")
        if not isinstance(code, str) or ":" not in code:
            problems.append(Problem(line, '[[pipelines]] needs `code = "module:attribute"`'))
            continue
        for extra in sorted(set(entry) - {"code"}):
            problems.append(
                Problem(lines.of("pipelines", index, extra), f"[[pipelines]] has no key `{extra}`")
            )
        pipelines.append(DeclaredPipeline(code, line))
    objects = []
    seen: dict[tuple[str, str], int] = {}
    for table, keys in KEYS.items():
        for index, entry in enumerate(_entries(data, table, lines, problems)):
            line = lines.of(table, index)
            what = f"[[{table}]] {entry.get('name', '')}".rstrip()
            wrong = _entry_problems(table, keys, entry, index, lines, what)
            problems.extend(wrong)
            if wrong:
                continue
            declared_as = (table, str(entry["name"]))
            if declared_as in seen:
                first = seen[declared_as]
                problems.append(Problem(line, f"{what}: declared twice (first at line {first})"))
                continue
            seen[declared_as] = line
            objects.append(DeclaredObject(KIND[table], entry["name"], entry, line))
    if problems:
        raise InvalidProject(str(path), problems)
    assert isinstance(name, str)
    return ProjectFile(
        path,
        name,
        tuple((path.parent / p).resolve() for p in python_path),
        tuple(pipelines),
        tuple(objects),
    )


def _entries(
    data: Mapping[str, Any], table: str, lines: _Lines, problems: list[Problem]
) -> list[dict[str, Any]]:
    found = data.get(table, [])
    if not isinstance(found, list) or not all(isinstance(e, dict) for e in found):
        problems.append(
            Problem(lines.of(table), f"`{table}` must be an array of tables: [[{table}]]")
        )
        return []
    return found


def _entry_problems(
    table: str,
    keys: Mapping[str, type | tuple[type, ...]],
    entry: Mapping[str, Any],
    index: int,
    lines: _Lines,
    what: str,
) -> list[Problem]:
    problems = []
    line = lines.of(table, index)
    for key in REQUIRED[table]:
        if key not in entry:
            problems.append(Problem(line, f"{what}: `{key}` is required"))
    for key, value in entry.items():
        at = lines.of(table, index, key) or line
        wanted = keys.get(key)
        if wanted is None:
            problems.append(Problem(at, f"{what}: unknown key `{key}`; keys: {', '.join(keys)}"))
        elif not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
            problems.append(Problem(at, f"{what}: `{key}` must be {_type_name(wanted)}"))
        elif isinstance(value, dict):
            problems.extend(_mapping_problems(value, at, f"{what}: `{key}`"))
    if "webhook" in entry and "webhook_env" in entry:
        problems.append(Problem(line, f"{what}: give `webhook` or `webhook_env`, not both"))
    url = entry.get("webhook")
    if isinstance(url, str) and credentials_in(url):
        problems.append(
            Problem(
                lines.of(table, index, "webhook") or line,
                f"{what}: the webhook URL holds a credential; secrets are never values in a "
                "project file: put the URL in an environment variable and name it with "
                "`webhook_env`",
            )
        )
    return problems


def _mapping_problems(values: Mapping[str, Any], line: int, what: str) -> list[Problem]:
    """Filters and parameters: text (numbers and booleans are said as text), never a secret."""
    problems = []
    for key, value in values.items():
        if isinstance(value, dict | list):
            problems.append(Problem(line, f"{what}: {key} must be text, a number or a boolean"))
        elif _SECRET_KEY.search(key) and not str(value).startswith("${"):
            problems.append(
                Problem(
                    line,
                    f"{what}: {key} looks like a secret; secrets are never values in a project "
                    "file (a pipeline reads them from its environment)",
                )
            )
    return problems


def as_text(value: Any) -> str:
    """A filter's or parameter's value as stored: booleans as `true`/`false`."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _type_name(wanted: type | tuple[type, ...]) -> str:
    names = {
        str: "text",
        dict: "a table",
        bool: "true or false",
        int: "a whole number",
        float: "a number",
    }
    kinds = wanted if isinstance(wanted, tuple) else (wanted,)
    return " or ".join(dict.fromkeys(names[k] for k in kinds))


class _Lines:
    """Where each table entry and key stands in the file's text (1-based lines), found by
    reading its headers and `key =` lines: tomllib gives values, not places."""

    _HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]")
    _TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_-]+|\"[^\"]+\")\s*=")

    def __init__(self, text: str) -> None:
        self.at: dict[tuple[str, int | None, str | None], int] = {}
        counts: dict[str, int] = {}
        current: tuple[str, int | None] = ("", None)
        for number, line in enumerate(text.splitlines(), start=1):
            if header := self._HEADER.match(line):
                table = header[1]
                index = counts.get(table, 0)
                counts[table] = index + 1
                current = (table, index)
                self.at.setdefault((table, index, None), number)
                self.at.setdefault((table, None, None), number)
            elif plain := self._TABLE.match(line):
                current = (plain[1], None)
                self.at.setdefault((plain[1], None, None), number)
            elif key := self._KEY.match(line):
                self.at.setdefault((*current, key[1].strip('"')), number)

    def of(self, table: str, index: int | None = None, key: str | None = None) -> int:
        return self.at.get((table, index, key)) or self.at.get((table, index, None)) or 0
