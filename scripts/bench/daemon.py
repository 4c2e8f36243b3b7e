"""Benchmark the whole daemon path: IMAP fetch, parse, classify, context, store, SMTP.

    .venv/bin/python scripts/bench/daemon.py [--models models] [--n 300]
        [--data training_data]

Starts the demo's loopback servers (pymap, aiosmtpd) and a fresh SQLite store, delivers
N mails built from labelled records (subject, body, sender date), runs the real Runner
until every mail is handled and the outbox is drained, and prints messages per second,
the time per message, the mails sent and the peak resident memory. The last line printed
is one JSON object. Nothing here is asserted: it measures.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def build_mail(i: int, subject: str, body: str, sent_at: str, to: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Staff {i} <staff{i}@example.co.jp>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.fromisoformat(sent_at))
    msg["Message-ID"] = make_msgid(domain="example.co.jp")
    msg.set_content(body)
    return msg.as_bytes()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, default=REPO / "models")
    ap.add_argument("--data", type=Path, default=REPO / "training_data")
    ap.add_argument("--n", type=int, default=300)
    args = ap.parse_args(argv)

    from triage.daemon.build import build_services, open_store
    from triage.daemon.runner import Runner
    from triage.dataset import load_dir, load_jsonl
    from triage.demo.run import SHARED, demo_config
    from triage.demo.servers import start_demo_servers
    from triage.imap import ImapMailbox
    from triage.smtp import SmtpSender

    records = load_dir(args.data) if args.data.is_dir() else load_jsonl(args.data)
    records = records[:: max(1, len(records) // args.n)][: args.n]
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as tmp:
        wd = Path(tmp)
        servers = start_demo_servers(wd)
        try:
            cfg = demo_config(wd, str(args.models), servers.imap_config(), servers.smtp_config())
            t0 = time.perf_counter()
            services = build_services(cfg)
            services.classifier.predict_many([])
            load_s = time.perf_counter() - t0
            store = open_store(cfg)
            for i, r in enumerate(records):
                servers.deliver(build_mail(i, r.subject, r.body, r.sent_at.isoformat(), SHARED))
            runner = Runner(services, store, ImapMailbox(cfg.imap), SmtpSender(cfg.smtp),
                            worker_id="bench")
            t0 = time.perf_counter()
            while len(runner.stats.outcomes) < len(records):
                if runner.cycle() == 0:
                    time.sleep(0.05)
            runner.drain_outbox()
            elapsed = time.perf_counter() - t0
            sent = len(servers.sent())
        finally:
            servers.stop()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    by_status: dict[str, int] = {}
    for o in runner.stats.outcomes:
        by_status[f"{o.status}/{o.action}"] = by_status.get(f"{o.status}/{o.action}", 0) + 1
    print(f"model load {load_s:.1f} s; {len(records)} mails handled in {elapsed:.1f} s "
          f"({len(records) / elapsed:.1f}/s, {1000 * elapsed / len(records):.0f} ms each); "
          f"{sent} mails sent; peak RSS {peak_mb:.0f} MB")
    print(json.dumps({"n": len(records), "seconds": round(elapsed, 2),
                      "per_second": round(len(records) / elapsed, 2),
                      "ms_per_message": round(1000 * elapsed / len(records), 1),
                      "sent": sent, "model_load_s": round(load_s, 2),
                      "peak_rss_mb": round(peak_mb), "outcomes": by_status}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
