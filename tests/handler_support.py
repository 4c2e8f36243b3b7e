"""Fakes and builders for handler tests: the classifier and context check are seams."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from triage.config import Config, ImapConfig, OwnerConfig, SmtpConfig
from triage.daemon.handler import Services
from triage.records import ContextResult, Prediction, RequestText, SlotFinding
from triage.taxonomy import REQUIRED_SLOTS

DOMAIN = "example.co.jp"
SHARED = f"backoffice@{DOMAIN}"


@dataclass
class FakeClassifier:
    """Type by keyword in the subject; everything else 'other'."""

    version: str = "fake-1"
    keywords: dict[str, str] = field(default_factory=lambda: {
        "vpn": "it", "契約": "sales_support", "expense": "accounting", "thanks": "other"})
    confident: bool = True

    def predict(self, rt: RequestText) -> Prediction:
        text = (rt.subject + " " + rt.body).lower()
        type_ = next((t for k, t in self.keywords.items() if k in text), "other")
        return Prediction(type_, 0.95, "normal", 0.9, self.version, confident=self.confident)


def fake_context(rt: RequestText, type_: str, required: dict[str, tuple[str, ...]] | None = None
                 ) -> ContextResult:
    """A slot counts as given when the text says 'slot=...' (so tests state it plainly)."""
    text = rt.subject + "\n" + rt.body + "\n" + rt.thread
    slots = (required or REQUIRED_SLOTS).get(type_, ())
    return ContextResult(type_, tuple(SlotFinding(s, f"{s}=" in text, f"{s}=" if f"{s}=" in text
                                                  else "", "body") for s in slots))


def make_config(tmp: Path, **over: object) -> Config:
    owners = {t: (OwnerConfig(f"{t} owner", f"{t}@{DOMAIN}"),)
              for t in REQUIRED_SLOTS if t != "other"}
    owners["it"] = (OwnerConfig("IT One", f"it1@{DOMAIN}", "en"),
                    OwnerConfig("IT Two", f"it2@{DOMAIN}", "en"))
    base: dict[str, object] = dict(
        instance_id="t-1", shared_address=SHARED, domain=DOMAIN, allowed_domains=(DOMAIN,),
        secret="test-secret", database_url=f"sqlite:///{tmp / 'triage.db'}",
        imap=ImapConfig(user="bo"), smtp=SmtpConfig(), models_dir=str(tmp / "models"),
        teams=owners, triage_owner=OwnerConfig("Desk", f"desk@{DOMAIN}"), base_dir=str(tmp))
    base.update(over)
    return Config(**base)  # type: ignore[arg-type]


class Clock:
    def __init__(self, start: datetime | None = None) -> None:
        self.t = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.t


def services(cfg: Config, clock: Clock | None = None, **kw: object) -> Services:
    from triage.context import check  # noqa: F401  (real one available to tests that want it)

    return Services(config=cfg, classifier=kw.get("classifier", FakeClassifier()),  # type: ignore[arg-type]
                    check_context=kw.get("check_context", fake_context),  # type: ignore[arg-type]
                    now=clock or Clock())


def mail(subject: str, body: str, *, sender: str = f"yui@{DOMAIN}", name: str = "Yui",
         mid: str | None = None, headers: dict[str, str] | None = None,
         in_reply_to: str | None = None, attachments: tuple[str, ...] = ()) -> bytes:
    m = EmailMessage()
    m["From"] = f"{name} <{sender}>"
    m["To"] = SHARED
    m["Subject"] = subject
    m["Date"] = format_datetime(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    m["Message-ID"] = mid or f"<{abs(hash((subject, body, sender)))}@{DOMAIN}>"
    if in_reply_to:
        m["In-Reply-To"] = in_reply_to
        m["References"] = in_reply_to
    for k, v in (headers or {}).items():
        m[k] = v
    m.set_content(body)
    for a in attachments:
        m.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename=a)
    return m.as_bytes()


def write_config(tmp: Path) -> Path:
    """A triage.toml equal to handler_support.make_config(tmp), for the CLI to load."""
    base = make_config(tmp)
    lines = ["[instance]", f'id = "{base.instance_id}"',
             f'shared_address = "{base.shared_address}"', f'domain = "{base.domain}"',
             "[database]", f'url = "{base.database_url}"',
             "[imap]", 'user = "bo"', "[model]", f'dir = "{base.models_dir}"',
             "[triage_queue]", f'owner = {{ name = "{base.triage_owner.name}", '
             f'email = "{base.triage_owner.email}" }}']
    for team, owners in base.teams.items():
        people = ", ".join(f'{{ name = "{o.name}", email = "{o.email}", lang = "{o.lang}" }}'
                           for o in owners)
        lines += [f"[teams.{team}]", f"owners = [{people}]"]
    path = tmp / "triage.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def store_with_requests(tmp: Path, mails: list[tuple[datetime | None, str, str]]
                        ) -> tuple[Path, Config, list]:
    """A config file for the CLI and its SQLite store, with each (time, subject, body)
    handled by the real handler and the fake model; returns the handler's outcomes."""
    from triage import config as config_mod
    from triage.daemon.build import open_store
    from triage.daemon.handler import handle

    path = write_config(tmp)
    cfg = config_mod.load(path)
    store = open_store(cfg)
    clock = Clock()
    sv = services(cfg, clock)
    outcomes = []
    for uid, (when, subject, body) in enumerate(mails, 1):
        if when is not None:
            clock.t = when
        with store.transaction() as s:
            outcomes.append(handle(s, sv, mailbox="bo/INBOX", uidvalidity=1, uid=uid,
                                   raw=mail(subject, body)))
    store.dispose()
    return path, cfg, outcomes
