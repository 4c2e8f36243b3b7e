"""Rendering the assignment log as a table, CSV or JSON Lines for supervisors."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

COLUMNS = ("at", "ref", "kind", "actor", "from_status", "to_status", "type", "urgency",
           "owner", "reason", "model_version")


def _cell(row: dict[str, Any], key: str) -> str:
    if key == "owner":
        return row.get("owner_email") or row.get("owner_name") or ""
    value = row.get(key)
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="seconds")
    return str(value)


def render_log(rows: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return "".join(json.dumps(r, default=str, ensure_ascii=False) + "\n" for r in rows)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow([_cell(r, c) for c in COLUMNS])
        return buf.getvalue()
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for name in ("time", "ref", "event", "status", "type", "urgency"):
        table.add_column(name, no_wrap=True)  # short fixed vocabularies: never cut
    table.add_column("owner", overflow="fold")
    table.add_column("reason", overflow="fold")
    for r in rows:
        status = f"{_cell(r, 'from_status')}→{_cell(r, 'to_status')}" \
            if r.get("from_status") != r.get("to_status") else _cell(r, "to_status")
        table.add_row(_cell(r, "at")[:19], _cell(r, "ref"), _cell(r, "kind"), status,
                      _cell(r, "type"), _cell(r, "urgency"), _cell(r, "owner"),
                      _cell(r, "reason"))
    buf = io.StringIO()
    Console(file=buf, width=200, force_terminal=False).print(table)
    return buf.getvalue()
