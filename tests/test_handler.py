"""The per-message handler on a real SQLite store, with fakes at the model seams."""

from __future__ import annotations

import email
from email.policy import default as default_policy
from pathlib import Path

import pytest
from handler_support import SHARED, Clock, FakeClassifier, mail, make_config, services

from triage.daemon.build import open_store, owner_rows
from triage.daemon.handler import handle, send_reminders
from triage.store import queries, repo
from triage.store.schema import Message, Outbox, Request


@pytest.fixture
def env(tmp_path: Path):
    cfg = make_config(tmp_path)
    store = open_store(cfg)
    clock = Clock()
    sv = services(cfg, clock)
    uid = iter(range(1, 10_000))

    def deliver(raw: bytes, sv_=None):
        with store.transaction() as s:
            return handle(s, sv_ or sv, mailbox="bo@x/INBOX", uidvalidity=1, uid=next(uid), raw=raw)

    yield cfg, store, clock, deliver
    store.dispose()


def outbox(store) -> list[Outbox]:
    with store.transaction() as s:
        rows = list(s.query(Outbox).order_by(Outbox.id))
        s.expunge_all()
        return rows


def test_complete_request_is_assigned_owner_notified_sender_acknowledged(env) -> None:
    cfg, store, _clock, deliver = env
    out = deliver(mail("VPN broken", "system=VPN symptom=error 809"))
    assert (out.status, out.action, out.detail) == ("processed", "assign", "it1@example.co.jp")
    rows = outbox(store)
    assert [(r.kind, r.to_addr) for r in rows] == [("owner_notice", "it1@example.co.jp"),
                                                    ("ack", "yui@example.co.jp")]
    ack = email.message_from_bytes(rows[1].raw, policy=default_policy)
    assert ack["Auto-Submitted"] == "auto-replied" and out.request_ref in ack["Subject"]
    # the second IT request goes to the other owner (fewest open first)
    out2 = deliver(mail("VPN again", "system=VPN symptom=timeout", sender=f"ken@{cfg.domain}"))
    assert out2.detail == "it2@example.co.jp"
    with store.transaction() as s:
        kinds = [r["kind"] for r in queries.log_rows(s, ref=out.request_ref)]
    assert kinds[:3] == ["received", "classified", "assigned"] and "acknowledged" in kinds


def test_missing_context_asks_once_then_reply_merges_and_assigns(env) -> None:
    _cfg, store, clock, deliver = env
    out = deliver(mail("契約変更", "A社の契約を変更したいです。customer=A社",
                       mid="<orig@example.co.jp>"))
    assert out.action == "clarify" and out.detail == "reason, deadline"
    question = outbox(store)[-1]
    assert question.kind == "clarify"
    q = email.message_from_bytes(question.raw, policy=default_policy)
    assert q["In-Reply-To"] == "<orig@example.co.jp>"
    body = q.get_body(("plain",)).get_content()
    assert "1. " in body and "2. " in body
    clock.t = clock.t.replace(hour=11)
    reply = mail(str(q["Subject"]), "reason=先方の組織変更 deadline=今月末",
                 in_reply_to=q["Message-ID"])
    out2 = deliver(reply)
    assert (out2.status, out2.request_ref, out2.action) == ("merged", out.request_ref, "assign")
    with store.transaction() as s:
        req = repo.get_request_by_ref(s, out.request_ref)
        assert req.status == "assigned" and req.missing == []
        assert "reason=" in req.thread
    assert [r.kind for r in outbox(store)] == ["clarify", "owner_notice", "ack"]


def test_auto_reply_and_bounce_are_recorded_never_answered(env) -> None:
    _cfg, store, _clock, deliver = env
    first = deliver(mail("VPN", "system=VPN symptom=x", mid="<m1@example.co.jp>"))
    sent_before = len(outbox(store))
    ooo = deliver(mail("Out of office", "I am away", headers={"Auto-Submitted": "auto-replied"},
                       in_reply_to=outbox(store)[-1].message_id))
    assert ooo.status == "ignored" and ooo.request_ref == first.request_ref
    bounce = deliver(mail("Undelivered", "bounce", sender="MAILER-DAEMON@example.co.jp",
                          headers={"X-Failed-Recipients": "gone@example.co.jp"}))
    assert bounce.status == "ignored"
    assert len(outbox(store)) == sent_before
    with store.transaction() as s:
        req = repo.get_request_by_ref(s, first.request_ref)
        assert req.status == "assigned"  # an auto-reply never changes state (Zammad #5113)
        assert repo.is_suppressed(s, "gone@example.co.jp", _clock())


def test_other_goes_to_triage_queue_without_ack(env) -> None:
    _cfg, store, _clock, deliver = env
    out = deliver(mail("Thanks!", "thanks for yesterday"))
    assert out.action == "triage_queue"
    assert [(r.kind, r.to_addr) for r in outbox(store)] == [("owner_notice", "desk@example.co.jp")]


def test_outside_domain_is_never_mailed(env) -> None:
    _cfg, store, _clock, deliver = env
    out = deliver(mail("VPN", "system=VPN", sender="someone@gmail.com"))
    assert out.action == "triage_queue"
    assert all(r.to_addr.endswith("@example.co.jp") and r.kind == "owner_notice"
               for r in outbox(store))


def test_same_uid_and_same_message_id_are_processed_once(env) -> None:
    _cfg, store, _clock, deliver = env
    raw = mail("VPN", "system=VPN symptom=x", mid="<dup@example.co.jp>")
    assert deliver(raw).status == "processed"
    assert deliver(raw).status == "duplicate"
    with store.transaction() as s:
        assert s.query(Request).count() == 1
        assert s.query(Message).count() == 2


def test_unparseable_mail_is_quarantined_with_raw_bytes(env) -> None:
    _cfg, store, _clock, deliver = env
    out = deliver(b"")
    assert out.status == "quarantined"
    with store.transaction() as s:
        row = s.query(Message).one()
        assert row.status == "quarantined" and row.raw == b"" and row.reason


def test_unanswered_clarification_gets_one_reminder_then_triage_queue(env) -> None:
    cfg, store, clock, deliver = env
    sv = services(cfg, clock)
    out = deliver(mail("契約変更", "customer=A社"))
    assert out.action == "clarify"
    clock.t = clock.t.replace(day=5)
    with store.transaction() as s:
        assert [o.action for o in send_reminders(s, sv)] == ["reminder"]
    with store.transaction() as s:
        assert send_reminders(s, sv) == []
    clock.t = clock.t.replace(day=9)
    with store.transaction() as s:
        assert [o.action for o in send_reminders(s, sv)] == ["triage_queue"]
        assert repo.get_request_by_ref(s, out.request_ref).status == "triage_queue"


def test_rate_limit_holds_mail_to_a_flooding_sender(env) -> None:
    cfg, store, _clock, deliver = env
    for i in range(cfg.rate_limit.per_recipient_per_hour + 2):
        deliver(mail(f"VPN {i}", f"system=VPN symptom={i}", mid=f"<f{i}@example.co.jp>"))
    acks = [r for r in outbox(store) if r.kind == "ack"]
    assert [r.status for r in acks].count("held") == 2


def test_low_confidence_goes_to_a_human(env) -> None:
    cfg, _store, clock, _deliver = env
    sv = services(cfg, clock, classifier=FakeClassifier(confident=False))
    store = open_store(cfg)
    with store.transaction() as s:
        out = handle(s, sv, mailbox="m", uidvalidity=1, uid=1,
                     raw=mail("VPN", "system=VPN symptom=x"))
    assert out.action == "triage_queue"


def test_owner_rows_include_triage_desk(tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    assert ("Desk", "desk@example.co.jp", "triage", "ja") in owner_rows(cfg)
    assert SHARED not in {r[1] for r in owner_rows(cfg)}


def test_missing_context_from_outside_domain_goes_to_queue_saying_why(env) -> None:
    _cfg, store, _clock, deliver = env
    out = deliver(mail("契約変更", "A社の契約を変更したいです。customer=A社",
                       sender="partner@outside.example"))
    assert out.action == "triage_queue"
    with store.transaction() as s:
        reasons = [r["reason"] for r in queries.log_rows(s, ref=out.request_ref)
                   if r["kind"] == "triage_queue"]
    assert reasons and "sender domain not in allowed_domains" in reasons[0]
    # nothing automatic goes to a domain outside the allowed list
    assert all(r.to_addr != "partner@outside.example" for r in outbox(store))
