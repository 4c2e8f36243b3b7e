"""Model versions in a models/ directory: which exist, which is current, switching.

models/<version>/       one trained artefact (model.skops + metadata.json)
models/CURRENT          the name of the version the daemon loads
models/HISTORY          earlier CURRENT values, one per line, newest last (for rollback)

CURRENT is replaced atomically (write a temp file, rename), so a daemon reading it
never sees half a name.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from triage.errors import ModelError
from triage.model import artefact

CURRENT = "CURRENT"
HISTORY = "HISTORY"
_VERSION = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{4}-[0-9a-f]{8}(?:-[0-9]+)?$")


def new_version_name(models_dir: Path, created: datetime, data_hash: str) -> str:
    """'2026-11-23T2015-<hash8>' (UTC minute + training-data hash), unique in models_dir."""
    base = f"{created.strftime('%Y-%m-%dT%H%M')}-{data_hash[:8]}"
    name, n = base, 1
    while (Path(models_dir) / name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def list_versions(models_dir: str | Path) -> list[str]:
    """Version names (directories with metadata.json), oldest first."""
    d = Path(models_dir)
    if not d.is_dir():
        return []
    return sorted(
        p.name
        for p in d.iterdir()
        if p.is_dir() and _VERSION.match(p.name) and (p / artefact.METADATA_FILE).is_file()
    )


def current(models_dir: str | Path) -> str | None:
    """The current version name, or None when nothing was promoted yet."""
    path = Path(models_dir) / CURRENT
    try:
        name = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def _history(models_dir: Path) -> list[str]:
    try:
        lines = (models_dir / HISTORY).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [x.strip() for x in lines if x.strip()]


def show(models_dir: str | Path, version: str | None = None) -> dict[str, Any]:
    """The metadata of a version (default: the current one), plus whether it is current."""
    d = Path(models_dir)
    name = version or current(d)
    if name is None:
        raise ModelError(f"{d}: no current model; train one with `triage train`")
    if name not in list_versions(d):
        raise ModelError(f"{d}: no model version {name!r}")
    meta = artefact.read_metadata(d / name)
    meta["current"] = name == current(d)
    return meta


def promote(models_dir: str | Path, version: str) -> None:
    """Make a version current; the previous current goes onto HISTORY."""
    d = Path(models_dir)
    if version not in list_versions(d):
        raise ModelError(f"{d}: no model version {version!r}")
    previous = current(d)
    if previous == version:
        return
    if previous:
        history = _history(d) + [previous]
        _write_atomic(d / HISTORY, "\n".join(history) + "\n")
    _write_atomic(d / CURRENT, version + "\n")


def rollback(models_dir: str | Path) -> str:
    """Make the previous current version current again; returns its name."""
    d = Path(models_dir)
    history = _history(d)
    available = set(list_versions(d))
    while history and history[-1] not in available:
        history.pop()  # a deleted version cannot be rolled back to
    if not history:
        raise ModelError(f"{d}: no earlier version to roll back to")
    target = history.pop()
    _write_atomic(d / HISTORY, "\n".join(history) + ("\n" if history else ""))
    _write_atomic(d / CURRENT, target + "\n")
    return target


def summaries(models_dir: str | Path) -> list[dict[str, Any]]:
    """One row per version for listings: version, created_at, n_records, current, and
    the hold-out scores (metrics.type_macro_f1 / urgency_macro_f1, None if absent)."""
    d = Path(models_dir)
    cur = current(d)
    rows = []
    for name in list_versions(d):
        try:
            meta = artefact.read_metadata(d / name)
        except ModelError as exc:
            rows.append({"version": name, "error": str(exc), "current": name == cur})
            continue
        held = (meta.get("metrics") or {}).get("holdout") or {}
        rows.append(
            {
                "version": name,
                "created_at": meta.get("created_at"),
                "n_records": (meta.get("training_data") or {}).get("n"),
                "current": name == cur,
                "metrics": {
                    "type_macro_f1": (held.get("type") or {}).get("macro_f1"),
                    "urgency_macro_f1": (held.get("urgency") or {}).get("macro_f1"),
                },
            }
        )
    return rows
