"""The store on SQLite and PostgreSQL: migrations, transactions, constraints, queries."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from test_store_support import (  # noqa: F401 - pg_migrated_url is a fixture
    BACKENDS,
    T0,
    database_url,
    migrated_store,
    open_store,
    pg_migrated_url,
)

from triage.errors import ConfigError, StoreError, TransientError
from triage.store import (
    ConflictError,
    Event,
    Message,
    Owner,
    Request,
    Store,
    format_ref,
    parse_ref,
    sqlite_url,
)
from triage.store.queries import LOG_COLUMNS, log_rows, stats


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_store(backend: str, tmp_path: Path) -> Iterator[Store]:
    with open_store(backend, tmp_path) as store:
        yield store


@pytest.fixture
def store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    with migrated_store(backend, tmp_path, request) as st:
        yield st


def _message(uid: int, **extra: object) -> Message:
    fields: dict[str, object] = dict(
        mailbox="INBOX", uidvalidity=7, uid=uid, message_id=f"<m{uid}@example.com>",
        received_at=T0, status="processed", kind="human", raw=b"Subject: x\r\n\r\nbody\r\n",
    )
    fields.update(extra)
    return Message(**fields)


# -- refs ---------------------------------------------------------------------------------

def test_refs_round_trip() -> None:
    assert format_ref(123) == "REQ-000123"
    assert format_ref(1234567) == "REQ-1234567"
    assert parse_ref("REQ-000123") == 123
    assert parse_ref(" req-42 ") == 42
    assert parse_ref("REQ42") == 42
    for bad in ("", "REQ-", "REQ-0", "ABC-000123", "REQ-12x", "Re: REQ-000123"):
        assert parse_ref(bad) is None, bad
    with pytest.raises(ValueError):
        format_ref(0)


# -- URLs and configuration -----------------------------------------------------------

def test_sqlite_url_creates_parent_directories(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "a" / "b" / "triage.db")
    assert (tmp_path / "a" / "b").is_dir()
    assert url.startswith("sqlite+pysqlite:///") and url.endswith("triage.db")


def test_plain_sqlite_url_creates_parent_directories(tmp_path: Path) -> None:
    Store(f"sqlite:///{tmp_path}/x/y/t.db").dispose()
    assert (tmp_path / "x" / "y").is_dir()


def test_bad_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        Store("not a url")
    with pytest.raises(ConfigError):
        Store("nosuchdb://x/y")


def test_unreachable_server_is_transient() -> None:
    store = Store("postgresql://postgres@127.0.0.1:1/test")
    try:
        with pytest.raises(TransientError), store.transaction() as s:
            s.get(Owner, 1)
    finally:
        store.dispose()


def test_sqlite_pragmas_are_set(tmp_path: Path) -> None:
    store = Store(sqlite_url(tmp_path / "t.db"))
    try:
        with store.transaction(readonly=True) as s:
            conn = s.connection()
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
    finally:
        store.dispose()


def test_sqlite_readers_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    """WAL lets ``readonly`` transactions read while another connection holds the write
    lock (a reader taking the lock too would fail on its short busy timeout)."""
    url = sqlite_url(tmp_path / "t.db")
    writer, reader = Store(url), Store(url, busy_timeout_ms=50)
    try:
        writer.upgrade()
        with writer.transaction() as w:
            w.add(Owner(name="Sato", email="sato@example.com", team="hr"))
            w.flush()  # the write lock is held until this block ends
            with reader.transaction(readonly=True) as r:
                assert r.query(Owner).count() == 0   # sees the last committed state
            with pytest.raises(TransientError), reader.transaction() as r:
                r.query(Owner).count()
        with reader.transaction(readonly=True) as r:
            assert r.query(Owner).count() == 1
    finally:
        writer.dispose()
        reader.dispose()


# -- migrations -----------------------------------------------------------------------

def test_upgrade_from_empty_matches_models(empty_store: Store) -> None:
    assert empty_store.current_revision() is None
    empty_store.upgrade()
    assert empty_store.current_revision() == empty_store.head_revision() is not None
    assert empty_store.schema_drift() == []


def test_upgrade_twice_is_a_no_op(empty_store: Store) -> None:
    store = empty_store
    store.upgrade()
    with store.transaction() as s:
        s.add(Owner(name="Sato", email="sato@example.com", team="hr"))
    before = store.current_revision()
    store.upgrade()
    assert store.current_revision() == before
    with store.transaction() as s:
        assert s.get(Owner, 1) is not None


def test_concurrent_upgrades_both_succeed(backend: str, tmp_path: Path) -> None:
    """Two daemons starting together: one migrates, the other waits and finds head."""
    with database_url(backend, tmp_path) as url:
        stores = [Store(url), Store(url)]
        errors: list[BaseException] = []
        start = threading.Barrier(2, timeout=60)

        def run(store: Store) -> None:
            try:
                start.wait()
                store.upgrade()
            except BaseException as exc:  # reported below, in the test thread
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(st,)) for st in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        try:
            assert errors == []
            assert stores[0].current_revision() == stores[0].head_revision()
            assert stores[1].schema_drift() == []
        finally:
            for st in stores:
                st.dispose()


# -- transactions and constraints -----------------------------------------------------

def test_unique_mailbox_uidvalidity_uid(store: Store) -> None:
    with store.transaction() as s:
        s.add(_message(1))
    with pytest.raises(ConflictError), store.transaction() as s:
        s.add(_message(1, message_id="<other@example.com>"))
    with store.transaction() as s:  # another UIDVALIDITY or mailbox is a different message
        s.add(_message(1, uidvalidity=8))
        s.add(_message(1, mailbox="Other"))
    with store.transaction() as s:
        assert s.query(Message).count() == 3


def test_rollback_on_exception_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as s:
        s.add(Owner(name="Sato", email="sato@example.com", team="hr"))
        s.flush()
        raise RuntimeError("boom")
    with pytest.raises(ConflictError), store.transaction() as s:
        s.add(_message(5))
        s.flush()
        s.add(_message(5))  # the second insert fails; the first must go too
    with store.transaction() as s:
        assert s.query(Owner).count() == 0
        assert s.query(Message).count() == 0


def test_conflict_is_a_store_error() -> None:
    assert issubclass(ConflictError, StoreError)


def test_naive_datetime_is_refused(store: Store) -> None:
    with pytest.raises(StoreError), store.transaction() as s:
        s.add(Owner(name="A", email="a@example.com", team="hr", created_at=datetime(2026, 1, 1)))


def test_times_come_back_as_aware_utc(store: Store) -> None:
    jst = timezone(timedelta(hours=9))
    sent = datetime(2026, 11, 2, 18, 30, tzinfo=jst)
    with store.transaction() as s:
        s.add(Request(requester="a@example.com", mailbox="INBOX", sent_at=sent,
                      created_at=T0, updated_at=T0))
    with store.transaction() as s:
        req = s.get(Request, 1)
        assert req is not None and req.sent_at == sent
        assert req.sent_at.utcoffset() == timedelta(0)
        assert req.sent_at.hour == 9


def test_requests_get_refs_and_defaults(store: Store) -> None:
    with store.transaction() as s:
        reqs = [Request(requester=f" User{i}@Example.COM ", mailbox="INBOX") for i in range(3)]
        s.add_all(reqs)
        s.flush()
        assert [r.ref for r in reqs] == [format_ref(r.id) for r in reqs]
    with store.transaction() as s:
        req = s.get(Request, reqs[0].id)
        assert req is not None
        assert req.ref == format_ref(req.id)
        assert req.requester == "user0@example.com"
        assert (req.status, req.cc, req.missing, req.evidence) == ("received", [], [], {})
        assert req.clarification_rounds == 0
        req.evidence = {"reason": "契約更新のため"}
        req.missing = ["deadline"]
    with store.transaction() as s:
        req = s.get(Request, reqs[0].id)
        assert req is not None
        assert req.evidence == {"reason": "契約更新のため"} and req.missing == ["deadline"]


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(ConflictError), store.transaction() as s:
        s.add(Event(request_id=999, kind="received", at=T0))


# -- log and stats --------------------------------------------------------------------

def _seed_log(store: Store) -> None:
    with store.transaction() as s:
        sato = Owner(name="Sato", email="sato@example.com", team="hr")
        kato = Owner(name="Kato", email="kato@example.com", team="it")
        s.add_all([sato, kato])
        s.flush()
        leave = Request(requester="a@example.com", mailbox="INBOX", type="hr_leave",
                        urgency="normal", status="assigned", owner_id=sato.id,
                        created_at=T0, updated_at=T0)
        laptop = Request(requester="b@example.com", mailbox="INBOX", type="it_access",
                         urgency="high", status="awaiting_clarification",
                         created_at=T0, updated_at=T0)
        s.add_all([leave, laptop])
        s.flush()
        conf = {"type": 0.91, "urgency": 0.8}
        s.add_all([
            Event(request_id=leave.id, at=T0, kind="received", to_status="received"),
            Event(request_id=leave.id, at=T0 + timedelta(seconds=1), kind="classified",
                  from_status="received", to_status="classified", model_version="m1",
                  confidences=conf),
            Event(request_id=leave.id, at=T0 + timedelta(seconds=30), kind="assigned",
                  from_status="classified", to_status="assigned", owner_id=kato.id,
                  reason="rule hr"),
            Event(request_id=leave.id, at=T0 + timedelta(minutes=5), kind="reassigned",
                  actor="boss", from_status="assigned", to_status="assigned",
                  owner_id=sato.id, reason="Kato is away"),
            Event(request_id=laptop.id, at=T0 + timedelta(minutes=1), kind="received"),
            Event(request_id=laptop.id, at=T0 + timedelta(minutes=2),
                  kind="clarification_requested", to_status="awaiting_clarification"),
            Event(request_id=None, at=T0 + timedelta(minutes=3), kind="ignored",
                  reason="auto_reply"),
        ])


def test_log_rows_columns_and_order(store: Store) -> None:
    _seed_log(store)
    with store.transaction(readonly=True) as s:
        rows = log_rows(s)
    assert len(rows) == 7
    assert all(tuple(r) == LOG_COLUMNS for r in rows)
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    classified = rows[1]
    assert classified["kind"] == "classified" and classified["ref"] == "REQ-000001"
    assert classified["confidences"] == {"type": 0.91, "urgency": 0.8}
    assert classified["model_version"] == "m1" and classified["type"] == "hr_leave"
    # the assignment shows the owner it named then, not the current one
    assert (rows[2]["kind"], rows[2]["owner_name"]) == ("assigned", "Kato")
    assert (rows[6]["actor"], rows[6]["owner_email"]) == ("boss", "sato@example.com")
    assert rows[3]["ref"] == "REQ-000002" and rows[3]["owner_name"] is None
    assert rows[5]["ref"] is None and rows[5]["reason"] == "auto_reply"


def test_log_rows_filters(store: Store) -> None:
    _seed_log(store)

    def kinds(**filters: object) -> list[str]:
        with store.transaction(readonly=True) as s:
            return [r["kind"] for r in log_rows(s, **filters)]  # type: ignore[arg-type]

    assert kinds(ref="REQ-000002") == ["received", "clarification_requested"]
    assert kinds(ref=2) == ["received", "clarification_requested"]
    assert kinds(ref="nonsense") == []
    assert kinds(status="awaiting_clarification") == ["received", "clarification_requested"]
    assert kinds(type="hr_leave") == ["received", "classified", "assigned", "reassigned"]
    assert kinds(owner="Kato") == ["assigned"]
    assert kinds(owner="SATO@example.com") == ["received", "classified", "reassigned"]
    assert kinds(since=T0 + timedelta(minutes=1)) == [
        "received", "clarification_requested", "ignored", "reassigned"]
    assert kinds(until=T0 + timedelta(seconds=30)) == ["received", "classified"]
    assert kinds(limit=2) == ["ignored", "reassigned"]
    assert kinds(type="hr_leave", since=T0 + timedelta(seconds=1),
                 until=T0 + timedelta(minutes=5)) == ["classified", "assigned"]


def test_stats(store: Store) -> None:
    _seed_log(store)
    with store.transaction(readonly=True) as s:
        data = stats(s)
        later = stats(s, since=T0 + timedelta(days=1))
    assert data["total"] == 2
    assert data["by_status"] == {"assigned": 1, "awaiting_clarification": 1}
    assert data["by_type"] == {"hr_leave": 1, "it_access": 1}
    assert data["by_owner"] == {"sato@example.com": 1}
    assert data["assigned"] == 1
    assert data["median_seconds_to_assignment"] == 30.0
    assert later["total"] == 0 and later["median_seconds_to_assignment"] is None


def test_database_from_a_newer_version_is_refused(store: Store) -> None:
    head = store.current_revision()
    with store.transaction() as s:
        s.connection().exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    try:
        with pytest.raises(StoreError, match="newer triage"):
            store.upgrade()
    finally:  # the PostgreSQL schema is shared by the session
        with store.transaction() as s:
            s.connection().exec_driver_sql(
                f"UPDATE alembic_version SET version_num = '{head}'"
            )
