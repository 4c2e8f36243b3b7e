"""Model input preparation: quotes and signatures out, width folded, numbers masked."""

from __future__ import annotations

from triage.records import RequestText
from triage.textprep import mask_numbers, normalize, prepare, prepare_parts


def test_nfkc_folds_full_width_and_half_width_kana() -> None:
    assert normalize("ＶＰＮ　１２３　ｶﾞｲﾄﾞ") == "VPN 123 ガイド"


def test_numbers_dates_amounts_masked() -> None:
    text = mask_numbers(
        "¥12,000 と 3万円、2026年3月5日 14:30 まで; $1,200.50 by March 5th, 3/5, 42 pcs"
    )
    assert "12" not in text and "2026" not in text
    assert text.count("qamount") == 3 and text.count("qdate") == 3
    assert "qtime" in text and "qnum pcs" in text


def test_quoted_history_is_context_not_text() -> None:
    rt = RequestText(
        subject="RE: 見積書の件",
        body="承知しました。明日までに対応します。\n\n-----Original Message-----\n"
        "From: a@example.com\nSent: Monday\n見積書を至急お願いします。",
        lang="ja",
    )
    parts = prepare_parts(rt)
    assert parts.is_reply and "Original" not in parts.text
    assert "至急" not in parts.text and "至急" in parts.context
    assert "From" not in parts.context
    assert parts.text.startswith("見積書の件")  # reply prefix dropped
    assert prepare(rt, placeholders=False) == parts.text


def test_placeholders_optional() -> None:
    rt = RequestText(subject="Order 5 chairs", body="Need them by 3/5.")
    assert "5 chairs" in prepare(rt, placeholders=False)
    assert "qnum chairs" in prepare(rt)
