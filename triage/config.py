"""One typed configuration object, loaded from TOML and validated once.

All problems are collected and reported together (ConfigError), so an operator fixes a
file in one pass. Secrets never live in the TOML: passwords come from environment
variables or files named in it (``password_env`` / ``password_file``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triage.errors import ConfigError


@dataclass(frozen=True)
class ImapConfig:
    host: str = "127.0.0.1"
    port: int = 993
    tls: str = "ssl"  # ssl | starttls | none
    user: str = ""
    password: str = field(default="", repr=False)
    folder: str = "INBOX"
    processed: str = "flag"  # flag | move
    processed_folder: str = "Triaged"
    idle: bool = True
    poll_interval: float = 30.0
    idle_renew: float = 25 * 60.0
    batch_size: int = 100
    timeout: float = 30.0


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "127.0.0.1"
    port: int = 25
    tls: str = "none"  # ssl | starttls | none
    user: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0


@dataclass(frozen=True)
class OwnerConfig:
    name: str
    email: str
    lang: str = "ja"


@dataclass(frozen=True)
class ClarificationConfig:
    max_rounds: int = 2
    min_interval_hours: float = 24.0
    reminder_after_hours: float = 48.0


@dataclass(frozen=True)
class RateLimitConfig:
    per_recipient_per_hour: int = 5
    per_recipient_per_day: int = 30
    bounce_suppress_days: int = 21


@dataclass(frozen=True)
class Config:
    """Everything the daemon needs, validated; built by load() or in tests directly."""

    instance_id: str
    shared_address: str
    domain: str
    allowed_domains: tuple[str, ...]
    secret: str = field(repr=False)
    database_url: str
    imap: ImapConfig
    smtp: SmtpConfig
    models_dir: str
    teams: dict[str, tuple[OwnerConfig, ...]]
    triage_owner: OwnerConfig
    confidence_threshold: float | None = None
    clarification: ClarificationConfig = ClarificationConfig()
    rate_limit: RateLimitConfig = RateLimitConfig()
    required_slots: dict[str, tuple[str, ...]] = field(default_factory=dict)
    outbox_max_attempts: int = 12
    base_dir: str = "."

    @property
    def own_addresses(self) -> frozenset[str]:
        addrs = {self.shared_address.lower(), self.triage_owner.email.lower()}
        return frozenset(addrs)

    def owners_for(self, type_: str) -> tuple[OwnerConfig, ...]:
        return self.teams.get(type_, ())


def _resolve_secret(section: dict[str, Any], key: str, where: str, problems: list[str],
                    base: Path, env: Mapping[str, str]) -> str:
    """Read a secret from `<key>_env` or `<key>_file`; a plain `<key>` in TOML is refused."""
    if key in section:
        problems.append(f"{where}.{key}: secrets may not be written in the TOML; "
                        f"use {key}_env or {key}_file")
        return ""
    env_name = section.get(f"{key}_env")
    file_name = section.get(f"{key}_file")
    if env_name:
        value = env.get(str(env_name))
        if value is None:
            problems.append(f"{where}.{key}_env: environment variable {env_name} is not set")
            return ""
        return value
    if file_name:
        path = Path(str(file_name))
        if not path.is_absolute():
            path = base / path
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            problems.append(f"{where}.{key}_file: cannot read {path}: {exc.strerror}")
    return ""


_TLS = ("ssl", "starttls", "none")


class _Reader:
    """Typed access to one TOML table that records every problem instead of raising."""

    def __init__(self, data: dict[str, Any], where: str, problems: list[str]) -> None:
        self.data = data
        self.where = where
        self.problems = problems
        self.known: set[str] = set()

    def get(self, key: str, kind: type, default: Any = None, *, required: bool = False,
            choices: tuple[Any, ...] | None = None) -> Any:
        self.known.add(key)
        if key not in self.data:
            if required:
                self.problems.append(f"{self.where}.{key}: required")
            return default
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.problems.append(f"{self.where}.{key}: expected {kind.__name__}, "
                                 f"got {type(value).__name__}")
            return default
        if choices is not None and value not in choices:
            self.problems.append(f"{self.where}.{key}: {value!r} is not one of {list(choices)}")
            return default
        return value

    def unknown(self, also: tuple[str, ...] = ()) -> None:
        for key in self.data:
            if key not in self.known and key not in also:
                self.problems.append(f"{self.where}.{key}: unknown key")


def _table(data: dict[str, Any], key: str, problems: list[str]) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        problems.append(f"{key}: expected a table")
        return {}
    return value


def _owner(raw: Any, where: str, problems: list[str]) -> OwnerConfig | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a table with name and email")
        return None
    r = _Reader(raw, where, problems)
    name = r.get("name", str, required=True)
    email = r.get("email", str, required=True)
    lang = r.get("lang", str, "ja", choices=("ja", "en"))
    r.unknown()
    if email and "@" not in email:
        problems.append(f"{where}.email: {email!r} is not an e-mail address")
    if not name or not email:
        return None
    return OwnerConfig(name=name, email=email.lower(), lang=lang)


def parse_config(data: dict[str, Any], *, base_dir: str = ".",
                 env: Mapping[str, str] | None = None) -> Config:
    """Validate a TOML document already read into a dict; raise ConfigError with all problems."""
    from triage.taxonomy import SLOTS, TYPES

    env = os.environ if env is None else env
    base = Path(base_dir)
    problems: list[str] = []
    known_tables = {"instance", "database", "imap", "smtp", "model", "teams", "triage_queue",
                    "clarification", "rate_limit", "slots", "outbox"}
    for key in data:
        if key not in known_tables:
            problems.append(f"{key}: unknown section")

    inst = _Reader(_table(data, "instance", problems), "instance", problems)
    instance_id = inst.get("id", str, "triage")
    shared = inst.get("shared_address", str, "", required=True)
    domain = inst.get("domain", str, "")
    allowed = inst.get("allowed_domains", list, [])
    if shared and "@" not in shared:
        problems.append(f"instance.shared_address: {shared!r} is not an e-mail address")
    if not domain and "@" in shared:
        domain = shared.split("@", 1)[1]
    if not all(isinstance(d, str) for d in allowed):
        problems.append("instance.allowed_domains: expected a list of strings")
        allowed = []
    if not allowed and domain:
        allowed = [domain]
    secret = _resolve_secret(inst.data, "secret", "instance", problems, base, env)
    inst.known.update({"secret", "secret_env", "secret_file"})
    inst.unknown()
    if not secret:
        secret = f"{instance_id}:{shared}"  # signing still works; operators should set one

    db = _Reader(_table(data, "database", problems), "database", problems)
    db_url = db.get("url", str, "sqlite:///var/triage.db")
    db.unknown()
    if db_url.startswith("sqlite:///") and not db_url.startswith("sqlite:////"):
        rel = db_url[len("sqlite:///"):]
        if rel and rel != ":memory:":
            db_url = "sqlite:///" + str((base / rel).resolve())

    im = _Reader(_table(data, "imap", problems), "imap", problems)
    imap = ImapConfig(
        host=im.get("host", str, "127.0.0.1"),
        port=im.get("port", int, 993),
        tls=im.get("tls", str, "ssl", choices=_TLS),
        user=im.get("user", str, "", required=True),
        password=_resolve_secret(im.data, "password", "imap", problems, base, env),
        folder=im.get("folder", str, "INBOX"),
        processed=im.get("processed", str, "flag", choices=("flag", "move")),
        processed_folder=im.get("processed_folder", str, "Triaged"),
        idle=im.get("idle", bool, True),
        poll_interval=im.get("poll_interval", float, 30.0),
        idle_renew=im.get("idle_renew", float, 25 * 60.0),
        batch_size=im.get("batch_size", int, 100),
        timeout=im.get("timeout", float, 30.0),
    )
    im.known.update({"password", "password_env", "password_file"})
    im.unknown()
    if imap.idle_renew >= 29 * 60:
        problems.append("imap.idle_renew: must be below 29 minutes (RFC 2177)")

    sm = _Reader(_table(data, "smtp", problems), "smtp", problems)
    smtp = SmtpConfig(
        host=sm.get("host", str, "127.0.0.1"),
        port=sm.get("port", int, 25),
        tls=sm.get("tls", str, "none", choices=_TLS),
        user=sm.get("user", str, ""),
        password=_resolve_secret(sm.data, "password", "smtp", problems, base, env),
        timeout=sm.get("timeout", float, 30.0),
    )
    sm.known.update({"password", "password_env", "password_file"})
    sm.unknown()

    mo = _Reader(_table(data, "model", problems), "model", problems)
    models_dir = mo.get("dir", str, "models")
    threshold = mo.get("confidence_threshold", float, None)
    mo.unknown()
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        problems.append("model.confidence_threshold: must be between 0 and 1")
    if not Path(models_dir).is_absolute():
        models_dir = str((base / models_dir).resolve())

    teams: dict[str, tuple[OwnerConfig, ...]] = {}
    raw_teams = _table(data, "teams", problems)
    for type_, raw in raw_teams.items():
        if type_ not in TYPES or type_ == "other":
            problems.append(f"teams.{type_}: not a routable request type "
                            f"(one of {[t for t in TYPES if t != 'other']})")
            continue
        raw_owners = raw.get("owners", []) if isinstance(raw, dict) else None
        if not isinstance(raw_owners, list) or not raw_owners:
            problems.append(f"teams.{type_}.owners: expected a non-empty list of owners")
            continue
        owners = [_owner(o, f"teams.{type_}.owners[{i}]", problems)
                  for i, o in enumerate(raw_owners)]
        teams[type_] = tuple(o for o in owners if o is not None)
    for type_ in TYPES:
        if type_ != "other" and type_ not in raw_teams:
            problems.append(f"teams.{type_}: no owners configured for this type")

    tq = _table(data, "triage_queue", problems)
    triage_owner = _owner(tq.get("owner"), "triage_queue.owner", problems) if tq else None
    if not tq:
        problems.append("triage_queue.owner: required (who decides what the model could not)")

    cl = _Reader(_table(data, "clarification", problems), "clarification", problems)
    clar = ClarificationConfig(
        max_rounds=cl.get("max_rounds", int, 2),
        min_interval_hours=cl.get("min_interval_hours", float, 24.0),
        reminder_after_hours=cl.get("reminder_after_hours", float, 48.0),
    )
    cl.unknown()

    rl = _Reader(_table(data, "rate_limit", problems), "rate_limit", problems)
    rate = RateLimitConfig(
        per_recipient_per_hour=rl.get("per_recipient_per_hour", int, 5),
        per_recipient_per_day=rl.get("per_recipient_per_day", int, 30),
        bounce_suppress_days=rl.get("bounce_suppress_days", int, 21),
    )
    rl.unknown()

    ob = _Reader(_table(data, "outbox", problems), "outbox", problems)
    max_attempts = ob.get("max_attempts", int, 12)
    ob.unknown()

    required: dict[str, tuple[str, ...]] = {}
    for type_, slots in _table(data, "slots", problems).items():
        if type_ not in TYPES:
            problems.append(f"slots.{type_}: unknown request type")
        elif not isinstance(slots, list) or any(s not in SLOTS for s in slots):
            problems.append(f"slots.{type_}: expected a list of slots from {list(SLOTS)}")
        else:
            required[type_] = tuple(slots)

    if problems:
        raise ConfigError(problems)
    assert triage_owner is not None
    return Config(
        instance_id=instance_id, shared_address=shared.lower(), domain=domain.lower(),
        allowed_domains=tuple(d.lower() for d in allowed), secret=secret,
        database_url=db_url, imap=imap, smtp=smtp, models_dir=models_dir, teams=teams,
        triage_owner=triage_owner, confidence_threshold=threshold, clarification=clar,
        rate_limit=rate, required_slots=required, outbox_max_attempts=max_attempts,
        base_dir=str(base.resolve()),
    )


def load(path: str | Path, *, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate a TOML config file; relative paths in it are relative to the file."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{p}: no such config file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from exc
    return parse_config(data, base_dir=str(p.parent), env=env)
