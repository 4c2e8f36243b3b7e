"""The daemon loop: watch the mailbox, handle each message once, drain the outbox.

A runner in Mailman's sense: working and sleeping kept apart, one commit per message,
failures quarantined, signal handlers that only set flags (TERM/INT stop after the
current message, HUP reloads, USR1 wakes), sleeps in short slices so a stop is quick.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from triage.daemon import handler, sender
from triage.errors import MessageError, TransientError
from triage.store import repo

log = logging.getLogger(__name__)


class Mailbox(Protocol):
    def connect(self) -> int: ...
    def search_new(self, after_uid: int) -> list[int]: ...
    def fetch(self, uids: list[int]) -> Any: ...
    def mark_processed(self, uids: list[int]) -> None: ...
    def wait_for_changes(self, timeout: float, should_stop: Callable[[], bool]) -> bool: ...
    def close(self) -> None: ...


@dataclass
class Flags:
    stop: bool = False
    reload: bool = False
    wake: bool = False


@dataclass
class Stats:
    outcomes: list[handler.Outcome] = field(default_factory=list)
    sent: int = 0
    send_failures: int = 0


class Runner:
    """Sequences the I/O around the pure handler. One instance per mailbox."""

    def __init__(self, services: handler.Services, store: Any, mailbox: Mailbox,
                 smtp: sender.MailSender, *, worker_id: str = "triage",
                 reload: Callable[[], handler.Services] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.services = services
        self.store = store
        self.mailbox = mailbox
        self.smtp = smtp
        self.worker_id = worker_id
        self._reload = reload
        self._sleep = sleep
        self.flags = Flags()
        self.stats = Stats()
        self._uidvalidity: int | None = None
        self._backoff = 1.0
        self._last_reminders: datetime | None = None

    @property
    def mailbox_name(self) -> str:
        cfg = self.services.config.imap
        return f"{cfg.user}@{cfg.host}/{cfg.folder}"

    def install_signal_handlers(self) -> None:
        def stop(_sig: int, _frm: Any) -> None:
            self.flags.stop = True

        def hup(_sig: int, _frm: Any) -> None:
            self.flags.reload = True

        def usr1(_sig: int, _frm: Any) -> None:
            self.flags.wake = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, hup)
        signal.signal(signal.SIGUSR1, usr1)

    # -- one pass ---------------------------------------------------------------------
    def _ensure_connected(self) -> int:
        if self._uidvalidity is None:
            self._uidvalidity = self.mailbox.connect()
        return self._uidvalidity

    def poll_once(self) -> int:
        """Fetch and handle everything new; returns how many messages were handled."""
        uidvalidity = self._ensure_connected()
        now = self.services.now()
        with self.store.transaction() as s:
            cur = repo.get_cursor(s, self.mailbox_name)
            last_uid = cur.last_uid if cur is not None and cur.uidvalidity == uidvalidity else 0
            if cur is not None and cur.uidvalidity != uidvalidity:
                log.warning("UIDVALIDITY of %s changed (%s -> %s): rescanning; Message-IDs "
                            "keep already handled mail from being handled twice",
                            self.mailbox_name, cur.uidvalidity, uidvalidity)
                repo.set_cursor(s, self.mailbox_name, uidvalidity, 0, now)
        uids = [u for u in self.mailbox.search_new(last_uid) if u > last_uid]
        handled = 0
        for uid, raw in self.mailbox.fetch(uids):
            if self.flags.stop:
                break
            self._handle_one(uidvalidity, uid, raw)
            handled += 1
        return handled

    def _handle_one(self, uidvalidity: int, uid: int, raw: bytes) -> None:
        name = self.mailbox_name
        try:
            with self.store.transaction() as s:
                outcome = handler.handle(s, self.services, mailbox=name,
                                         uidvalidity=uidvalidity, uid=uid, raw=raw)
                repo.set_cursor(s, name, uidvalidity, uid, self.services.now())
        except TransientError:
            raise
        except Exception as exc:  # noqa: BLE001 - quarantine, never crash, never lose
            log.exception("message uid=%s could not be processed; quarantined", uid)
            reason = exc.reason if isinstance(exc, MessageError) else "processing-error"
            with self.store.transaction() as s:
                if repo.message_seen(s, name, uidvalidity, uid):
                    outcome = handler.Outcome("skipped", detail="handled by another worker")
                else:
                    outcome = handler.quarantine(
                        s, self.services, mailbox=name, uidvalidity=uidvalidity, uid=uid,
                        raw=raw, reason=reason, error=f"{type(exc).__name__}: {exc}")
                repo.set_cursor(s, name, uidvalidity, uid, self.services.now())
        self.stats.outcomes.append(outcome)
        log.info("uid=%s %s %s %s", uid, outcome.status, outcome.request_ref or "-",
                 outcome.action)
        try:
            self.mailbox.mark_processed([uid])
        except TransientError as exc:  # the database is the truth; the flag is a courtesy
            log.warning("could not mark uid=%s processed in IMAP: %s", uid, exc)
            self._uidvalidity = None

    def drain_outbox(self) -> None:
        cfg = self.services.config
        sent, failed = sender.drain(self.store, self.smtp, from_addr=cfg.shared_address,
                                    now=self.services.now, worker_id=self.worker_id,
                                    max_attempts=cfg.outbox_max_attempts)
        self.stats.sent += sent
        self.stats.send_failures += failed

    def run_reminders(self, *, force: bool = False) -> None:
        now = self.services.now()
        if not force and self._last_reminders and now - self._last_reminders < timedelta(minutes=5):
            return
        self._last_reminders = now
        with self.store.transaction() as s:
            for outcome in handler.send_reminders(s, self.services):
                self.stats.outcomes.append(outcome)

    def cycle(self) -> int:
        handled = self.poll_once()
        self.run_reminders()
        self.drain_outbox()
        return handled

    # -- the loop ---------------------------------------------------------------------
    def run(self, *, once: bool = False) -> int:
        """Run until stopped (or one pass with once=True). Returns an exit code."""
        while not self.flags.stop:
            if self.flags.reload and self._reload is not None:
                self.flags.reload = False
                self.services = self._reload()
                log.info("configuration and model reloaded")
            try:
                self.cycle()
                self._backoff = 1.0
            except TransientError as exc:
                if once:
                    log.error("transient failure in a single pass: %s", exc)
                    return 75  # EX_TEMPFAIL: cron may retry
                log.warning("transient failure, retrying in %.0f s: %s", self._backoff, exc)
                self._drop_connection()
                self._pause(self._backoff)
                self._backoff = min(self._backoff * 2, 300.0)
                continue
            if once:
                return 0
            self.flags.wake = False
            try:
                self.mailbox.wait_for_changes(
                    self.services.config.imap.poll_interval,
                    lambda: self.flags.stop or self.flags.wake or self.flags.reload)
            except TransientError as exc:
                log.warning("mailbox wait failed: %s", exc)
                self._drop_connection()
        self._drop_connection()
        return 0

    def _drop_connection(self) -> None:
        try:
            self.mailbox.close()
        except TransientError as exc:
            log.debug("close after failure: %s", exc)
        self._uidvalidity = None

    def _pause(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.flags.stop and time.monotonic() < end:
            self._sleep(min(0.2, end - time.monotonic()))
