"""Measure the classifier and the context check on a labelled set (e.g. the dev set).

The report is one JSON-able dict, overall and per language (ja, en):

- type / urgency: accuracy, macro-F1, per-class precision/recall/F1/support, and the
  confusion matrix (rows = gold label, columns = predicted label, taxonomy order);
- needs_clarification: precision/recall/F1 of "would ask the sender", i.e. the context
  check run for the PREDICTED type found something missing (what production does);
- slots: over (record, slot) pairs, the predicted type's missing slots against the gold
  missing slots, micro-F1 and per slot (support = gold occurrences);
- coverage: the share of records decided automatically and the type accuracy on them.
  A record is decided when its prediction is confident at the model's thresholds AND the
  predicted type is not `other`: `other` always goes to the human triage queue
  (TAXONOMY), so it is never an automatic decision, however confident.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from triage.dataset import to_request_text
from triage.records import ContextResult, LabelledRecord, Prediction, RequestText
from triage.report import format_text, write_plots
from triage.taxonomy import SLOTS, TYPES, URGENCIES

__all__ = ["evaluate", "format_text", "write_plots", "metrics_for"]

ContextCheck = Callable[[RequestText, str], ContextResult]
LANGS = ("ja", "en")


class Predictor(Protocol):
    def predict_many(self, texts: Sequence[RequestText]) -> list[Prediction]: ...


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def classification(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict:
    """accuracy, macro-F1 (over labels with support or predictions), per class, confusion."""
    index = {lab: i for i, lab in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred, strict=True):
        matrix[index[g]][index[p]] += 1
    per_class: dict[str, dict[str, float]] = {}
    f1s = []
    for i, lab in enumerate(labels):
        tp = matrix[i][i]
        fp = sum(matrix[j][i] for j in range(len(labels))) - tp
        fn = sum(matrix[i]) - tp
        scores = _prf(tp, fp, fn)
        scores["support"] = sum(matrix[i])
        per_class[lab] = scores
        if tp + fp + fn:
            f1s.append(scores["f1"])
    n = len(gold)
    correct = sum(matrix[i][i] for i in range(len(labels)))
    return {
        "accuracy": round(correct / n, 4) if n else 0.0,
        "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
        "per_class": per_class,
        "confusion": {"labels": list(labels), "matrix": matrix},
    }


def metrics_for(
    records: Sequence[LabelledRecord],
    preds: Sequence[Prediction],
    missing: Sequence[tuple[str, ...]] | None,
) -> dict[str, Any]:
    """Every metric of the report for one subset (no by_lang)."""
    out: dict[str, Any] = {"n": len(records)}
    out["type"] = classification([r.type for r in records], [p.type for p in preds], TYPES)
    out["urgency"] = classification(
        [r.urgency for r in records], [p.urgency for p in preds], URGENCIES
    )
    if missing is None:
        out["needs_clarification"] = None
        out["slots"] = None
    else:
        tp = fp = fn = 0
        per: dict[str, list[int]] = {s: [0, 0, 0] for s in SLOTS}  # tp, fp, fn
        for rec, pred_missing in zip(records, missing, strict=True):
            gold_nc, pred_nc = bool(rec.missing), bool(pred_missing)
            tp += gold_nc and pred_nc
            fp += pred_nc and not gold_nc
            fn += gold_nc and not pred_nc
            gold_set, pred_set = set(rec.missing), set(pred_missing)
            for s in gold_set | pred_set:
                per[s][0] += s in gold_set and s in pred_set
                per[s][1] += s in pred_set and s not in gold_set
                per[s][2] += s in gold_set and s not in pred_set
        out["needs_clarification"] = _prf(tp, fp, fn)
        per_slot = {}
        for s in SLOTS:
            scores = _prf(*per[s])
            scores["support"] = per[s][0] + per[s][2]
            per_slot[s] = scores
        totals = [sum(v[k] for v in per.values()) for k in range(3)]
        out["slots"] = {"micro_f1": _prf(*totals)["f1"], "per_slot": per_slot}
    decided = [
        (r, p) for r, p in zip(records, preds, strict=True) if p.confident and p.type != "other"
    ]
    out["coverage"] = {
        "decided": round(len(decided) / len(records), 4) if records else 0.0,
        "accuracy_decided": (
            round(sum(r.type == p.type for r, p in decided) / len(decided), 4) if decided else None
        ),
    }
    return out


def evaluate(
    records: Sequence[LabelledRecord],
    classifier: Predictor,
    context_check: ContextCheck | None,
) -> dict[str, Any]:
    """The full report (see module docstring); context_check=None leaves slots out (null)."""
    texts = [to_request_text(r) for r in records]
    preds = classifier.predict_many(texts)
    missing: list[tuple[str, ...]] | None = None
    if context_check is not None:
        missing = [
            tuple(context_check(t, p.type).missing) for t, p in zip(texts, preds, strict=True)
        ]
    report = metrics_for(records, preds, missing)
    report["by_lang"] = {}
    for lang in LANGS:
        idx = [i for i, r in enumerate(records) if r.lang == lang]
        report["by_lang"][lang] = metrics_for(
            [records[i] for i in idx],
            [preds[i] for i in idx],
            None if missing is None else [missing[i] for i in idx],
        )
    return report
