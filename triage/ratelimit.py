"""Rate limits on automatic mail (MAIL_CONVENTIONS.md section 4), as pure decisions.

The caller counts recent mails from the outbox and passes the numbers in, so the rule can
be tested without a database and a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from triage.config import ClarificationConfig, RateLimitConfig


@dataclass(frozen=True)
class Allowance:
    allowed: bool
    reason: str = ""


def recipient_allowance(sent_last_hour: int, sent_last_day: int,
                        limits: RateLimitConfig) -> Allowance:
    """Whether one more automatic mail may go to this recipient now."""
    if sent_last_hour >= limits.per_recipient_per_hour:
        return Allowance(False, f"{sent_last_hour} automatic mails in the last hour")
    if sent_last_day >= limits.per_recipient_per_day:
        return Allowance(False, f"{sent_last_day} automatic mails in the last day")
    return Allowance(True)


def clarification_allowance(rounds: int, last_at: datetime | None, now: datetime,
                            cfg: ClarificationConfig) -> Allowance:
    """At most one question per request per interval and max_rounds in all."""
    if rounds >= cfg.max_rounds:
        return Allowance(False, f"{rounds} clarification rounds already")
    if last_at is not None and now - last_at < timedelta(hours=cfg.min_interval_hours):
        return Allowance(False, "a question was asked less than "
                                f"{cfg.min_interval_hours:g} h ago")
    return Allowance(True)


def domain_allowed(address: str, allowed_domains: tuple[str, ...]) -> bool:
    """Only configured domains ever receive automatic mail."""
    domain = address.rpartition("@")[2].lower()
    return any(domain == d or domain.endswith("." + d) for d in allowed_domains)
