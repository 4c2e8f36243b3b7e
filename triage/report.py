"""Human-readable forms of an evaluation report: text tables and confusion-matrix PNGs.

matplotlib is optional (the `plots` extra) and imported only when plots are asked for,
with the Agg backend: the daemon and a headless server never need a display.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    line = "  ".join(
        h.ljust(w) if i == 0 else h.rjust(w)
        for i, (h, w) in enumerate(zip(header, widths, strict=True))
    )
    out = [line, "  ".join("-" * w for w in widths)]
    for row in rows:
        out.append(
            "  ".join(
                str(x).ljust(w) if i == 0 else str(x).rjust(w)
                for i, (x, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(out)


def _f(x: Any) -> str:
    return "-" if x is None else f"{x:.3f}" if isinstance(x, float) else str(x)


def _per_class(block: dict[str, Any]) -> str:
    rows = [
        [lab, _f(s["precision"]), _f(s["recall"]), _f(s["f1"]), str(s["support"])]
        for lab, s in block["per_class"].items()
    ]
    return _table(rows, ["label", "precision", "recall", "f1", "support"])


def _confusion(block: dict[str, Any]) -> str:
    labels = block["confusion"]["labels"]
    short = [lab[:6] for lab in labels]
    rows = [
        [lab] + [str(v) for v in row]
        for lab, row in zip(labels, block["confusion"]["matrix"], strict=True)
    ]
    return _table(rows, ["gold \\ predicted"] + short)


def _summary(rep: dict[str, Any]) -> list[list[str]]:
    nc = rep.get("needs_clarification") or {}
    slots = rep.get("slots") or {}
    cov = rep.get("coverage") or {}
    return [
        ["n", str(rep["n"])],
        ["type accuracy", _f(rep["type"]["accuracy"])],
        ["type macro-F1", _f(rep["type"]["macro_f1"])],
        ["urgency accuracy", _f(rep["urgency"]["accuracy"])],
        ["urgency macro-F1", _f(rep["urgency"]["macro_f1"])],
        ["needs_clarification F1", _f(nc.get("f1"))],
        ["slots micro-F1", _f(slots.get("micro_f1"))],
        ["decided automatically", _f(cov.get("decided"))],
        ["type accuracy (decided)", _f(cov.get("accuracy_decided"))],
    ]


def format_text(report: dict[str, Any]) -> str:
    """The report as plain-text tables: summary (all / ja / en), per class, confusion."""
    langs = list((report.get("by_lang") or {}).items())
    summary = _summary(report)
    header = ["metric", "all"] + [lang for lang, _ in langs]
    for _lang, rep in langs:
        for row, extra in zip(summary, _summary(rep), strict=True):
            row.append(extra[1])
    parts = ["Summary", _table(summary, header)]
    for task in ("type", "urgency"):
        parts += [f"\n{task}: per class", _per_class(report[task])]
        parts += [f"\n{task}: confusion (rows gold, columns predicted)", _confusion(report[task])]
    if report.get("slots"):
        rows = [
            [s, _f(v["precision"]), _f(v["recall"]), _f(v["f1"]), str(v["support"])]
            for s, v in report["slots"]["per_slot"].items()
        ]
        parts += ["\nslots (predicted type's missing vs gold missing)"]
        parts += [_table(rows, ["slot", "precision", "recall", "f1", "support"])]
        nc = report["needs_clarification"]
        parts += [
            "\nneeds_clarification: precision {p}, recall {r}, F1 {f}".format(
                p=_f(nc["precision"]), r=_f(nc["recall"]), f=_f(nc["f1"])
            )
        ]
    return "\n".join(parts) + "\n"


def write_plots(report: dict[str, Any], directory: str | Path) -> list[Path]:
    """Confusion matrices (type, urgency; all and per language) as PNG files."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    scopes = [("all", report)] + list((report.get("by_lang") or {}).items())
    for scope, rep in scopes:
        for task in ("type", "urgency"):
            labels = rep[task]["confusion"]["labels"]
            matrix = rep[task]["confusion"]["matrix"]
            fig, ax = plt.subplots(figsize=(1.0 + 0.7 * len(labels), 0.8 + 0.6 * len(labels)))
            ax.imshow(matrix, cmap="Blues")
            ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
            ax.set_yticks(range(len(labels)), labels)
            ax.set_xlabel("predicted")
            ax.set_ylabel("gold")
            ax.set_title(f"{task} ({scope}, n={rep['n']}, macro-F1 {rep[task]['macro_f1']:.3f})")
            peak = max((max(r) for r in matrix), default=0)
            for i, row in enumerate(matrix):
                for j, v in enumerate(row):
                    if v:
                        color = "white" if v > peak / 2 else "black"
                        ax.text(j, i, str(v), ha="center", va="center", color=color, fontsize=8)
            fig.tight_layout()
            path = out_dir / f"confusion_{task}_{scope}.png"
            fig.savefig(path, dpi=100)
            plt.close(fig)
            written.append(path)
    return written
