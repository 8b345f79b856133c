"""The SDK tests' artifact store on S3: the suite's moto server (tests/conftest.py)."""

from __future__ import annotations

import pytest

from batchops.store.db import dispose_engines


@pytest.fixture
def s3_artifact_store(s3_artifacts: str) -> str:
    """BATCHOPS_ARTIFACTS on a fresh bucket of the tests' S3 server."""
    dispose_engines()
    return s3_artifacts
