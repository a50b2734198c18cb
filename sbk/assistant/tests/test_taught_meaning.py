"""Taught questions matched by meaning (``sbk/assistant/by_meaning.py``; ADR 0006,
twenty-first round): the table and its match on vectors made here, the real model on the
demo library, and the embedding stored when a question is taught."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sbk.assistant import by_meaning, dense, engine, retrieval, services, text
from sbk.assistant.models import Passage, TaughtQuestion
from sbk.core.actors import SYSTEM

from .conftest import FEES, TAUGHT
from .test_dense import _unit
from .test_pure import SYNONYMS, _entries

# Another wording of the same need, sharing almost no word with it nor with the passage:
# the word gate and meaning both refuse it while nothing is taught.
REWORDED = "娃把社保卡掰断了重新做收钱吗"


# ------------------------------------------------------------------ the table
def test_the_match_is_the_closest_taught_question_at_or_above_the_floor():
    table = by_meaning.TaughtTable(_unit([1, 0], [0.6, 0.8], [0, 1]), np.array([4, 7, 9]))
    everywhere = np.ones(10, dtype=bool)
    question = _unit([0.8, 0.6])[0]  # cosines 0.8, 0.96, 0.6
    assert table.match(question, everywhere, None) is None
    assert table.match(question, everywhere, 0.96) == 7
    assert table.match(question, everywhere, 0.97) is None
    # A passage out of scope is never matched, however close its question.
    scope = everywhere.copy()
    scope[7] = False
    assert table.match(question, scope, 0.7) == 4
    assert table.match(question, scope, 0.81) is None


def test_the_table_takes_stored_embeddings_and_makes_the_rest():
    entries = _entries()[:3]
    entries[1] = dataclasses.replace(entries[1], taught=("问题甲", "问题乙"))
    entries[2] = dataclasses.replace(entries[2], taught=("问题甲",))
    stored = _unit([1] + [0] * (dense.DIM - 1))[0]
    table = by_meaning.TaughtTable.build(entries, dense.shared_encoder(), {"问题甲": stored})
    assert table.at.tolist() == [1, 1, 2]
    assert np.array_equal(table.vectors[0], stored) and np.array_equal(table.vectors[2], stored)
    made = dense.shared_encoder().question("问题乙")
    assert np.allclose(table.vectors[1], made)
    assert by_meaning.TaughtTable.build(_entries()[:3], dense.shared_encoder()) is None


# ------------------------------------------------------------------ the real model
def _index(entries, vectors, encoder=None):
    groups = text.parse_synonyms(SYNONYMS.read_text("utf-8"))
    tokenize = retrieval.segmented(groups, retrieval.shared_segmenter())
    return retrieval.Index(entries, tokenize, vectors=vectors, encoder=encoder)


def _cosine(a: str, b: str) -> float:
    encoder = dense.shared_encoder()
    return float(encoder.question(a) @ encoder.question(b))


def test_another_wording_of_a_taught_question_is_answered_with_its_passage(library):
    entries, vectors, fees, taught = library
    close = _cosine(REWORDED, TAUGHT)
    limits = dense.Thresholds(dense.GAP, dense.AGREED, None, taught=close - 0.005)
    assert _index(entries, vectors).search(REWORDED, limits=limits).refused
    index = _index(taught, vectors)
    answer = index.search(REWORDED, limits=limits)
    assert not answer.refused
    assert answer.hits[0].entry.heading.endswith(FEES)
    assert answer.hits[0].by_meaning
    # Above the two questions' cosine, or with no match, it is refused as before.
    above = dataclasses.replace(limits, taught=close + 0.005)
    assert index.search(REWORDED, limits=above).refused
    assert index.search(REWORDED, limits=dataclasses.replace(limits, taught=None)).refused


def test_a_question_on_another_subject_is_not_matched(library):
    _, vectors, _, taught = library
    index = _index(taught, vectors)
    limits = dense.Thresholds(dense.GAP, dense.AGREED, None, taught=_cosine(REWORDED, TAUGHT))
    unmatched = dataclasses.replace(limits, taught=None)
    for question in ("公积金怎么提取", "身份证丢了补办要钱吗"):
        assert _cosine(question, TAUGHT) < limits.taught
        # Decided as with no match at all (the word gate may still answer the second).
        assert index.search(question, limits=limits) == index.search(question, limits=unmatched)


class _CountingEncoder(dense.Encoder):
    """The real encoder, counting the taught questions it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def questions(self, texts):
        self.asked += texts
        return super().questions(texts)


def test_the_taught_table_is_built_only_when_a_search_matches(library):
    _, vectors, _, taught = library
    encoder = _CountingEncoder()
    index = _index(taught, vectors, encoder)
    off = dense.Thresholds(dense.GAP, dense.AGREED, None, taught=None)
    index.search(REWORDED, limits=off)
    assert encoder.asked == [] and "taught_table" not in vars(index)
    index.search(REWORDED, limits=dataclasses.replace(off, taught=0.5))
    assert encoder.asked == [TAUGHT] and index.taught_table.at.size == 1


def test_a_matched_passage_out_of_scope_is_not_answered(library):
    _, vectors, fees, taught = library
    index = _index(taught, vectors)
    limits = dense.Thresholds(dense.GAP, dense.AGREED, None, taught=0.5)
    others = {e.document for e in taught} - {taught[fees].document}
    answer = index.search(REWORDED, limits=limits, allowed=others)
    assert all(h.entry.document != taught[fees].document for h in answer.hits)


# ------------------------------------------------------------------ stored when taught
RULES = """测试补卡规定
一、补卡
（一）条件。社保卡遗失的，须先办理正式挂失，再申请补卡。
（二）费用。因个人原因损坏补换卡的，收取工本费。
"""


@pytest.mark.django_db
def test_teaching_stores_the_questions_embedding_and_the_index_uses_it(world):
    services.load_document(
        acting_user=SYSTEM, org=world.centre, file_name="rules.txt", data=RULES.encode()
    )
    passage = Passage.objects.get(heading__endswith="（二）费用")
    services.teach_question(acting_user=world.city_admin, question=TAUGHT, passage_id=passage.pk)
    stored = dense.from_bytes(TaughtQuestion.objects.get(text=TAUGHT).vector)
    assert np.allclose(stored, dense.shared_encoder().question(TAUGHT))
    index = engine.build_index()
    at = next(i for i, e in enumerate(index.entries) if e.key == passage.pk)
    assert index.taught_table.at.tolist() == [at]
    assert np.array_equal(index.taught_table.vectors[0], stored)
