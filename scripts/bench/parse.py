"""Benchmark the parser and the loop guard over the shared corpus: messages per second.

    .venv/bin/python scripts/bench/parse.py [--corpus ../shared/corpus] [--repeat 1]

Reads every message file once (excluding _body_only and the .tsv/.md files), then
times parse() + guard.check() over all of them. Prints counts (parsed, quarantined by
reason), throughput, the slowest files, and finally one JSON object.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    from triage.errors import MessageError
    from triage.guard import check
    from triage.parsing import parse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    files = [
        p
        for p in sorted(args.corpus.rglob("*"))
        if p.is_file()
        and "_body_only" not in p.relative_to(args.corpus).parts
        and p.suffix not in (".tsv", ".md")
    ]
    raws = [(p, p.read_bytes()) for p in files]
    total_bytes = sum(len(r) for _p, r in raws)

    parsed = 0
    quarantined: collections.Counter[str] = collections.Counter()
    kinds: collections.Counter[str] = collections.Counter()
    slowest: list[tuple[float, str]] = []
    start = time.perf_counter()
    for _ in range(args.repeat):
        for path, raw in raws:
            t0 = time.perf_counter()
            try:
                msg = parse(raw)
            except MessageError as exc:
                quarantined[exc.reason] += 1
            else:
                parsed += 1
                verdict = check(
                    msg,
                    own_addresses=frozenset(),
                    loop_id="bench",
                    is_own_message_id=lambda _m: False,
                )
                kinds[verdict.kind] += 1
            slowest.append((time.perf_counter() - t0, str(path.relative_to(args.corpus))))
    elapsed = time.perf_counter() - start
    count = len(raws) * args.repeat
    slowest.sort(reverse=True)
    print(
        f"{count} messages ({total_bytes / 1e6:.1f} MB) in {elapsed:.2f} s: "
        f"{count / elapsed:.0f} messages/s, {total_bytes * args.repeat / 1e6 / elapsed:.1f} MB/s"
    )
    print(f"parsed {parsed}, quarantined {sum(quarantined.values())} {dict(quarantined)}")
    print(f"guard kinds {dict(kinds)}")
    for seconds, name in slowest[:5]:
        print(f"  {seconds * 1000:8.1f} ms  {name}")
    print(
        json.dumps(
            {
                "messages": count,
                "seconds": round(elapsed, 3),
                "messages_per_s": round(count / elapsed, 1),
                "parsed": parsed,
                "quarantined": dict(quarantined),
                "kinds": dict(kinds),
                "median_ms": round(sorted(s for s, _n in slowest)[len(slowest) // 2] * 1000, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
