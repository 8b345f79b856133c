"""The metadata database: one engine per URL, migrated to the newest schema on first use.

SQLite is the default, so it is tuned for several processes writing at once: WAL journaling
(readers never wait for a writer), a bounded wait for another writer's lock (then Busy; on
PostgreSQL the same bound is its lock_timeout), and write transactions that take the lock up
front (BEGIN IMMEDIATE) instead of failing when a reader upgrades to a writer; read-only
commands and requests begin deferred (`prefer_concurrent_reads`). A database that cannot be
opened (a URL that does not parse, a missing driver, a server not answering, a file that is
no database) is an EnvironmentProblem naming the URL with every form of its password
masked.
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

from batchops.errors import Busy, EnvironmentProblem
from batchops.extras import require_extra
from batchops.settings import get_settings
from batchops.store.disks import disk_full_text, says_disk_full
from batchops.store.redact import mask_text, mask_url

_engines: dict[str, Engine] = {}
_deferred_begin: ContextVar[bool] = ContextVar("batchops_deferred_begin", default=False)
_lock = threading.Lock()
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest revision, so the common case (already migrated) needs one query and no Alembic
# import; a test keeps it equal to Alembic's head.
HEAD_REVISION = "0020_model_catalogue"


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
        return mask_url(str(url))  # unparsed: mask by the URL's text
    # libpq also takes the password from the query (?password=…): masked with the rest.
    return mask_url(parsed.render_as_string(hide_password=True))


def database_folder() -> Path | None:
    """The folder of the SQLite database file (None for a database server or in memory)."""
    parsed = parse_db_url(get_settings().db_url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).parent


def dispose_engines() -> None:
    """Forget cached engines (tests switch databases between cases)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error; a lock waited for
    longer than the lock timeout is Busy (nothing was changed: try again)."""
    engine = get_engine(url)
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except DBAPIError as error:
        session.rollback()
        if engine.dialect.name == "sqlite" and says_disk_full(error) and engine.url.database:
            what = f"the metadata database {engine.url.database} was written"
            raise EnvironmentProblem(disk_full_text([engine.url.database], what)) from error
        if _waited_for_a_lock(error):
            raise Busy(
                f"the database {display_url(engine.url)} stayed locked by another "
                f"writer for {lock_wait_seconds():g} s; nothing was changed, try again"
            ) from error
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _waited_for_a_lock(error: DBAPIError) -> bool:
    """SQLite's busy timeout or PostgreSQL's lock_timeout (SQLSTATE 55P03) ran out."""
    if getattr(error.orig, "sqlstate", None) == "55P03":
        return True
    return "database is locked" in str(error.orig) or "database table is locked" in str(error.orig)


_lock_wait: float | None = None


def bound_lock_waits(seconds: float) -> None:
    """From now on this process's connections wait at most `seconds` for another writer's
    lock (a server's processes: a short wait, then 503), instead of BATCHOPS_LOCK_TIMEOUT."""
    global _lock_wait
    _lock_wait = seconds
    dispose_engines()  # pooled connections were tuned with the old wait


def lock_wait_seconds() -> float:
    """How long this process's writes wait for a lock before they are Busy."""
    return _lock_wait if _lock_wait is not None else get_settings().lock_timeout


def database_answers(within: float) -> None:
    """Read the schema's revision, waiting at most `within` seconds for a lock (a readiness
    probe); EnvironmentProblem, passwords masked, when the database cannot be read."""
    engine = get_engine()
    token = _deferred_begin.set(True)  # a read: it must not queue for the write lock
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(within * 1000)}")
            connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as error:
        reason = _first_line(error, engine.url)
        raise EnvironmentProblem(f"cannot read {display_url(engine.url)}: {reason}") from error
    finally:
        _deferred_begin.reset(token)


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
            engine = create_engine(parsed, pool_pre_ping=True, json_deserializer=read_json_text)
        except (NoSuchModuleError, ImportError) as error:
            raise EnvironmentProblem(
                f"cannot use the database {display_url(parsed)}: its driver is not installed "
                f"({error})"
            ) from error
        except (ArgumentError, ValueError, TypeError) as error:
            raise _bad_query(parsed, error) from error
        if engine.dialect.name == "postgresql":
            event.listen(engine, "connect", _bound_postgres_lock_waits)
        return engine
    if parsed.database and parsed.database != ":memory:":
        _database_folder(Path(parsed.database).parent, parsed)
    engine = create_engine(
        parsed,
        connect_args={"timeout": lock_wait_seconds(), "check_same_thread": False},
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
        cursor.execute(f"PRAGMA busy_timeout={int(lock_wait_seconds() * 1000)}")
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


def _bound_postgres_lock_waits(dbapi_connection: Any, _record: Any) -> None:
    """A statement waiting for a lock longer than the lock timeout fails (SQLSTATE 55P03)."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"SET lock_timeout = {int(lock_wait_seconds() * 1000)}")
    cursor.close()
    dbapi_connection.commit()


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
    except (ArgumentError, ValueError, TypeError) as error:  # the URL's query, read by the driver
        raise _bad_query(engine.url, error) from error
    except DBAPIError as error:
        url = engine.url
        where = display_url(url)
        if url.host:
            where = f"the database server at {url.host}:{url.port or 'its default port'} ({where})"
        raise EnvironmentProblem(f"cannot open {where}: {_first_line(error, url)}") from error


def _bad_query(url: URL, error: Exception) -> EnvironmentProblem:
    """A URL whose query the dialect or the driver refuses (`?port=abc`): one line."""
    reason = mask_text(str(error).strip().split("\n")[0], url.render_as_string(hide_password=False))
    return EnvironmentProblem(
        f"database URL {display_url(url)} (BATCHOPS_DB_URL) is not usable: {reason}"
    )


def _first_line(error: DBAPIError, url: URL) -> str:
    """The driver's own reason, one line, never holding the password."""
    text = str(error.orig or error).strip().splitlines()
    line = text[0] if text else type(error.orig).__name__
    return mask_text(line, url.render_as_string(hide_password=False))


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe when several processes start at once."""
    if _current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        with _migration_lock(engine), engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except Exception as error:  # a database we cannot migrate is the user's to fix
        reason = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        kind = Busy if isinstance(error, DBAPIError) and _waited_for_a_lock(error) else None
        raise (kind or EnvironmentProblem)(
            f"cannot migrate the metadata database {display_url(engine.url)}: "
            f"{mask_text(reason, engine.url.render_as_string(hide_password=False))}"
        ) from error


def _current_revision(engine: Engine) -> str | None:
    """The schema's revision (None: a new database), read without waiting for a writer."""
    token = _deferred_begin.set(True)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as error:
        if _waited_for_a_lock(error):
            raise Busy(f"the database {display_url(engine.url)} is locked: {error.orig}") from error
        return None  # no table yet: a new database
    finally:
        _deferred_begin.reset(token)


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
