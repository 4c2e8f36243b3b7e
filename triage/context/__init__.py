"""The context check: which details that a request type needs the message does not give.

``check`` runs one small detector per required slot (TAXONOMY) over the request's
subject, new body, quoted thread and attachment names, and keeps the text that showed
each detail, so that an owner (or a supervisor) can see why nothing was asked. It is
pure and cheap: regular patterns over normalised text, plus Sudachi's name tags for the
`person` slot in Japanese mail.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from triage.context import docs, goods, it, money, parties, people, reason, timing
from triage.context import learned as learned_models
from triage.context.view import View, build_view
from triage.deadlines import find_deadline
from triage.records import ContextResult, RequestText, SlotFinding
from triage.taxonomy import REQUIRED_SLOTS

Detector = Callable[[View, str], SlotFinding]

DETECTORS: dict[str, Detector] = {
    "reason": lambda v, t: reason.detect_reason(v),
    "customer": lambda v, t: parties.detect_customer(v),
    "counterparty": lambda v, t: parties.detect_counterparty(v),
    "deadline": lambda v, t: timing.detect_deadline(v),
    "amount": lambda v, t: money.detect(v),
    "item": lambda v, t: goods.detect_item(v),
    "quantity": lambda v, t: goods.detect_quantity(v),
    "date": lambda v, t: timing.detect_date(v),
    "person": lambda v, t: people.detect_person(v),
    "system": lambda v, t: it.detect_system(v),
    "symptom": lambda v, t: it.detect_symptom(v),
    "attachment": lambda v, t: docs.detect_attachment(v, t),
}


def detect(slot: str, rt: RequestText, type: str = "", lang: str | None = None) -> SlotFinding:
    """One slot's finding for a request (the detectors are also usable one by one)."""
    return DETECTORS[slot](build_view(rt, lang), type)


def check(
    rt: RequestText,
    type: str,
    required: Mapping[str, tuple[str, ...]] | None = None,
    *,
    learned: bool = True,
) -> ContextResult:
    """Findings for every slot ``type`` requires, and the stated deadline if any.

    ``required`` maps types to slots (an organisation's config); it defaults to
    taxonomy.REQUIRED_SLOTS. A slot without a detector is reported found with no
    evidence: asking about a detail nobody can check would only cost trust. Where a
    learned model ships for a slot (triage/context/models/context_<slot>.json), it has the last word
    over the rule (``learned=False`` gives the rules alone, as training needs).
    """
    table = REQUIRED_SLOTS if required is None else required
    slots = table.get(type, ())
    view = build_view(rt)
    findings = []
    for slot in slots:
        detector = DETECTORS.get(slot)
        if detector is None:
            findings.append(SlotFinding(slot, True, "", ""))
            continue
        finding = detector(view, type)
        if learned:
            finding = _second_opinion(finding, view)
        findings.append(finding)
    deadline = None
    if rt.sent_at is not None and rt.sent_at.tzinfo is not None:
        deadline = find_deadline(f"{rt.subject}\n{view.body}", rt.sent_at)
        if deadline is None and view.thread:
            # a clarification answer ("今月25日までに") or a forwarded customer mail
            deadline = find_deadline(view.thread, rt.sent_at)
    return ContextResult(type=type, findings=tuple(findings), deadline=deadline)


def _second_opinion(finding: SlotFinding, view: View) -> SlotFinding:
    model = learned_models.load(finding.slot)
    if model is None:
        return finding
    p = model.p_missing(view.text, not finding.found)
    if p >= model.threshold:
        if finding.found:
            return SlotFinding(finding.slot, False, f"(learned p={p:.2f}) {finding.evidence}", "")
        return finding
    if finding.found:
        return finding
    return SlotFinding(
        finding.slot, True, model.evidence(view.text) or f"(learned p={p:.2f})", "body"
    )


__all__ = ["DETECTORS", "check", "detect", "build_view", "View"]
