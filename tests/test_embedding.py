"""The sentence encoder and the stack parts that use its columns."""

from __future__ import annotations

import os

import numpy as np
import pytest
import scipy.sparse as sp

from triage import embedding
from triage.embedding import DIMENSION, SentenceEmbedder, encode
from triage.errors import ModelError
from triage.stacking import BlockColumns, ChosenCombiner, NeighbourVote


def test_vectors_are_unit_length_and_offline() -> None:
    vecs = encode(["my laptop will not start", "ノートPCが起動しません", ""])
    assert vecs.shape == (3, DIMENSION)
    assert vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert os.environ.get("HF_HUB_OFFLINE") == "1"


def test_similar_requests_are_nearer_than_unrelated_ones() -> None:
    laptop, notebook, invoice = encode(
        [
            "my laptop will not turn on this morning",
            "the notebook computer does not boot",
            "please pay the attached supplier invoice by friday",
        ]
    )
    assert float(laptop @ notebook) > float(laptop @ invoice) + 0.1


def test_texts_are_remembered_only_while_training(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "cache me: printer on floor 3 is jammed"
    real = embedding._encoder
    calls: list[int] = []

    def counting() -> object:
        calls.append(1)
        return real()

    monkeypatch.setattr(embedding, "_encoder", counting)
    with embedding.remembering():
        first = encode([text])
        with embedding.remembering():  # re-entrant: the outer block's vectors stay
            again = encode([text, text])
        assert embedding._cache is not None
    assert len(calls) == 1
    np.testing.assert_array_equal(again, np.vstack([first, first]))
    assert embedding._cache is None  # the daemon keeps nothing per mail
    np.testing.assert_array_equal(encode([text]), first)
    assert len(calls) == 2


def test_embedder_refuses_another_encoder_version() -> None:
    emb = SentenceEmbedder().fit(["a"])
    assert emb.encoder_version_ == embedding.encoder_version()
    assert emb.transform(["hello"]).shape == (1, DIMENSION)
    emb.encoder_version_ = "0.0.0-other"
    with pytest.raises(ModelError, match="retrain"):
        emb.transform(["hello"])


def test_block_columns_split_the_encoder_columns_from_the_rest() -> None:
    X = sp.csr_matrix(np.arange(12, dtype=np.float32).reshape(2, 6))
    last = BlockColumns(2, keep="last").fit(X).transform(X)
    rest = BlockColumns(2, keep="rest").fit(X).transform(X)
    assert isinstance(last, np.ndarray)
    np.testing.assert_array_equal(last, [[4, 5], [10, 11]])
    assert sp.issparse(rest)
    np.testing.assert_array_equal(rest.toarray(), [[0, 1, 2, 3], [6, 7, 8, 9]])
    with pytest.raises(ValueError, match="keep"):
        BlockColumns(2, keep="first").fit(X)


def test_neighbour_vote_shrinks_k_to_the_data_and_votes_by_nearness() -> None:
    X = np.array([[1, 0], [0.9, 0.1], [0, 1]], dtype=np.float32)
    vote = NeighbourVote(n_neighbors=25).fit(X, ["a", "a", "b"])
    assert vote.knn_.n_neighbors == 2
    assert list(vote.predict(np.array([[0.1, 1.0], [1.0, 0.05]]))) == ["b", "a"]
    proba = vote.predict_proba(np.array([[1.0, 0.0]]))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert proba[0, list(vote.classes_).index("a")] > 0.5


def test_loading_a_model_checks_its_encoder_at_once() -> None:
    from sklearn.dummy import DummyClassifier
    from sklearn.pipeline import Pipeline

    from triage.features import build_features
    from triage.model.classifier import _warm_encoders
    from triage.records import RequestText

    texts = [RequestText(subject=f"s{i}", body=f"printer {i} jammed again", lang="en")
             for i in range(4)]
    feats = build_features()
    X = feats.fit_transform(texts)
    assert X.shape[1] > DIMENSION
    pipe = Pipeline(feats.steps + [("clf", DummyClassifier().fit(X, ["it"] * 4))])
    _warm_encoders({"type": pipe})  # the installed encoder: fine
    blocks = pipe.steps[1][1]
    blocks.named_transformers_["encoder"].encoder_version_ = "0.0.0-other"
    with pytest.raises(ModelError, match="retrain"):
        _warm_encoders({"type": pipe})


def test_the_stack_refuses_features_without_the_encoder_columns() -> None:
    from triage.features import build_pipeline

    with pytest.raises(ValueError, match="stack-linear"):
        build_pipeline(kind="stack", encoder=False)
    names = [n for n, _, _ in build_pipeline(kind="stack-linear")[1].transformers]
    assert "encoder" not in names


def test_combiner_takes_products_when_no_line_separates_the_classes() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    crossed = np.where(X[:, 0] * X[:, 1] > 0, "hr", "it")  # no line separates these
    chosen = ChosenCombiner(cv=3).fit(X, crossed)
    assert chosen.choice_.startswith("pairs")
    assert (chosen.predict(X) == crossed).mean() > 0.9
    straight = np.where(X[:, 0] + 0.3 * rng.normal(size=400) > 0, "hr", "it")
    plain = ChosenCombiner(cv=3).fit(X, straight)
    assert set(plain.scores_) == {"linear", "pairs C=0.03", "pairs C=0.1"}
    assert plain.scores_[plain.choice_] == max(plain.scores_.values())
    assert (plain.predict(X) == straight).mean() > 0.85


def test_combiner_copes_with_a_class_of_two() -> None:
    X = np.vstack([np.zeros((2, 3)), np.ones((20, 3))]) + np.arange(22)[:, None] * 0.01
    y = ["legal"] * 2 + ["it"] * 20
    chosen = ChosenCombiner(cv=5).fit(X, y)
    assert list(chosen.classes_) == ["it", "legal"]
    assert chosen.predict_proba(X).shape == (22, 2)
