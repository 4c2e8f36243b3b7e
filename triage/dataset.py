"""Labelled request files (TAXONOMY.md JSON Lines): load, validate, hash.

Every line is checked before anything trains on it, because a silently wrong label
teaches the model the wrong thing; a DataError names the file, the line and the
problem so that whoever wrote the data can fix it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from triage.errors import DataError
from triage.records import LabelledRecord, RequestText
from triage.taxonomy import REQUIRED_SLOTS, SLOTS, TYPES, URGENCIES

REQUIRED_KEYS: tuple[str, ...] = (
    "id",
    "lang",
    "subject",
    "body",
    "attachments",
    "sent_at",
    "type",
    "urgency",
    "missing",
)
LANGS: tuple[str, ...] = ("ja", "en")


def _problem(obj: Any) -> str | None:
    """The first problem with one decoded line, or None when it is a valid record."""
    if not isinstance(obj, dict):
        return "a line must be a JSON object"
    absent = [k for k in REQUIRED_KEYS if k not in obj]
    if absent:
        return f"missing key(s): {', '.join(absent)}"
    for key in ("id", "subject", "body", "type", "urgency", "lang"):
        if not isinstance(obj[key], str):
            return f"{key!r} must be a string"
    if not obj["id"]:
        return "'id' is empty"
    if obj["lang"] not in LANGS:
        return f"unknown lang {obj['lang']!r} (expected one of {', '.join(LANGS)})"
    if obj["type"] not in TYPES:
        return f"unknown type {obj['type']!r}"
    if obj["urgency"] not in URGENCIES:
        return f"unknown urgency {obj['urgency']!r}"
    for key in ("attachments", "missing"):
        if not isinstance(obj[key], list) or not all(isinstance(v, str) for v in obj[key]):
            return f"{key!r} must be a list of strings"
    unknown = [s for s in obj["missing"] if s not in SLOTS]
    if unknown:
        return f"unknown slot(s) in 'missing': {', '.join(map(repr, unknown))}"
    not_required = [s for s in obj["missing"] if s not in REQUIRED_SLOTS[obj["type"]]]
    if not_required:
        return f"slot(s) {', '.join(not_required)} not required for type {obj['type']!r}"
    sent_at = obj["sent_at"]
    if sent_at is not None:
        if not isinstance(sent_at, str):
            return "'sent_at' must be an ISO 8601 string or null"
        try:
            datetime.fromisoformat(sent_at)
        except ValueError:
            return f"'sent_at' is not ISO 8601: {sent_at!r}"
    return None


def parse_record(obj: Any, where: str = "<record>") -> LabelledRecord:
    """One decoded JSON object as a LabelledRecord; DataError(where: problem) if invalid."""
    problem = _problem(obj)
    if problem:
        raise DataError(f"{where}: {problem}")
    sent_at = datetime.fromisoformat(obj["sent_at"]) if obj["sent_at"] else None
    return LabelledRecord(
        id=obj["id"],
        lang=obj["lang"],
        subject=obj["subject"],
        body=obj["body"],
        attachments=tuple(obj["attachments"]),
        sent_at=sent_at,
        type=obj["type"],
        urgency=obj["urgency"],
        missing=tuple(obj["missing"]),
    )


def load_jsonl(path: str | Path) -> list[LabelledRecord]:
    """Every record of one JSON Lines file, validated; blank lines are skipped."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from exc
    records: list[LabelledRecord] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{where}: bad JSON: {exc.msg} (column {exc.colno})") from exc
        records.append(parse_record(obj, where))
    return records


def load_dir(directory: str | Path) -> list[LabelledRecord]:
    """Every *.jsonl file of a directory in sorted name order; ids must be unique."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory}: not a directory")
    records: list[LabelledRecord] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.jsonl")):
        for rec in load_jsonl(path):
            if rec.id in seen:
                raise DataError(f"{path}: duplicate id {rec.id!r} (first in {seen[rec.id]})")
            seen[rec.id] = str(path)
            records.append(rec)
    return records


def to_request_text(rec: LabelledRecord) -> RequestText:
    """The classifier's view of a labelled record, the same shape the daemon builds."""
    return RequestText(
        subject=rec.subject,
        body=rec.body,
        attachments=rec.attachments,
        sent_at=rec.sent_at,
        lang=rec.lang,
    )


def record_to_dict(rec: LabelledRecord) -> dict[str, Any]:
    """The JSON object of one record, in TAXONOMY key order."""
    return {
        "id": rec.id,
        "lang": rec.lang,
        "subject": rec.subject,
        "body": rec.body,
        "attachments": list(rec.attachments),
        "sent_at": rec.sent_at.isoformat() if rec.sent_at else None,
        "type": rec.type,
        "urgency": rec.urgency,
        "missing": list(rec.missing),
    }


def data_hash(records: Iterable[LabelledRecord]) -> str:
    """sha256 over the canonical JSON of the records in order: names the training data."""
    h = hashlib.sha256()
    for rec in records:
        line = json.dumps(record_to_dict(rec), ensure_ascii=False, sort_keys=True)
        h.update(line.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def counts(records: Sequence[LabelledRecord]) -> dict[str, dict[str, int]]:
    """Label counts by type, urgency and lang, for metadata and reports."""
    out: dict[str, dict[str, int]] = {"type": {}, "urgency": {}, "lang": {}}
    for rec in records:
        for key, value in (("type", rec.type), ("urgency", rec.urgency), ("lang", rec.lang)):
            out[key][value] = out[key].get(value, 0) + 1
    return {k: dict(sorted(v.items())) for k, v in out.items()}
