"""Declined questions matched by meaning where the answer's passage is as relevant to them
(``by_meaning.declined_answer``; ADR 0006, twenty-fourth round): on the test library with
the real model, 办结婚证要带什么材料 declined (the word engine answers it from the material
passage of the replacement rules)."""

from __future__ import annotations

import dataclasses

import pytest

from sbk.assistant import dense, retrieval

from .conftest import FEES
from .test_taught_meaning import _cosine, _index

MARRIAGE = "办结婚证要带什么材料"
NOTE = "婚姻登记请咨询区民政局婚姻登记处"
# Another wording of the declined question (cosine about 0.98).
REWORDED = "去领结婚证需要准备哪些材料"
# A question of the card's business close to the declined one (cosine about 0.91), answered
# from the same passage, to which it is far more relevant than the declined question.
CARD = "补社保卡要带什么材料"
FLOOR = 0.9
LIMITS = dense.Thresholds(dense.GAP, dense.AGREED, None, declined=FLOOR)


def _declining(entries, vectors, taught: dict[str, int] | None = None) -> retrieval.Index:
    """The test library with ``MARRIAGE`` declined and ``taught`` (question → position)."""
    plain = _index(entries, vectors)
    rows = [
        dataclasses.replace(e, taught=tuple(q for q, at in (taught or {}).items() if at == i))
        for i, e in enumerate(entries)
    ]
    return retrieval.Index(rows, plain.tokenize, vectors=vectors, declined=[(MARRIAGE, NOTE, None)])


def _margin(margin: float | None) -> dense.Thresholds:
    return dataclasses.replace(LIMITS, declined_margin=margin)


@pytest.fixture(scope="module")
def plain(library):
    entries, vectors, _, _ = library
    return entries, vectors


def test_without_a_margin_the_card_question_is_refused_as_the_twenty_third_round_did(plain):
    index = _declining(*plain)
    assert _cosine(CARD, MARRIAGE) >= FLOOR
    answer = index.search(CARD, limits=LIMITS)
    assert answer.refused and answer.declined == NOTE


def test_with_a_margin_the_rewording_is_refused_and_the_card_question_answered(plain):
    index = _declining(*plain)
    limits = _margin(0.03)
    reworded = index.search(REWORDED, limits=limits)
    assert reworded.refused and reworded.declined == NOTE and reworded.hits == []
    card = index.search(CARD, limits=limits)
    assert not card.refused and card.declined is None
    assert card == index.search(CARD, limits=dataclasses.replace(LIMITS, declined=None))
    # Its own words are refused before any ranking, as always.
    own = index.search(f"{MARRIAGE}？", limits=limits)
    assert own.refused and own.declined == NOTE


def test_the_margin_decides_at_the_difference_of_relevance(plain):
    entries, vectors = plain
    index = _declining(entries, vectors)
    answer = index.search(CARD, limits=dataclasses.replace(LIMITS, declined=None))
    at = next(i for i, e in enumerate(index.entries) if e is answer.hits[0].entry)
    encoder = dense.shared_encoder()
    gap = float(vectors[at] @ encoder.question(CARD) - vectors[at] @ encoder.question(MARRIAGE))
    assert gap > 0.01, "the card question is the more relevant to its passage"
    assert index.search(CARD, limits=_margin(gap + 0.005)).declined == NOTE
    assert index.search(CARD, limits=_margin(gap - 0.005)).declined is None


def test_a_nearer_taught_question_keeps_the_answer(plain, library):
    entries, vectors = plain
    fees = library[2]
    # The card question taught to another passage: it is nearer than the declined one, so
    # even a margin that would let the declined one fire does not.
    index = _declining(entries, vectors, taught={CARD: fees})
    answer = index.search(CARD, limits=_margin(1.0))
    assert not answer.refused and answer.declined is None
    assert index.entries[fees].heading.endswith(FEES)


def test_the_match_is_off_without_a_floor_or_without_meaning(plain):
    index = _declining(*plain)
    no_floor = dataclasses.replace(_margin(1.0), declined=None)
    assert index.search(REWORDED, limits=no_floor).declined is None
    assert index.search(REWORDED, limits=_margin(1.0), meaning=False).declined is None
    # Not embedded at all unless a search matches by meaning.
    assert "declined_table" not in index.__dict__


def test_the_module_s_settings_are_the_default(plain, monkeypatch):
    index = _declining(*plain)
    monkeypatch.setattr(dense, "DECLINED_MATCH", FLOOR)
    monkeypatch.setattr(dense, "DECLINED_MARGIN", 0.03)
    assert dense.thresholds().declined_margin == 0.03
    assert index.search(REWORDED).declined == NOTE
    assert index.search(CARD).declined is None
