"""Label distribution of the labelled training data, as Markdown tables.

Reads every *.jsonl in the directory (default: training_data/ next to this script's
parent), so files added later are counted without changing this script.

    .venv/bin/python scripts/data_stats.py                  # print the tables
    .venv/bin/python scripts/data_stats.py --update-readme  # rewrite them in the README here

The style rows are regular-expression counts (a record can match several), meant as a
rough picture of the variety, not as labels.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TYPES = ("hr", "accounting", "procurement", "it", "legal", "general_affairs", "sales_support",
         "other")
URGENCIES = ("urgent", "high", "normal", "low")
SLOTS = ("reason", "customer", "counterparty", "deadline", "amount", "item", "quantity", "date",
         "person", "system", "symptom", "attachment")
LANGS = ("ja", "en")
BEGIN, END = "<!-- data_stats:begin -->", "<!-- data_stats:end -->"

_JA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
STYLES: tuple[tuple[str, Any], ...] = (
    ("forwarded (Fwd:/FW:/転送/Original Message/差出人:)", re.compile(
        r"^(fwd?|fw)\s*:|転送|forwarded message|original message|^差出人[:：]|^from:.*\n.*sent:",
        re.IGNORECASE | re.MULTILINE)),
    ("quoted history (lines starting with '>')", re.compile(r"^\s*>", re.MULTILINE)),
    ("reply (subject starts RE:/Re:/返信)", None),
    ("has attachments", None),
    ("ja with keigo (いたします/申し上げ/ございます/存じます/賜)",
     re.compile(r"いたします|致します|申し上げ|ございます|存じます|賜")),
    ("mixed language (ja with 3+ Latin words, en with Japanese)", None),
    ("thanks/FYI wording (thank/FYI/ありがとう/ご参考/共有)",
     re.compile(r"thank|fyi|ありがとう|ご参考|共有まで|ご報告まで", re.IGNORECASE)),
)


def load(directory: Path) -> dict[str, list[dict[str, Any]]]:
    """{file name: records} for every *.jsonl, sorted by name."""
    out = {}
    for path in sorted(directory.glob("*.jsonl")):
        rows = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    sys.exit(f"{path}:{n}: not JSON: {exc}")
        out[path.name] = rows
    return out


def _style(name: str, rx: Any, r: dict[str, Any]) -> bool:
    text = f"{r.get('subject', '')}\n{r.get('body', '')}"
    if name.startswith("reply"):
        return bool(re.match(r"\s*(re|ｒｅ)\s*[:：]|返信", r.get("subject", ""), re.IGNORECASE))
    if name == "has attachments":
        return bool(r.get("attachments"))
    if name.startswith("mixed"):
        if r.get("lang") == "en":
            return bool(_JA.search(text))
        return len(re.findall(r"\b[A-Za-z]{3,}\b", text)) >= 3
    if name.startswith("ja with keigo") and r.get("lang") != "ja":
        return False
    return bool(rx.search(text))


def _table(header: list[str], rows: list[list[Any]], text: tuple[str, ...] = ()) -> str:
    """A Markdown table; numbers right-aligned, the first column and `text` columns left."""
    align = ["---" if i == 0 or h in text else "---:" for i, h in enumerate(header)]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def report(files: dict[str, list[dict[str, Any]]]) -> str:
    records = [r for rows in files.values() for r in rows]
    n = len(records)
    parts = [f"{n} records in {len(files)} files."]

    file_rows = []
    for name, rows in files.items():
        langs = Counter(r["lang"] for r in rows)
        types = Counter(r["type"] for r in rows)
        file_rows.append([f"`{name}`", len(rows), langs["ja"], langs["en"],
                          ", ".join(f"{t} {types[t]}" for t in TYPES if types[t])])
    parts.append("### Files\n\n" + _table(["file", "records", "ja", "en", "types"], file_rows,
                                             text=("types",)))

    tl = Counter((r["type"], r["lang"]) for r in records)
    rows = [[f"`{t}`", tl[t, "ja"], tl[t, "en"], tl[t, "ja"] + tl[t, "en"]] for t in TYPES]
    rows.append(["**total**", sum(tl[t, "ja"] for t in TYPES), sum(tl[t, "en"] for t in TYPES), n])
    parts.append("### Type x language\n\n" + _table(["type", "ja", "en", "total"], rows))

    tu = Counter((r["type"], r["urgency"]) for r in records)
    rows = [[f"`{t}`", *(tu[t, u] for u in URGENCIES)] for t in TYPES]
    uc = Counter(r["urgency"] for r in records)
    rows.append(["**total**", *(f"{uc[u]} ({100 * uc[u] / n:.0f} %)" for u in URGENCIES)])
    parts.append("### Urgency (by type)\n\n" + _table(["type", *URGENCIES], rows))

    slot_type = Counter((s, r["type"]) for r in records for s in r.get("missing") or ())
    present = [t for t in TYPES if any(slot_type[s, t] for s in SLOTS)]
    rows = [[f"`{s}`", *(slot_type[s, t] or "" for t in present),
             sum(slot_type[s, t] for t in TYPES)] for s in SLOTS]
    asking = sum(1 for r in records if r.get("missing"))
    by_count = Counter(len(r.get("missing") or ()) for r in records)
    parts.append(
        "### Missing slots (records that lack each slot, by type)\n\n"
        + _table(["slot", *present, "total"], rows)
        + f"\n\n{asking} records ({100 * asking / n:.0f} %) lack at least one slot "
        + "(`needs_clarification`); "
        + ", ".join(f"{k} missing: {by_count[k]}" for k in sorted(by_count)) + "."
    )

    rows = [[name, sum(_style(name, rx, r) for r in records)] for name, rx in STYLES]
    parts.append("### Style markers (regular-expression counts, approximate)\n\n"
                 + _table(["marker", "records"], rows))
    return "\n\n".join(parts) + "\n"


def update_readme(readme: Path, text: str) -> None:
    """Replace what lies between the begin/end markers in the README."""
    doc = readme.read_text(encoding="utf-8")
    if BEGIN not in doc or END not in doc:
        sys.exit(f"{readme}: markers {BEGIN} / {END} not found")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{BEGIN}\n{text}{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", nargs="?", type=Path, default=ROOT / "training_data")
    ap.add_argument("--update-readme", action="store_true",
                    help="rewrite the tables in <directory>/README.md instead of printing")
    args = ap.parse_args(argv)
    files = load(args.directory)
    if not files:
        sys.exit(f"{args.directory}: no *.jsonl files")
    text = report(files)
    if args.update_readme:
        update_readme(args.directory / "README.md", text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
