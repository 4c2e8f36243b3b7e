"""Process one inbound message: parse, guard, thread, classify, check, route, record.

Everything one message causes (message row, request, events, outbox rows, cursor) is
written in one transaction by the caller's session; the IMAP flag comes after the commit.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from triage import compose, guard, msgid, ratelimit, routing, threads
from triage.config import Config, OwnerConfig
from triage.errors import MessageError
from triage.parsing import parse
from triage.records import ContextResult, ParsedMessage, Prediction, RequestText
from triage.store import repo
from triage.taxonomy import REQUIRED_SLOTS

log = logging.getLogger(__name__)


class Classifier(Protocol):
    version: str

    def predict(self, rt: RequestText) -> Prediction: ...


ContextCheck = Callable[..., ContextResult]


@dataclass(frozen=True)
class Outcome:
    """What happened to one message, for logs, tests and the demo."""

    status: str  # processed | ignored | quarantined | duplicate | merged | skipped
    request_ref: str | None = None
    action: str = ""
    detail: str = ""


@dataclass
class Services:
    """The pure stages and settings the handler needs, injectable for tests."""

    config: Config
    classifier: Classifier
    check_context: ContextCheck
    now: Callable[[], datetime]

    @property
    def required(self) -> dict[str, tuple[str, ...]]:
        return {**REQUIRED_SLOTS, **self.config.required_slots}


def header_hash(raw: bytes) -> str:
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    return hashlib.sha256(head).hexdigest()


def request_text(msg: ParsedMessage) -> RequestText:
    return RequestText(subject=msg.subject, body=msg.new_text or msg.text,
                       attachments=tuple(a.filename for a in msg.attachments),
                       sent_at=msg.date, lang=msg.lang, thread=msg.quoted_text)


def quarantine(s: Any, sv: Services, *, mailbox: str, uidvalidity: int, uid: int, raw: bytes,
               reason: str, error: str, msg: ParsedMessage | None = None) -> Outcome:
    """Keep the raw bytes and the reason; never drop a message."""
    now = sv.now()
    req = repo.create_request(
        s, status="received", requester=(msg.from_addr if msg else ""),
        requester_name=(msg.from_name if msg else ""), lang=(msg.lang if msg else "en"),
        subject=(msg.subject if msg else ""), body="", thread="", attachments=[], cc=[],
        missing=[], evidence={}, mailbox=mailbox, created_at=now, updated_at=now,
        clarification_rounds=0)
    row = repo.add_message(
        s, mailbox=mailbox, uidvalidity=uidvalidity, uid=uid,
        message_id=msg.message_id if msg else None, header_hash=header_hash(raw),
        received_at=now, status="quarantined", kind="unknown", reason=reason,
        error=error[:4000], raw=raw, from_addr=(msg.from_addr if msg else ""),
        subject=(msg.subject if msg else "")[:500], request_id=req.id)
    repo.add_event(s, req, "quarantined", now=now, to_status="quarantined",
                   reason=f"{reason}: {error}"[:2000], message_row=row)
    return Outcome("quarantined", req.ref, "quarantine", reason)


def handle(s: Any, sv: Services, *, mailbox: str, uidvalidity: int, uid: int,
           raw: bytes) -> Outcome:
    """Process one fetched message inside the caller's transaction."""
    if repo.message_seen(s, mailbox, uidvalidity, uid):
        return Outcome("skipped", detail="already processed")
    try:
        msg = parse(raw)
    except MessageError as exc:
        return quarantine(s, sv, mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, raw=raw,
                          reason=exc.reason, error=exc.detail)
    now = sv.now()
    mid = msg.message_id or f"<hash-{header_hash(raw)[:32]}@triage.invalid>"
    earlier = repo.message_id_seen(s, mailbox, mid)
    base = dict(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, message_id=mid,
                header_hash=header_hash(raw), received_at=now, raw=raw,
                from_addr=msg.from_addr, subject=msg.subject[:500], error=None)
    if earlier is not None:
        repo.add_message(s, status="duplicate", kind="human", reason="same Message-ID",
                         request_id=earlier.request_id, **base)
        return Outcome("duplicate", detail=f"same Message-ID as message {earlier.id}")

    cfg = sv.config
    verdict = guard.check(msg, own_addresses=cfg.own_addresses, loop_id=cfg.instance_id,
                          is_own_message_id=lambda m: msgid.verify(cfg.secret, m) is not None)
    match = threads.match(
        msg, secret=cfg.secret,
        request_for_message_id=lambda m: repo.request_for_message_id(s, m),
        parties=lambda rid: _parties(s, rid))

    if verdict.automated:
        return _record_automated(s, sv, msg, verdict, match, base, now)
    if match is not None:
        req = repo.get_request(s, match.request_id)
        if req is not None and req.status not in ("quarantined", "ignored"):
            return _continue_request(s, sv, msg, req, match.via, base, now)
    return _new_request(s, sv, msg, base, now, may_reply=guard.may_auto_reply(msg, verdict))


def _parties(s: Any, rid: int) -> threads.RequestParties | None:
    req = repo.get_request(s, rid)
    if req is None:
        return None
    return threads.RequestParties(req.requester or "", tuple(req.cc or ()))


def _record_automated(s: Any, sv: Services, msg: ParsedMessage, verdict: Any,
                      match: threads.ThreadMatch | None, base: dict[str, Any],
                      now: datetime) -> Outcome:
    """Recorded, attached to its request when it belongs to one, never answered."""
    request_id = match.request_id if match else None
    if verdict.kind == "bounce":
        for out in repo.outbox_recipients_for(s, msg.embedded_message_ids):
            request_id = request_id or out.request_id
            until = now + timedelta(days=sv.config.rate_limit.bounce_suppress_days)
            repo.suppress(s, out.to_addr, "bounced", until, now)
        for addr in msg.failed_recipients:
            until = now + timedelta(days=sv.config.rate_limit.bounce_suppress_days)
            repo.suppress(s, addr, "bounced", until, now)
    row = repo.add_message(s, status="ignored", kind=verdict.kind, reason=verdict.rule,
                           request_id=request_id, **base)
    req = repo.get_request(s, request_id) if request_id else None
    repo.add_event(s, req, "bounce" if verdict.kind == "bounce" else "ignored", now=now,
                   reason=f"{verdict.kind} ({verdict.rule}) from {msg.from_addr}",
                   message_row=row, data={"rule": verdict.rule, "detail": verdict.detail})
    return Outcome("ignored", req.ref if req else None, "ignore", f"{verdict.kind}: {verdict.rule}")


def _may_mail(s: Any, sv: Services, address: str, now: datetime) -> tuple[bool, str]:
    if not address or not ratelimit.domain_allowed(address, sv.config.allowed_domains):
        return False, "sender domain not in allowed_domains"
    if repo.is_suppressed(s, address, now):
        return False, "address suppressed after a bounce"
    return True, ""


def _view(req: Any, *, owner: OwnerConfig | None = None, sender: ParsedMessage | None = None,
          reason: str = "") -> compose.RequestView:
    return compose.RequestView(
        ref=req.ref, subject=req.subject or "", body=req.body or "", requester=req.requester,
        requester_name=req.requester_name or "", lang=req.lang or "en", type=req.type,
        urgency=req.urgency, due=req.due_at.strftime("%Y-%m-%d %H:%M") if req.due_at else None,
        owner_name=owner.name if owner else None, owner_email=owner.email if owner else None,
        missing=tuple(req.missing or ()), attachments=tuple(req.attachments or ()),
        thread=req.thread or "", reason=reason,
        sender_message_id=sender.message_id if sender else None,
        sender_references=sender.references if sender else ())


def _send(s: Any, sv: Services, mail: compose.OutgoingMail, req: Any, now: datetime,
          *, rate_limited: bool) -> str:
    """Render and queue one mail; hold it (and alert) when the recipient is over the limit."""
    status = "pending"
    if rate_limited:
        hour = repo.recent_count(s, mail.to, now - timedelta(hours=1))
        day = repo.recent_count(s, mail.to, now - timedelta(days=1))
        allowance = ratelimit.recipient_allowance(hour, day, sv.config.rate_limit)
        if not allowance.allowed:
            status = "held"
            repo.add_event(s, req, "mail_held", now=now,
                           reason=f"{mail.kind} to {mail.to} held: {allowance.reason}")
    raw = mail.render(from_addr=sv.config.shared_address, from_name="Back office (triage)",
                      loop_id=sv.config.instance_id, now=now)
    repo.enqueue(s, kind=mail.kind, to_addr=mail.to, subject=mail.subject,
                 message_id=mail.message_id, raw=raw, request_id=req.id if req else None,
                 now=now, status=status)
    if req is not None:
        repo.add_ref(s, mail.message_id, req.id, "out")
    return status


def _new_id(sv: Services, req: Any) -> str:
    return msgid.make(sv.config.secret, req.id, sv.config.domain or "triage.invalid")


def _new_request(s: Any, sv: Services, msg: ParsedMessage, base: dict[str, Any], now: datetime,
                 *, may_reply: bool) -> Outcome:
    rt = request_text(msg)
    req = repo.create_request(
        s, status="received", requester=msg.from_addr, requester_name=msg.from_name,
        cc=[a for a in (*msg.to, *msg.cc) if a != sv.config.shared_address],
        lang=msg.lang, subject=msg.subject, body=rt.body, thread=rt.thread,
        attachments=list(rt.attachments), sent_at=msg.date, missing=[], evidence={},
        mailbox=base["mailbox"], created_at=now, updated_at=now, clarification_rounds=0)
    row = repo.add_message(s, status="processed", kind="human", reason="", request_id=req.id,
                           **base)
    repo.add_ref(s, msg.message_id, req.id, "in", base["mailbox"])
    repo.add_event(s, req, "received", now=now, to_status="received", message_row=row,
                   reason=f"from {msg.from_addr}")
    pred = sv.classifier.predict(rt)
    req.type, req.urgency = pred.type, pred.urgency
    req.type_confidence, req.urgency_confidence = pred.type_confidence, pred.urgency_confidence
    req.model_version = pred.model_version
    repo.add_event(s, req, "classified", now=now, to_status="classified",
                   model_version=pred.model_version,
                   confidences={"type": round(pred.type_confidence, 4),
                                "urgency": round(pred.urgency_confidence, 4)},
                   reason=f"{pred.type}/{pred.urgency}"
                          + ("" if pred.confident else " (below threshold)"))
    return _route(s, sv, req, rt, pred, msg, now, may_reply=may_reply)


def _route(s: Any, sv: Services, req: Any, rt: RequestText, pred: Prediction,
           msg: ParsedMessage, now: datetime, *, may_reply: bool) -> Outcome:
    ctx = sv.check_context(rt, pred.type, sv.required)
    req.missing = list(ctx.missing)
    req.evidence = {f.slot: f.evidence for f in ctx.findings if f.found}
    if ctx.deadline is not None:
        req.due_at = ctx.deadline.due
    allowed, why_not = _may_mail(s, sv, req.requester, now)
    if not may_reply:
        allowed, why_not = False, "sender asked for no automatic replies"
    allowance = ratelimit.clarification_allowance(
        req.clarification_rounds or 0, req.last_clarification_at, now, sv.config.clarification)
    ask = allowed and allowance.allowed
    owners = sv.config.owners_for(pred.type)
    decision = routing.decide(pred, ctx, owners=owners, open_counts=repo.open_counts(s),
                              may_ask_sender=ask, threshold=sv.config.confidence_threshold,
                              why_not_ask=why_not or allowance.reason)
    if decision.action == "clarify":
        mail = compose.clarification(_view(req, sender=msg), _new_id(sv, req))
        req.clarification_rounds = (req.clarification_rounds or 0) + 1
        req.last_clarification_at = now
        req.reminder_sent_at = None
        _send(s, sv, mail, req, now, rate_limited=True)
        repo.add_event(s, req, "clarification_requested", now=now,
                       to_status="awaiting_clarification", reason=decision.reason,
                       data={"missing": list(ctx.missing), "round": req.clarification_rounds})
        return Outcome("processed", req.ref, "clarify", ", ".join(ctx.missing))
    if decision.action == "assign":
        owner = next(o for o in owners if o.email == decision.owner)
        return _assign(s, sv, req, owner, decision.reason, msg, now, ack=allowed)
    return _to_triage_queue(s, sv, req, decision.reason, msg, now,
                            ack=allowed and pred.type != "other")


def _assign(s: Any, sv: Services, req: Any, owner: OwnerConfig, reason: str,
            msg: ParsedMessage | None, now: datetime, *, ack: bool, actor: str = "system",
            kind: str = "assigned") -> Outcome:
    row = repo.owner_by_email(s, owner.email)
    req.owner_id = row.id if row is not None else None
    req.team = req.type
    notice = compose.owner_notice(_view(req, owner=owner, reason=reason), _new_id(sv, req),
                                  owner_lang=owner.lang)
    _send(s, sv, notice, req, now, rate_limited=False)
    repo.add_event(s, req, kind, now=now, actor=actor, to_status="assigned",
                   reason=f"{owner.name} <{owner.email}>: {reason}",
                   model_version=req.model_version, data={"owner": owner.email},
                   owner_id=req.owner_id)
    if ack and not _acknowledged(s, req):
        _send(s, sv, compose.acknowledgement(_view(req, owner=owner, sender=msg),
                                             _new_id(sv, req)), req, now, rate_limited=True)
        repo.add_event(s, req, "acknowledged", now=now, reason=f"to {req.requester}")
    return Outcome("processed", req.ref, "assign", owner.email)


def _acknowledged(s: Any, req: Any) -> bool:
    return repo.has_event(s, req.id, "acknowledged")


def _to_triage_queue(s: Any, sv: Services, req: Any, reason: str, msg: ParsedMessage | None,
                     now: datetime, *, ack: bool) -> Outcome:
    tq = sv.config.triage_owner
    row = repo.owner_by_email(s, tq.email)
    req.owner_id = row.id if row is not None else None
    notice = compose.owner_notice(_view(req, owner=tq, reason=reason), _new_id(sv, req),
                                  owner_lang=tq.lang)
    _send(s, sv, notice, req, now, rate_limited=False)
    repo.add_event(s, req, "triage_queue", now=now, to_status="triage_queue", reason=reason,
                   model_version=req.model_version, owner_id=req.owner_id)
    if ack and not _acknowledged(s, req):
        _send(s, sv, compose.acknowledgement(_view(req, owner=tq, sender=msg), _new_id(sv, req)),
              req, now, rate_limited=True)
        repo.add_event(s, req, "acknowledged", now=now, reason=f"to {req.requester}")
    return Outcome("processed", req.ref, "triage_queue", reason)


def _continue_request(s: Any, sv: Services, msg: ParsedMessage, req: Any, via: str,
                      base: dict[str, Any], now: datetime) -> Outcome:
    """A reply in a known thread: merge it; a clarification answer re-runs the check."""
    row = repo.add_message(s, status="merged", kind="human", reason=via, request_id=req.id,
                           **base)
    repo.add_ref(s, msg.message_id, req.id, "in", base["mailbox"])
    reply = (msg.new_text or msg.text).strip()
    sender = msg.from_addr.lower()
    party = sender == (req.requester or "").lower() or sender in {c.lower() for c in req.cc or ()}
    if req.status != "awaiting_clarification" or not party:
        repo.add_event(s, req, "follow_up", now=now, reason=f"from {msg.from_addr} via {via}",
                       message_row=row)
        if req.status == "assigned" and req.owner_id is not None:
            owner = _owner_config(s, sv, req)
            if owner is not None:
                view = _view(req, owner=owner, reason=f"follow-up from {msg.from_addr}")
                view = compose.RequestView(**{**view.__dict__, "body": reply,
                                              "thread": req.body or ""})
                _send(s, sv, compose.owner_notice(view, _new_id(sv, req), owner_lang=owner.lang),
                      req, now, rate_limited=False)
        return Outcome("merged", req.ref, "follow_up", via)
    added = "\n".join(a.filename for a in msg.attachments)
    req.thread = "\n\n".join(x for x in (req.thread or "", reply) if x)
    req.attachments = list(req.attachments or []) + [a.filename for a in msg.attachments]
    repo.add_event(s, req, "clarification_received", now=now, to_status="classified",
                   reason=f"reply via {via}", message_row=row,
                   data={"attachments": added.split("\n") if added else []})
    rt = RequestText(subject=req.subject or "", body=req.body or "",
                     attachments=tuple(req.attachments), sent_at=req.sent_at or msg.date,
                     lang=req.lang or msg.lang, thread=req.thread)
    pred = Prediction(type=req.type, type_confidence=req.type_confidence or 0.0,
                      urgency=req.urgency, urgency_confidence=req.urgency_confidence or 0.0,
                      model_version=req.model_version or "", confident=True)
    outcome = _route(s, sv, req, rt, pred, msg, now, may_reply=guard.may_auto_reply(msg))
    return replace(outcome, status="merged")


def _owner_config(s: Any, sv: Services, req: Any) -> OwnerConfig | None:
    row = repo.get_owner(s, req.owner_id) if req.owner_id is not None else None
    if row is None:
        return None
    for owners in (*sv.config.teams.values(), (sv.config.triage_owner,)):
        for o in owners:
            if o.email == row.email:
                return o
    return None


def send_reminders(s: Any, sv: Services) -> list[Outcome]:
    """At most one reminder per unanswered clarification, then a human takes over."""
    now = sv.now()
    after = timedelta(hours=sv.config.clarification.reminder_after_hours)
    out: list[Outcome] = []
    for req in repo.awaiting_reminder(s, now - after):
        if req.reminder_sent_at is None:
            mail = compose.reminder(_view(req), _new_id(sv, req))
            _send(s, sv, mail, req, now, rate_limited=True)
            req.reminder_sent_at = now
            repo.add_event(s, req, "reminder_sent", now=now,
                           reason=f"no answer for {after.total_seconds() / 3600:g} h")
            out.append(Outcome("processed", req.ref, "reminder"))
        elif _aware(req.reminder_sent_at) <= now - after:
            out.append(_to_triage_queue(s, sv, req, "no answer to the clarification or reminder",
                                        None, now, ack=False))
    return out


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
