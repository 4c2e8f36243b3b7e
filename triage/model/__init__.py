"""The type/urgency model: training, artefacts, the registry of versions, prediction.

Public API:
- Classifier.load(models_dir, version=None) -> Classifier; .predict(rt); .predict_many(rts)
- train_and_register(records, models_dir, *, seed=0, force=False, progress=None) -> TrainResult
- registry: list_versions, show, promote, rollback, current
"""

from __future__ import annotations

from triage.model.classifier import Classifier
from triage.model.registry import current, list_versions, promote, rollback, show
from triage.model.train import TrainConfig, TrainResult, train_and_register

__all__ = [
    "Classifier",
    "TrainConfig",
    "TrainResult",
    "current",
    "list_versions",
    "promote",
    "rollback",
    "show",
    "train_and_register",
]
