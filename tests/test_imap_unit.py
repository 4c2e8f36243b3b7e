"""ImapMailbox logic that needs no server: backoff, retry policy, config checks, the fence."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from triage.config import ImapConfig
from triage.errors import ConfigError, MailboxError
from triage.imap import Backoff, ImapLoginError, ImapMailbox, UidValidityChanged, _appenduid

PACKAGE = Path(__file__).resolve().parents[1] / "triage"


class FakeConnectMailbox(ImapMailbox):
    """Replaces only the network: connect() hands out scripted UIDVALIDITYs or errors."""

    def __init__(self, script: list[int | Exception], **kwargs: object) -> None:
        self.slept: list[float] = []
        super().__init__(ImapConfig(tls="none"), sleep=self.slept.append, **kwargs)
        self.script = list(script)
        self.connects = 0

    def connect(self) -> int:
        self.connects += 1
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        self._client = object()  # type: ignore[assignment]
        self._uidvalidity = step
        return step

    def close(self) -> None:
        self._client = None


def test_backoff_doubles_up_to_the_cap_and_resets() -> None:
    backoff = Backoff(initial=1.0, cap=5.0)
    assert [backoff.next_delay() for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    backoff.reset()
    assert backoff.next_delay() == 1.0


def test_with_retry_reconnects_with_backoff_until_the_operation_works() -> None:
    mb = FakeConnectMailbox([7, MailboxError("refused"), 7, 7])
    mb.connect()
    failures = [MailboxError("dropped")]

    def op() -> str:
        if failures:
            mb.close()
            raise failures.pop()
        return "ok"

    assert mb.with_retry(op) == "ok"
    assert mb.slept and sum(mb.slept) == pytest.approx(1.0 + 2.0)
    assert mb.connects == 3
    # success resets the backoff
    assert mb.backoff.next_delay() == 1.0


def test_with_retry_gives_up_after_attempts() -> None:
    mb = FakeConnectMailbox([MailboxError("down")] * 3)
    with pytest.raises(MailboxError, match="down"):
        mb.with_retry(lambda: "never", attempts=3)
    assert mb.connects == 3


def test_with_retry_stops_when_asked() -> None:
    mb = FakeConnectMailbox([MailboxError("down")] * 10)
    with pytest.raises(MailboxError):
        mb.with_retry(lambda: "never", attempts=None, should_stop=lambda: mb.connects >= 2)
    assert mb.connects == 2


def test_with_retry_does_not_retry_a_refused_login() -> None:
    mb = FakeConnectMailbox([ImapLoginError("bad password"), 7])
    with pytest.raises(ImapLoginError):
        mb.with_retry(lambda: "never")
    assert mb.connects == 1


def test_with_retry_reports_a_new_uidvalidity_instead_of_retrying() -> None:
    mb = FakeConnectMailbox([7, 8])
    mb.connect()
    mb.close()
    with pytest.raises(UidValidityChanged) as info:
        mb.with_retry(lambda: "stale uids")
    assert (info.value.old, info.value.new) == (7, 8)
    assert isinstance(info.value, MailboxError)


def test_operations_need_a_connection() -> None:
    mb = ImapMailbox(ImapConfig(tls="none"))
    with pytest.raises(MailboxError):
        mb.search_new(0)
    mb.close()  # harmless when not connected


@pytest.mark.parametrize("field,value", [("tls", "tls"), ("processed", "delete")])
def test_bad_modes_are_config_errors(field: str, value: str) -> None:
    with pytest.raises(ConfigError):
        ImapMailbox(ImapConfig(**{field: value}))


def test_password_is_not_in_the_config_repr() -> None:
    assert "hunter2" not in repr(ImapConfig(password="hunter2"))


def test_appenduid_parsing() -> None:
    assert _appenduid(b"[APPENDUID 1795462771 42] Append completed.") == 42
    assert _appenduid(b"Append completed.") is None


@pytest.mark.parametrize("library,owner", [
    ("imapclient", "imap.py"), ("imaplib", "imap.py"), ("smtplib", "smtp.py"),
    ("aiosmtpd", "demo/servers.py"),
])
def test_only_one_module_imports_each_mail_library(library: str, owner: str) -> None:
    importers = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            if any(n == library or n.startswith(library + ".") for n in names):
                importers.append(path.relative_to(PACKAGE).as_posix())
    assert sorted(set(importers)) == [owner]
