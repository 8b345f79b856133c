"""`batchops init DIR --template batch|regression`: a new project a team can push as it is.

A template is a folder of files under `templates/<name>/` plus `templates/common/` (README,
CI workflows, packaging, the tests' fixtures), stored as `NAME.template` (so no tool of
batchops' own reads them as its code or configuration) and `dot-NAME` for `.NAME`;
`__package__` in a path and the tokens
`__PACKAGE__`, `__PROJECT__` and `__BATCHOPS_REQUIREMENT__` in a file become the project's.
The project is written into a temporary folder beside DIR and moved into place whole.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path

from batchops.errors import InvalidInput

TEMPLATES = ("batch", "regression")
_PACKAGE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


@dataclass(frozen=True)
class Written:
    folder: Path
    files: tuple[Path, ...]


def installed_batchops() -> str | None:
    """Where this batchops was installed from, as a requirement (PEP 610's direct URL: a
    wheel, a git URL or a local folder), or None when it came from an index."""
    try:
        text = metadata.distribution("batchops").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not text:
        return None
    found = json.loads(text)
    url = found.get("url", "")
    vcs = found.get("vcs_info")
    if vcs:
        return f"batchops @ {vcs.get('vcs', 'git')}+{url}@{vcs.get('commit_id', '')}".rstrip("@")
    return f"batchops @ {url}" if url else None


def requirement(batchops_from: str | None) -> str:
    """The requirement line that installs batchops: a wheel path, a git URL or a folder."""
    if batchops_from is None:
        found = installed_batchops()
        if found is None:
            raise InvalidInput(
                "batchops is not on a package index: give `batchops_from`, a wheel path or a "
                "git URL (git+https://…)"
            )
        return found
    if batchops_from.startswith(("git+", "http://", "https://", "file:")):
        return f"batchops @ {batchops_from}"
    path = Path(batchops_from).expanduser().resolve()
    if not path.exists():
        raise InvalidInput(f"`batchops_from` {batchops_from}: no such wheel or folder")
    return f"batchops @ {path.as_uri()}"


def init_project(
    directory: str | Path,
    template: str = "batch",
    *,
    package: str | None = None,
    batchops_from: str | None = None,
) -> Written:
    """Write the template's project into `directory` (new, or an empty folder)."""
    if template not in TEMPLATES:
        raise InvalidInput(f"unknown template {template!r}; one of: {', '.join(TEMPLATES)}")
    target = Path(directory).expanduser().resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InvalidInput(f"{target} exists and is not an empty folder")
    package = package or target.name.replace("-", "_").lower()
    if not _PACKAGE.fullmatch(package) or package == "batchops":
        raise InvalidInput(
            f"package name {package!r}: a Python identifier other than batchops (`package`)"
        )
    tokens = {
        "__PACKAGE__": package,
        "__PROJECT__": target.name,
        "__BATCHOPS_REQUIREMENT__": requirement(batchops_from),
    }
    root = resources.files("batchops.project") / "templates"
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        written = [
            *_copy(root / "common", staging, tokens),
            *_copy(root / template, staging, tokens),
        ]
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Written(target, tuple(target / path for path in sorted(written)))


def _copy(source: Traversable, staging: Path, tokens: dict[str, str]) -> list[Path]:
    written = []
    for entry in _files(source):
        relative = Path(*entry[0]).as_posix().replace("__package__", tokens["__PACKAGE__"])
        text = entry[1].read_text(encoding="utf-8")
        for token, value in tokens.items():
            text = text.replace(token, value)
        destination = staging / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(text, encoding="utf-8")
        written.append(Path(relative))
    return written


def _files(
    folder: Traversable, parts: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Traversable]]:
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__" or entry.name.endswith(".pyc"):
            continue
        name = entry.name.removesuffix(".template")
        if name.startswith("dot-"):  # kept visible in the package: .github, .gitignore, …
            name = "." + name.removeprefix("dot-")
        if entry.is_dir():
            found += _files(entry, (*parts, name))
        else:
            found.append(((*parts, name), entry))
    return found
