"""Supervisors' and operators' actions on stored requests: relabel, reassign, replay.

Each action is one transaction that records an event with the operator's name, so the
assignment log shows who changed what and why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from triage.config import Config
from triage.errors import TriageError
from triage.taxonomy import TYPES, URGENCIES


class NotFound(TriageError):
    """No such request, owner or message."""


def _store(cfg: Config) -> Any:
    from triage.daemon.build import open_store

    return open_store(cfg)


def _request(s: Any, ref: str) -> Any:
    from triage.store import repo

    req = repo.get_request_by_ref(s, ref)
    if req is None:
        raise NotFound(f"no request {ref}")
    return req


def relabel(cfg: Config, ref: str, type_: str, urgency: str, *, actor: str, now: datetime) -> str:
    """Correct type and urgency; the correction becomes a training example."""
    from triage.store import repo

    if type_ not in TYPES:
        raise TriageError(f"unknown type {type_!r}; one of {', '.join(TYPES)}")
    if urgency not in URGENCIES:
        raise TriageError(f"unknown urgency {urgency!r}; one of {', '.join(URGENCIES)}")
    store = _store(cfg)
    with store.transaction() as s:
        req = _request(s, ref)
        before = f"{req.type}/{req.urgency}"
        req.type, req.urgency = type_, urgency
        repo.add_event(s, req, "relabelled", now=now, actor=actor,
                       reason=f"{before} -> {type_}/{urgency}",
                       data={"type": type_, "urgency": urgency})
        repo.add_correction(s, req, actor=actor, now=now, type_=type_, urgency=urgency)
        return f"{req.ref}: {before} -> {type_}/{urgency} (recorded as a training correction)"


def reassign(cfg: Config, ref: str, to: str, reason: str, *, actor: str, now: datetime) -> str:
    """Give a request to another configured owner and notify them."""
    from triage import compose, msgid
    from triage.daemon.handler import _view
    from triage.store import repo

    owner = next((o for team in cfg.teams.values() for o in team if o.email == to.lower()), None)
    if owner is None and cfg.triage_owner.email == to.lower():
        owner = cfg.triage_owner
    if owner is None:
        raise NotFound(f"{to} is not a configured owner")
    store = _store(cfg)
    with store.transaction() as s:
        req = _request(s, ref)
        previous = repo.get_owner(s, req.owner_id) if req.owner_id else None
        row = repo.owner_by_email(s, owner.email)
        req.owner_id = row.id if row else None
        mail = compose.owner_notice(_view(req, owner=owner, reason=f"reassigned: {reason}"),
                                    msgid.make(cfg.secret, req.id, cfg.domain or "triage.invalid"),
                                    owner_lang=owner.lang)
        raw = mail.render(from_addr=cfg.shared_address, from_name="Back office (triage)",
                          loop_id=cfg.instance_id, now=now)
        repo.enqueue(s, kind=mail.kind, to_addr=mail.to, subject=mail.subject,
                     message_id=mail.message_id, raw=raw, request_id=req.id, now=now)
        repo.add_ref(s, mail.message_id, req.id, "out")
        repo.add_event(s, req, "reassigned", now=now, actor=actor, to_status="assigned",
                       reason=f"{previous.email if previous else '-'} -> {owner.email}: {reason}",
                       data={"from": previous.email if previous else None, "to": owner.email},
                       owner_id=req.owner_id)
        return f"{req.ref} reassigned to {owner.name} <{owner.email}>"


def quarantine_lines(cfg: Config) -> list[str]:
    from triage.store import repo

    store = _store(cfg)
    with store.transaction() as s:
        rows = repo.quarantined(s)
        return [f"{m.id}\t{m.received_at:%Y-%m-%d %H:%M}\t{m.reason}\t{m.from_addr}\t"
                f"{(m.subject or '')[:60]}\t{(m.error or '')[:80]}" for m in rows] or \
            ["(quarantine is empty)"]


def replay(cfg: Config, message_row_id: int, *, now: datetime) -> str:
    """Run a stored message through the pipeline again as a new request."""
    from triage.daemon.build import build_services
    from triage.daemon.handler import handle
    from triage.store import repo
    from triage.store.schema import Message

    services = build_services(cfg)
    store = _store(cfg)
    with store.transaction() as s:
        row = s.get(Message, message_row_id)
        if row is None:
            raise NotFound(f"no stored message {message_row_id}")
        raw = bytes(row.raw)
        old = repo.get_request(s, row.request_id) if row.request_id else None
        outcome = handle(s, services, mailbox=f"replay:{row.mailbox}", uidvalidity=0,
                         uid=row.id, raw=raw)
        if old is not None and old.status == "quarantined":
            repo.add_event(s, old, "replayed", now=now, to_status="done",
                           reason=f"replayed as {outcome.request_ref or outcome.status}")
        return f"message {message_row_id}: {outcome.status} {outcome.request_ref or ''} " \
               f"{outcome.action} {outcome.detail}".strip()


def owner_lines(cfg: Config) -> list[str]:
    from triage.store import repo

    store = _store(cfg)
    with store.transaction() as s:
        counts = repo.open_counts(s)
    lines = []
    for team, owners in cfg.teams.items():
        for o in owners:
            lines.append(f"{team:<16} {o.name:<20} {o.email:<32} open: {counts.get(o.email, 0)}")
    t = cfg.triage_owner
    lines.append(f"{'triage queue':<16} {t.name:<20} {t.email:<32}")
    return lines
