"""Shared helpers for the store tests: a fresh database per test on SQLite or PostgreSQL.

PostgreSQL comes from TRIAGE_TEST_PG_URL (default: local trust auth, database ``test``).
Each test session gets its own schema (unique name, dropped afterwards) selected through
the connection's search_path, so parallel runs and other suites never collide; it is
migrated once and emptied before each test. Tests of migrations get a schema of their
own. When the server is unreachable the PostgreSQL variants are skipped with the reason.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from triage.store import Base, Store, sqlite_url

PG_URL = os.environ.get(
    "TRIAGE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.integration),
]

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _libpq_url(url: str) -> str:
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


@cache
def pg_skip_reason() -> str | None:
    """None when PostgreSQL answers, else why the PostgreSQL tests are skipped."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        with psycopg.connect(_libpq_url(PG_URL), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"PostgreSQL not reachable at {PG_URL} (set TRIAGE_TEST_PG_URL): {exc}"
    return None


@contextmanager
def pg_schema_url() -> Iterator[str]:
    """A SQLAlchemy URL whose connections live in a new, empty schema (dropped after)."""
    import psycopg

    reason = pg_skip_reason()
    if reason:
        pytest.skip(reason)
    schema = f"triage_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq_url(PG_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(_libpq_url(PG_URL), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL for an empty database of the given backend."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path / "db" / "triage.db")
    else:
        with pg_schema_url() as url:
            yield url


@contextmanager
def open_store(backend: str, tmp_path: Path) -> Iterator[Store]:
    """An empty, not yet migrated Store; disposed of afterwards."""
    with database_url(backend, tmp_path) as url:
        store = Store(url)
        try:
            yield store
        finally:
            store.dispose()


@pytest.fixture(scope="session")
def pg_migrated_url() -> Iterator[str]:
    """One migrated PostgreSQL schema for the session (a module that imports this)."""
    with pg_schema_url() as url:
        store = Store(url)
        try:
            store.upgrade()
        finally:
            store.dispose()
        yield url


def _truncate_all(url: str) -> None:
    import psycopg

    # DELETE and a sequence reset are much cheaper than TRUNCATE on a handful of rows.
    with psycopg.connect(_libpq_url(url)) as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(f'DELETE FROM "{table.name}"')
            if "id" in table.c:
                seq = f"pg_get_serial_sequence('{table.name}', 'id')"
                conn.execute(f"SELECT setval({seq}, 1, false)")


@contextmanager
def migrated_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest
                   ) -> Iterator[Store]:
    """A Store at the newest schema with no rows; disposed of afterwards."""
    if backend == "sqlite":
        store = Store(sqlite_url(tmp_path / "db" / "triage.db"))
        store.upgrade()
    else:
        url = request.getfixturevalue("pg_migrated_url")
        _truncate_all(url)
        store = Store(url)
    try:
        yield store
    finally:
        store.dispose()
