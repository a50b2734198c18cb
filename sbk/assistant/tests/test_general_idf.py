"""The seventh round (ADR 0006): the refusal gate's key terms weighed by general-language
rarity (jieba's shipped idf table, ``sbk.assistant.general_idf``). Pure: no database.

One tiny library where the library's own idf cannot tell an everyday word from a topic
word: neither 孩子 nor 借书 (nor any of their characters) is in a passage, so both weigh as
"in no passage". In general Chinese 孩子 is common and 借书 is rare.
"""

from __future__ import annotations

import pytest

from sbk.assistant import general_idf, retrieval

PASSAGES = [
    ("一、补卡", "社保卡遗失的，到受理网点补卡。"),
    ("二、照片", "照片背景为白色，不合格的重新拍摄。"),
    ("三、密码", "密码连续输错六次的，次日自动解锁。"),
    ("四、注销", "持卡人死亡的，近亲属办理注销。"),
]
EVERYDAY = "孩子补卡"  # a paraphrase's everyday word the passage lacks
OFF_TOPIC = "借书补卡"  # a topic no passage covers


@pytest.fixture(scope="module")
def index():
    entries = [
        retrieval.Entry(i + 1, 1, "测试规定", heading, body)
        for i, (heading, body) in enumerate(PASSAGES)
    ]
    return retrieval.Index(entries, retrieval.segmented((), retrieval.shared_segmenter()))


def _cover(index, question, weighting):
    return float(index.coverage([0], index.tokenize.key_units(question), weighting)[0])


def test_the_table_is_jiebas_own_read_once():
    assert general_idf.PATH.parent.parent.name == "jieba" and general_idf.PATH.is_file()
    words = general_idf.table()
    assert general_idf.table() is words and len(words) > 200_000
    assert general_idf.idf("孩子") < 7 < general_idf.idf("驾驶证") < general_idf.idf("借书")


def test_a_word_the_table_lacks_weighs_as_its_characters_else_the_median():
    assert "丢了" not in general_idf.table()
    assert general_idf.idf("丢了") == general_idf.idf("丢")  # 了 is a stop character
    assert general_idf.idf("12333") == general_idf.median()


def test_library_idf_cannot_tell_an_everyday_word_from_a_topic_word(index):
    assert _cover(index, EVERYDAY, "library") == pytest.approx(_cover(index, OFF_TOPIC, "library"))
    assert _cover(index, EVERYDAY, "library") < retrieval.COVERAGE


@pytest.mark.parametrize("weighting", ["general", "mixed"])
def test_a_rare_topic_word_sinks_coverage_an_everyday_word_does_not(index, weighting):
    assert _cover(index, OFF_TOPIC, weighting) < retrieval.COVERAGE
    assert _cover(index, EVERYDAY, weighting) >= retrieval.COVERAGE
    # The gate itself (score threshold off, so coverage alone decides).
    assert index.search(EVERYDAY, threshold=0.0, key_weight=weighting).hits
    assert index.search(OFF_TOPIC, threshold=0.0, key_weight=weighting).refused


def test_mixed_keeps_a_word_every_passage_holds_light():
    # 社保卡 is rare in general Chinese (idf about 11.7) but in every passage here: by the
    # general idf alone it would carry a question about 借书; times the library idf it
    # weighs little.
    entries = [
        retrieval.Entry(i + 1, 1, "测试规定", h, "社保卡" + b) for i, (h, b) in enumerate(PASSAGES)
    ]
    index = retrieval.Index(entries, retrieval.segmented((), retrieval.shared_segmenter()))
    question = "社保卡借书"
    assert _cover(index, question, "general") >= retrieval.COVERAGE
    assert _cover(index, question, "mixed") < retrieval.COVERAGE


def test_the_module_constant_is_the_default(index, monkeypatch):
    assert retrieval.KEY_WEIGHT == "library" and retrieval.KEY_CUT is None  # not adopted
    assert index.search(EVERYDAY, threshold=0.0).refused
    monkeypatch.setattr(retrieval, "KEY_WEIGHT", "mixed")
    assert index.search(EVERYDAY, threshold=0.0).hits
    assert index.search(OFF_TOPIC, threshold=0.0).refused
    # An explicit argument still wins over the constant.
    assert index.search(EVERYDAY, threshold=0.0, key_weight="library").refused


def test_the_cut_leaves_everyday_key_terms_out(index, monkeypatch):
    units = index.tokenize.key_units(EVERYDAY)
    assert [u.text for u in general_idf.keep(units, 7.0)] == ["补卡"]
    assert general_idf.keep(units, None) == units and general_idf.keep(units, 0.0) == units
    # A question of everyday words only keeps them all (its gate is not switched off).
    assert general_idf.keep(units, 99.0) == units
    monkeypatch.setattr(retrieval, "KEY_CUT", 7.0)
    assert index.search(EVERYDAY, threshold=0.0).hits
    assert index.search(OFF_TOPIC, threshold=0.0).refused
    assert index.search(EVERYDAY, threshold=0.0, key_cut=0.0).refused


def test_an_unknown_weighting_is_refused(index):
    with pytest.raises(ValueError):
        index.search(EVERYDAY, key_weight="bogus")
    with pytest.raises(ValueError):
        general_idf.weigh(1.0, "孩子", "bogus")
