"""Hybrid ranking (ADR 0006, third round): the word engine's ranking fused with a BM25
ranking over single characters by reciprocal-rank fusion; the refusal gate unchanged.

Pure: no database. The word engine of the first tests is a toy (whitespace-separated
words, ``w:``) so that what each ranking sees is exact; the refusal tests use sbk's own
segmented tokenizer.
"""

from __future__ import annotations

import pytest

from sbk.assistant import retrieval


def test_rrf_sums_one_over_k_plus_rank_over_the_rankings():
    fused = retrieval.rrf([[1, 2, 3], [3, 4]], k=60)
    # 3: 1/63 + 1/61; 1: 1/61; 2 and 4: 1/62 each, 2 first (the first ranking's order)
    assert fused == [3, 1, 2, 4]
    assert retrieval.rrf([[5, 6], []]) == [5, 6]
    assert retrieval.rrf([]) == []


def test_rrf_uses_the_standard_constant():
    assert retrieval.RRF_K == 60
    # with k = 60, rank 1 in one list loses to rank 2 in both
    assert retrieval.rrf([[1, 2], [3, 2]]) == [2, 1, 3]


def _words(text: str) -> list[str]:
    """A word engine that knows only whole words: 尺寸规格 is not 尺寸 + 规格."""
    return ["w:" + w for w in text.split()]


def _decoys_and_target(characters: bool) -> retrieval.Index:
    e = retrieval.Entry
    entries = [
        # Three passages holding three of the question's words, few of its characters.
        e(1, 1, "照片", "一", "照片 背景 白色 冲印 影楼 相纸"),
        e(2, 1, "照片", "二", "照片 背景 白色 冲印 影楼"),
        e(3, 1, "照片", "三", "照片 背景 白色 冲印"),
        # The passage that answers: the same subject written apart (尺寸 规格 格式 大小),
        # which the word engine does not match to the question's 尺寸规格格式大小.
        e(4, 2, "照片", "四", "照片 尺寸 规格 格式 大小"),
        e(5, 3, "门禁", "五", "门禁 刷卡 楼宇"),
    ]
    return retrieval.Index(entries, _words, characters=characters)


QUESTION = "照片 背景 白色 尺寸规格格式大小"


def test_a_passage_only_the_character_ranking_puts_first_is_found_by_the_hybrid():
    index = _decoys_and_target(characters=True)
    words_only = index.search(QUESTION, k=3, threshold=0.0, fuse=False)
    assert [h.entry.key for h in words_only.hits] == [3, 2, 1]
    chars = index.chars.search(QUESTION, k=3, threshold=0.0)
    assert chars.hits[0].entry.key == 4
    hybrid = index.search(QUESTION, k=3, threshold=0.0, fuse=True)
    assert 4 in [h.entry.key for h in hybrid.hits]
    assert not hybrid.refused


def test_the_character_index_is_built_only_when_asked_and_is_aligned():
    assert _decoys_and_target(characters=False).chars is None
    index = _decoys_and_target(characters=True)
    assert index.chars.chars is None
    assert [e.key for e in index.chars.entries] == [e.key for e in index.entries]
    assert index.nbytes() > index.chars.nbytes() > 0
    # the default follows retrieval.HYBRID; fusing needs the character index
    with pytest.raises(ValueError):
        _decoys_and_target(characters=False).search(QUESTION, fuse=True)


def test_the_word_gate_still_judges_a_fused_candidate(monkeypatch):
    index = _decoys_and_target(characters=True)
    # 门禁卡 shares no word with any passage: the word score is 0 everywhere, the
    # character ranking finds 门禁 in passage 5.
    question = "门禁卡"
    assert index.chars.search(question, threshold=0.3).hits[0].entry.key == 5
    monkeypatch.setattr(retrieval, "FUSED_GATE", "word")
    assert index.search(question, threshold=0.3, fuse=True).refused
    monkeypatch.setattr(retrieval, "FUSED_GATE", "either")
    either = index.search(question, threshold=0.3, fuse=True)
    assert [h.entry.key for h in either.hits][:1] == [5]
    # Passed to a search, the gate decides that search and the module's is not read.
    assert index.search(question, threshold=0.3, fuse=True, gate="word").refused
    monkeypatch.setattr(retrieval, "FUSED_GATE", "word")
    assert index.search(question, threshold=0.3, fuse=True, gate="either") == either


# ------------------------------------------------------------ with sbk's own tokenizer
@pytest.fixture(scope="module")
def seg():
    return retrieval.shared_segmenter()


def _library(seg) -> retrieval.Index:
    e = retrieval.Entry
    entries = [
        e(1, 1, "代办规定", "三、代办", "代办须提交授权委托书和双方有效身份证件。"),
        e(2, 1, "代办规定", "四、一人一卡", "每人只能持有一张有效社保卡。"),
        e(3, 2, "照片标准", "一、背景", "照片背景为白色，不得佩戴帽子。"),
        e(4, 3, "挂失规定", "第三条 临时挂失", "持卡人可通过电话办理临时挂失，有效期为15天。"),
    ]
    return retrieval.Index(entries, retrieval.segmented((), seg), characters=True)


@pytest.mark.parametrize("gate", ["word", "either"])
@pytest.mark.parametrize("question", ["社保卡能坐地铁吗", "护照加急要几天"])
def test_a_refusal_stays_a_refusal_when_no_fused_candidate_covers_the_key_terms(
    seg, monkeypatch, gate, question
):
    index = _library(seg)
    monkeypatch.setattr(retrieval, "FUSED_GATE", gate)
    # The character ranking does bring candidates (卡 of 社保卡, 照 of 照片, 天 of 15天) ...
    raw, ideal = index.chars.scores(question)
    assert ideal > 0 and (raw > 0).sum() >= 2
    # ... and none holds the subject (地铁, 护照): refused even with no score threshold,
    # fused or not, with the closest headings suggested.
    fused = index.search(question, fuse=True, threshold=0.0)
    assert fused.refused and fused.hits == []
    assert fused.best is not None and fused.suggestions
    assert index.search(question, fuse=False, threshold=0.0).refused


def test_a_fused_answer_still_passes_the_gate(seg):
    index = _library(seg)
    answer = index.search("电话临时挂失能管几天", fuse=True)
    assert not answer.refused
    assert answer.hits[0].entry.key == 4
