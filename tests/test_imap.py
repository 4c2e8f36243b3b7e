"""ImapMailbox against real servers: Dovecot (the reference) and pymap (the demo's)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from servers import ImapAccount

from triage.errors import MailboxError
from triage.imap import PROCESSED_KEYWORD, ImapLoginError, ImapMailbox, UidValidityChanged

pytestmark = pytest.mark.integration


def mail(n: int, body: str = "hello") -> bytes:
    return (f"From: staff{n}@example.co.jp\r\nTo: backoffice@example.co.jp\r\n"
            f"Subject: request {n}\r\nMessage-ID: <m{n}@example.co.jp>\r\n\r\n"
            f"{body} {n}\r\n").encode()


@pytest.fixture
def mailbox_for(imap_account: ImapAccount) -> Iterator[object]:
    opened: list[ImapMailbox] = []

    def make(**overrides: object) -> ImapMailbox:
        mb = ImapMailbox(imap_account.config(**overrides), sleep=lambda _s: None)
        opened.append(mb)
        return mb

    yield make
    for mb in opened:
        mb.close()


def test_connect_reports_uidvalidity(imap_account: ImapAccount, mailbox_for) -> None:
    mb = mailbox_for()
    assert mb.uidvalidity is None
    value = mb.connect()
    assert value == mb.uidvalidity == imap_account.uidvalidity()


def test_search_and_fetch_by_uid_leave_mail_unseen(imap_account: ImapAccount,
                                                   mailbox_for) -> None:
    uids = [imap_account.append(mail(n)) for n in range(5)]
    mb = mailbox_for(batch_size=2)
    mb.connect()
    assert mb.search_new(0) == uids
    assert mb.search_new(uids[1]) == uids[2:]
    # "UID n:*" matches the last message even when n is beyond it (RFC 3501 6.4.8)
    assert mb.search_new(uids[-1]) == []
    assert mb.search_new(uids[-1] + 100) == []

    fetched = list(mb.fetch(list(reversed(uids))))
    assert [uid for uid, _ in fetched] == uids
    assert [raw for _, raw in fetched] == [mail(n) for n in range(5)]
    for uid in uids:
        assert b"\\Seen" not in imap_account.flags(uid)


def test_fetch_skips_vanished_uids(imap_account: ImapAccount, mailbox_for) -> None:
    uid = imap_account.append(mail(1))
    mb = mailbox_for()
    mb.connect()
    assert list(mb.fetch([uid, uid + 50])) == [(uid, mail(1))]
    assert list(mb.fetch([])) == []


def test_mark_processed_flag(imap_account: ImapAccount, mailbox_for) -> None:
    first, second = imap_account.append(mail(1)), imap_account.append(mail(2))
    mb = mailbox_for(processed="flag")
    mb.connect()
    mb.mark_processed([first])
    flags = imap_account.flags(first)
    assert b"\\Seen" in flags
    if imap_account.server == "dovecot":  # pymap's PERMANENTFLAGS has no \* (no keywords)
        assert PROCESSED_KEYWORD.encode() in flags
    assert b"\\Seen" not in imap_account.flags(second)
    mb.mark_processed([first])  # idempotent
    mb.mark_processed([])


def test_mark_processed_move_creates_the_folder(imap_account: ImapAccount,
                                                mailbox_for) -> None:
    first, second = imap_account.append(mail(1)), imap_account.append(mail(2))
    mb = mailbox_for(processed="move", processed_folder="Triaged")
    mb.connect()
    mb.mark_processed([first])
    assert imap_account.uids() == [second]
    assert len(imap_account.uids("Triaged")) == 1
    mb.mark_processed([second])
    assert imap_account.uids() == []
    assert len(imap_account.uids("Triaged")) == 2
    assert mb.search_new(0) == []


def test_mark_processed_move_without_move_capability(imap_account: ImapAccount,
                                                     mailbox_for,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = imap_account.append(mail(1)), imap_account.append(mail(2))
    mb = mailbox_for(processed="move", processed_folder="Done")
    mb.connect()
    client = mb._client  # the one seam to fake: pretend the server lacks MOVE
    real = client.has_capability
    monkeypatch.setattr(client, "has_capability", lambda cap: cap != "MOVE" and real(cap))
    mb.mark_processed([first])
    assert imap_account.uids() == [second]
    assert len(imap_account.uids("Done")) == 1


def test_uidvalidity_change_is_visible(imap_account: ImapAccount, mailbox_for) -> None:
    imap_account.append(mail(1), folder="Work")
    mb = mailbox_for(folder="Work")
    before = mb.connect()
    mb.close()
    with imap_account.client(folder=None) as client:
        client.delete_folder("Work")
    imap_account.append(mail(2), folder="Work")
    after = mb.connect()
    assert after != before
    assert mb.uidvalidity == after


def test_with_retry_reports_uidvalidity_change(imap_account: ImapAccount,
                                               mailbox_for) -> None:
    imap_account.append(mail(1), folder="Work")
    mb = mailbox_for(folder="Work")
    before = mb.connect()
    mb.close()  # as after a drop
    with imap_account.client(folder=None) as client:
        client.delete_folder("Work")
    imap_account.append(mail(2), folder="Work")
    with pytest.raises(UidValidityChanged) as info:
        mb.with_retry(lambda: mb.search_new(0))
    assert info.value.old == before
    assert info.value.new == mb.uidvalidity != before


def test_reconnects_after_the_server_drops_the_connection(imap_account: ImapAccount,
                                                          mailbox_for) -> None:
    uid = imap_account.append(mail(1))
    mb = mailbox_for()
    mb.connect()
    imap_account.drop_connections()
    with pytest.raises(MailboxError):
        mb.search_new(0)
    assert not mb.connected
    if imap_account.server == "pymap":  # restarting pymap empties it: a new UIDVALIDITY
        with pytest.raises(UidValidityChanged):
            mb.with_retry(lambda: mb.search_new(0))
        assert mb.with_retry(lambda: mb.search_new(0)) == []
    else:
        assert mb.with_retry(lambda: mb.search_new(0)) == [uid]


def test_wait_for_changes_wakes_on_new_mail(imap_account: ImapAccount, mailbox_for) -> None:
    imap_account.append(mail(1))
    mb = mailbox_for(idle=True)
    mb.connect()
    last = mb.search_new(0)[-1]
    waiting = threading.Event()

    def deliver() -> None:
        waiting.wait(30)
        imap_account.append(mail(2))

    sender = threading.Thread(target=deliver)
    sender.start()
    calls = 0

    def should_stop() -> bool:
        nonlocal calls
        calls += 1
        waiting.set()
        return False

    try:
        woke = mb.wait_for_changes(60.0, should_stop)
    finally:
        waiting.set()
        sender.join()
    assert woke is True
    assert len(mb.search_new(last)) == 1
    # the connection is still usable for a second round
    assert mb.wait_for_changes(0.0, lambda: False) in (True, False)


def test_wait_for_changes_stops_when_asked(imap_account: ImapAccount, mailbox_for) -> None:
    for idle in (True, False):
        mb = mailbox_for(idle=idle, poll_interval=3600.0)
        mb.connect()
        assert mb.wait_for_changes(3600.0, lambda: True) is False
        assert mb.search_new(0) == []  # still connected and out of IDLE


def test_wait_for_changes_polls_without_idle(imap_account: ImapAccount, mailbox_for) -> None:
    mb = mailbox_for(idle=False, poll_interval=0.2)
    mb.connect()
    assert mb.wait_for_changes(60.0, lambda: False) is True


def test_idle_connection_drop_raises_instead_of_hanging(imap_account: ImapAccount,
                                                        mailbox_for) -> None:
    mb = mailbox_for(idle=True)
    mb.connect()
    started = threading.Event()

    def kill() -> None:
        started.wait(30)
        imap_account.drop_connections()

    killer = threading.Thread(target=kill)
    killer.start()

    def should_stop() -> bool:
        started.set()
        return False

    try:
        with pytest.raises(MailboxError):
            mb.wait_for_changes(120.0, should_stop)
    finally:
        started.set()
        killer.join()
    assert not mb.connected


def test_wrong_password_is_a_login_error(imap_account: ImapAccount) -> None:
    mb = ImapMailbox(imap_account.config(password="wrong"))
    with pytest.raises(ImapLoginError) as info:
        mb.connect()
    assert "wrong" not in str(info.value)
    assert not mb.connected


def test_unknown_folder_is_a_mailbox_error(imap_account: ImapAccount) -> None:
    mb = ImapMailbox(imap_account.config(folder="NoSuchFolder"))
    with pytest.raises(MailboxError):
        mb.connect()
    assert not mb.connected


def test_idle_is_reissued_and_still_sees_new_mail(imap_account: ImapAccount,
                                                  mailbox_for) -> None:
    mb = mailbox_for(idle=True, idle_renew=0.1)
    mb.connect()
    rounds = 0

    def stop_after_some_renewals() -> bool:
        nonlocal rounds
        rounds += 1
        return rounds > 8

    assert mb.wait_for_changes(3600.0, stop_after_some_renewals) is False
    uid = imap_account.append(mail(1))
    assert mb.wait_for_changes(60.0, lambda: False) is True
    assert mb.search_new(0) == [uid]
