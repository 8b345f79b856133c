"""Optional extras: what each adds, and one check that names the extra a command lacks.

A core install runs pipelines, the registry, monitoring and transform on SQLite. The rest
comes with extras, so a command needing one fails with the `pip install` line that fixes it
instead of an ImportError from deep inside a library.
"""

from __future__ import annotations

import importlib

from batchops.errors import MissingExtra

#: Extra name -> what it adds (pyproject.toml's [project.optional-dependencies]).
EXTRAS = {
    "server": "the REST API and web page (FastAPI, uvicorn)",
    "dask": "running data-heavy work on a Dask cluster (dask, distributed)",
    "postgres": "PostgreSQL as the metadata database (psycopg)",
    "s3": "artifacts and datasets on S3 or any S3 API (s3fs)",
    "browser": "browser tests of the web page and report (Playwright)",
    "sagemaker": "SageMaker SDK notebooks' processing scripts (pandas, scikit-learn, requests)",
    "dev": "the test and lint tools (pytest, ruff, mypy)",
}


def require_extra(extra: str, *modules: str, purpose: str | None = None) -> None:
    """Import each module, or raise MissingExtra naming `extra`; `purpose` says what needs it."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}; extras: {', '.join(EXTRAS)}")
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise MissingExtra(extra, module, purpose or EXTRAS[extra]) from error
