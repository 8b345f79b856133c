"""Python environments whose libraries behave like SageMaker's framework images.

A processing script written for `SKLearnProcessor(framework_version="1.0-1")` or an XGBoost
image relies on that image's libraries: pandas 1.x, whose `get_dummies` writes 0/1 (pandas 2
writes True/False, which the trainer refuses and a baseline types as String) and whose
DataFrames `np.split` keeps (pandas 3 makes them arrays). Rather than patching library
functions at run time, such a step runs in a virtual environment with the nearest installable
pins of the image's libraries, built once from a lock file (`framework_locks/`) into
BATCHOPS_ENVIRONMENTS (default `<home>/environments`) and reused. Its xgboost is the trainer's
exact version, so a booster pickled by the trainer unpickles there.

Measured with the walkthrough's preprocessing.py on 5,000 generated churn rows, baselining the
train split and checking batch files made like the published ones: in this environment
(pandas 1.5.3) the clean batch drifts at `_c8` only and the `-missing` one adds completeness at
`_c9`, `_c30`, `_c47`, `_c70`, the original's verdicts. batchops's own pandas 3 fails at
`np.split` with or without a `get_dummies` patch; pandas 2.3.3 gives those verdicts only with
the patch (without it, 89 columns baseline as String and the clean batch has 268 violations).
A patch would still need a pandas below 3 and the images' scikit-learn, that is an environment.

Building needs the package index once (pip, as configured); a host without it uses an
environment built elsewhere in a shared BATCHOPS_ENVIRONMENTS, or fails with one line saying
so. An image batchops does not know runs with batchops's own Python, with a warning.

    python -m batchops.runtime.frameworks build [--all | IMAGE ...]   # build ahead of runs
    python -m batchops.runtime.frameworks list
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from batchops.errors import BatchopsError, EnvironmentProblem
from batchops.pipeline.images import SCIKIT_LEARN, XGBOOST, Image, parse_image
from batchops.settings import environments_folder

Log = Callable[[str], None]
PANDAS1 = "pandas1"
_MARKER = ".batchops-environment.json"
_LAST_PANDAS1_SKLEARN = (1, 2, 1)  # sagemaker-scikit-learn 1.2-1 still pins pandas 1.1.3
_FIRST_PANDAS2_XGBOOST = (2,)
_PIP_TAIL = 8


@dataclass(frozen=True)
class Interpreter:
    """The Python a processing script runs with, and what the step log says about it."""

    python: Path
    description: str
    framework_environment: bool = False


def environment_name(image: Image) -> str | None:
    """The environment whose libraries behave like `image`'s, or None for batchops's Python."""
    key = image.version_key
    if image.framework == SCIKIT_LEARN and key is not None and key <= _LAST_PANDAS1_SKLEARN:
        return PANDAS1
    if image.framework == XGBOOST and image.pickles_booster:
        return PANDAS1  # the images of 0.72 to 1.2-x
    if image.framework == XGBOOST and key is not None and key < _FIRST_PANDAS2_XGBOOST:
        return PANDAS1
    return None


def interpreter_for(image_uri: str | None, log: Log) -> Interpreter:
    """The interpreter of a processing step on `image_uri` (None: batchops's own Python)."""
    own = Interpreter(Path(sys.executable), f"batchops's Python {_python_version()}")
    if image_uri is None:
        return own
    image = parse_image(image_uri)
    name = environment_name(image)
    if name is None:
        log(
            f"warning: no environment is known for image {image_uri}; the script runs with "
            f"{own.description}, whose libraries may behave otherwise than the image's"
        )
        return own
    folder = build(name, log)
    return Interpreter(
        folder / "bin" / "python",
        f"the {name} environment for {image.name} ({_describe(folder)})",
        framework_environment=True,
    )


# --- building ------------------------------------------------------------------------------


def lock_text(name: str) -> str:
    """The lock file of environment `name` for this Python, with the trainer's xgboost pin."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    lock = resources.files("batchops.runtime") / "framework_locks" / f"{name}-py{version}.txt"
    if not lock.is_file():
        raise EnvironmentProblem(
            f"no {name} framework environment for Python {version}: the images' pandas 1.x "
            "has no wheels for it; run batchops with Python 3.11 for scripts on these images"
        )
    return lock.read_text(encoding="utf-8") + _xgboost_pin() + "\n"


def environment_folder(name: str) -> Path:
    """Where environment `name` lives: its lock's digest in the name, so a changed lock or
    trainer builds a new one beside the old."""
    digest = hashlib.sha256(lock_text(name).encode()).hexdigest()[:12]
    python = f"py{sys.version_info.major}.{sys.version_info.minor}"
    return environments_folder() / f"{name}-{python}-{digest}"


def build(name: str, log: Log) -> Path:
    """The folder of environment `name`, built first if it is not there (once: concurrent
    steps wait for the first one's build)."""
    folder = environment_folder(name)
    if _complete(folder):
        return folder
    with _locked(folder.with_name(f".{folder.name}.lock")):
        if _complete(folder):
            return folder
        log(f"building the {name} environment at {folder} (once; needs the package index)")
        shutil.rmtree(folder, ignore_errors=True)
        try:
            _create(folder, lock_text(name), log)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    return folder


def _create(folder: Path, lock: str, log: Log) -> None:
    base = getattr(sys, "_base_executable", sys.executable)
    _run([base, "-m", "venv", str(folder)], f"creating a virtual environment at {folder}")
    requirements = folder / "requirements.lock.txt"
    requirements.write_text(lock, encoding="utf-8")
    python = str(folder / "bin" / "python")
    _run(
        [
            python,
            *("-m", "pip", "install", "--no-deps", "--only-binary=:all:"),
            *("--disable-pip-version-check", "--no-input", "-r", str(requirements)),
        ],
        f"installing {requirements.name} into {folder}",
    )
    versions = _run(
        [python, "-c", _VERSIONS_PROGRAM], f"importing the libraries of {folder}"
    ).strip()
    (folder / _MARKER).write_text(versions + "\n", encoding="utf-8")
    log(f"built {folder.name}: {_describe(folder)}")


_VERSIONS_PROGRAM = (
    "import json, sys, numpy, pandas, sklearn, xgboost; print(json.dumps({"
    "'python': sys.version.split()[0], 'numpy': numpy.__version__, "
    "'pandas': pandas.__version__, 'scikit-learn': sklearn.__version__, "
    "'xgboost': xgboost.__version__}))"
)


def _run(command: list[str], doing: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        tail = [line for line in done.stderr.splitlines() if line.strip()][-_PIP_TAIL:]
        raise EnvironmentProblem(
            f"framework environment: {doing} failed ({' | '.join(tail) or 'no message'}); "
            "building needs the package index once, or a BATCHOPS_ENVIRONMENTS folder built "
            "on a host that has it: python -m batchops.runtime.frameworks build"
        )
    return done.stdout


def _complete(folder: Path) -> bool:
    return (folder / _MARKER).is_file() and (folder / "bin" / "python").exists()


def _describe(folder: Path) -> str:
    try:
        versions = json.loads((folder / _MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "versions unknown"
    return ", ".join(f"{name} {version}" for name, version in versions.items())


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _xgboost_pin() -> str:
    """The trainer's xgboost as a requirement (`xgboost-cpu==3.2.0`), from its metadata."""
    distributions = importlib.metadata.packages_distributions().get("xgboost") or ["xgboost"]
    distribution = distributions[0]
    return f"{distribution}=={importlib.metadata.version(distribution)}"


def _python_version() -> str:
    return ".".join(map(str, sys.version_info[:3]))


# --- command line --------------------------------------------------------------------------

KNOWN = (PANDAS1,)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m batchops.runtime.frameworks", description=__doc__.split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build_command = commands.add_parser("build", help="build environments ahead of runs")
    build_command.add_argument("images", nargs="*", help="image URIs (default: every one)")
    commands.add_parser("list", help="the environments and where they are")
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            for name in KNOWN:
                folder = environment_folder(name)
                state = _describe(folder) if _complete(folder) else "not built"
                print(f"{name}\t{folder}\t{state}")
            return 0
        names = {environment_name(parse_image(uri)) for uri in args.images} or set(KNOWN)
        for name in sorted(n for n in names if n is not None):
            print(build(name, print))
    except BatchopsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
