"""ML smoke test: train on the small fixture -> register -> load -> predict -> evaluate;
the promotion gate (refuse worse, force) and refusing mismatched artefacts."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import skops.io as sio

from triage.dataset import load_jsonl, to_request_text
from triage.errors import ModelError
from triage.evaluate import evaluate
from triage.model import (
    Classifier,
    TrainConfig,
    artefact,
    current,
    list_versions,
    train_and_register,
)
from triage.model.classifier import fast_proba
from triage.records import ContextResult, RequestText
from triage.taxonomy import TYPES

pytestmark = pytest.mark.ml

FIXTURE = Path(__file__).parent / "fixtures" / "small_train.jsonl"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    models = tmp_path_factory.mktemp("models")
    messages: list[str] = []
    result = train_and_register(load_jsonl(FIXTURE), models, seed=0, progress=messages.append)
    assert result.promoted and result.reason == "no current model"
    assert any("cross-validation" in m for m in messages)
    return models, result.version


def copy_version(src: tuple[Path, str], dst: Path) -> Path:
    models, version = src
    shutil.copytree(models / version, dst / version)
    return dst / version


def test_smoke_train_load_predict_evaluate(trained: tuple[Path, str]) -> None:
    models, version = trained
    assert current(models) == version and list_versions(models) == [version]
    meta = json.loads((models / version / "metadata.json").read_text(encoding="utf-8"))
    assert meta["labels"]["type"] == list(TYPES)
    assert set(meta["thresholds"]["type"]) == set(TYPES)
    assert meta["training_data"]["n"] == 48 and meta["seed"] == 0
    assert {"sklearn", "skops", "numpy", "spacy", "sudachipy"} <= set(meta["libraries"])
    assert meta["metrics"]["cv"]["type"]["macro_f1"] >= 0.0

    clf = Classifier.load(models)
    assert clf.version == version
    records = load_jsonl(FIXTURE)
    p = clf.predict(to_request_text(records[0]))
    assert p.type in TYPES and p.model_version == version
    assert sum(p.type_scores.values()) == pytest.approx(1.0, abs=1e-3)
    assert 0.0 <= p.urgency_confidence <= 1.0
    many = clf.predict_many([to_request_text(r) for r in records[:3]])
    assert [m.type for m in many][0] == p.type
    assert clf.predict(RequestText(subject="", body="")).type in TYPES

    def no_slots(rt: RequestText, type_: str) -> ContextResult:
        return ContextResult(type=type_, findings=())

    fields = clf.models["type"][0].transform([to_request_text(r) for r in records])
    for task in ("type", "urgency"):
        pipe = clf.models[task]
        assert fast_proba(pipe, fields) == pytest.approx(pipe[1:].predict_proba(fields), abs=1e-9)

    # type and urgency share one fitted vectoriser object (stored once, run once)
    assert clf.models["urgency"].steps[1][1] is clf.models["type"].steps[1][1]
    via_classifier = clf.predict_many([to_request_text(r) for r in records])
    direct = clf.models["urgency"].predict_proba([to_request_text(r) for r in records])
    labels = list(clf.models["urgency"].classes_)
    for pred, row in zip(via_classifier, direct, strict=True):
        assert pred.urgency == labels[int(row.argmax())]
        assert pred.urgency_confidence == pytest.approx(float(row.max()), abs=1e-9)

    report = evaluate(records, clf, no_slots)
    assert report["n"] == 48 and 0.0 <= report["type"]["macro_f1"] <= 1.0


def test_equal_model_promoted_and_force(trained: tuple[Path, str], tmp_path: Path) -> None:
    copy_version(trained, tmp_path)
    (tmp_path / "CURRENT").write_text(trained[1] + "\n", encoding="utf-8")
    records = load_jsonl(FIXTURE)
    # same data, same seed: the same hold-out scores, and "not worse" promotes
    again = train_and_register(records, tmp_path, seed=0)
    assert again.promoted and again.reason.startswith("not worse than")
    assert again.current_metrics == again.metrics["holdout"]
    assert current(tmp_path) == again.version
    weak = replace(TrainConfig(), C={"type": 1e-6, "urgency": 1e-6})
    forced = train_and_register(records, tmp_path, config=weak, force=True)
    assert forced.promoted and forced.reason == "forced"
    assert current(tmp_path) == forced.version
    assert len(list_versions(tmp_path)) == 3


def test_load_refuses_mismatches(trained: tuple[Path, str], tmp_path: Path) -> None:
    d = copy_version(trained, tmp_path)
    meta_path = d / "metadata.json"
    good = json.loads(meta_path.read_text(encoding="utf-8"))

    with pytest.raises(ModelError, match="type labels"):
        Classifier.load(tmp_path, d.name, types=TYPES + ("facilities",))

    meta_path.write_text(
        json.dumps({**good, "libraries": {**good["libraries"], "sklearn": "0.24.2"}})
    )
    with pytest.raises(ModelError, match=r"trained with scikit-learn 0\.24\.2"):
        Classifier.load(tmp_path, d.name)

    meta_path.write_text(json.dumps(good))
    with (d / "model.skops").open("ab") as fh:
        fh.write(b"x")
    with pytest.raises(ModelError, match="checksum"):
        Classifier.load(tmp_path, d.name)


class Gadget:
    """A type no allow-list names."""


def test_untrusted_types_refused(trained: tuple[Path, str], tmp_path: Path) -> None:
    d = copy_version(trained, tmp_path)
    sio.dump({"type": Gadget(), "urgency": Gadget()}, d / "model.skops")
    meta = json.loads((d / "metadata.json").read_text(encoding="utf-8"))
    meta["file"]["sha256"] = artefact.file_sha256(d / "model.skops")
    (d / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="untrusted types.*Gadget"):
        Classifier.load(tmp_path, d.name)


def test_vectoriser_persists_as_arrays(tmp_path: Path) -> None:
    """OptionalText stores its vocabulary as arrays (fast skops load), same transform."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from triage.features import OptionalText

    docs = ["経費精算のお願い", "VPN cannot connect", "契約書の審査", "order 5 chairs"]
    block = OptionalText(TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3))).fit(docs)
    empty = OptionalText(TfidfVectorizer()).fit(["", " "])
    path = tmp_path / "block.skops"
    sio.dump({"block": block, "empty": empty}, path)
    trusted = sio.get_untrusted_types(file=path)
    assert set(trusted) <= artefact.ALLOWED_TYPES
    loaded = sio.load(path, trusted=trusted)
    assert (loaded["block"].transform(docs) != block.transform(docs)).nnz == 0
    assert loaded["empty"].transform(["x"]).shape == (1, 1)


def test_nb_logistic_regression_folds_ratio_into_coefficients(tmp_path: Path) -> None:
    """NB-LR's decision equals LR on r-scaled features, ranks its own class first, persists."""
    import numpy as np
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    from triage.features import NBLogisticRegression

    rng = np.random.default_rng(0)
    y = np.repeat(np.array(["a", "b", "c"]), 20)
    dense = rng.random((60, 12)) * (rng.random((60, 12)) < 0.3)
    for k in range(3):  # features 3k..3k+2 mark class k
        dense[y == "abc"[k], 3 * k : 3 * k + 3] += 1.0
    X = sp.csr_matrix(dense, dtype=np.float32)
    model = NBLogisticRegression(C=2.0).fit(X, y)
    assert list(model.classes_) == ["a", "b", "c"]
    assert (model.predict(X) == y).mean() >= 0.95

    present = dense > 0
    pos = y == "b"
    p = present[pos].sum(axis=0) + 1.0
    q = present[~pos].sum(axis=0) + 1.0
    r = np.log((p / p.sum()) / (q / q.sum()))
    lr = LogisticRegression(C=2.0, max_iter=2_000).fit(X.multiply(r.astype(np.float32)), pos)
    expected = lr.decision_function(X.multiply(r.astype(np.float32)).tocsr())
    assert model.decision_function(X)[:, 1] == pytest.approx(expected, abs=1e-4)

    path = tmp_path / "nblr.skops"
    sio.dump(model, path)
    trusted = sio.get_untrusted_types(file=path)
    assert set(trusted) <= artefact.ALLOWED_TYPES
    loaded = sio.load(path, trusted=trusted)
    assert np.array_equal(loaded.decision_function(X), model.decision_function(X))
