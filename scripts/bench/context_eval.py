"""Measure the context check on a labelled JSONL file, using the GOLD type.

Prints slot micro-F1 over (record, slot) pairs where the positive class is "missing",
per-slot precision/recall, needs_clarification P/R/F1, overall and per language.
Usage: python scripts/bench/context_eval.py FILE.jsonl [--errors SLOT]

scripts/bench/slot_challenge.jsonl (580 mails, ids slc-) is a regression set for the item,
person, reason, system and symptom detectors, written 2026-12-06 by teammates who had not
read the detector code: slc-0001..0120 item (procurement, general affairs), 0121..0240
person (hr), 0241..0360 item (general affairs: faults without the object, places, sounds),
0361..0480 reason (sales support, legal, procurement: stock phrases that give no why),
0481..0580 system and symptom (it: devices known by use, error codes without the system).
Half of each part lacks the slot in ways the rules then missed, half gives it in unusual
ways. Each part was run once as a fresh held-out set, then the rules were changed on what it
showed, so it is no longer unseen. F1 before -> after: item 0.846 -> 0.929, person 0.772 ->
0.900, general-affairs item 0.824 -> 0.974, reason 0.743 -> 0.835, system 0.763 -> 0.849. A
100-mail legal counterparty set (counterparty 0.717 -> 0.800) was left out: its reason and
attachment labels follow looser conventions than TAXONOMY's. It is kept out of
training_data/ because it is lopsided (six types, mostly "normal" urgency): the first 240 in
training_data moved dev type macro-F1 0.975 -> 0.972.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from collections import Counter, defaultdict
from datetime import datetime

from triage.context import check
from triage.records import RequestText
from triage.taxonomy import REQUIRED_SLOTS, SLOTS

LEARNED = True


def load(paths: list[str]) -> list[dict]:
    out = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            out.extend(json.loads(line) for line in f if line.strip())
    return out


def to_rt(r: dict) -> RequestText:
    sent = datetime.fromisoformat(r["sent_at"]) if r.get("sent_at") else None
    return RequestText(r["subject"], r["body"], tuple(r.get("attachments", ())), sent, r["lang"])


def heldout(rid: str) -> bool:
    """A stable 30% of ids (crc32), never used for tuning rules."""
    return zlib.crc32(rid.encode()) % 10 < 3


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(records: list[dict], errors: str | None = None) -> dict:
    slot = defaultdict(Counter)
    nc = defaultdict(Counter)
    for r in records:
        res = check(to_rt(r), r["type"], learned=LEARNED)
        pred, gold = set(res.missing), set(r["missing"])
        for lang in ("all", r["lang"]):
            for s in REQUIRED_SLOTS.get(r["type"], ()):
                key = (
                    "tp"
                    if s in pred and s in gold
                    else "fp"
                    if s in pred
                    else "fn"
                    if s in gold
                    else "tn"
                )
                slot[(lang, s)][key] += 1
                slot[(lang, "*")][key] += 1
            key = "tp" if pred and gold else "fp" if pred else "fn" if gold else "tn"
            nc[lang][key] += 1
        if errors and (errors in pred) != (errors in gold):
            f = next(x for x in res.findings if x.slot == errors)
            kind = "FP(missing predicted)" if errors in pred else "FN(found wrongly)"
            print(
                f"--- {r['id']} {r['lang']} {r['type']} {kind}: evidence={f.evidence!r} "
                f"src={f.source}\n{r['subject']}\n{r['body'][:700]}\n{r.get('attachments')}"
            )
    return {"slot": slot, "nc": nc}


def report(res: dict) -> None:
    slot, nc = res["slot"], res["nc"]
    for lang in ("all", "ja", "en"):
        c = slot[(lang, "*")]
        p, r, f = prf(c["tp"], c["fp"], c["fn"])
        n = nc[lang]
        np_, nr, nf = prf(n["tp"], n["fp"], n["fn"])
        print(
            f"[{lang}] slot micro P={p:.3f} R={r:.3f} F1={f:.3f} | "
            f"needs_clarification P={np_:.3f} R={nr:.3f} F1={nf:.3f} (n={sum(n.values())})"
        )
    print(f"{'slot':<13}{'P':>7}{'R':>7}{'F1':>7}{'gold':>6}{'pred':>6}   {'ja F1':>6}{'en F1':>7}")
    for s in SLOTS:
        c = slot[("all", s)]
        if not sum(c.values()):
            continue
        p, r, f = prf(c["tp"], c["fp"], c["fn"])
        per = [
            prf(slot[(lg, s)]["tp"], slot[(lg, s)]["fp"], slot[(lg, s)]["fn"])[2]
            for lg in ("ja", "en")
        ]
        print(
            f"{s:<13}{p:7.3f}{r:7.3f}{f:7.3f}{c['tp'] + c['fn']:6d}{c['tp'] + c['fp']:6d}   "
            f"{per[0]:6.3f}{per[1]:7.3f}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--errors", default=None, help="print the errors of one slot")
    ap.add_argument(
        "--part",
        choices=("all", "tune", "heldout"),
        default="all",
        help="training_data split: 30%% held out by a stable hash of the id",
    )
    ap.add_argument("--models", default=None, help="directory of learned slot models")
    ap.add_argument("--rules-only", action="store_true")
    a = ap.parse_args(argv)
    if a.models:
        from pathlib import Path

        from triage.context import learned

        learned.use_directory(Path(a.models))
    global LEARNED
    LEARNED = not a.rules_only
    recs = load(a.files)
    if a.part != "all":
        recs = [r for r in recs if heldout(r["id"]) == (a.part == "heldout")]
    report(evaluate(recs, a.errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
