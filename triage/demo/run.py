"""`triage demo`: the real daemon over real IMAP (pymap) and SMTP (aiosmtpd) on loopback.

Delivers the sample requests, runs the daemon until they are handled, answers one
clarification as the sender would, and prints the assignment log and the mails sent.
"""

from __future__ import annotations

import email
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from triage.config import ClarificationConfig, Config, OwnerConfig
from triage.daemon.build import build_services, open_store
from triage.daemon.runner import Runner
from triage.demo.samples import DOMAIN, REPLY_TO_CLARIFICATION, SAMPLES, build
from triage.logview import render_log
from triage.store import queries

SHARED = f"backoffice@{DOMAIN}"


def demo_config(workdir: Path, models_dir: str, imap: Any, smtp: Any) -> Config:
    def team(*people: tuple[str, str, str]) -> tuple[OwnerConfig, ...]:
        return tuple(OwnerConfig(name=n, email=e, lang=lang) for n, e, lang in people)

    return Config(
        instance_id="triage-demo", shared_address=SHARED, domain=DOMAIN,
        allowed_domains=(DOMAIN,), secret="demo-secret-not-for-production",
        database_url=f"sqlite:///{workdir / 'triage.db'}", imap=imap, smtp=smtp,
        models_dir=str(Path(models_dir).resolve()),
        teams={
            "hr": team(("中村 恵", f"megumi.nakamura@{DOMAIN}", "ja")),
            "accounting": team(("高橋 誠", f"makoto.takahashi@{DOMAIN}", "ja"),
                               ("Grace Lee", f"grace.lee@{DOMAIN}", "en")),
            "procurement": team(("渡辺 大輔", f"daisuke.watanabe@{DOMAIN}", "ja")),
            "it": team(("Ken Ogawa", f"ken.ogawa@{DOMAIN}", "en"),
                       ("松本 彩", f"aya.matsumoto@{DOMAIN}", "ja")),
            "legal": team(("井上 直樹", f"naoki.inoue@{DOMAIN}", "ja")),
            "general_affairs": team(("木村 陽子", f"yoko.kimura@{DOMAIN}", "ja")),
            "sales_support": team(("林 真由美", f"mayumi.hayashi@{DOMAIN}", "ja"),
                                  ("Chris Evans", f"chris.evans@{DOMAIN}", "en")),
        },
        triage_owner=OwnerConfig("清水 裕子 (triage desk)", f"triage-desk@{DOMAIN}", "ja"),
        clarification=ClarificationConfig(),
        base_dir=str(workdir),
    )


def _run_until_idle(runner: Runner, *, expect: int, timeout: float = 60.0) -> None:
    """Cycle the daemon until `expect` messages were handled and the outbox is empty."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runner.cycle()
        if len(runner.stats.outcomes) >= expect:
            runner.drain_outbox()
            return
        time.sleep(0.2)
    raise RuntimeError(f"the daemon handled {len(runner.stats.outcomes)} of {expect} messages "
                       f"in {timeout:.0f} s")


def _summary(raw: bytes) -> tuple[str, str, str, str]:
    msg = email.message_from_bytes(raw, policy=default_policy)
    body = msg.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    return str(msg["To"]), str(msg["Subject"]), str(msg.get("Auto-Submitted", "")), text


def _answer(clarify_raw: bytes, sample_key: str, now: datetime) -> bytes:
    """The sender's plain reply to a clarification, threaded by headers."""
    sample = next(s for s in SAMPLES if s.key == sample_key)
    q = email.message_from_bytes(clarify_raw, policy=default_policy)
    reply = EmailMessage()
    reply["From"] = f"{sample.name} <{sample.sender}>"
    reply["To"] = SHARED
    reply["Subject"] = str(q["Subject"])
    reply["Date"] = email.utils.format_datetime(now)
    reply["Message-ID"] = make_msgid(domain=DOMAIN)
    reply["In-Reply-To"] = str(q["Message-ID"])
    reply["References"] = f"{q.get('References', '')} {q['Message-ID']}".strip()
    body = q.get_body(("plain",))
    quoted = "\n".join("> " + line for line in (body.get_content() if body else "").splitlines())
    reply.set_content(REPLY_TO_CLARIFICATION[sample_key] + "\n\n" + quoted)
    return reply.as_bytes()


def run_demo(*, workdir: str | None, models_dir: str, echo: Callable[[str], None]) -> int:
    from triage.demo.servers import start_demo_servers
    from triage.imap import ImapMailbox
    from triage.smtp import SmtpSender

    tmp = tempfile.TemporaryDirectory(prefix="triage-demo-") if workdir is None else None
    wd = Path(workdir or tmp.name)  # type: ignore[union-attr]
    wd.mkdir(parents=True, exist_ok=True)
    db = wd / "triage.db"
    if db.exists():
        db.unlink()
    servers = start_demo_servers(wd)
    try:
        cfg = demo_config(wd, models_dir, servers.imap_config(), servers.smtp_config())
        services = build_services(cfg)
        store = open_store(cfg)
        echo(f"triage demo: IMAP (pymap) on {cfg.imap.host}:{cfg.imap.port}, SMTP (aiosmtpd) on "
             f"{cfg.smtp.host}:{cfg.smtp.port}, model {services.classifier.version}")
        now = datetime.now(UTC)
        keys: dict[str, str] = {}
        for sample in SAMPLES:
            raw, mid = build(sample, to=SHARED, now=now)
            keys[mid] = sample.key
            servers.deliver(raw)
        echo(f"delivered {len(SAMPLES)} sample mails to {SHARED}")
        runner = Runner(services, store, ImapMailbox(cfg.imap), SmtpSender(cfg.smtp),
                        worker_id="demo")
        _run_until_idle(runner, expect=len(SAMPLES))

        answered = 0
        for key in REPLY_TO_CLARIFICATION:
            clar = [raw for raw in (m.raw for m in servers.sent())
                    if b"Auto-Submitted: auto-replied" in raw and _is_clarification_for(raw, key)]
            if not clar:
                echo(f"\n(no clarification was asked for '{key}'; nothing to answer)")
                continue
            echo(f"\nthe sender of '{key}' answers the clarification ...")
            servers.deliver(_answer(clar[0], key, datetime.now(UTC)))
            answered += 1
        if answered:
            _run_until_idle(runner, expect=len(SAMPLES) + answered)

        with store.transaction() as s:
            rows = queries.log_rows(s)
        echo("\n=== assignment log (triage log) ===")
        echo(render_log(rows, "table"))
        echo("=== mails sent (captured by the SMTP server) ===")
        for raw in (m.raw for m in servers.sent()):
            to, subject, auto, text = _summary(raw)
            echo(f"--- To: {to} | {auto}\n    Subject: {subject}")
            for line in text.strip().splitlines()[:14]:
                echo(f"    {line}")
        outcomes = runner.stats.outcomes
        echo("\n=== outcomes ===")
        for o in outcomes:
            echo(f"  {o.status:<11} {o.request_ref or '-':<11} {o.action:<13} {o.detail}")
        return 0
    finally:
        servers.stop()
        if tmp is not None:
            tmp.cleanup()


def _is_clarification_for(raw: bytes, key: str) -> bool:
    sample = next(s for s in SAMPLES if s.key == key)
    msg = email.message_from_bytes(raw, policy=default_policy)
    return str(msg["To"]).lower() == sample.sender and "[REQ-" in str(msg["Subject"]) \
        and _first_question(msg)


def _first_question(msg: Any) -> bool:
    body = msg.get_body(("plain",))
    return body is not None and "1. " in body.get_content()
