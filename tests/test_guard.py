"""The loop guard (MAIL_CONVENTIONS §1): every rule, positive and negative.

Mails are written inline as raw bytes and go through parse(), so the guard is tested on
what the parser really produces.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.guard import check, may_auto_reply
from triage.parsing import parse
from triage.records import GuardVerdict, ParsedMessage

FIXTURES = Path(__file__).parent / "fixtures" / "mail"
OWN = frozenset({"support@example.com", "triage@example.com"})
LOOP_ID = "triage-prod-1"


def own_id(message_id: str) -> bool:
    return message_id.endswith("@triage.example.com>")


def make(
    extra: str = "",
    *,
    sender: str = "Taro <taro@example.jp>",
    subject: str = "Printer broken",
    body: str = "The printer on 3F is broken.",
    content_type: str = "text/plain; charset=utf-8",
    message_id: str = "<m1@example.jp>",
) -> ParsedMessage:
    head = (
        f"From: {sender}\nTo: support@example.com\nSubject: {subject}\n"
        f"Date: Mon, 02 Mar 2026 10:15:00 +0900\nMessage-ID: {message_id}\n"
        f"MIME-Version: 1.0\nContent-Type: {content_type}\n"
    )
    if extra:
        head += extra.strip("\n") + "\n"
    return parse((head + "\n" + body + "\n").encode())


def verdict(msg: ParsedMessage) -> GuardVerdict:
    return check(msg, own_addresses=OWN, loop_id=LOOP_ID, is_own_message_id=own_id)


def test_plain_human_mail() -> None:
    msg = make()
    assert verdict(msg) == GuardVerdict(automated=False, rule="", detail="", kind="human")
    assert may_auto_reply(msg, verdict(msg))


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("Auto-Submitted: auto-replied", "auto_reply"),
        ("Auto-Submitted: auto-generated", "auto_reply"),
        ("Auto-Submitted: Auto-Notified; owner-email=x@example.com", "auto_reply"),
        ("Auto-Submitted: auto-replied (vacation)", "out_of_office"),
    ],
)
def test_rule1_auto_submitted(header: str, kind: str) -> None:
    result = verdict(make(header))
    assert (result.automated, result.rule, result.kind) == (True, "auto-submitted", kind)


@pytest.mark.parametrize(
    "header", ["Auto-Submitted: no", "Auto-Submitted: No", "Auto-Submitted: no (a person)"]
)
def test_rule1_auto_submitted_no_is_human(header: str) -> None:
    assert verdict(make(header)).automated is False


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("Precedence: bulk", "list"),
        ("Precedence: junk", "list"),
        ("Precedence: list", "list"),
        ("Precedence: auto_reply", "auto_reply"),
        ("X-Precedence: bulk", "list"),
    ],
)
def test_rule2_precedence(header: str, kind: str) -> None:
    result = verdict(make(header))
    assert (result.automated, result.rule, result.kind) == (True, "precedence", kind)


def test_rule2_other_precedence_is_human() -> None:
    assert verdict(make("Precedence: first-class")).automated is False


@pytest.mark.parametrize(
    "header",
    [
        "List-Id: Sales <sales.lists.example.com>",
        "List-Unsubscribe: <mailto:leave@lists.example.com>",
        "List-Post: <mailto:sales@lists.example.com>",
        "Mailing-List: contact sales-help@lists.example.com; run by ezmlm",
    ],
)
def test_rule3_lists(header: str) -> None:
    result = verdict(make(header))
    assert (result.automated, result.rule, result.kind) == (True, "list", "list")


@pytest.mark.parametrize(
    ("extra", "sender", "content_type"),
    [
        ("Return-Path: <>", "Taro <taro@example.jp>", "text/plain"),
        ("", "Mail Delivery System <MAILER-DAEMON@mx.example.com>", "text/plain"),
        ("", "postmaster@example.jp", "text/plain"),
        ("", "MAILER-DAEMON <>", "text/plain"),
        (
            "",
            "Mailer <mail@example.jp>",
            'multipart/report; report-type=delivery-status; boundary="b"',
        ),
        ("X-Failed-Recipients: gone@example.org", "Mailer <mail@example.jp>", "text/plain"),
    ],
)
def test_rule4_bounces(extra: str, sender: str, content_type: str) -> None:
    result = verdict(make(extra, sender=sender, content_type=content_type))
    assert (result.automated, result.rule, result.kind) == (True, "bounce", "bounce")


def test_rule4_dsn_fixture_is_a_bounce_even_with_auto_submitted() -> None:
    msg = parse((FIXTURES / "bounce_dsn.eml").read_bytes())
    result = verdict(msg)
    assert result.rule == "auto-submitted"  # first rule in order
    assert result.kind == "bounce"  # but the daemon must handle it as a bounce
    assert "bounce:" in result.detail
    assert msg.failed_recipients == ("gone@example.org",)
    assert msg.embedded_message_ids == ("<req-42.abc@triage.example.com>",)


def test_rule4_return_path_of_a_person_is_human() -> None:
    assert verdict(make("Return-Path: <taro@example.jp>")).automated is False


def test_rule4_read_receipt_report_is_automated_not_bounce() -> None:
    ctype = 'multipart/report; report-type=disposition-notification; boundary="b"'
    result = verdict(make(content_type=ctype))
    assert (result.automated, result.kind) == (True, "auto_reply")


@pytest.mark.parametrize(
    "header",
    [
        "X-Autoreply: yes",
        "X-Autorespond: Out of office",
        "X-AutoReply-From: taro@example.jp",
        "X-Mail-Autoreply: true",
        "X-Autogenerated: Reply",
        "X-FC-MachineGenerated: true",
    ],
)
def test_rule5_vendor_headers(header: str) -> None:
    result = verdict(make(header))
    assert (result.automated, result.rule, result.kind) == (True, "vendor-auto-reply", "auto_reply")


@pytest.mark.parametrize("header", ["X-Autogenerated: Forward", "X-Autoreply: no"])
def test_rule5_negative(header: str) -> None:
    assert verdict(make(header)).automated is False


def test_rule6_exchange_out_of_office() -> None:
    extra = "X-Auto-Response-Suppress: All\nX-MS-Exchange-Inbox-Rules-Loop: taro@example.jp"
    result = verdict(make(extra, subject="Automatic reply: Printer broken"))
    assert (result.automated, result.rule, result.kind) == (True, "out-of-office", "out_of_office")
    assert not may_auto_reply(make(extra), result)


def test_rule6_vacation_is_out_of_office() -> None:
    result = verdict(make("Auto-Submitted: auto-replied; vacation"))
    assert result.kind == "out_of_office"
    assert "out-of-office:auto-submitted-vacation" in result.detail


def test_auto_reply_with_ooo_subject_is_out_of_office() -> None:
    result = verdict(make("Auto-Submitted: auto-replied", subject="自動応答: 請求書の件"))
    assert result.kind == "out_of_office"


def test_suppress_alone_is_human_but_gets_nothing_automatic() -> None:
    msg = make("X-Auto-Response-Suppress: All")
    result = verdict(msg)
    assert (result.automated, result.kind, result.detail) == (
        False,
        "human",
        "suppress-auto-response",
    )
    assert may_auto_reply(msg, result) is False
    assert may_auto_reply(msg) is False


@pytest.mark.parametrize("subject", ["Out of Office: printer", "自動応答: 請求書", "不在：3/2まで"])
def test_ooo_subject_alone_is_human_without_auto_reply(subject: str) -> None:
    msg = make(subject=subject)
    result = verdict(msg)
    assert (result.automated, result.detail) == (False, "ooo-subject")
    assert may_auto_reply(msg, result) is False


@pytest.mark.parametrize(
    "subject", ["Vacation request for April", "明日は不在です", "不在時の対応について"]
)
def test_ordinary_subjects_about_absence_are_answered(subject: str) -> None:
    msg = make(subject=subject)
    assert may_auto_reply(msg, verdict(msg)) is True


def test_rule7_loop_header() -> None:
    result = verdict(make(f"X-Triage-Loop: {LOOP_ID}"))
    assert (result.automated, result.rule, result.kind) == (True, "own", "own")


def test_rule7_loop_header_of_another_instance_is_not_ours() -> None:
    assert verdict(make("X-Triage-Loop: other-instance")).automated is False


def test_rule7_own_address() -> None:
    result = verdict(make(sender="Support <Support@Example.com>"))
    assert (result.rule, result.kind) == ("own", "own")


def test_rule7_own_message_id_alone_is_not_enough() -> None:
    msg = make(message_id="<req-42.abc@triage.example.com>")
    assert verdict(msg).automated is False


def test_rule7_own_in_reply_to_is_a_normal_reply() -> None:
    msg = make("In-Reply-To: <req-42.abc@triage.example.com>")
    assert verdict(msg).automated is False


def test_rule7_own_message_id_with_a_loop_header() -> None:
    msg = make("X-Triage-Loop: renamed-instance", message_id="<req-42.abc@triage.example.com>")
    result = verdict(msg)
    assert (result.kind, result.detail) == ("own", "own:own-message-id")


def test_own_mail_with_our_headers_reports_own() -> None:
    extra = f"Auto-Submitted: auto-replied\nPrecedence: bulk\nX-Triage-Loop: {LOOP_ID}"
    result = verdict(make(extra, sender="triage@example.com"))
    assert (result.rule, result.kind) == ("auto-submitted", "own")


def test_predicate_that_raises_does_not_break_the_guard() -> None:
    def broken(_mid: str) -> bool:
        raise RuntimeError("db down")

    msg = make("X-Triage-Loop: x")
    assert (
        check(msg, own_addresses=OWN, loop_id=LOOP_ID, is_own_message_id=broken).automated is False
    )


@pytest.mark.parametrize(
    "sender",
    [
        "noreply@example.com",
        "no-reply@example.com",
        "no-reply-billing@example.com",
        "donotreply@example.com",
        "do-not-reply@example.com",
        "abuse@example.com",
        "root@example.com",
    ],
)
def test_rule8_no_reply(sender: str) -> None:
    result = verdict(make(sender=sender))
    assert (result.automated, result.rule, result.kind) == (True, "no-reply", "no_reply")


@pytest.mark.parametrize(
    "sender", ["noreen@example.com", "rooted@example.com", "reply@example.com"]
)
def test_rule8_negative(sender: str) -> None:
    assert verdict(make(sender=sender)).automated is False


def test_order_first_rule_wins() -> None:
    result = verdict(
        make("Precedence: bulk\nList-Id: <x.example.com>", sender="noreply@example.com")
    )
    assert result.rule == "precedence"
    assert result.detail == "precedence:precedence=bulk; list:list-id; no-reply:from-noreply"
