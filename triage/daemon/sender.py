"""Drain the outbox over SMTP: SMTP being down delays mail, it loses none."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from triage.errors import SmtpError, TransientError
from triage.store import outbox_queue

log = logging.getLogger(__name__)


class MailSender(Protocol):
    def send(self, raw: bytes, from_addr: str, to_addrs: list[str]) -> None: ...


def drain(store: Any, sender: MailSender, *, from_addr: str, now: Callable[[], datetime],
          worker_id: str, max_attempts: int, limit: int = 50) -> tuple[int, int]:
    """Send what is due; returns (sent, failed). Claims rows so several daemons never
    send the same mail twice."""
    sent = failed = 0
    while True:
        with store.transaction() as s:
            outbox_queue.release_stale(s, now(), timedelta(minutes=10))
            rows = outbox_queue.claim_due(s, now(), limit, worker_id)
            batch = [(r.id, r.raw, r.to_addr, r.kind) for r in rows]
        if not batch:
            return sent, failed
        for row_id, raw, to_addr, kind in batch:
            try:
                sender.send(bytes(raw), from_addr, [to_addr])
            except SmtpError as exc:
                failed += 1
                log.warning("outbox %s (%s to %s) not sent: %s", row_id, kind, to_addr, exc)
                with store.transaction() as s:
                    outbox_queue.mark_failed(s, row_id, now(), str(exc), max_attempts,
                                             permanent=getattr(exc, "permanent", False))
                if not getattr(exc, "permanent", False):
                    # the server is unhappy: leave the rest for the next round
                    _release_rest(store, batch, row_id, now)
                    return sent, failed
                continue
            except TransientError as exc:
                log.warning("outbox %s: %s", row_id, exc)
                _release_rest(store, batch, None, now, include_from=row_id)
                return sent, failed
            with store.transaction() as s:
                outbox_queue.mark_sent(s, row_id, now())
            sent += 1
        if len(batch) < limit:
            return sent, failed


def _release_rest(store: Any, batch: list[tuple[int, bytes, str, str]], after: int | None,
                  now: Callable[[], datetime], include_from: int | None = None) -> None:
    ids = [b[0] for b in batch]
    if include_from is not None:
        rest = ids[ids.index(include_from):]
    else:
        rest = ids[ids.index(after) + 1:] if after in ids else []
    if rest:
        with store.transaction() as s:
            outbox_queue.release(s, rest)
