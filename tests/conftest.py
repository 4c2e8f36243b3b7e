"""Shared fixtures: real servers on loopback for integration tests.

- ``dovecot``: a fresh user (empty maildir) on a session-wide private Dovecot.
- ``pymap_server``: the session-wide pymap (in-memory), emptied for each test.
- ``imap_account``: parametrised over both of the above.
- ``smtp_capture``: an aiosmtpd server that keeps what it receives (per test).
- ``pg_url``: TRIAGE_TEST_PG_URL, checked to be reachable.

A missing server skips the test with the reason, unless TRIAGE_REQUIRE_SERVERS=1 (CI),
where it fails: CI must prove the integration tests ran.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import DOVECOT, DovecotServer, ImapAccount, PymapFixture

from triage.demo.servers import SmtpCapture

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _require_servers() -> bool:
    return os.environ.get("TRIAGE_REQUIRE_SERVERS", "") == "1"


def _unavailable(reason: str) -> None:
    """Skip, or fail when CI demands every server."""
    if _require_servers():
        pytest.fail(f"{reason} (TRIAGE_REQUIRE_SERVERS=1: servers are required)",
                    pytrace=False)
    pytest.skip(reason)


# -- IMAP -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def _dovecot_server() -> Iterator[DovecotServer | str]:
    if not DOVECOT.exists():
        yield f"{DOVECOT} not found (apt-get install dovecot-imapd)"
        return
    server = DovecotServer()
    try:
        server.start()
    except (RuntimeError, OSError) as exc:
        server.stop()
        yield f"Dovecot did not start: {exc}"
        return
    yield server
    server.stop()


@pytest.fixture
def dovecot(_dovecot_server: DovecotServer | str) -> Iterator[ImapAccount]:
    """A new user with an empty mailbox on the private Dovecot."""
    if isinstance(_dovecot_server, str):
        _unavailable(_dovecot_server)
    assert isinstance(_dovecot_server, DovecotServer)
    account = _dovecot_server.account()
    yield account
    account.close()


@pytest.fixture(scope="session")
def _pymap_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PymapFixture | str]:
    fixture = PymapFixture(Path(tmp_path_factory.mktemp("pymap")))
    try:
        fixture.start()
    except (RuntimeError, OSError) as exc:
        yield f"pymap did not start: {exc}"
        return
    yield fixture
    fixture.stop()


@pytest.fixture
def pymap_server(_pymap_process: PymapFixture | str) -> Iterator[ImapAccount]:
    """The demo user's (emptied) mailbox on the session's pymap."""
    if isinstance(_pymap_process, str):
        _unavailable(_pymap_process)
    assert isinstance(_pymap_process, PymapFixture)
    account = _pymap_process.account()
    yield account
    account.close()


@pytest.fixture(params=["dovecot", "pymap_server"])
def imap_account(request: pytest.FixtureRequest) -> ImapAccount:
    """Runs the test once against Dovecot and once against pymap."""
    account: ImapAccount = request.getfixturevalue(request.param)
    return account


# -- SMTP -------------------------------------------------------------------------------
@pytest.fixture
def smtp_capture() -> Iterator[SmtpCapture]:
    """An SMTP server on loopback; ``.messages`` lists what it received,
    ``.reject_next("451 ...", stage="data")`` makes the next try fail."""
    server = SmtpCapture()
    server.start()
    yield server
    server.stop()


# -- PostgreSQL -------------------------------------------------------------------------
@pytest.fixture(scope="session")
def _pg_status() -> tuple[str, str | None]:
    url = os.environ.get("TRIAGE_TEST_PG_URL", DEFAULT_PG_URL)
    try:
        import psycopg
    except ImportError:
        return url, "psycopg is not installed (pip install -e '.[test]')"
    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return url, f"PostgreSQL at {_redact(url)} is unreachable: {first}"
    return url, None


@pytest.fixture
def pg_url(_pg_status: tuple[str, str | None]) -> str:
    """SQLAlchemy URL of a reachable test database (env TRIAGE_TEST_PG_URL)."""
    url, problem = _pg_status
    if problem is not None:
        _unavailable(problem)
    return url


def _redact(url: str) -> str:
    """Hide a password in a URL before it reaches a skip message."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}{':***' if ':' in creds else ''}@{host}"
