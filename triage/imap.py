"""The IMAP edge: the only module that imports imapclient.

Everything the daemon needs from a mailbox, by UID only: connect (returns UIDVALIDITY so a
change forces a rescan), list new UIDs, fetch raw bytes with ``BODY.PEEK[]`` (never sets
``\\Seen``), mark processed (flag or move), and wait for new mail (IDLE push, polling
fallback) in short slices so a stop request takes effect within about a second.

Every socket, imaplib and imapclient error is translated here into
:class:`triage.errors.MailboxError`; after one the connection is dropped and the next
call needs :meth:`ImapMailbox.connect` (or :meth:`ImapMailbox.with_retry`).
Passwords are never logged (the config's ``repr`` hides them too).
"""

from __future__ import annotations

import imaplib
import logging
import re
import select
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from triage.config import ImapConfig
from triage.errors import ConfigError, MailboxError

__all__ = [
    "PROCESSED_KEYWORD",
    "Backoff",
    "ImapLoginError",
    "ImapMailbox",
    "UidValidityChanged",
]

T = TypeVar("T")

#: Keyword set on processed mail (flag mode) when the server accepts keywords.
PROCESSED_KEYWORD = "$Triaged"
#: RFC 2177: clients must re-issue IDLE at least every 29 minutes.
_IDLE_MAX = 29 * 60.0
#: Longest single blocking wait, so a stop flag is noticed within about a second.
_SLICE = 0.5
_DEAD_EVENTS = select.POLLHUP | select.POLLERR | select.POLLNVAL | getattr(select, "POLLRDHUP", 0)
_NEW_MAIL = (b"EXISTS", b"RECENT")
_NEW_MAIL_LINE = re.compile(rb"\* \d+ (EXISTS|RECENT)\b", re.IGNORECASE)
_LITERAL = re.compile(rb"\{(\d+)\+?\}$")


class ImapLoginError(MailboxError):
    """The server refused the credentials (may be permanent: check the configuration)."""


class UidValidityChanged(MailboxError):
    """A reconnect found a different UIDVALIDITY: cursors are void, rescan the folder."""

    def __init__(self, old: int, new: int) -> None:
        self.old = old
        self.new = new
        super().__init__(f"UIDVALIDITY changed from {old} to {new}")


class Backoff:
    """Capped exponential delays: initial, initial*factor, ... up to cap; reset on success."""

    def __init__(self, initial: float = 1.0, cap: float = 60.0, factor: float = 2.0) -> None:
        self.initial = initial
        self.cap = cap
        self.factor = factor
        self._next = initial

    def next_delay(self) -> float:
        delay = self._next
        self._next = min(self._next * self.factor, self.cap)
        return delay

    def reset(self) -> None:
        self._next = self.initial


class ImapMailbox:
    """One IMAP folder seen through UIDs. Not thread-safe: one instance per worker."""

    def __init__(
        self,
        config: ImapConfig,
        logger: logging.Logger | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        backoff: Backoff | None = None,
        keyword: str = PROCESSED_KEYWORD,
    ) -> None:
        if config.tls not in ("ssl", "starttls", "none"):
            raise ConfigError(f"imap.tls must be ssl, starttls or none, not {config.tls!r}")
        if config.processed not in ("flag", "move"):
            raise ConfigError(f"imap.processed must be flag or move, not {config.processed!r}")
        self.config = config
        self.log = logger or logging.getLogger(__name__)
        self._sleep = sleep
        self.backoff = backoff or Backoff()
        self.keyword = keyword
        self._client: IMAPClient | None = None
        self._uidvalidity: int | None = None
        self._idle_broken = False
        self._idling = False
        self._keywords_ok = False
        self._last_check = 0.0

    # -- connection -------------------------------------------------------------------
    @property
    def uidvalidity(self) -> int | None:
        """UIDVALIDITY of the selected folder from the last connect (None before)."""
        return self._uidvalidity

    @property
    def connected(self) -> bool:
        return self._client is not None

    def connect(self) -> int:
        """Log in, select the folder and return its UIDVALIDITY (compare it to the cursor)."""
        self.close()
        cfg = self.config
        self.log.debug("connecting to imap %s:%s (tls=%s) as %s", cfg.host, cfg.port,
                       cfg.tls, cfg.user)
        with self._translated("connect"):
            client = IMAPClient(cfg.host, port=cfg.port, ssl=cfg.tls == "ssl",
                                ssl_context=_tls_context() if cfg.tls == "ssl" else None,
                                timeout=cfg.timeout)
            self._client = client
            if cfg.tls == "starttls":
                client.starttls(_tls_context())
            try:
                client.login(cfg.user, cfg.password)
            except LoginError as exc:
                raise ImapLoginError(
                    f"imap login refused for {cfg.user!r} at {cfg.host}:{cfg.port}: "
                    f"{_text(exc)}") from None
            info = client.select_folder(cfg.folder)
            _pending_untagged(client)  # SELECT's own EXISTS is not news
        uidvalidity = int(info[b"UIDVALIDITY"])
        permanent = info.get(b"PERMANENTFLAGS", ())
        self._keywords_ok = b"\\*" in permanent or self.keyword.encode() in permanent
        self._idling = False
        self._uidvalidity = uidvalidity
        self._last_check = time.monotonic()
        self.log.info("imap %s:%s folder %r selected: uidvalidity=%s exists=%s",
                      cfg.host, cfg.port, cfg.folder, uidvalidity, info.get(b"EXISTS"))
        return uidvalidity

    def reconnect(self) -> int:
        """Drop whatever is left of the connection and connect again."""
        self.close()
        return self.connect()

    def close(self) -> None:
        """Log out politely if possible; never raises (a dead socket is just closed)."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error) as exc:
            self.log.debug("imap logout failed (%s); closing the socket", _text(exc))
            try:
                client.shutdown()
            except (OSError, imaplib.IMAP4.error) as exc2:
                self.log.debug("imap socket shutdown failed: %s", _text(exc2))

    def with_retry(self, op: Callable[[], T], *, attempts: int | None = 5,
                   should_stop: Callable[[], bool] | None = None) -> T:
        """Run ``op`` (which uses this mailbox); on MailboxError reconnect with capped
        exponential backoff and try again, up to ``attempts`` tries (None: until stopped).

        Raises UidValidityChanged instead of retrying if the folder's UIDVALIDITY changed
        across a reconnect (the caller's UIDs are void), and the last MailboxError when
        attempts run out or ``should_stop()`` turns true.
        """
        tries = 0
        while True:
            tries += 1
            try:
                if self._client is None:
                    self._reconnect_checked()
                result = op()
            except (ImapLoginError, UidValidityChanged):
                raise
            except MailboxError as exc:
                stop = should_stop is not None and should_stop()
                if stop or (attempts is not None and tries >= attempts):
                    raise
                delay = self.backoff.next_delay()
                self.log.warning("imap trouble (%s); reconnecting in %.1f s", exc, delay)
                self.close()
                self._pause(delay, should_stop)
                continue
            self.backoff.reset()
            return result

    def _reconnect_checked(self) -> None:
        old = self._uidvalidity
        new = self.connect()
        if old is not None and new != old:
            raise UidValidityChanged(old, new)

    # -- reading ----------------------------------------------------------------------
    def search_new(self, after_uid: int) -> list[int]:
        """UIDs greater than ``after_uid``, ascending.

        ``UID n:*`` always matches the highest UID even when it is below n (RFC 3501
        6.4.8), so the result is filtered rather than trusted.
        """
        client = self._require()
        with self._translated("search"):
            # A selected session only sees mail another connection appended once the
            # server has announced it; Dovecot and pymap do that on NOOP, not on SEARCH.
            client.noop()
            # this search answers whatever was announced up to now (the NOOP included):
            # left pending, it would wake the next IDLE for mail already fetched
            _pending_untagged(client)
            found = client.search(["UID", f"{after_uid + 1}:*"])
        self._last_check = time.monotonic()
        return sorted(uid for uid in found if uid > after_uid)

    def fetch(self, uids: Sequence[int]) -> Iterator[tuple[int, bytes]]:
        """Yield (uid, raw bytes) in UID order, in batches of ``batch_size``.

        Uses ``BODY.PEEK[]`` so the message stays unseen for people; UIDs expunged in
        the meantime are skipped (logged), never an error.
        """
        ordered = sorted(set(uids))
        size = max(1, self.config.batch_size)
        for start in range(0, len(ordered), size):
            batch = ordered[start:start + size]
            client = self._require()
            with self._translated("fetch"):
                data = client.fetch(batch, ["BODY.PEEK[]"])
            for uid in batch:
                item = data.get(uid)
                raw = item.get(b"BODY[]") if item else None
                if raw is None:
                    self.log.info("uid %s vanished before it could be fetched", uid)
                    continue
                yield uid, bytes(raw)

    def append(self, raw: bytes, folder: str | None = None, *, seen: bool = False) -> int | None:
        """Store a message (demo delivery, saved copies). Returns its UID when the server
        reports it (UIDPLUS), else None."""
        client = self._require()
        flags = [b"\\Seen"] if seen else []
        with self._translated("append"):
            resp = client.append(folder or self.config.folder, raw, flags=flags)
        return _appenduid(resp)

    # -- writing ----------------------------------------------------------------------
    def mark_processed(self, uids: Sequence[int]) -> None:
        """Courtesy for people (the database cursor is the truth): flag or move.

        flag: add ``\\Seen`` and the keyword (when the server allows keywords).
        move: MOVE to ``processed_folder`` (created if missing); without the MOVE
        capability, COPY + ``\\Deleted`` + UID EXPUNGE.
        """
        if not uids:
            return
        client = self._require()
        uid_list = sorted(set(uids))
        with self._translated("mark processed"):
            if self.config.processed == "flag":
                flags: list[bytes] = [b"\\Seen"]
                if self._keywords_ok:
                    flags.append(self.keyword.encode())
                client.add_flags(uid_list, flags, silent=True)
                return
            target = self.config.processed_folder
            self._ensure_folder(client, target)
            if client.has_capability("MOVE"):
                client.move(uid_list, target)
                return
            client.copy(uid_list, target)
            client.add_flags(uid_list, [b"\\Deleted"], silent=True)
            if client.has_capability("UIDPLUS"):
                client.uid_expunge(uid_list)
            else:
                self.log.warning("server lacks UIDPLUS: plain EXPUNGE in %r", self.config.folder)
                client.expunge()

    def _ensure_folder(self, client: IMAPClient, folder: str) -> None:
        if client.folder_exists(folder):
            return
        try:
            client.create_folder(folder)
            self.log.info("created imap folder %r", folder)
        except IMAPClientError as exc:
            if not client.folder_exists(folder):  # lost a race with another worker: fine
                raise
            self.log.debug("folder %r appeared meanwhile: %s", folder, _text(exc))

    # -- waiting ----------------------------------------------------------------------
    def wait_for_changes(self, timeout: float, should_stop: Callable[[], bool]) -> bool:
        """Block up to ``timeout`` s until new mail may be there.

        Returns True when the caller should search now (IDLE reported new mail, or the
        poll interval elapsed in polling mode), False on timeout or when
        ``should_stop()`` turned true (checked every half second). Uses IDLE when the
        server has it and ``config.idle``. If IDLE misbehaves (a response imapclient
        cannot handle), the connection is dropped, MailboxError raised, and this mailbox
        polls from then on.
        """
        client = self._require()
        if self.config.idle and not self._idle_broken and client.has_capability("IDLE"):
            if _pending_untagged(client):
                return True  # the server already told us during an earlier command
            try:
                return self._idle(client, timeout, should_stop)
            except _IdleProtocolError as exc:
                self.log.warning("IDLE misbehaved (%s); polling from now on", exc)
                self._idle_broken = True
                raise MailboxError(f"imap IDLE failed: {exc}") from exc
        return self._poll(timeout, should_stop)

    def _idle(self, client: IMAPClient, timeout: float, should_stop: Callable[[], bool]) -> bool:
        renew = min(max(self.config.idle_renew, 0.05), _IDLE_MAX)
        deadline = time.monotonic() + timeout
        found = False
        self._idle_start(client)
        try:
            found = self._idle_loop(client, deadline, renew, should_stop)
        finally:
            if self._idling and self._client is client:
                found = self._idle_stop(client) or found
        return found

    def _idle_loop(self, client: IMAPClient, deadline: float, renew: float,
                   should_stop: Callable[[], bool]) -> bool:
        if _buffered(client):  # arrived together with the "+ idling" continuation
            return True
        sock = client.socket()
        renew_at = time.monotonic() + renew
        while True:
            now = time.monotonic()
            if should_stop() or now >= deadline:
                return False
            if now >= renew_at:  # RFC 2177: re-issue well within 29 minutes
                if self._idle_stop(client):
                    return True
                self._idle_start(client)
                renew_at = time.monotonic() + renew
                continue
            if not self._readable(sock, min(_SLICE, deadline - now, renew_at - now)):
                continue
            with self._translated("idle", idle=True):
                lines = _read_available_lines(client)
            if any(_NEW_MAIL_LINE.match(line) for line in lines):
                return True
            if any(line[:5].upper() == b"* BYE" for line in lines):
                self._drop()
                raise MailboxError("imap server said BYE during IDLE")

    def _idle_start(self, client: IMAPClient) -> None:
        with self._translated("idle", idle=True):
            client.idle()
        self._idling = True

    def _idle_stop(self, client: IMAPClient) -> bool:
        """End IDLE; True if the final responses announced new mail."""
        self._idling = False
        with self._translated("idle done", idle=True):
            _text_, responses = client.idle_done()
        self._last_check = time.monotonic()
        return _has_new_mail(responses)

    def _readable(self, sock: socket.socket, timeout: float) -> bool:
        """Poll the socket; a hang-up is a dropped connection, not an empty answer."""
        poller = select.poll()
        poller.register(sock.fileno(), select.POLLIN | select.POLLPRI | _DEAD_EVENTS)
        try:
            events = poller.poll(max(0.0, timeout) * 1000)
        except OSError as exc:
            self._drop()
            raise MailboxError(f"imap connection lost during IDLE: {exc}") from exc
        if not events:
            return False
        if any(mask & _DEAD_EVENTS for _fd, mask in events):
            self._drop()
            raise MailboxError("imap connection closed by the server during IDLE")
        return True

    def _poll(self, timeout: float, should_stop: Callable[[], bool]) -> bool:
        due = self._last_check + self.config.poll_interval
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if should_stop():
                return False
            if now >= due:
                client = self._require()
                with self._translated("noop"):
                    client.noop()  # keeps the session alive and notices a dead one
                return True
            if now >= deadline:
                return False
            self._sleep(min(_SLICE, due - now, deadline - now))

    # -- helpers ----------------------------------------------------------------------
    def _pause(self, seconds: float, should_stop: Callable[[], bool] | None) -> None:
        left = seconds
        while left > 0 and not (should_stop is not None and should_stop()):
            step = min(_SLICE, left)
            self._sleep(step)
            left -= step

    def _require(self) -> IMAPClient:
        if self._client is None:
            raise MailboxError("imap mailbox is not connected")
        return self._client

    def _drop(self) -> None:
        client, self._client = self._client, None
        self._idling = False
        if client is None:
            return
        try:
            client.shutdown()
        except (OSError, imaplib.IMAP4.error) as exc:
            self.log.debug("imap socket shutdown failed: %s", _text(exc))

    @contextmanager
    def _translated(self, action: str, *, idle: bool = False) -> Iterator[None]:
        """Translate library errors into MailboxError and drop the broken connection."""
        try:
            yield
        except MailboxError:
            self._drop()
            raise
        except imaplib.IMAP4.abort as exc:  # connection-level: the session is gone
            self._drop()
            raise MailboxError(f"imap {action} failed: connection lost: {_text(exc)}") from exc
        except IMAPClientError as exc:  # NO/BAD or unparseable response
            if idle:
                self._drop()
                raise _IdleProtocolError(f"{action}: {_text(exc)}") from exc
            self._drop()
            raise MailboxError(f"imap {action} failed: {_text(exc)}") from exc
        except (OSError, EOFError) as exc:  # socket, TLS, timeouts
            self._drop()
            raise MailboxError(f"imap {action} failed: {type(exc).__name__}: {exc}") from exc


class _IdleProtocolError(MailboxError):
    """IDLE produced a response the client could not handle."""


def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def _text(exc: BaseException) -> str:
    arg = exc.args[0] if exc.args else exc
    if isinstance(arg, bytes):
        return arg.decode("utf-8", "replace")
    return str(arg)


def _has_new_mail(responses: Sequence[Any]) -> bool:
    return any(isinstance(r, tuple) and len(r) >= 2 and r[1] in _NEW_MAIL for r in responses)


def _pending_untagged(client: IMAPClient) -> bool:
    """EXISTS/RECENT that arrived with an earlier command and nobody read (imaplib keeps
    them): IDLE would not repeat them, so report them now."""
    pending = getattr(client._imap, "untagged_responses", {})  # noqa: SLF001 - see docstring
    found = False
    for key in ("EXISTS", "RECENT"):
        if pending.pop(key, None):
            found = True
    return found


def _read_available_lines(client: IMAPClient) -> list[bytes]:
    """Read the untagged lines the server has sent during IDLE, each one whole.

    imapclient's ``idle_check`` reads in non-blocking mode and fails with "unterminated
    line" when a response arrives in two TCP segments (seen with pymap); here each line
    is read blocking (bounded by the session timeout) once the socket said there is data,
    and reading stops when nothing more is waiting.
    """
    imap = client._imap  # noqa: SLF001 - imaplib's line reader, as imapclient itself uses
    lines: list[bytes] = []
    while True:
        line = imap._get_line()  # noqa: SLF001
        while (literal := _LITERAL.search(line)) is not None:  # {n} + n bytes + rest
            imap.read(int(literal.group(1)))
            line = line[:literal.start()] + b"\"\"" + imap._get_line()  # noqa: SLF001
        lines.append(line)
        if not _buffered(client):
            return lines


def _buffered(client: IMAPClient) -> bool:
    """Whether imaplib has already read bytes the socket poll cannot see."""
    reader = getattr(client._imap, "file", None)  # noqa: SLF001 - imaplib's buffered reader
    sock = client.socket()
    if reader is None or not hasattr(reader, "peek"):
        return False
    timeout = sock.gettimeout()
    sock.setblocking(False)
    try:
        return bool(reader.peek(1))
    except (BlockingIOError, ssl.SSLWantReadError):
        return False
    finally:
        sock.settimeout(timeout)


def _appenduid(resp: Any) -> int | None:
    text = resp.decode("ascii", "replace") if isinstance(resp, bytes) else str(resp)
    marker = "APPENDUID "
    if marker not in text:
        return None
    parts = text.split(marker, 1)[1].split("]", 1)[0].split()
    try:
        return int(parts[1])
    except (IndexError, ValueError):
        return None
