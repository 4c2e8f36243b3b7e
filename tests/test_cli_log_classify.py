"""`triage log` (table, CSV, JSON Lines; status/type/owner/date filters) on a SQLite store
with a few requests, and `triage classify` on .eml files with a small trained model; the
exit codes `triage --help` documents for bad input."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from handler_support import DOMAIN, mail, store_with_requests

from triage.cli import main
from triage.dataset import load_jsonl
from triage.logview import COLUMNS
from triage.model import train_and_register
from triage.taxonomy import TYPES, URGENCIES

# no ./triage.toml or $TRIAGE_CONFIG of the developer's may leak into a command
NO_CONFIG = {"TRIAGE_CONFIG": "/nonexistent/triage.toml", "TRIAGE_MODELS": None}
FIXTURE = Path(__file__).parent / "fixtures" / "small_train.jsonl"


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=NO_CONFIG, catch_exceptions=False)


# (key, day of March 2026 at 09:00 UTC, subject, body); the fake classifier types by keyword
REQUESTS = [
    ("vpn", 2, "VPN broken", "system=VPN symptom=error 809"),
    ("contract", 3, "契約変更", "A社の契約を変更したいです。customer=A社"),
    ("expense", 5, "expense claim", "amount=5000 date=3/1 attachment=receipt.pdf"),
    ("thanks", 6, "thanks!", "Thanks for the help with the move."),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Config path and the refs of four requests: assigned (it), awaiting clarification
    (sales_support), assigned (accounting), triage queue (other)."""
    path, _cfg, outs = store_with_requests(tmp_path_factory.mktemp("store"), [
        (datetime(2026, 3, day, 9, 0, tzinfo=UTC), subject, body)
        for _key, day, subject, body in REQUESTS])
    refs = {}
    for (key, *_rest), out in zip(REQUESTS, outs, strict=True):
        assert out.status == "processed" and out.request_ref, out
        refs[key] = out.request_ref
    return path, refs


def log_json(path: Path, *args: str) -> list[dict[str, Any]]:
    result = cli("log", "-c", str(path), "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def refs_in(rows: list[dict[str, Any]]) -> set[str]:
    return {r["ref"] for r in rows}


# -- triage log -------------------------------------------------------------------------
def test_log_json_csv_and_table_agree(store: tuple[Path, dict[str, str]]) -> None:
    path, refs = store
    rows = log_json(path)
    assert refs_in(rows) == set(refs.values())
    assert all(set(COLUMNS) - {"owner"} <= set(r) for r in rows)
    ats = [r["at"] for r in rows]
    assert ats == sorted(ats)  # oldest first
    assert [r["kind"] for r in rows if r["ref"] == refs["vpn"]][:3] == \
        ["received", "classified", "assigned"]

    result = cli("log", "-c", str(path), "--format", "csv")
    assert result.exit_code == 0
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert tuple(table[0]) == COLUMNS
    assert len(table) - 1 == len(rows)
    assert [row[COLUMNS.index("ref")] for row in table[1:]] == [r["ref"] for r in rows]
    assert [row[COLUMNS.index("kind")] for row in table[1:]] == [r["kind"] for r in rows]

    text = cli("log", "-c", str(path)).stdout
    for ref in refs.values():
        assert ref in text
    assert "classified→assigned" in text and "clarification" in text


def test_log_filters(store: tuple[Path, dict[str, str]]) -> None:
    path, refs = store
    assert refs_in(log_json(path, "--status", "assigned")) == {refs["vpn"], refs["expense"]}
    assert refs_in(log_json(path, "--status", "awaiting_clarification")) == {refs["contract"]}
    assert refs_in(log_json(path, "--status", "triage_queue")) == {refs["thanks"]}
    assert log_json(path, "--status", "no_such_status") == []
    assert refs_in(log_json(path, "--type", "it")) == {refs["vpn"]}
    assert refs_in(log_json(path, "--type", "sales_support")) == {refs["contract"]}
    assert refs_in(log_json(path, "--owner", f"it1@{DOMAIN}")) == {refs["vpn"]}
    assert refs_in(log_json(path, "--owner", "accounting owner")) == {refs["expense"]}
    assert refs_in(log_json(path, "--type", "it", "--status", "triage_queue")) == set()

    # --since inclusive, --until exclusive; a zone in the value is honoured
    window = log_json(path, "--since", "2026-03-04", "--until", "2026-03-06")
    assert refs_in(window) == {refs["expense"]} and window
    assert all("2026-03-05" in r["at"] for r in window)
    assert refs_in(log_json(path, "--since", "2026-03-05T18:00+09:00")) == \
        {refs["expense"], refs["thanks"]}
    # the contract request arrived at 2026-03-03 09:00 UTC = 18:00 JST
    assert refs_in(log_json(path, "--until", "2026-03-03T18:00+09:00")) == {refs["vpn"]}
    assert refs_in(log_json(path, "--until", "2026-03-03T18:01+09:00")) == \
        {refs["vpn"], refs["contract"]}

    everything = log_json(path)
    assert log_json(path, "--limit", "2") == everything[-2:]
    assert refs_in(log_json(path, "--ref", refs["contract"])) == {refs["contract"]}


def test_log_bad_input_exit_codes(store: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    path, _refs = store
    bad = cli("log", "-c", str(path), "--since", "last tuesday")
    assert bad.exit_code == 2 and "bad date" in bad.stderr
    fmt = cli("log", "-c", str(path), "--format", "xml")
    assert fmt.exit_code == 2 and "xml" in fmt.stderr
    nocfg = cli("log", "-c", str(tmp_path / "missing.toml"))
    assert nocfg.exit_code == 2 and "no such config file" in nocfg.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text("[instance]\nshared_address = 'x@example.co.jp'\nflavour = 1\n")
    result = cli("log", "-c", str(broken))
    assert result.exit_code == 2
    assert "instance.flavour: unknown key" in result.stderr and "imap.user: required" in \
        result.stderr


# -- triage classify --------------------------------------------------------------------
@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("models")
    assert train_and_register(load_jsonl(FIXTURE), d, seed=0).promoted
    return d


@pytest.fixture
def emls(tmp_path: Path) -> dict[str, Path]:
    files = {
        "request": mail("経費精算のお願い", "3月1日のタクシー代 4,200円の精算をお願いします。",
                        attachments=("receipt.pdf",)),
        "auto": mail("自動応答: 不在のお知らせ", "5月10日まで出張のため不在にしております。",
                     headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"}),
        "vpn": mail("VPN down", "I cannot connect to the VPN since this morning. Please help."),
    }
    out = {}
    for key, raw in files.items():
        out[key] = tmp_path / f"{key}.eml"
        out[key].write_bytes(raw)
    return out


KEYS = {"file", "automated", "type", "urgency", "missing", "decision"}
DECISIONS = {"assign", "clarify", "triage_queue", "ignore", "quarantine"}


@pytest.mark.ml
def test_classify_json_one_object_per_file(models: Path, emls: dict[str, Path]) -> None:
    order = [emls["request"], emls["auto"], emls["vpn"]]
    result = cli("classify", *map(str, order), "--format", "json", "--models", str(models))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    objs = [json.loads(line) for line in lines]
    assert [o["file"] for o in objs] == [str(p) for p in order]
    for o in objs:
        assert KEYS <= set(o) and o["decision"] in DECISIONS
        assert isinstance(o["missing"], list)
    auto = objs[1]
    assert auto["automated"] is True and auto["decision"] == "ignore"
    assert auto["type"] is None and auto["missing"] == []
    for o in (objs[0], objs[2]):
        assert o["automated"] is False
        assert o["type"] in TYPES and o["urgency"] in URGENCIES
        assert o["model_version"] == (models / "CURRENT").read_text().strip()


@pytest.mark.ml
def test_classify_text_format(models: Path, emls: dict[str, Path]) -> None:
    result = cli("classify", str(emls["auto"]), str(emls["vpn"]), "--models", str(models))
    assert result.exit_code == 0, result.output
    blocks = result.stdout.split("== ")[1:]
    assert len(blocks) == 2
    assert blocks[0].startswith(str(emls["auto"])) and "automated: yes" in blocks[0]
    assert "decision: ignore" in blocks[0]
    assert "automated: no" in blocks[1] and "type: " in blocks[1] and "decision: " in blocks[1]


def _documented_exit(help_text: str, what: str) -> int:
    """The exit code `triage --help` gives for `what`."""
    flat = " ".join(help_text.split())
    m = re.search(rf"(\d+) {what}", flat)
    assert m, f"`triage --help` does not document {what!r}"
    return int(m.group(1))


def test_classify_bad_input_exit_codes_match_help(tmp_path: Path, emls: dict[str, Path]
                                                  ) -> None:
    help_text = cli("--help").stdout
    assert "Exit codes" in help_text
    missing = cli("classify", str(tmp_path / "nope.eml"), "--models", str(tmp_path))
    assert missing.exit_code == _documented_exit(help_text, "usage or configuration error")
    assert "does not exist" in missing.stderr
    nofiles = cli("classify", "--models", str(tmp_path))
    assert nofiles.exit_code == _documented_exit(help_text, "usage or configuration error")
    nomodel = cli("classify", str(emls["vpn"]), "--models", str(tmp_path / "empty"))
    assert nomodel.exit_code == _documented_exit(help_text, "no usable model")
    assert "Train one with `triage train`" in nomodel.stderr
    assert nomodel.stdout == ""
