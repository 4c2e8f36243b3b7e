"""The database handle: engines, sessions, migrations, and the error seam.

One ``Store`` per process. Every unit of work runs in ``Store.transaction()``: one commit
at the end, a rollback on any exception, and SQLAlchemy errors translated into the
package's tree (``TransientError`` = retry later, ``StoreError`` = will not go away).

SQLite (the default, one daemon) runs in WAL mode with foreign keys on, and every write
transaction starts with ``BEGIN IMMEDIATE`` so two writers queue on the busy timeout
instead of failing half-way. PostgreSQL (several daemons) uses psycopg 3; migrations
take an advisory lock so daemons starting together upgrade the schema once.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError as AlembicError
from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import (
    TimeoutError as PoolTimeoutError,
)
from sqlalchemy.orm import Session, sessionmaker

from triage.errors import ConfigError, StoreError, TransientError, TriageError
from triage.store.schema import Base

__all__ = ["ConflictError", "Store", "sqlite_url", "translate_error"]

log = logging.getLogger(__name__)

# pg_advisory_xact_lock key for schema upgrades (a stable 32-bit number from the name).
MIGRATION_LOCK_KEY = zlib.crc32(b"triage.migrations")
DEFAULT_BUSY_TIMEOUT_MS = 10_000
_READONLY = "triage_readonly"


class ConflictError(StoreError):
    """A unique or foreign-key constraint refused the write (e.g. a message seen twice).

    A subclass of StoreError so callers that do not care treat it like any store error,
    while the exactly-once paths can catch it and treat the row as already handled.
    """


def sqlite_url(path: str | Path) -> str:
    """Return the SQLAlchemy URL for a SQLite file, creating its parent directories."""
    file = Path(path).expanduser().resolve()
    file.parent.mkdir(parents=True, exist_ok=True)
    return URL.create("sqlite+pysqlite", database=str(file)).render_as_string()


def translate_error(exc: SQLAlchemyError) -> TriageError:
    """Map a SQLAlchemy error to the package's tree (the caller raises it ``from exc``)."""
    if isinstance(exc, IntegrityError):
        return ConflictError(_short(exc))
    if isinstance(exc, (OperationalError, PoolTimeoutError)):
        return TransientError(f"database unavailable: {_short(exc)}")
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return TransientError(f"database connection lost: {_short(exc)}")
    return StoreError(_short(exc))


def _short(exc: SQLAlchemyError) -> str:
    """The driver's message without SQLAlchemy's SQL and parameter dump (may hold mail)."""
    orig = getattr(exc, "orig", None)
    text = str(orig) if orig is not None else str(exc)
    return f"{type(orig or exc).__name__}: {text.strip().splitlines()[0] if text else ''}"


def _normalise_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"database URL is not valid: {exc}") from exc
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:" and not db.startswith("file:"):
            Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return parsed


def _set_wal(cur: Any, patience_s: float) -> None:
    """Switch the file to WAL (persistent, so usually already done).

    Two connections opening a new file at once can deadlock on the switch, and SQLite
    then answers "locked" at once instead of waiting on the busy timeout; so retry.
    """
    if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() in ("wal", "memory"):
        return
    deadline = time.monotonic() + patience_s
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            log.debug("journal mode switch busy, retrying")
            time.sleep(0.02)


def _install_sqlite_hooks(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL + pragmas on every new connection; explicit BEGIN (IMMEDIATE for writers).

    pysqlite's own transaction handling is switched off (isolation_level=None) because
    it does not BEGIN before DDL or SELECT, which would break transactional migrations
    and the claim-then-update pattern of the outbox.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            _set_wal(cur, busy_timeout_ms / 1000)
            cur.execute("PRAGMA synchronous = NORMAL")
            cur.execute("PRAGMA foreign_keys = ON")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        readonly = conn.get_execution_options().get(_READONLY, False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def _raw_execute(conn: Connection, sql: str) -> None:
    """Run SQL on the driver connection itself, outside SQLAlchemy's transaction."""
    driver = conn.connection.driver_connection
    assert driver is not None, "connection is closed"
    driver.execute(sql)


class Store:
    """The one handle on the database: sessions, migrations and error translation."""

    def __init__(
        self, url: str, *, echo: bool = False, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
    ) -> None:
        self.url = _normalise_url(url)
        self.dialect = self.url.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect != "sqlite":
            kwargs["pool_pre_ping"] = True
        try:
            self.engine = create_engine(self.url, **kwargs)
        except (NoSuchModuleError, ImportError, ArgumentError) as exc:
            raise ConfigError(f"cannot use database URL {self.safe_url}: {exc}") from exc
        if self.dialect == "sqlite":
            _install_sqlite_hooks(self.engine, busy_timeout_ms)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readonly_sessions = sessionmaker(
            self.engine.execution_options(**{_READONLY: True}), expire_on_commit=False
        )

    @property
    def safe_url(self) -> str:
        """The URL with any password masked, for logs and error messages."""
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self, *, readonly: bool = False) -> Iterator[Session]:
        """A session for one unit of work: committed once at exit, rolled back on error.

        Objects stay usable after the commit (no expiry). ``readonly=True`` lets SQLite
        readers skip the write lock (dashboards, ``triage log``); it is not enforced.
        """
        session = (self._readonly_sessions if readonly else self._sessions)()
        try:
            yield session
            session.commit()
        except SQLAlchemyError as exc:
            self._rollback(session)
            raise translate_error(exc) from exc
        except BaseException:
            self._rollback(session)
            raise
        finally:
            session.close()

    @staticmethod
    def _rollback(session: Session) -> None:
        try:
            session.rollback()
        except SQLAlchemyError:
            log.warning("rollback failed; the connection is discarded", exc_info=True)

    # -- migrations -------------------------------------------------------------------

    def alembic_config(self) -> Config:
        """An Alembic config for the migrations shipped inside the package."""
        here = Path(str(resources.files("triage.migrations")))
        cfg = Config(str(here / "alembic.ini"))
        cfg.set_main_option("script_location", str(here))
        cfg.set_main_option("sqlalchemy.url", self.url.render_as_string(hide_password=False)
                            .replace("%", "%%"))
        return cfg

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to ``revision``; a no-op when already there.

        Safe on every start and from several processes at once: PostgreSQL serialises on
        an advisory lock held for the migration transaction; SQLite on BEGIN IMMEDIATE.
        """
        cfg = self.alembic_config()
        try:
            with self.engine.connect() as conn:
                fk_off = self.dialect == "sqlite"
                if fk_off:
                    # Batch migrations copy tables; SQLite ignores this pragma inside a
                    # transaction, so it is set before BEGIN and restored afterwards.
                    _raw_execute(conn, "PRAGMA foreign_keys = OFF")
                try:
                    with conn.begin():
                        if self.dialect == "postgresql":
                            conn.exec_driver_sql(
                                f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
                            )
                        cfg.attributes["connection"] = conn
                        command.upgrade(cfg, revision)
                        if fk_off:
                            bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                            if bad:
                                raise StoreError(f"migration broke foreign keys: {bad[:5]}")
                finally:
                    if fk_off:
                        _raw_execute(conn, "PRAGMA foreign_keys = ON")
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc
        except AlembicError as exc:
            raise StoreError(
                f"cannot migrate the database schema (is it from a newer triage?): {exc}"
            ) from exc
        log.info("database schema at %s (%s)", self.current_revision(), self.safe_url)

    def current_revision(self) -> str | None:
        """The revision the database is at, or None for an empty database."""
        try:
            with self.engine.connect() as conn:
                return MigrationContext.configure(conn).get_current_revision()
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc

    def head_revision(self) -> str | None:
        """The newest revision shipped with this version of triage."""
        return ScriptDirectory.from_config(self.alembic_config()).get_current_head()

    def schema_drift(self) -> list[str]:
        """Differences between the live schema and the models (empty when they agree).

        A check for operators and tests that the migrations match ``schema.py``.
        """
        try:
            with self.engine.connect() as conn:
                ctx = MigrationContext.configure(conn, opts={"compare_type": True})
                diffs = compare_metadata(ctx, Base.metadata)
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc
        return [repr(diff) for diff in diffs]

    def dispose(self) -> None:
        """Close every pooled connection (at shutdown, or after a fork)."""
        self.engine.dispose()
