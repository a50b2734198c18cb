"""The learned gate (ADR 0006, eighth round): features, fitting, the threshold, the shipped
model, and the search that uses it. Pure: no database."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sbk.assistant import learned, retrieval

N = len(learned.FEATURES)


def test_candidate_features_read_places_and_shares_of_the_best():
    rows = learned.candidate_features(
        word_score=np.array([0.8, 0.4, -1.0]),
        char_score=np.array([0.5, 1.0, 0.25]),
        coverage=np.array([1.0, 0.5, 0.0]),
        word_place=np.array([0, 1, -1]),
        char_place=np.array([-1, 0, 2]),
    )
    col = {name: rows[:, i] for i, name in enumerate(learned.FEATURES)}
    # a passage hidden from the asker (-1) scores 0, never negative
    assert col["word_score"].tolist() == [0.8, 0.4, 0.0]
    assert col["word_place"].tolist() == [1.0, 0.5, 0.0]
    assert col["char_place"].tolist() == [0.0, 1.0, pytest.approx(1 / 3)]
    assert col["word_share_of_best"].tolist() == [1.0, 0.5, 0.0]
    assert col["char_share_of_best"].tolist() == [0.5, 1.0, 0.25]
    assert col["word_score_x_coverage"].tolist() == [0.8, 0.2, 0.0]
    assert col["best_coverage"].tolist() == [1.0, 1.0, 1.0]


def test_candidates_join_both_rankings_word_ranking_first():
    word = np.array([0.9, 0.1, 0.5, 0.0])
    char = np.array([0.2, 0.3, 0.0, 0.8])
    cands, rows = learned.candidates([0, 2], [3, 0], word, char, {0: 1.0, 2: 0.5})
    assert cands == [0, 2, 3]
    assert rows.shape == (3, N)
    # 3 came from the character ranking alone: no word place, no coverage known
    assert rows[2, learned.FEATURES.index("word_place")] == 0.0
    assert rows[2, learned.FEATURES.index("coverage")] == 0.0
    assert learned.candidates([], [], word, char, {})[0] == []


def _synthetic(seed: int = 7, n_questions: int = 120):
    """Questions whose right candidate has a high word score and coverage; the ones to
    refuse have only low-scoring candidates."""
    rng = np.random.default_rng(seed)
    questions = []
    for q in range(n_questions):
        answerable = q % 3 != 0
        word = rng.uniform(0.0, 0.4, 8)
        cover = rng.uniform(0.0, 0.5, 8)
        right = np.zeros(8, dtype=bool)
        if answerable:
            at = int(rng.integers(0, 8))
            word[at], cover[at], right[at] = rng.uniform(0.6, 1.0), 1.0, True
        order = np.argsort(-word)
        place = np.empty(8, dtype=int)
        place[order] = np.arange(8)
        rows = learned.candidate_features(word, word * 0.8, cover, place, place)
        questions.append(learned.Question(rows, right))
    return questions


def test_fit_learns_that_the_right_candidate_scores_high_and_the_threshold_refuses():
    questions = _synthetic()
    rows = np.concatenate([q.rows for q in questions])
    labels = np.concatenate([q.right for q in questions])
    gate = learned.fit(rows, labels)
    p = gate.probabilities(rows)
    assert p[labels].min() > p[~labels].max() - 0.2
    assert p[labels].mean() > 0.5 > p[~labels].mean()
    gate = dataclasses.replace(gate, threshold=learned.choose_threshold(gate, questions))
    assert 0.0 < gate.threshold < 1.0
    for q in _synthetic(seed=8, n_questions=60):
        chosen = learned.decide(gate.probabilities(q.rows), gate.threshold)
        if q.answerable:
            assert chosen and q.right[chosen[0]]
        else:
            assert chosen == []


def test_choose_threshold_is_zero_when_refusing_never_pays():
    # every question answerable, its right candidate first: refusing only loses
    rows = learned.candidate_features(
        np.array([0.9, 0.1]), np.array([0.9, 0.1]), np.ones(2), np.array([0, 1]), np.array([0, 1])
    )
    questions = [learned.Question(rows, np.array([True, False]))] * 5
    gate = learned.fit(np.concatenate([rows, rows]), np.array([True, False, True, False]))
    assert learned.choose_threshold(gate, questions) == 0.0


def test_fit_refuses_rows_without_both_labels():
    rows = np.zeros((3, N))
    with pytest.raises(ValueError, match="both"):
        learned.fit(rows, np.zeros(3, dtype=bool))
    with pytest.raises(ValueError, match="FEATURES"):
        learned.fit(np.zeros((3, N - 1)), np.array([1, 0, 0]))


def test_decide_answers_at_most_k_over_the_threshold_best_first():
    p = np.array([0.2, 0.9, 0.5, 0.7])
    assert learned.decide(p, 0.4) == [1, 3, 2]
    assert learned.decide(p, 0.4, k=2) == [1, 3]
    assert learned.decide(p, 0.95) == []


def test_the_shipped_gate_loads_and_matches_the_features_this_code_computes():
    gate = learned.shipped()
    assert gate.features == learned.FEATURES
    assert "assistant_questions.tsv" in gate.trained_on
    again = learned.Gate.from_json(gate.to_json())
    assert again == gate


def test_a_gate_fitted_on_other_features_is_refused():
    gate = learned.shipped()
    other = gate.to_json().replace('"best_coverage"', '"something_else"')
    with pytest.raises(ValueError, match="train_gate"):
        learned.Gate.from_json(other)


def _index() -> retrieval.Index:
    e = retrieval.Entry
    entries = [
        e(1, 1, "挂失", "第三条 临时挂失", "持卡人可通过电话办理临时挂失，临时挂失有效期为15天。"),
        e(2, 1, "挂失", "第四条 正式挂失", "持卡人应持本人有效身份证件到受理网点办理正式挂失。"),
        e(3, 2, "照片", "（一）尺寸", "照片规格为26毫米宽32毫米高。"),
    ]
    tokenize = retrieval.segmented([], retrieval.shared_segmenter())
    return retrieval.Index(entries, tokenize, characters=True)


def _gate(threshold: float, intercept: float = 0.0) -> learned.Gate:
    # probability rises with the word score alone
    weights = (intercept, 4.0) + (0.0,) * (N - 1)
    return learned.Gate(learned.FEATURES, (0.5,) * N, (0.25,) * N, weights, threshold)


def test_search_under_the_learned_gate_orders_by_probability_and_refuses_below_it(
    monkeypatch,
):
    index = _index()
    monkeypatch.setattr(retrieval, "FUSED_GATE", "learned")
    monkeypatch.setattr(learned, "shipped", lambda: _gate(0.5))
    answer = index.search("临时挂失有效期多久", fuse=True)
    assert not answer.refused
    assert answer.hits[0].entry.key == 1
    scores = [h.score for h in answer.hits]
    assert scores == sorted(scores, reverse=True) and all(0.5 <= s <= 1 for s in scores)
    # the same order, every probability now far below the threshold
    monkeypatch.setattr(learned, "shipped", lambda: _gate(0.5, intercept=-60.0))
    refused = index.search("临时挂失有效期多久", fuse=True)
    assert refused.refused and refused.hits == []
    assert refused.best is not None and refused.best.entry.key == 1
    assert refused.suggestions


def test_learned_rows_are_the_rows_search_judges():
    index = _index()
    cands, rows = index.learned_rows("临时挂失有效期多久")
    assert cands[0] == 0 and rows.shape == (len(cands), N)
    with pytest.raises(ValueError, match="characters"):
        retrieval.Index(index.entries, index.tokenize).learned_rows("挂失")


def test_learned_order_refuses_as_the_rule_gate_and_orders_by_probability(monkeypatch):
    index = _index()
    monkeypatch.setattr(retrieval, "FUSED_GATE", "learned_order")
    # a gate that would refuse everything: under "learned_order" it only orders
    monkeypatch.setattr(learned, "shipped", lambda: _gate(0.5, intercept=-60.0))
    answer = index.search("临时挂失有效期多久", fuse=True)
    words = index.search("临时挂失有效期多久", fuse=False)
    assert not answer.refused and not words.refused
    assert answer.hits[0].entry.key == 1
    scores = [h.score for h in answer.hits]
    assert scores == sorted(scores, reverse=True)
    # the rule gate refuses (threshold out of reach): so does the learned order
    monkeypatch.setattr(learned, "shipped", lambda: _gate(0.0, intercept=60.0))
    refused = index.search("临时挂失有效期多久", fuse=True, threshold=50.0)
    assert refused.refused and refused.hits == []
    assert refused.best is not None and refused.best.entry.key == 1
    assert index.search("临时挂失有效期多久", fuse=False, threshold=50.0).refused
