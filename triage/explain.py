"""What triage would decide for one raw message, without storing or sending anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from triage import context, guard, msgid, ratelimit, routing
from triage.config import Config
from triage.daemon.handler import request_text
from triage.errors import MessageError
from triage.parsing import parse
from triage.taxonomy import REQUIRED_SLOTS


def explain_bytes(raw: bytes, classifier: Any, cfg: Config | None, *,
                  name: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"file": name}
    try:
        msg = parse(raw)
    except MessageError as exc:
        out.update(automated=None, type=None, urgency=None, missing=[], decision="quarantine",
                   reason=exc.reason, error=str(exc))
        return out
    own = cfg.own_addresses if cfg else frozenset()
    loop_id = cfg.instance_id if cfg else "triage"
    secret = cfg.secret if cfg else ""
    verdict = guard.check(msg, own_addresses=own, loop_id=loop_id,
                          is_own_message_id=lambda m: bool(secret) and
                          msgid.verify(secret, m) is not None)
    out.update(subject=msg.subject, sender=msg.from_addr, lang=msg.lang,
               automated=verdict.automated,
               guard={"kind": verdict.kind, "rule": verdict.rule, "detail": verdict.detail})
    out["from"] = msg.from_addr
    if verdict.automated:
        out.update(type=None, urgency=None, missing=[], found=[], decision="ignore",
                   reason=f"{verdict.kind}: {verdict.rule}")
        return out
    rt = request_text(msg)
    pred = classifier.predict(rt)
    required = {**REQUIRED_SLOTS, **(cfg.required_slots if cfg else {})}
    ctx = context.check(rt, pred.type, required)
    may_ask = guard.may_auto_reply(msg, verdict)
    if cfg is not None:
        may_ask = may_ask and ratelimit.domain_allowed(msg.from_addr, cfg.allowed_domains)
    owners = cfg.owners_for(pred.type) if cfg else ()
    decision = routing.decide(pred, ctx, owners=owners, open_counts={}, may_ask_sender=may_ask,
                              threshold=cfg.confidence_threshold if cfg else None)
    if cfg is None and decision.action == "triage_queue" and decision.reason.startswith("no owner"):
        decision = routing.Decision("assign",
                                    f"to the {pred.type} team (no config: owners unknown)",
                                    team=pred.type)
    out.update(
        type=pred.type, type_confidence=pred.type_confidence, urgency=pred.urgency,
        urgency_confidence=pred.urgency_confidence, confident=pred.confident,
        model_version=pred.model_version,
        found=[{"slot": f.slot, "evidence": f.evidence, "source": f.source}
               for f in ctx.findings if f.found],
        missing=list(ctx.missing),
        deadline=({"text": ctx.deadline.text, "due": ctx.deadline.due.isoformat(),
                   "business_days": ctx.deadline.business_days} if ctx.deadline else None),
        attachments=[a.filename for a in msg.attachments],
        decision=decision.action, reason=decision.reason, owner=decision.owner)
    return out


def explain_file(path: Path, classifier: Any, cfg: Config | None) -> dict[str, Any]:
    return explain_bytes(path.read_bytes(), classifier, cfg, name=str(path))
