"""Per-class confidence thresholds chosen on out-of-fold predictions.

A prediction is *confident* when its calibrated probability reaches the threshold of the
predicted class; below it the request goes to the human triage queue. Each class gets
the lowest threshold at which the out-of-fold predictions at or above it still reach
the target precision, so that as many requests as possible are decided automatically
while the automatic decisions stay right at the promised rate.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Written into metadata for a class whose target cannot be met: nothing is confident.
NEVER = 1.01


def choose_thresholds(
    y_true: Sequence[str],
    proba: np.ndarray,
    labels: Sequence[str],
    target_precision: float,
    *,
    min_support: int = 5,
) -> dict[str, float]:
    """Threshold per label so that precision of {pred == label, conf >= t} >= target.

    ``proba`` has one column per label in ``labels`` order. A label predicted fewer
    than ``min_support`` times out of fold gets NEVER: too little evidence to promise
    anything.
    """
    y = np.asarray(list(y_true))
    pred_idx = proba.argmax(axis=1)
    conf = proba.max(axis=1)
    out: dict[str, float] = {}
    for k, label in enumerate(map(str, labels)):
        mask = pred_idx == k
        if mask.sum() < min_support:
            out[label] = NEVER
            continue
        order = np.argsort(-conf[mask], kind="stable")
        c = conf[mask][order]
        correct = (y[mask][order] == label).astype(float)
        precision = np.cumsum(correct) / np.arange(1, len(c) + 1)
        best = NEVER
        for i in range(len(c)):
            # a cut can only sit between distinct confidences
            if i + 1 < len(c) and c[i + 1] == c[i]:
                continue
            if precision[i] >= target_precision:
                best = float(c[i])
        out[label] = round(best, 6) if best != NEVER else NEVER
    return out


def is_confident(label: str, confidence: float, thresholds: dict[str, float]) -> bool:
    """True when the confidence reaches the label's threshold (a missing label: never)."""
    return confidence >= thresholds.get(label, NEVER)
