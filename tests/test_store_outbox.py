"""The outbox queue: claiming, backoff, release, rate counts, and concurrent workers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from test_store_support import (  # noqa: F401 - pg_migrated_url is a fixture
    BACKENDS,
    T0,
    migrated_store,
    pg_migrated_url,
)

from triage.store import Outbox, Store
from triage.store.outbox_queue import (
    BACKOFF_CAP,
    backoff_delay,
    claim_due,
    count_recent,
    mark_failed,
    mark_held,
    mark_sent,
    release,
    release_stale,
)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with migrated_store(str(request.param), tmp_path, request) as st:
        yield st


def _queue(store: Store, n: int, *, due: timedelta = timedelta(0), to: str = "a@example.com",
           status: str = "pending", created: timedelta = timedelta(0)) -> list[int]:
    with store.transaction() as s:
        start = s.query(Outbox).count()
        rows = [
            Outbox(kind="ack", to_addr=to, subject=f"s{i}", raw=b"raw",
                   message_id=f"<out{start + i}@triage.example>", status=status,
                   next_attempt_at=T0 + due, created_at=T0 + created)
            for i in range(n)
        ]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def _get(store: Store, row_id: int) -> Outbox:
    with store.transaction(readonly=True) as s:
        row = s.get(Outbox, row_id)
        assert row is not None
        return row


# -- backoff (pure) -----------------------------------------------------------------------

def test_backoff_schedule_doubles_and_caps() -> None:
    nominal = [backoff_delay(n, rng=lambda: 0.5).total_seconds() for n in range(1, 10)]
    assert nominal == [30, 60, 120, 240, 480, 960, 1800, 1800, 1800]
    assert backoff_delay(1000, rng=lambda: 0.5) == BACKOFF_CAP


def test_backoff_jitter_stays_within_ten_percent_and_under_the_cap() -> None:
    low = backoff_delay(2, rng=lambda: 0.0).total_seconds()
    high = backoff_delay(2, rng=lambda: 0.999999).total_seconds()
    assert 54 <= low < 60 < high <= 66
    assert backoff_delay(12, rng=lambda: 0.999999) <= BACKOFF_CAP
    with pytest.raises(ValueError):
        backoff_delay(0)


# -- one worker -----------------------------------------------------------------------

def test_claim_due_takes_due_pending_rows_oldest_first(store: Store) -> None:
    due = _queue(store, 3)
    _queue(store, 2, due=timedelta(minutes=5))   # not yet due
    _queue(store, 1, status="held")
    with store.transaction() as s:
        first = claim_due(s, T0, 2, "w1")
        assert [r.id for r in first] == due[:2]
        assert all(r.status == "sending" and r.claimed_by == "w1" for r in first)
    with store.transaction() as s:
        assert [r.id for r in claim_due(s, T0, 10, "w2")] == due[2:]
    with store.transaction() as s:
        assert claim_due(s, T0, 10, "w3") == []
        assert len(claim_due(s, T0 + timedelta(minutes=5), 10, "w3")) == 2


def test_mark_sent(store: Store) -> None:
    (row_id,) = _queue(store, 1)
    with store.transaction() as s:
        claim_due(s, T0, 1, "w1")
    with store.transaction() as s:
        assert mark_sent(s, row_id, T0 + timedelta(seconds=2))
        assert not mark_sent(s, 999, T0)
    row = _get(store, row_id)
    assert (row.status, row.sent_at, row.claimed_by) == ("sent", T0 + timedelta(seconds=2), None)


def test_mark_failed_backs_off_then_gives_up(store: Store) -> None:
    (row_id,) = _queue(store, 1)
    now = T0
    for attempt in (1, 2):
        with store.transaction() as s:
            assert [r.id for r in claim_due(s, now, 5, "w")] == [row_id]
        with store.transaction() as s:
            assert mark_failed(s, row_id, now, "451 try later", 3, rng=lambda: 0.5) == "pending"
        row = _get(store, row_id)
        assert row.attempts == attempt and row.last_error == "451 try later"
        assert row.next_attempt_at == now + backoff_delay(attempt, rng=lambda: 0.5)
        with store.transaction() as s:  # not due before the backoff ends
            assert claim_due(s, row.next_attempt_at - timedelta(seconds=1), 5, "w") == []
        now = row.next_attempt_at
    with store.transaction() as s:
        claim_due(s, now, 5, "w")
        assert mark_failed(s, row_id, now, "451 again", 3) == "failed"
    row = _get(store, row_id)
    assert (row.status, row.attempts, row.raw) == ("failed", 3, b"raw")  # kept
    with store.transaction() as s:
        assert claim_due(s, now + timedelta(days=1), 5, "w") == []
        assert mark_failed(s, 999, now, "x", 3) is None


def test_permanent_failure_gives_up_at_once(store: Store) -> None:
    (row_id,) = _queue(store, 1)
    with store.transaction() as s:
        claim_due(s, T0, 1, "w")
        assert mark_failed(s, row_id, T0, "550 no such user", 5, permanent=True) == "failed"


def test_release_stale_returns_crashed_claims(store: Store) -> None:
    old, fresh = _queue(store, 2)
    with store.transaction() as s:
        claim_due(s, T0, 1, "crashed")
    with store.transaction() as s:
        claim_due(s, T0 + timedelta(minutes=9), 1, "alive")
    with store.transaction() as s:
        assert release_stale(s, T0 + timedelta(minutes=10), timedelta(minutes=5)) == 1
    assert (_get(store, old).status, _get(store, old).claimed_by) == ("pending", None)
    assert _get(store, fresh).status == "sending"
    with store.transaction() as s:
        assert [r.id for r in claim_due(s, T0 + timedelta(minutes=10), 5, "w")] == [old]


def test_release_hands_back_unsent_rows(store: Store) -> None:
    ids = _queue(store, 3)
    with store.transaction() as s:
        claim_due(s, T0, 3, "w")
        mark_sent(s, ids[0], T0)
    with store.transaction() as s:
        assert release(s, ids) == 2   # the sent one stays sent
        assert release(s, []) == 0
    assert [_get(store, i).status for i in ids] == ["sent", "pending", "pending"]
    assert _get(store, ids[1]).attempts == 0


def test_count_recent_counts_live_mail_per_address(store: Store) -> None:
    _queue(store, 2, to="A@Example.com")
    _queue(store, 1, to="a@example.com", created=timedelta(hours=-2))
    _queue(store, 1, to="b@example.com")
    (held,) = _queue(store, 1, to="a@example.com")
    with store.transaction() as s:
        mark_held(s, held, "rate limit")
    with store.transaction() as s:
        assert count_recent(s, "a@EXAMPLE.com", T0 - timedelta(hours=1)) == 2
        assert count_recent(s, "a@example.com", T0 - timedelta(hours=3)) == 3
        assert count_recent(s, "c@example.com", T0 - timedelta(hours=3)) == 0


# -- several workers ------------------------------------------------------------------

def test_concurrent_claims_skip_locked_rows(store: Store) -> None:
    """While worker A holds its claim open, worker B gets other rows instead of waiting."""
    if store.dialect != "postgresql":
        pytest.skip("row locks with SKIP LOCKED are PostgreSQL's; SQLite serialises writers")
    ids = _queue(store, 10)
    claimed: dict[str, list[int]] = {}
    a_claimed = threading.Barrier(2, timeout=30)
    b_done = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def worker_a() -> None:
        try:
            with store.transaction() as s:
                claimed["a"] = [r.id for r in claim_due(s, T0, 4, "a")]
                a_claimed.wait()
                b_done.wait()   # still inside the transaction: rows stay locked
        except BaseException as exc:  # reported below, in the test thread
            errors.append(exc)

    def worker_b() -> None:
        try:
            a_claimed.wait()
            with store.transaction() as s:
                claimed["b"] = [r.id for r in claim_due(s, T0, 4, "b")]
            b_done.wait()
        except BaseException as exc:  # reported below, in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=worker_a), threading.Thread(target=worker_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert claimed["a"] == ids[:4]
    assert claimed["b"] == ids[4:8]


def test_concurrent_workers_never_get_the_same_row(store: Store) -> None:
    """Several workers drain one queue: every row is claimed exactly once."""
    ids = _queue(store, 60)
    seen: dict[str, list[int]] = {"w0": [], "w1": [], "w2": []}
    start = threading.Barrier(len(seen), timeout=30)
    errors: list[BaseException] = []

    def drain(name: str) -> None:
        try:
            start.wait()
            while True:
                with store.transaction() as s:
                    rows = claim_due(s, T0, 3, name)
                    seen[name].extend(r.id for r in rows)
                if not rows:
                    return
                with store.transaction() as s:
                    for r in rows:
                        mark_sent(s, r.id, T0)
        except BaseException as exc:  # reported below, in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=drain, args=(name,)) for name in seen]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    everything = [i for got in seen.values() for i in got]
    assert sorted(everything) == ids   # no row twice, none missed
    with store.transaction(readonly=True) as s:
        assert {r.status for r in s.query(Outbox)} == {"sent"}
