"""`triage train`: labelled files plus supervisors' corrections -> a registered model version."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triage import dataset
from triage.records import LabelledRecord


@dataclass(frozen=True)
class TrainingRun:
    version: str
    promoted: bool
    why: str
    report: str


def correction_records(cfg: Any) -> list[LabelledRecord]:
    """Relabels recorded by supervisors, as training records (the newest label wins)."""
    from triage.daemon.build import open_store
    from triage.store import repo

    store = open_store(cfg)
    latest: dict[int, LabelledRecord] = {}
    with store.transaction() as s:
        for c in repo.corrections(s):
            latest[c.request_id] = LabelledRecord(
                id=f"correction-{c.request_id}", lang=c.lang or "en", subject=c.subject or "",
                body=c.body or "", attachments=tuple(c.attachments or ()), sent_at=c.sent_at,
                type=c.type, urgency=c.urgency, missing=())
    store.dispose()
    return list(latest.values())


def load_training(path: Path) -> list[LabelledRecord]:
    return dataset.load_dir(path) if path.is_dir() else dataset.load_jsonl(path)


def run_training(data: Path, models_dir: str, *, cfg: Any, seed: int, force: bool,
                 corrections: bool, echo: Callable[[str], None]) -> TrainingRun:
    from triage.model.train import train_and_register

    records = load_training(data)
    echo(f"loaded {len(records)} labelled records from {data}")
    if corrections and cfg is not None:
        extra = correction_records(cfg)
        if extra:
            echo(f"adding {len(extra)} supervisor corrections (--no-corrections leaves them out)")
            records += extra
    result = train_and_register(records, models_dir, seed=seed, force=force, progress=echo)
    return TrainingRun(result.version, result.promoted, result.reason,
                       _report(result.version, result.metrics, result.promoted, result.reason))


def _report(version: str, metrics: dict[str, Any], promoted: bool, why: str) -> str:
    lines = [f"model version {version}: {'current' if promoted else 'not promoted'} ({why})"]
    for part in ("cv", "holdout"):
        scores = metrics.get(part) or {}
        for task in ("type", "urgency"):
            s = scores.get(task)
            if s:
                lines.append(f"  {part:<8} {task:<8} accuracy {s.get('accuracy', 0):.3f}  "
                             f"macro-F1 {s.get('macro_f1', 0):.3f}")
    return "\n".join(lines)
