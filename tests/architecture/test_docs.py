"""docs/architecture.md cannot drift from the code: every path, module and attribute it names
in backticks exists. In the "Who owns what" table, a file is named relative to its row's
package (or a folder inside it); elsewhere relative to src/batchops or to the repository."""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "batchops"
DOC = ROOT / "docs" / "architecture.md"

_SPAN = re.compile(r"`([^`\n]+)`")
_PATH = re.compile(r"\.?[a-z_][a-z0-9_.-]*(/[a-z0-9_.-]+)*(/|\.(py|toml|md|html))")
_DOTTED = re.compile(r"[a-z_][a-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")
_MODULE_AND_NAME = re.compile(r"`([a-z_/]+\.py)` `([A-Za-z_][A-Za-z0-9_.]*)`")


def _entry_point_groups() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return set(project.get("entry-points", {}))


def _row_package(line: str) -> Path | None:
    """The package a row of the ownership table is about: `cli/` -> src/batchops/cli."""
    found = re.match(r"\| `([a-z_]+)/` \|", line)
    return PACKAGE / found.group(1) if found else None


def _path_exists(name: str, package: Path | None) -> bool:
    bases = [PACKAGE, ROOT]
    if package is not None:
        bases = [package, *sorted(p for p in package.iterdir() if p.is_dir()), *bases]
    return any((base / name.rstrip("/")).exists() for base in bases)


def _resolves(dotted: str) -> bool:
    """`runtime.catalog`, `runtime.pipelines.start_pipeline`, `batchops.crashpoints`: a module
    of batchops, or a name in one."""
    parts = dotted.removeprefix("batchops.").split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(["batchops", *parts[:cut]]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


def test_every_path_and_module_the_architecture_names_exists() -> None:
    groups = _entry_point_groups()
    missing = []
    for number, line in enumerate(DOC.read_text().splitlines(), 1):
        package = _row_package(line)
        for span in _SPAN.findall(line):
            if _PATH.fullmatch(span):
                if not _path_exists(span, package):
                    missing.append(f"line {number}: {span}")
            elif _DOTTED.fullmatch(span) and span not in groups and not _resolves(span):
                missing.append(f"line {number}: {span}")
    assert missing == []


def test_every_module_and_name_pair_names_a_name_of_that_module() -> None:
    missing = []
    for path, name in _MODULE_AND_NAME.findall(DOC.read_text()):
        module = importlib.import_module("batchops." + path.removesuffix(".py").replace("/", "."))
        found: object = module
        for attribute in name.split("."):
            if not hasattr(found, attribute):
                missing.append(f"{path} {name}")
                break
            found = getattr(found, attribute)
    assert missing == []


def test_the_check_finds_what_is_gone() -> None:
    assert not _path_exists("records.py", PACKAGE / "registry")
    assert _path_exists("values.py", PACKAGE / "registry")
    assert _path_exists("__init__.py", PACKAGE / "runtime" / "runners")
    assert not _resolves("runtime.builtin") and _resolves("runtime.pipelines.start_pipeline")
