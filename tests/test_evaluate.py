"""evaluate(): metric shapes and values on a hand-built case with known answers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from triage.evaluate import evaluate, format_text
from triage.records import ContextResult, LabelledRecord, Prediction, RequestText, SlotFinding
from triage.taxonomy import REQUIRED_SLOTS, SLOTS, TYPES, URGENCIES


def rec(
    i: int, lang: str, type_: str, urgency: str, missing: tuple[str, ...] = ()
) -> LabelledRecord:
    return LabelledRecord(
        id=f"r{i}",
        lang=lang,
        subject=f"s{i}",
        body=f"b{i}",
        attachments=(),
        sent_at=None,
        type=type_,
        urgency=urgency,
        missing=missing,
    )


RECORDS = [
    rec(0, "ja", "hr", "high", ("person",)),
    rec(1, "ja", "it", "urgent"),
    rec(2, "en", "it", "normal", ("system", "symptom")),
    rec(3, "en", "other", "low"),
]
# predicted (type, urgency, confident)
PREDS = {
    "s0": ("hr", "high", True),
    "s1": ("it", "high", True),
    "s2": ("hr", "normal", True),  # wrong type
    "s3": ("other", "low", True),  # confident but `other`: not decided
}
# what the fake context check reports missing, per (subject, type asked)
MISSING = {
    ("s0", "hr"): ("person", "date"),
    ("s1", "it"): (),
    ("s2", "hr"): ("person",),
    ("s3", "other"): (),
}


class FakeClassifier:
    version = "fake"

    def predict_many(self, texts: Sequence[RequestText]) -> list[Prediction]:
        out = []
        for t in texts:
            ty, ur, conf = PREDS[t.subject]
            out.append(Prediction(ty, 0.9, ur, 0.8, "fake", confident=conf))
        return out


def fake_check(rt: RequestText, type_: str) -> ContextResult:
    missing = MISSING[(rt.subject, type_)]
    findings = tuple(SlotFinding(s, s not in missing) for s in REQUIRED_SLOTS[type_])
    return ContextResult(type=type_, findings=findings)


@pytest.fixture(scope="module")
def report() -> dict:
    return evaluate(RECORDS, FakeClassifier(), fake_check)


def test_shape(report: dict) -> None:
    keys = {"n", "type", "urgency", "needs_clarification", "slots", "coverage"}
    assert set(report) == keys | {"by_lang"}
    assert set(report["by_lang"]) == {"ja", "en"}
    for sub in report["by_lang"].values():
        assert set(sub) == keys
    assert set(report["type"]) == {"accuracy", "macro_f1", "per_class", "confusion"}
    assert list(report["type"]["per_class"]) == list(TYPES)
    assert report["type"]["confusion"]["labels"] == list(TYPES)
    assert list(report["urgency"]["per_class"]) == list(URGENCIES)
    assert list(report["slots"]["per_slot"]) == list(SLOTS)
    assert set(report["coverage"]) == {"decided", "accuracy_decided"}


def test_type_and_urgency_numbers(report: dict) -> None:
    assert report["n"] == 4
    assert report["type"]["accuracy"] == 0.75
    hr = report["type"]["per_class"]["hr"]
    assert (hr["precision"], hr["recall"], hr["f1"], hr["support"]) == (0.5, 1.0, 0.6667, 1)
    it = report["type"]["per_class"]["it"]
    assert (it["precision"], it["recall"], it["f1"], it["support"]) == (1.0, 0.5, 0.6667, 2)
    # macro over the labels that occur (hr, it, other): (0.6667 + 0.6667 + 1) / 3
    assert report["type"]["macro_f1"] == pytest.approx(0.7778, abs=1e-4)
    m = report["type"]["confusion"]["matrix"]
    assert m[TYPES.index("it")][TYPES.index("hr")] == 1  # rows gold, columns predicted
    assert report["urgency"]["accuracy"] == 0.75


def test_clarification_slots_coverage(report: dict) -> None:
    # gold needs: r0, r2; predicted needs: r0, r2 -> perfect
    assert report["needs_clarification"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    # pairs: r0 gold {person} pred {person, date}; r2 gold {system, symptom} pred {person}
    # tp 1 (person@r0), fp 2 (date@r0, person@r2), fn 2 (system, symptom) -> P 1/3, R 1/3
    assert report["slots"]["micro_f1"] == pytest.approx(0.3333, abs=1e-4)
    person = report["slots"]["per_slot"]["person"]
    assert (person["precision"], person["recall"], person["support"]) == (0.5, 1.0, 1)
    assert report["slots"]["per_slot"]["system"]["support"] == 1
    # decided: r0, r1, r2 confident and not other -> 3/4; right on r0, r1 -> 2/3
    assert report["coverage"] == {"decided": 0.75, "accuracy_decided": 0.6667}
    assert report["by_lang"]["ja"]["coverage"] == {"decided": 1.0, "accuracy_decided": 1.0}
    assert report["by_lang"]["en"]["type"]["accuracy"] == 0.5


def test_without_context_check_and_text(report: dict, tmp_path: Path) -> None:
    bare = evaluate(RECORDS, FakeClassifier(), None)
    assert bare["slots"] is None and bare["needs_clarification"] is None
    text = format_text(report)
    assert "type macro-F1" in text and "general_affairs" in text and "person" in text
    assert format_text(bare)


def test_write_plots(report: dict, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from triage.evaluate import write_plots

    paths = write_plots(report, tmp_path / "plots")
    assert len(paths) == 6
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in paths)
