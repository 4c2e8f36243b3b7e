"""The daemon end to end over real IMAP (Dovecot and pymap) and SMTP (aiosmtpd).

The model and the context check are fakes at their seams (they are tested on their own);
what is real here is everything with a wire or a disk: IMAP fetch/flag, the SQLite store,
the outbox, SMTP delivery.
"""

from __future__ import annotations

import email
from email.policy import default as default_policy
from pathlib import Path

import pytest
from handler_support import SHARED, Clock, mail, make_config, services

from triage.daemon.build import open_store
from triage.daemon.runner import Runner
from triage.imap import ImapMailbox
from triage.smtp import SmtpSender
from triage.store.schema import Message, Request

pytestmark = pytest.mark.integration


def make_runner(tmp_path: Path, imap_account, smtp_capture, **cfg_over):
    cfg = make_config(tmp_path, imap=imap_account.config(), smtp=smtp_capture.smtp_config(),
                      **cfg_over)
    store = open_store(cfg)
    sv = services(cfg, Clock())
    return Runner(sv, store, ImapMailbox(cfg.imap), SmtpSender(cfg.smtp), worker_id="test"), store


def sent(smtp_capture) -> list:
    return [email.message_from_bytes(m.raw, policy=default_policy) for m in smtp_capture.messages]


def test_requests_assigned_clarified_and_automated_mail_ignored(tmp_path, imap_account,
                                                                smtp_capture) -> None:
    runner, store = make_runner(tmp_path, imap_account, smtp_capture)
    imap_account.append(mail("VPN down", "system=VPN symptom=error 809", mid="<a1@example.co.jp>"))
    imap_account.append(mail("契約変更", "A社の件 customer=A社", mid="<b1@example.co.jp>"))
    imap_account.append(mail("Out of office", "away", mid="<c1@example.co.jp>",
                             headers={"Auto-Submitted": "auto-replied"}))
    imap_account.append(mail("Delivery Status Notification", "failed", mid="<d1@example.co.jp>",
                             sender="mailer-daemon@example.co.jp"))
    assert runner.run(once=True) == 0
    statuses = sorted(o.status for o in runner.stats.outcomes)
    assert statuses == ["ignored", "ignored", "processed", "processed"]
    msgs = sent(smtp_capture)
    kinds = sorted((str(m["To"]), str(m["Auto-Submitted"])) for m in msgs)
    assert kinds == [("it1@example.co.jp", "auto-generated"),
                     ("yui@example.co.jp", "auto-replied"),
                     ("yui@example.co.jp", "auto-replied")]
    question = next(m for m in msgs if "1. " in m.get_body(("plain",)).get_content())
    # processed mail is flagged, never fetched as \Seen before the commit
    for uid in imap_account.uids():
        assert b"\\Seen" in imap_account.flags(uid)

    reply = mail(str(question["Subject"]), "reason=組織変更 deadline=今月末",
                 in_reply_to=str(question["Message-ID"]), mid="<b2@example.co.jp>")
    imap_account.append(reply)
    assert runner.run(once=True) == 0
    assert runner.stats.outcomes[-1].status == "merged", runner.stats.outcomes
    assert runner.stats.outcomes[-1].action == "assign"
    with store.transaction() as s:
        req = s.query(Request).filter(Request.subject == "契約変更").one()
        assert req.status == "assigned"
    assert len(smtp_capture.messages) == 5  # + owner notice + acknowledgement


def test_restart_in_the_middle_processes_nothing_twice(tmp_path, imap_account,
                                                       smtp_capture) -> None:
    for i in range(6):
        imap_account.append(mail(f"VPN {i}", f"system=VPN symptom=e{i}",
                                 mid=f"<r{i}@example.co.jp>", sender=f"u{i}@example.co.jp"))
    runner, store = make_runner(tmp_path, imap_account, smtp_capture)

    class Crash(Exception):
        pass

    handled = []
    real = runner._handle_one

    def crash_after_three(uidvalidity, uid, raw):
        if len(handled) == 3:
            raise Crash("power cut")
        real(uidvalidity, uid, raw)
        handled.append(uid)

    runner._handle_one = crash_after_three  # type: ignore[method-assign]
    with pytest.raises(Crash):
        runner.run(once=True)
    runner.mailbox.close()
    store.dispose()

    # a new process: same database, same mailbox
    runner2, store2 = make_runner(tmp_path, imap_account, smtp_capture)
    assert runner2.run(once=True) == 0
    assert len(runner2.stats.outcomes) == 3
    with store2.transaction() as s:
        assert s.query(Message).count() == 6
        assert s.query(Request).count() == 6
    runner3, store3 = make_runner(tmp_path, imap_account, smtp_capture)
    assert runner3.run(once=True) == 0
    assert runner3.stats.outcomes == []
    # each request: one owner notice and one acknowledgement, never more
    assert len(smtp_capture.messages) == 12


def test_smtp_down_delays_mail_loses_none(tmp_path, imap_account, smtp_capture) -> None:
    runner, store = make_runner(tmp_path, imap_account, smtp_capture)
    imap_account.append(mail("VPN", "system=VPN symptom=x", mid="<s1@example.co.jp>"))
    smtp_capture.reject_next("451 4.3.0 try again later", stage="data")
    assert runner.run(once=True) == 0
    assert runner.stats.send_failures == 1
    from triage.store.schema import Outbox

    with store.transaction() as s:
        s.query(Outbox).update({Outbox.next_attempt_at: Outbox.created_at})
    runner.drain_outbox()
    tos = sorted(str(m["To"]) for m in sent(smtp_capture))
    assert tos == ["it1@example.co.jp", "yui@example.co.jp"]


def test_processed_mail_moved_when_configured(tmp_path, imap_account, smtp_capture) -> None:
    cfg_imap = imap_account.config(processed="move", processed_folder="Triaged")
    runner, _store = make_runner(tmp_path, imap_account, smtp_capture)
    runner.mailbox = ImapMailbox(cfg_imap)
    imap_account.append(mail("VPN", "system=VPN symptom=x", mid="<mv@example.co.jp>"))
    assert runner.run(once=True) == 0
    assert imap_account.uids("INBOX") == []
    assert len(imap_account.uids("Triaged")) == 1
    assert SHARED  # the shared address is never a recipient of our own mail
    assert all(SHARED not in m.rcpt_tos for m in smtp_capture.messages)
