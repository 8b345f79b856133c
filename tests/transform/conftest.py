"""The transform tests share one small model and its data files (made once per session)."""

from __future__ import annotations

import pytest
from transform_data import Dataset, make_dataset


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return make_dataset(tmp_path_factory.mktemp("transform-data"))
