"""Query expansion (ADR 0006, fourth round): RM3 pseudo-relevance feedback and global
co-occurrence, both from the library's own statistics; the refusal gate unchanged.

Pure: no database. The first tests use a toy word engine (whitespace-separated words,
``w:``) so that what each pass sees is exact; the gate tests use sbk's own tokenizer.
"""

from __future__ import annotations

import math

import pytest

from sbk.assistant import expansion, retrieval


def _words(text: str) -> list[str]:
    return ["w:" + w for w in text.split()]


def _toy() -> retrieval.Index:
    e = retrieval.Entry
    entries = [
        e(1, 1, "", "", "挂失 热线 电话"),
        e(2, 1, "", "", "挂失 热线 受理"),
        # Shares no word with the question 挂失; holds the feedback passages' 热线.
        e(3, 2, "", "", "热线 服务 时间"),
        e(4, 3, "", "", "照片 背景 白色"),
        e(5, 3, "", "", "照片 尺寸"),
    ]
    return retrieval.Index(entries, _words, feedback=True)


def test_the_textbook_constants_and_off_by_default():
    assert (expansion.FEEDBACK_PASSAGES, expansion.FEEDBACK_TERMS) == (10, 10)
    assert expansion.ORIGINAL_WEIGHT == 0.5
    # the tuning part chose no expansion (benchmarks/RESULTS.md, fourth round)
    assert retrieval.EXPANSION is None
    assert retrieval.Index([], _words).forward is None


def test_rm3_models_the_feedback_passages_terms():
    index = _toy()
    model = expansion.expansion_terms(index, [0, 1], [1.0, 1.0], "rm3")
    assert math.isclose(sum(model.values()), 1.0)
    # 挂失 and 热线 are in both feedback passages, 电话 and 受理 in one each
    assert model["w:挂失"] == model["w:热线"] > model["w:电话"] == model["w:受理"]
    assert "w:照片" not in model
    # a passage's first-pass score weighs its terms
    assert expansion.expansion_terms(index, [0, 1], [3.0, 1.0])["w:电话"] > model["w:电话"]


def test_an_expansion_term_reaches_a_passage_sharing_no_word_with_the_question():
    index = _toy()
    assert index.ranking("挂失", expand=False) == [1, 2]
    for variant in ("rm3", "rm3_idf", "cooc"):
        ranked = index.ranking("挂失", expand=variant)
        assert ranked[:2] == [1, 2] and 3 in ranked, variant
        assert not {4, 5} & set(ranked)


def test_co_occurrence_prefers_the_term_that_shares_passages_beyond_chance():
    e = retrieval.Entry
    entries = [
        e(1, 1, "", "", "挂失 热线 受理"),
        e(2, 1, "", "", "挂失 热线"),
        e(3, 2, "", "", "热线 服务"),
        e(4, 3, "", "", "照片 受理"),
        e(5, 3, "", "", "照片 尺寸 受理"),
        e(6, 3, "", "", "照片 服务"),
    ]
    model = expansion.cooccurring_terms(retrieval.Index(entries, _words, feedback=True), "挂失")
    # 热线: in both passages holding 挂失, in one more (more than chance); 受理: in one
    # of them and in two others (less than chance); 照片 and 服务: never with 挂失
    assert list(model) == ["w:热线"]
    assert model["w:热线"] == 1.0


def test_rm3_by_idf_prefers_the_distinctive_term():
    e = retrieval.Entry
    entries = [e(i, i, "", "", "社保卡 社保卡 社保卡 办理") for i in range(1, 6)]
    entries.append(e(6, 6, "", "", "社保卡 社保卡 社保卡 密码"))
    index = retrieval.Index(entries, _words, feedback=True)
    plain = expansion.expansion_terms(index, [5], [1.0], "rm3")
    rare = expansion.expansion_terms(index, [5], [1.0], "rm3_idf")
    assert max(plain, key=plain.get) == "w:社保卡"
    assert max(rare, key=rare.get) == "w:密码"


def test_the_expanded_query_keeps_half_the_questions_weight():
    query = expansion.expanded_query({"w:a": 1.0, "w:b": 3.0}, {"w:b": 0.25, "w:c": 0.75})
    assert query == {"w:a": 0.5, "w:b": 1.5 + 0.5, "w:c": 1.5}
    assert math.isclose(sum(query.values()), 4.0)


def test_only_words_and_synonym_groups_expand():
    index = retrieval.Index(
        [retrieval.Entry(1, 1, "", "", "x")],
        lambda text: ["w:挂失", "u:挂", "b:挂失", "s:补卡", "t:时限"],
        feedback=True,
    )
    assert set(expansion.expansion_terms(index, [0], [1.0])) == {"w:挂失", "s:补卡"}


def test_expansion_needs_the_forward_lists_and_a_known_variant():
    plain = retrieval.Index([retrieval.Entry(1, 1, "", "", "挂失")], _words)
    with pytest.raises(ValueError):
        plain.search("挂失", expand="rm3")
    assert not plain.search("挂失", threshold=0.0).refused
    with pytest.raises(ValueError):
        _toy().search("挂失", expand="bm25")
    assert _toy().nbytes() > plain.nbytes()


# ------------------------------------------------------------ with sbk's own tokenizer
@pytest.fixture(scope="module")
def library():
    e = retrieval.Entry
    entries = [
        e(
            1,
            1,
            "挂失规定",
            "第三条 临时挂失",
            "社保卡丢失后可拨打服务热线办理临时挂失，有效期为15天。",
        ),
        e(
            2,
            1,
            "挂失规定",
            "第四条 正式挂失",
            "正式挂失须持本人有效身份证件到服务网点，也可拨打服务热线预约。",
        ),
        e(3, 2, "咨询服务", "一、服务热线", "服务热线受理咨询和投诉，人工坐席工作日在线。"),
        e(4, 3, "照片标准", "一、背景", "照片背景为白色，不得佩戴帽子。"),
        e(5, 3, "照片标准", "二、尺寸", "照片尺寸为358像素乘441像素。"),
    ]
    return retrieval.Index(
        entries, retrieval.segmented((), retrieval.shared_segmenter()), feedback=True
    )


QUESTION = "卡丢了怎么挂失"


def test_expansion_terms_never_count_as_the_questions_key_terms(library):
    variant = "rm3"
    # The feedback passages bring 服务 / 热线: the hotline passage joins the ranking ...
    assert 3 not in library.ranking(QUESTION, expand=False)
    assert 3 in library.ranking(QUESTION, expand=variant)
    # ... but it holds none of the question's key terms (挂失, 丢): coverage 0, so it is
    # not an answer even with no score threshold ...
    units = library.tokenize.key_units(QUESTION)
    assert library.coverage([2], units).tolist() == [0.0]
    answer = library.search(QUESTION, threshold=0.0, expand=variant)
    assert 3 not in [h.entry.key for h in answer.hits]
    # ... nor with no coverage rule: the score threshold judges the question's own score.
    lenient = library.search(QUESTION, threshold=0.01, coverage=0.0, expand=variant)
    assert 3 not in [h.entry.key for h in lenient.hits]
    assert [h.entry.key for h in lenient.hits][:1] == [1]


def test_a_refusal_stays_a_refusal_with_expansion(library):
    question = "护照加急要几天"
    for variant in (False, "rm3", "rm3_idf", "cooc"):
        answer = library.search(question, expand=variant)
        assert answer.refused and answer.hits == [], variant
