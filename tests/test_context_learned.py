"""The learned second opinion: plain-JSON model, scoring, evidence, fallback to rules."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from triage.context import check, learned
from triage.context.learned import SlotModel, char_ngrams
from triage.records import RequestText


def tiny_model() -> SlotModel:
    # "because" argues for found (negative weight on missing); the rule verdict for missing
    grams = [g for g in dict.fromkeys(char_ngrams("because"))]
    vocab = {g: i for i, g in enumerate(grams)}
    coef = tuple([-2.0] * len(grams) + [1.0])
    return SlotModel("reason", vocab, tuple([1.0] * len(grams)), coef, intercept=0.0)


def test_ngrams_are_padded_and_lowercased() -> None:
    grams = char_ngrams("Ab 見積")
    assert " a" in grams and "ab " in grams and " 見積 " in grams


def test_scoring_and_evidence() -> None:
    m = tiny_model()
    assert m.p_missing("order it", True) > 0.5
    assert m.p_missing("order it", False) == 0.5
    assert m.p_missing("order it because the old one broke", True) < 0.5
    text = "Please buy a chair. We need it because the old one broke."
    assert "because" in m.evidence(text)


def test_json_round_trip_and_bad_files(tmp_path: Path) -> None:
    m = tiny_model()
    again = SlotModel.from_json(json.loads(json.dumps(m.to_json())))
    assert again == m
    with pytest.raises(ValueError):
        SlotModel.from_json({**m.to_json(), "format": "pickle"})
    with pytest.raises(ValueError):
        SlotModel.from_json({**m.to_json(), "coef": [1.0]})


def test_missing_or_broken_model_falls_back_to_rules(tmp_path: Path) -> None:
    rt = RequestText(
        "", "Please order a chair.", (), datetime.fromisoformat("2026-03-24T10:00:00+09:00"), "en"
    )
    try:
        learned.use_directory(tmp_path)  # empty: no models
        assert learned.load("reason") is None
        rules = check(rt, "procurement")
        (tmp_path / "context_reason.json").write_text("{not json", encoding="utf-8")
        learned.load.cache_clear()
        assert learned.load("reason") is None
        assert check(rt, "procurement") == rules
        assert check(rt, "procurement", learned=False) == rules
    finally:
        learned.use_directory(learned.DEFAULT_DIR)


def test_cross_validation_reports_rules_and_learned_figures() -> None:
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "scripts" / "train_context.py"
    spec = importlib.util.spec_from_file_location("train_context", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    records = []
    for i in range(24):
        why = i % 2 == 0
        body = "Please order a chair" + (" because the old one broke." if why else ".")
        records.append(
            {"id": f"cv-{i}", "lang": "en", "subject": "chair", "body": body,
             "attachments": [], "sent_at": "2026-03-24T10:00:00+09:00",
             "type": "procurement", "missing": [] if why else ["reason"]}
        )  # fmt: skip
    out = mod.cross_validate(records, "reason", 2, 1.0, (0.5,))
    assert out["rules"]["n"] == 24 and out["rules"]["n_missing"] == 12
    assert out["learned@0.50"]["n"] == 24
    assert out["rules"]["f1"] == 1.0  # "because" is the rule's own cue


def test_shipped_models_are_package_data() -> None:
    # a plain `pip install .` copies only the package: the models must live inside it
    import triage

    package = Path(triage.__file__).resolve().parent
    assert package in learned.DEFAULT_DIR.parents
    for slot in ("reason", "symptom"):
        model = learned.load(slot)
        assert model is not None and model.slot == slot
