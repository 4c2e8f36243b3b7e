"""Benchmark the registered classifier: load time, artefact size, predictions per second.

    .venv/bin/python scripts/bench/classify.py [--models models] [--version V]
        [--data training_data | file.jsonl] [--repeat 1]

Measures one process's first load (skops load + checks; the first predict also builds
the Sudachi tokenizer, reported apart), batch throughput (predict_many over all
records) and single-request latency (predict one at a time, what the daemon does).
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, default=REPO / "models")
    ap.add_argument("--version", default=None)
    ap.add_argument("--data", type=Path, default=REPO / "training_data")
    ap.add_argument("--repeat", type=int, default=1, help="passes over the data for the batch")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    from triage.dataset import load_dir, load_jsonl, to_request_text
    from triage.model import Classifier

    import_s = time.perf_counter() - t0
    records = load_dir(args.data) if args.data.is_dir() else load_jsonl(args.data)
    texts = [to_request_text(r) for r in records]

    t0 = time.perf_counter()
    clf = Classifier.load(args.models, args.version)
    load_s = time.perf_counter() - t0
    path = args.models / clf.version / "model.skops"
    size = path.stat().st_size
    print(f"model {clf.version}: {size / 1e6:.2f} MB, loaded in {load_s:.2f} s", flush=True)

    t0 = time.perf_counter()
    clf.predict(texts[0])
    first_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    for _ in range(args.repeat):
        clf.predict_many(texts)
    batch_s = time.perf_counter() - t0
    batch_rate = len(texts) * args.repeat / batch_s
    print(f"batch: {len(texts) * args.repeat} requests in {batch_s:.2f} s", flush=True)

    sample = texts[: min(len(texts), 300)]
    lat = []
    for rt in sample:
        t = time.perf_counter()
        clf.predict(rt)
        lat.append(time.perf_counter() - t)
    lat.sort()
    by_lang = {}
    for lang in ("ja", "en"):
        sub = [t for t in texts if t.lang == lang][:300]
        if sub:
            t = time.perf_counter()
            clf.predict_many(sub)
            by_lang[lang] = round(len(sub) / (time.perf_counter() - t), 1)

    result = {
        "model_version": clf.version,
        "model_bytes": size,
        "import_seconds": round(import_s, 2),
        "load_seconds": round(load_s, 3),
        "first_predict_seconds": round(first_s, 3),
        "n_requests": len(texts),
        "batch_predictions_per_s": round(batch_rate, 1),
        "batch_predictions_per_s_by_lang": by_lang,
        "single_latency_ms_median": round(statistics.median(lat) * 1000, 2),
        "single_latency_ms_p95": round(lat[int(0.95 * (len(lat) - 1))] * 1000, 2),
        "single_predictions_per_s": round(len(lat) / sum(lat), 1),
    }
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
