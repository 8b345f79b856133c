"""Environment problems raised where they arise, as batchops errors every entry point maps."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from batchops.errors import EnvironmentProblem, MissingExtra
from batchops.extras import EXTRAS, require_extra
from batchops.settings import get_settings
from batchops.store import artifacts
from batchops.store.db import display_url, get_engine, parse_db_url


def test_extras_named_here_are_those_pyproject_declares() -> None:
    import tomllib

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]
    assert set(EXTRAS) == set(declared)


def test_require_extra_names_the_extra_that_installs_a_missing_package() -> None:
    require_extra("dask", "json")  # importable: nothing happens
    with pytest.raises(MissingExtra) as raised:
        require_extra("dask", "batchops_surely_absent_module", purpose="BATCHOPS_DASK_ADDRESS")
    message = str(raised.value)
    assert "\n" not in message
    assert "BATCHOPS_DASK_ADDRESS needs" in message and "pip install 'batchops[dask]'" in message
    assert isinstance(raised.value, EnvironmentProblem)
    copied = pickle.loads(pickle.dumps(raised.value))  # crosses process boundaries intact
    assert str(copied) == message and copied.extra == "dask"


def test_require_extra_refuses_an_extra_that_does_not_exist() -> None:
    with pytest.raises(ValueError, match="unknown extra 'gpu'"):
        require_extra("gpu", "json")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://ann:pw@db.example:5433/ops",
            "postgresql+psycopg://ann:***@db.example:5433/ops",
        ),
        ("sqlite:////tmp/batchops.db", "sqlite:////tmp/batchops.db"),
        ("postgresql://ann:pw@db.example:port/ops", "postgresql://***@db.example:port/ops"),
        ("nonsense", "nonsense"),
        (  # libpq also takes the password from the query
            "postgresql+psycopg://ann@db.example/ops?password=pw&sslmode=require",
            "postgresql+psycopg://ann@db.example/ops?password=***&sslmode=require",
        ),
        (
            "postgresql+psycopg://ann:pw@db.example/ops?PASSWORD=pw2",
            "postgresql+psycopg://ann:***@db.example/ops?PASSWORD=***",
        ),
        (
            "postgresql://ann:pw@db.example:port/ops?password=pw2",
            "postgresql://***@db.example:port/ops?***",
        ),
    ],
)
def test_display_url_never_shows_a_password(url: str, shown: str) -> None:
    assert display_url(url) == shown


def test_an_unparsable_url_is_an_environment_problem() -> None:
    with pytest.raises(EnvironmentProblem, match=r"'nonsense' .* is not a SQLAlchemy URL"):
        parse_db_url("nonsense")


def test_a_text_file_as_the_database_is_named(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("not a database\n" * 100)
    with pytest.raises(EnvironmentProblem, match=r"cannot open sqlite:///.*notes\.db: file is not"):
        get_engine(f"sqlite:///{notes}")


def test_a_home_that_is_a_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "home").write_text("")
    monkeypatch.setenv("BATCHOPS_HOME", str(tmp_path / "home"))
    with pytest.raises(EnvironmentProblem, match=r"BATCHOPS_HOME .* is a file"):
        get_settings()


def test_writing_under_a_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("keep me")
    with pytest.raises(EnvironmentProblem, match="afile is a file, not a folder"):
        artifacts.write_text(tmp_path / "afile" / "sub" / "statistics.json", "{}")
    assert (tmp_path / "afile").read_text() == "keep me"
