"""The metadata database: one engine per URL, migrated to the newest schema on first use.

SQLite is the default, so it is tuned for several processes writing at once: WAL journaling,
a generous busy timeout, and write transactions that take the lock up front (BEGIN IMMEDIATE)
instead of failing when a reader upgrades to a writer. A database that cannot be opened (a
URL that does not parse, a missing driver, a server not answering, a file that is no
database) is an EnvironmentProblem naming the URL with its password masked.
"""

from __future__ import annotations

import fcntl
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic_core import from_json
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session

from batchops.errors import EnvironmentProblem
from batchops.extras import require_extra
from batchops.settings import get_settings

_engines: dict[str, Engine] = {}
_deferred_begin: ContextVar[bool] = ContextVar("batchops_deferred_begin", default=False)
_lock = threading.Lock()
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest revision, so the common case (already migrated) needs one query and no Alembic
# import; a test keeps it equal to Alembic's head.
HEAD_REVISION = "0009_executions_by_pipeline"


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url` (default: settings), created and migrated once per process."""
    url = url or get_settings().db_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _create(parse_db_url(url))
            _check_connection(engine)
            migrate(engine)
            _engines[url] = engine
        return engine


def parse_db_url(url: str) -> URL:
    """The parsed URL, or an EnvironmentProblem saying what a database URL looks like."""
    try:
        return make_url(url)
    except (ArgumentError, ValueError) as error:
        raise EnvironmentProblem(
            f"database URL {display_url(url)!r} (BATCHOPS_DB_URL) is not a SQLAlchemy URL "
            "such as sqlite:////path/batchops.db or postgresql+psycopg://user@host:5432/db"
        ) from error


def display_url(url: str | URL) -> str:
    """The URL as it may be printed or logged: its password masked."""
    try:
        parsed = url if isinstance(url, URL) else make_url(url)
    except (ArgumentError, ValueError):
        # Unparsed, the password's place is unknown: keep the scheme and host part only.
        text = str(url)
        return (
            f"{text.partition('://')[0]}://***@{text.rpartition('@')[2]}" if "@" in text else text
        )
    return parsed.render_as_string(hide_password=True)


def dispose_engines() -> None:
    """Forget cached engines (tests switch databases between cases)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    session = Session(get_engine(url), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def prefer_concurrent_reads() -> None:
    """From here on in the current context (a server's GET request), SQLite transactions begin
    deferred: WAL readers then run side by side instead of queueing one by one for the write
    lock (whose busy wait sleeps up to 100 ms a try). A write inside still works; it fails
    ("database is locked") only if another connection committed between this transaction's
    first read and its first write, which a request that only reads never meets."""
    _deferred_begin.set(True)


def reads_are_deferred() -> bool:
    """Whether this context's transactions begin deferred (`prefer_concurrent_reads`)."""
    return _deferred_begin.get()


@contextmanager
def write_scope(url: str | None = None) -> Iterator[Session]:
    """A session whose transaction takes the write lock up front, even where reads are
    deferred: for the rare write a reading request must make, so it never meets a lock that
    another writer took between its first read and its first write."""
    token = _deferred_begin.set(False)
    try:
        with session_scope(url) as session:
            yield session
    finally:
        _deferred_begin.reset(token)


def _create(parsed: URL) -> Engine:
    if parsed.get_backend_name() != "sqlite":
        if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg":
            require_extra("postgres", "psycopg", purpose=f"the database {display_url(parsed)}")
        try:
            return create_engine(parsed, pool_pre_ping=True, json_deserializer=read_json_text)
        except (NoSuchModuleError, ImportError) as error:
            raise EnvironmentProblem(
                f"cannot use the database {display_url(parsed)}: its driver is not installed "
                f"({error})"
            ) from error
    if parsed.database and parsed.database != ":memory:":
        _database_folder(Path(parsed.database).parent, parsed)
    engine = create_engine(
        parsed,
        connect_args={"timeout": 60, "check_same_thread": False},
        json_deserializer=read_json_text,
    )

    @event.listens_for(engine, "connect")
    def _tune(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN" if _deferred_begin.get() else "BEGIN IMMEDIATE")

    return engine


def _database_folder(folder: Path, parsed: URL) -> None:
    """Make the home's folder on first use; a URL naming any other folder that does not
    exist is refused, not created: it is most likely a typo, and a database made there
    would be silently empty."""
    if folder.is_dir():
        return
    if folder.exists() or folder.resolve() != get_settings().home:
        state = "is not a folder" if folder.exists() else "does not exist"
        raise EnvironmentProblem(
            f"the folder {folder} of the database {display_url(parsed)} {state}; create it, "
            "or fix the URL (BATCHOPS_DB_URL)"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise EnvironmentProblem(
            f"cannot create the folder {folder} of the database {display_url(parsed)}: "
            f"{error.strerror or error}"
        ) from error


def read_json_text(text: str) -> Any:
    """A JSON column's value: parsed by pydantic-core's parser (2.5x the standard library's
    speed, which lists of steps and versions spend most of their time in), falling back to the
    standard one for anything it refuses, so every stored value reads as before."""
    try:
        return from_json(text)
    except ValueError:
        return json.loads(text)


def _check_connection(engine: Engine) -> None:
    """Connect once, so an unusable database is one clear error before any query."""
    try:
        with engine.connect():
            pass
    except DBAPIError as error:
        url = engine.url
        where = display_url(url)
        if url.host:
            where = f"the database server at {url.host}:{url.port or 'its default port'} ({where})"
        raise EnvironmentProblem(f"cannot open {where}: {_first_line(error, url)}") from error


def _first_line(error: DBAPIError, url: URL) -> str:
    """The driver's own reason, one line, never holding the password."""
    text = str(error.orig or error).strip().splitlines()
    line = text[0] if text else type(error.orig).__name__
    if url.password:
        line = line.replace(str(url.password), "***")
    return line


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe when several processes start at once."""
    if _current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with _migration_lock(engine), engine.begin() as connection:
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, "head")
        except Exception as error:  # a database we cannot migrate is the user's to fix
            reason = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            raise EnvironmentProblem(
                f"cannot migrate the metadata database {display_url(engine.url)}: {reason}"
            ) from error


def _current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:  # no table yet: a new database
        return None


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise migrations across processes: a file lock for SQLite, an advisory lock else."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            yield
            return
        with open(f"{database}.migrate.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    elif engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(72817001)"))
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(72817001)"))
                connection.commit()
    else:
        yield
