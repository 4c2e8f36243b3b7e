"""Routing decisions: who gets a request, or whether a human or the sender must act first.

Pure: the caller passes the prediction, the context check and the current workload.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from triage.config import OwnerConfig
from triage.records import ContextResult, Decision, Prediction


def pick_owner(owners: Sequence[OwnerConfig], open_counts: Mapping[str, int]) -> OwnerConfig:
    """Fewest open requests first; ties go to the owner listed first in the config."""
    if not owners:
        raise ValueError("no owners to pick from")
    return min(owners, key=lambda o: (open_counts.get(o.email, 0), owners.index(o)))


def decide(prediction: Prediction, context: ContextResult, *,
           owners: Sequence[OwnerConfig], open_counts: Mapping[str, int],
           may_ask_sender: bool, threshold: float | None = None,
           why_not_ask: str = "") -> Decision:
    """The next step for a new or re-checked request.

    Order matters: an uncertain or `other` request goes to a human before anyone asks the
    sender questions that might be for the wrong desk. ``why_not_ask`` (domain not
    allowed, address suppressed, rounds used up) goes into the reason, so the log tells
    a supervisor why nobody asked.
    """
    if prediction.type == "other":
        return Decision("triage_queue", "type other: not an actionable back-office request")
    confident = prediction.confident
    if threshold is not None:
        confident = prediction.type_confidence >= threshold
    if not confident:
        return Decision("triage_queue",
                        f"low confidence {prediction.type_confidence:.2f} for {prediction.type}")
    if context.missing:
        if may_ask_sender:
            return Decision("clarify", "missing: " + ", ".join(context.missing),
                            team=prediction.type, missing=context.missing)
        because = f" ({why_not_ask})" if why_not_ask else ""
        return Decision("triage_queue", "missing " + ", ".join(context.missing)
                        + " and the sender cannot be asked automatically" + because,
                        team=prediction.type, missing=context.missing)
    if not owners:
        return Decision("triage_queue", f"no owner configured for {prediction.type}")
    owner = pick_owner(owners, open_counts)
    return Decision("assign", f"{prediction.type}: fewest open requests",
                    owner=owner.email, team=prediction.type)
