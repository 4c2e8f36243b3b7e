"""Pure decisions: routing, rate limits, signed Message-IDs, thread matching, composition."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy

from triage import compose, msgid, ratelimit, routing, threads
from triage.config import ClarificationConfig, OwnerConfig, RateLimitConfig
from triage.records import ContextResult, ParsedMessage, Prediction, SlotFinding

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
A = OwnerConfig("A", "a@x.jp")
B = OwnerConfig("B", "b@x.jp")


def pred(type_: str = "it", conf: float = 0.9, confident: bool = True) -> Prediction:
    return Prediction(type_, conf, "normal", 0.8, "v1", confident=confident)


def ctx(*missing: str) -> ContextResult:
    found = [SlotFinding("system", True, "VPN", "body")]
    return ContextResult("it", tuple(found + [SlotFinding(m, False) for m in missing]))


def test_owner_with_fewest_open_requests_first_ties_by_config_order() -> None:
    assert routing.pick_owner([A, B], {"a@x.jp": 3, "b@x.jp": 1}) is B
    assert routing.pick_owner([A, B], {}) is A


def test_decide_paths() -> None:
    kw = dict(owners=[A, B], open_counts={"a@x.jp": 2}, may_ask_sender=True)
    d = routing.decide(pred(), ctx(), **kw)
    assert (d.action, d.owner) == ("assign", "b@x.jp")
    d = routing.decide(pred(), ctx("symptom"), **kw)
    assert (d.action, d.missing) == ("clarify", ("symptom",))
    assert routing.decide(pred("other"), ctx(), **kw).action == "triage_queue"
    assert routing.decide(pred(confident=False), ctx(), **kw).action == "triage_queue"
    assert routing.decide(pred(conf=0.5), ctx(), **kw, threshold=0.6).action == "triage_queue"
    no_ask = dict(kw, may_ask_sender=False)
    assert routing.decide(pred(), ctx("symptom"), **no_ask).action == "triage_queue"
    d = routing.decide(pred(), ctx("symptom"), **no_ask, why_not_ask="1 clarification rounds")
    assert d.action == "triage_queue" and d.reason.endswith("(1 clarification rounds)")
    # the why is about asking: a low-confidence request does not carry it
    d = routing.decide(pred(confident=False), ctx("symptom"), **no_ask, why_not_ask="domain")
    assert "domain" not in d.reason


def test_rate_limits() -> None:
    lim = RateLimitConfig(per_recipient_per_hour=2, per_recipient_per_day=3)
    assert ratelimit.recipient_allowance(1, 1, lim).allowed
    assert not ratelimit.recipient_allowance(2, 2, lim).allowed
    assert not ratelimit.recipient_allowance(0, 3, lim).allowed
    cfg = ClarificationConfig(max_rounds=2, min_interval_hours=24)
    assert ratelimit.clarification_allowance(0, None, NOW, cfg).allowed
    assert not ratelimit.clarification_allowance(1, NOW - timedelta(hours=2), NOW, cfg).allowed
    assert ratelimit.clarification_allowance(1, NOW - timedelta(hours=25), NOW, cfg).allowed
    assert not ratelimit.clarification_allowance(2, None, NOW, cfg).allowed
    assert ratelimit.domain_allowed("a@sub.example.co.jp", ("example.co.jp",))
    assert not ratelimit.domain_allowed("a@evil-example.co.jp", ("example.co.jp",))


def test_signed_message_ids_verify_and_resist_forgery() -> None:
    mid = msgid.make("k", 42, "x.jp")
    assert msgid.verify("k", mid) == 42
    assert msgid.verify("other-key", mid) is None
    assert msgid.verify("k", mid.replace("triage.42", "triage.43")) is None
    assert msgid.find_signed("k", ["<a@b>", mid, "<c@d>"]) == 42


def msg(**kw: object) -> ParsedMessage:
    base: dict[str, object] = dict(message_id="<m@x>", subject="s", from_addr="u@x.jp",
                                   from_name="U")
    base.update(kw)
    return ParsedMessage(**base)  # type: ignore[arg-type]


def test_thread_matching_order_and_subject_tag_needs_a_party() -> None:
    ids = {"<ours@x>": 7, "<theirs@x>": 9}
    parties = {7: threads.RequestParties("u@x.jp"),
               12: threads.RequestParties("u@x.jp", ("c@x.jp",))}
    kw = dict(secret="k", request_for_message_id=ids.get, parties=parties.get)
    assert threads.match(msg(in_reply_to="<ours@x>"), **kw) == threads.ThreadMatch(7, "in-reply-to")
    assert threads.match(msg(references=("<theirs@x>", "<ours@x>")), **kw).request_id == 7
    assert threads.match(msg(text="see REQ-000012 and REQ-000007"), **kw).request_id == 7
    assert threads.match(msg(subject="Re: [REQ-000012] x"), **kw).via == "subject-ref"
    assert threads.match(msg(subject="Re: [REQ-000012] x", from_addr="c@x.jp"), **kw) is not None
    assert threads.match(msg(subject="Re: [REQ-000012] x", from_addr="evil@y.com"), **kw) is None
    signed = msgid.make("k", 12, "x.jp")
    assert threads.match(msg(references=(signed,)), **kw).via == "signed-id"


def test_clarification_mail_lists_every_missing_detail_once_threaded() -> None:
    view = compose.RequestView(ref="REQ-000005", subject="契約変更の件",
                               body="A社の契約を変更したいです。",
                               requester="u@x.jp", requester_name="佐藤", lang="ja",
                               type="sales_support", missing=("reason", "deadline"),
                               sender_message_id="<orig@x>", sender_references=("<root@x>",))
    mail = compose.clarification(view, msgid.make("k", 5, "x.jp"))
    raw = mail.render(from_addr="bo@x.jp", from_name="BO", loop_id="t1", now=NOW)
    parsed = email.message_from_bytes(raw, policy=default_policy)
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed["X-Triage-Loop"] == "t1"
    assert parsed["Precedence"] == "bulk"
    assert parsed["In-Reply-To"] == "<orig@x>"
    assert parsed["References"] == "<root@x> <orig@x>"
    assert parsed["Subject"] == "Re: [REQ-000005] 契約変更の件"
    body = parsed.get_body(("plain",)).get_content()
    assert "1. この依頼の理由" in body and "2. いつまでに" in body and "3." not in body
    assert "> A社の契約を変更したいです。" in body and "REQ-000005" in body


def test_english_ack_names_owner_and_reference() -> None:
    view = compose.RequestView(ref="REQ-000009", subject="VPN", body="b", requester="u@x.jp",
                               requester_name="Dan", lang="en", type="it", owner_name="Ken")
    mail = compose.acknowledgement(view, "<m@x>")
    assert "Reference: REQ-000009" in mail.body and "Owner: Ken" in mail.body
    assert mail.auto_submitted == "auto-replied"
    notice = compose.owner_notice(view, "<n@x>", owner_lang="en", to="ken@x.jp")
    assert notice.auto_submitted == "auto-generated" and notice.to == "ken@x.jp"
