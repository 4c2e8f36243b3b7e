"""Speed of the context check (+ deadline) per request: prints requests/s.

Usage: python scripts/bench/context.py [FILE.jsonl ...]  (default: training_data/*.jsonl)
Runs every record's required slots with its labelled type, after one warm-up pass
(pipelines and regexes compiled), and reports the time per request and per 300 chars.
"""

from __future__ import annotations

import glob
import json
import statistics
import sys
import time
from datetime import datetime

from triage.context import check
from triage.records import RequestText


def main(argv: list[str]) -> int:
    files = argv or sorted(glob.glob("training_data/*.jsonl"))
    recs = []
    for p in files:
        with open(p, encoding="utf-8") as f:
            recs.extend(json.loads(x) for x in f if x.strip())
    items = [
        (
            RequestText(
                r["subject"],
                r["body"],
                tuple(r["attachments"]),
                datetime.fromisoformat(r["sent_at"]),
                r["lang"],
            ),
            r["type"],
        )
        for r in recs
    ]
    for rt, t in items[:50]:
        check(rt, t)
    per: list[float] = []
    chars = 0
    t0 = time.perf_counter()
    for rt, t in items:
        s = time.perf_counter()
        check(rt, t)
        per.append(time.perf_counter() - s)
        chars += len(rt.subject) + len(rt.body)
    total = time.perf_counter() - t0
    ms = [x * 1000 for x in per]
    print(
        f"{len(items)} requests, mean {len(items) and chars / len(items):.0f} chars: "
        f"{len(items) / total:.0f} requests/s; per request mean {statistics.mean(ms):.2f} ms, "
        f"median {statistics.median(ms):.2f} ms, p95 {sorted(ms)[int(len(ms) * 0.95)]:.2f} ms, "
        f"max {max(ms):.2f} ms; {total * 1000 / max(1, chars) * 300:.2f} ms per 300 chars"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
