"""Throwaway local mail servers for the demo (and the test fixtures).

pymap's in-memory ``dict`` backend runs as a subprocess as the IMAP server; an aiosmtpd
server in a thread captures every outgoing mail instead of delivering it. Both listen on
free loopback ports, so the demo needs no outside server and touches nothing real.
This is the only module that imports aiosmtpd.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from triage.config import ImapConfig, SmtpConfig
from triage.imap import ImapMailbox

__all__ = [
    "CapturedMail",
    "DemoServers",
    "PymapServer",
    "SmtpCapture",
    "free_port",
    "start_demo_servers",
    "wait_for_port",
]

log = logging.getLogger(__name__)

DEMO_USER = "backoffice@example.co.jp"
LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float = 30.0, *,
                  proc: subprocess.Popen[bytes] | None = None,
                  log_path: Path | None = None) -> None:
    """Return once ``host:port`` accepts connections; RuntimeError (with the server's log
    tail) if the process died or the time ran out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1.0):
                return
        except OSError:
            pass  # not listening yet: that is what we wait for
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}{_tail(log_path)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing listens on {host}:{port} after {timeout:.0f} s"
                               f"{_tail(log_path)}")
        time.sleep(0.05)


def _tail(path: Path | None, lines: int = 20) -> str:
    if path is None or not path.exists():
        return ""
    text = path.read_text(errors="replace").splitlines()[-lines:]
    return "\n--- " + str(path) + " ---\n" + "\n".join(text)


# -- IMAP: pymap ----------------------------------------------------------------------
class PymapServer:
    """pymap's in-memory backend in a subprocess: one user, plaintext login, no TLS.

    Everything lives in memory: a restart empties the mailbox and changes UIDVALIDITY.
    """

    def __init__(self, workdir: Path | str, user: str = DEMO_USER, password: str | None = None,
                 host: str = LOOPBACK, port: int | None = None) -> None:
        self.workdir = Path(workdir)
        self.user = user
        self.password = password or secrets.token_hex(12)  # never starts with "-" (argv)
        self.host = host
        self.port = port or free_port(host)
        self.log_path = self.workdir / "pymap.log"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-c", "from pymap.main import main; main()",
               "--host", self.host, "--port", str(self.port), "--no-tls",
               "dict", f"--demo-user={self.user}", f"--demo-password={self.password}"]
        with open(self.log_path, "ab") as out:
            self._proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, cwd=self.workdir)
        try:
            wait_for_port(self.host, self.port, timeout, proc=self._proc, log_path=self.log_path)
        except RuntimeError:
            self.stop()
            raise
        log.info("pymap listening on %s:%s (user %s)", self.host, self.port, self.user)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.warning("pymap did not stop on SIGTERM; killing it")
            proc.kill()
            proc.wait(timeout=10)

    def restart(self) -> None:
        """Stop and start on the same port: connections drop, the mailbox empties."""
        self.stop()
        self.start()

    def imap_config(self, **overrides: Any) -> ImapConfig:
        values: dict[str, Any] = dict(host=self.host, port=self.port, tls="none",
                                      user=self.user, password=self.password,
                                      poll_interval=2.0, timeout=10.0)
        values.update(overrides)
        return ImapConfig(**values)


# -- SMTP: aiosmtpd capture -----------------------------------------------------------
@dataclass(frozen=True)
class CapturedMail:
    """One mail as the capture server received it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes


class _CaptureHandler:
    """aiosmtpd handler: store every mail; answer with queued rejections first."""

    def __init__(self) -> None:
        self.messages: list[CapturedMail] = []
        self.lock = threading.Lock()
        self.rejections: dict[str, deque[str]] = {"mail": deque(), "rcpt": deque(),
                                                  "data": deque()}

    def _rejection(self, stage: str) -> str | None:
        with self.lock:
            queue = self.rejections[stage]
            return queue.popleft() if queue else None

    async def handle_MAIL(self, server: SMTPServer, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        reply = self._rejection("mail")
        if reply is not None:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTPServer, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        reply = self._rejection("rcpt")
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session,
                          envelope: Envelope) -> str:
        reply = self._rejection("data")
        if reply is not None:
            return reply
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        mail = CapturedMail(str(envelope.mail_from), tuple(envelope.rcpt_tos), bytes(raw))
        with self.lock:
            self.messages.append(mail)
        return "250 OK: captured"


class _Authenticator:
    def __init__(self, users: dict[str, str]) -> None:
        self.users = users

    def __call__(self, server: SMTPServer, session: Session, envelope: Envelope,
                 mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode("utf-8", "replace")
            if self.users.get(user) == auth_data.password.decode("utf-8", "replace"):
                return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)


class SmtpCapture:
    """An SMTP server on loopback that keeps every mail in memory.

    ``reject_next("451 4.3.0 try later", stage="data")`` makes the next command at that
    stage (mail, rcpt or data) fail with the given reply, to exercise retries.
    ``users`` enables AUTH (PLAIN/LOGIN, allowed without TLS: loopback only).
    """

    def __init__(self, host: str = LOOPBACK, port: int | None = None,
                 users: dict[str, str] | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.users = dict(users or {})
        self._handler = _CaptureHandler()
        self._controller: Controller | None = None

    def start(self) -> None:
        kwargs: dict[str, Any] = dict(hostname=self.host, port=self.port,
                                      enable_SMTPUTF8=True, ready_timeout=30.0)
        if self.users:
            kwargs.update(authenticator=_Authenticator(self.users), auth_require_tls=False)
        self._controller = Controller(self._handler, loop=asyncio.new_event_loop(), **kwargs)
        self._controller.start()
        log.info("smtp capture listening on %s:%s", self.host, self.port)

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is None:
            return
        controller.stop()
        controller.loop.close()

    @property
    def messages(self) -> list[CapturedMail]:
        with self._handler.lock:
            return list(self._handler.messages)

    def clear(self) -> None:
        with self._handler.lock:
            self._handler.messages.clear()

    def reject_next(self, reply: str = "451 4.3.0 Temporary failure, try again later", *,
                    stage: str = "data", count: int = 1) -> None:
        if stage not in self._handler.rejections:
            raise ValueError(f"stage must be mail, rcpt or data, not {stage!r}")
        with self._handler.lock:
            self._handler.rejections[stage].extend([reply] * count)

    def smtp_config(self, **overrides: Any) -> SmtpConfig:
        values: dict[str, Any] = dict(host=self.host, port=self.port, tls="none", timeout=10.0)
        values.update(overrides)
        return SmtpConfig(**values)


# -- the pair the demo runs -----------------------------------------------------------
@dataclass
class DemoServers:
    """A running pymap + SMTP capture pair; ``stop()`` when done."""

    imap: PymapServer
    smtp: SmtpCapture
    _mailbox: ImapMailbox | None = field(default=None, repr=False)

    def imap_config(self, **overrides: Any) -> ImapConfig:
        return self.imap.imap_config(**overrides)

    def smtp_config(self, **overrides: Any) -> SmtpConfig:
        return self.smtp.smtp_config(**overrides)

    def deliver(self, raw: bytes, folder: str = "INBOX") -> int | None:
        """Put a mail into the demo inbox (IMAP APPEND); returns its UID if known."""
        if self._mailbox is None or not self._mailbox.connected:
            self._mailbox = ImapMailbox(self.imap_config(idle=False))
            self._mailbox.connect()
        return self._mailbox.append(raw, folder)

    def sent(self) -> list[CapturedMail]:
        """Every mail triage sent so far, oldest first."""
        return self.smtp.messages

    def stop(self) -> None:
        if self._mailbox is not None:
            self._mailbox.close()
            self._mailbox = None
        self.smtp.stop()
        self.imap.stop()

    def __enter__(self) -> DemoServers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_demo_servers(workdir: Path | str, *, user: str = DEMO_USER,
                       password: str | None = None) -> DemoServers:
    """Start pymap (one user, generated password) and an SMTP capture on free loopback
    ports. The password is also in ``imap_config()``; nothing is written but a log."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    imap = PymapServer(workdir, user=user, password=password)
    smtp = SmtpCapture()
    smtp.start()
    try:
        imap.start()
    except BaseException:
        smtp.stop()
        raise
    return DemoServers(imap, smtp)
