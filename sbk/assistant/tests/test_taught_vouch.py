"""Taught words vouch only for a question close to a taught one (``by_meaning.vouched``;
ADR 0006, twenty-second round): on the test library with the real model, one question taught
to the fee passage."""

from __future__ import annotations

import dataclasses

import pytest

from sbk.assistant import dense, services
from sbk.assistant.demo import LIBRARY
from sbk.assistant.models import Passage
from sbk.core.actors import SYSTEM

from .conftest import FEES, TAUGHT
from .test_taught_meaning import _cosine, _index

# About something else (a dog that bit someone), answered from the fee passage only through
# the words the taught question brought to it (家里, 狗, 咬 …).
ELSEWHERE = "狗咬人了怎么办"
# About the fee passage, with the taught question's words (狗, 咬) but passed on the
# passage's own (补换, 工本费).
OWN_WORDS = "狗把卡咬坏了补换要交工本费吗"
LIMITS = dense.Thresholds(dense.GAP, dense.AGREED, None)


def _vouching(floor: float | None) -> dense.Thresholds:
    return dataclasses.replace(LIMITS, vouch=floor)


def test_the_taught_only_terms_are_those_the_passage_does_not_hold_itself(library):
    _, vectors, fees, taught = library
    index = _index(taught, vectors)
    assert set(index.taught_only) == {fees}
    only = {t for t, i in index.vocab.items() if i in index.taught_only[fees]}
    assert {"u:狗", "u:咬", "w:家里"} <= only
    # 卡 and 费用's characters are the passage's own, whatever the taught question adds.
    assert "u:卡" not in only and "u:费" not in only
    held = index.held("u:狗", [fees], own=True)
    assert index.held("u:狗", [fees]).tolist() == [True] and held.tolist() == [False]


def test_taught_words_vouch_only_for_a_question_close_to_a_taught_one(library):
    entries, vectors, _, taught = library
    assert _index(entries, vectors).search(ELSEWHERE, limits=LIMITS).refused
    index = _index(taught, vectors)
    lent = index.search(ELSEWHERE, limits=_vouching(None))
    assert not lent.refused and lent.hits[0].entry.heading.endswith(FEES)
    cosine = _cosine(ELSEWHERE, TAUGHT)
    assert index.search(ELSEWHERE, limits=_vouching(cosine + 0.005)).refused
    close = index.search(ELSEWHERE, limits=_vouching(cosine - 0.005))
    assert close == lent


def test_a_question_the_passage_s_own_words_pass_is_decided_as_before(library):
    entries, vectors, _, taught = library
    plain = _index(entries, vectors).search(OWN_WORDS, limits=LIMITS)
    assert plain.hits[0].entry.heading.endswith(FEES) and not plain.hits[0].by_meaning
    index = _index(taught, vectors)
    assert _cosine(OWN_WORDS, TAUGHT) < 1.0
    answer = index.search(OWN_WORDS, limits=_vouching(1.0))
    assert answer == index.search(OWN_WORDS, limits=_vouching(None))
    assert answer.hits[0].entry.heading.endswith(FEES) and not answer.hits[0].by_meaning


def test_a_passage_refused_its_taught_words_is_not_passed_by_the_gate(library):
    # 补卡要钱吗 reaches the fee passage's key terms only through 钱 of the taught question:
    # at a floor above its cosine the passage is at most filled in by meaning, after the
    # passage the gate passes on its own words.
    _, vectors, _, taught = library
    index = _index(taught, vectors)
    question = "补卡要钱吗"
    assert index.search(question, limits=_vouching(None)).hits[0].entry.heading.endswith(FEES)
    answer = index.search(question, limits=_vouching(_cosine(question, TAUGHT) + 0.005))
    assert not answer.hits[0].entry.heading.endswith(FEES)
    assert all(h.by_meaning for h in answer.hits if h.entry.heading.endswith(FEES))


def test_the_shipped_floor_is_the_default(library, monkeypatch):
    _, vectors, _, taught = library
    index = _index(taught, vectors)
    monkeypatch.setattr(dense, "TAUGHT_VOUCH", _cosine(ELSEWHERE, TAUGHT) + 0.005)
    assert dense.thresholds().vouch == dense.TAUGHT_VOUCH
    assert index.search(ELSEWHERE).refused
    monkeypatch.setattr(dense, "TAUGHT_VOUCH", None)
    assert not index.search(ELSEWHERE).refused


class _CountingEncoder(dense.Encoder):
    """The real encoder, counting the questions it embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def question(self, text):
        self.asked.append(text)
        return super().question(text)


@pytest.mark.parametrize("question", [ELSEWHERE, "公积金怎么提取", OWN_WORDS])
def test_the_question_is_embedded_once_at_most(library, question):
    _, vectors, _, taught = library
    encoder = _CountingEncoder()
    index = _index(taught, vectors, encoder)
    index.search(question, limits=_vouching(0.5))
    vouching = encoder.asked.count(question)
    encoder.asked.clear()
    index.search(question, limits=_vouching(None))
    assert vouching <= 1 and vouching == encoder.asked.count(question)


@pytest.mark.django_db
def test_the_service_refuses_what_only_a_taught_question_s_words_would_answer(world, monkeypatch):
    # The product's path: the whole demo library loaded, the question taught through the
    # service (its embedding stored), the index built from the database.
    for path in sorted(LIBRARY.glob("*.txt")):
        services.load_document(
            acting_user=SYSTEM, org=world.centre, file_name=path.name, data=path.read_bytes()
        )
    fees = Passage.objects.get(heading__endswith=FEES)
    services.teach_question(acting_user=SYSTEM, question=TAUGHT, passage_id=fees.pk)

    def ask(question):
        return services.ask(question, user=SYSTEM, channel="console", log=False)

    assert ask(TAUGHT).hits[0].entry.key == fees.pk
    assert ask(ELSEWHERE).refused
    monkeypatch.setattr(dense, "TAUGHT_VOUCH", None)
    lent = ask(ELSEWHERE)
    assert not lent.refused and lent.hits[0].entry.key == fees.pk
