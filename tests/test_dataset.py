"""Labelled-file loading: every malformed line is refused with file:line and the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triage.dataset import data_hash, load_dir, load_jsonl, to_request_text
from triage.errors import DataError

FIXTURE = Path(__file__).parent / "fixtures" / "small_train.jsonl"

GOOD = {
    "id": "t-1",
    "lang": "ja",
    "subject": "契約変更のお願い",
    "body": "A社の契約を変更したいです。",
    "attachments": [],
    "sent_at": "2026-03-02T09:15:00+09:00",
    "type": "sales_support",
    "urgency": "normal",
    "missing": ["reason", "deadline"],
}


def write(tmp_path: Path, *lines: str, name: str = "d.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_fixture_loads() -> None:
    recs = load_jsonl(FIXTURE)
    assert len(recs) == 48
    assert {r.lang for r in recs} == {"ja", "en"}
    rt = to_request_text(recs[0])
    assert rt.subject == recs[0].subject and rt.sent_at is not None
    assert rt.sent_at.utcoffset() is not None


def test_good_record_round_trip(tmp_path: Path) -> None:
    recs = load_jsonl(write(tmp_path, json.dumps(GOOD, ensure_ascii=False), ""))
    assert recs[0].missing == ("reason", "deadline") and recs[0].needs_clarification


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "finance"}, "unknown type 'finance'"),
        ({"urgency": "asap"}, "unknown urgency 'asap'"),
        ({"lang": "de"}, "unknown lang 'de'"),
        ({"missing": ["colour"]}, "unknown slot(s) in 'missing': 'colour'"),
        ({"missing": ["person"]}, "person not required for type 'sales_support'"),
        ({"attachments": "a.pdf"}, "'attachments' must be a list of strings"),
        ({"sent_at": "yesterday"}, "'sent_at' is not ISO 8601"),
    ],
)
def test_bad_values_name_file_and_line(tmp_path: Path, change: dict, message: str) -> None:
    bad = {**GOOD, "id": "t-2", **change}
    path = write(tmp_path, json.dumps(GOOD), json.dumps(bad))
    with pytest.raises(DataError) as err:
        load_jsonl(path)
    assert f"{path}:2:" in str(err.value)
    assert message in str(err.value)


def test_bad_json_and_missing_key(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"d\.jsonl:1: bad JSON"):
        load_jsonl(write(tmp_path, '{"id": "x",'))
    partial = {k: v for k, v in GOOD.items() if k not in ("urgency", "body")}
    with pytest.raises(DataError, match=r"d\.jsonl:1: missing key\(s\): body, urgency"):
        load_jsonl(write(tmp_path, json.dumps(partial)))


def test_load_dir_sorted_and_unique_ids(tmp_path: Path) -> None:
    write(tmp_path, json.dumps({**GOOD, "id": "b"}), name="b.jsonl")
    write(tmp_path, json.dumps({**GOOD, "id": "a"}), name="a.jsonl")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    assert [r.id for r in load_dir(tmp_path)] == ["a", "b"]
    write(tmp_path, json.dumps({**GOOD, "id": "a"}), name="c.jsonl")
    with pytest.raises(DataError, match="duplicate id 'a'"):
        load_dir(tmp_path)


def test_data_hash_depends_on_content_and_order() -> None:
    recs = load_jsonl(FIXTURE)
    assert data_hash(recs) == data_hash(list(recs))
    assert data_hash(recs) != data_hash(recs[::-1])
    assert len(data_hash(recs)) == 64
