"""Wiring: build the runner and its services from one validated Config."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from typing import Any

from triage.config import Config
from triage.daemon.handler import Services
from triage.daemon.runner import Runner
from triage.store import repo
from triage.store.engine import Store


def _now() -> datetime:
    return datetime.now(UTC)


def owner_rows(cfg: Config) -> list[tuple[str, str, str, str]]:
    rows = [(o.name, o.email, team, o.lang) for team, owners in cfg.teams.items() for o in owners]
    t = cfg.triage_owner
    if t.email not in {r[1] for r in rows}:
        rows.append((t.name, t.email, "triage", t.lang))
    return rows


def open_store(cfg: Config) -> Store:
    """The store, migrated to the newest schema and with owners synced from the config."""
    store = Store(cfg.database_url)
    store.upgrade()
    with store.transaction() as s:
        repo.sync_owners(s, owner_rows(cfg))
    return store


def build_services(cfg: Config, *, now: Any = _now) -> Services:
    from triage import context
    from triage.model.classifier import Classifier

    clf = Classifier.load(cfg.models_dir)
    return Services(config=cfg, classifier=clf, check_context=context.check, now=now)


def build_runner(cfg: Config, *, config_path: str | None = None) -> Runner:
    from triage import config as config_mod
    from triage.imap import ImapMailbox
    from triage.smtp import SmtpSender

    services = build_services(cfg)
    store = open_store(cfg)

    def reload() -> Services:
        fresh = config_mod.load(config_path) if config_path else cfg
        with store.transaction() as s:
            repo.sync_owners(s, owner_rows(fresh))
        return build_services(fresh)

    return Runner(services, store, ImapMailbox(cfg.imap), SmtpSender(cfg.smtp),
                  worker_id=f"{cfg.instance_id}@{socket.gethostname()}", reload=reload)
