"""The second round's retrieval rules (ADR 0006, "Second round"), each on a tiny library
so that removing the rule fails its test. Pure: no database.
"""

from __future__ import annotations

import pytest

from sbk.assistant import retrieval, splitting, text
from sbk.assistant.splitting import Line


@pytest.fixture(scope="module")
def seg():
    return retrieval.shared_segmenter()


def _index(seg, passages, synonyms=""):
    entries = [
        retrieval.Entry(i + 1, 1, "测试规定", heading, body)
        for i, (heading, body) in enumerate(passages)
    ]
    return retrieval.Index(entries, retrieval.segmented(text.parse_synonyms(synonyms), seg))


# ------------------------------------------------------------ question wording
def test_asking_words_weigh_nothing_not_even_through_their_characters(seg):
    tok = retrieval.segmented((), seg)
    terms = tok.question_terms("卡上名字印错了怎么办")
    assert not [t for t in terms if "么" in t or t == "u:办"], terms
    terms = tok.question_terms("社保卡不能刷卡是怎么回事")
    assert "u:回" not in terms and "u:事" not in terms
    assert text.strip_question_wording("补卡多久能拿到") == "补卡，能拿到"


def test_asking_words_do_not_decide_between_two_passages(seg):
    # 办 of 怎么办 would favour the passage that says 办理; the question is about 照片.
    index = _index(
        seg,
        [
            ("一、办理", "到受理网点办理，办理时带身份证件。"),
            ("二、照片", "照片背景为白色，照片不合格的重新拍摄。"),
        ],
    )
    answer = index.search("照片不合格怎么办", k=1)
    assert answer.hits and answer.hits[0].entry.heading == "二、照片"
    assert "u:办" not in index.query_terms("照片不合格怎么办")


# ---------------------------------------------------------------- answer types
def test_a_question_asking_how_long_finds_the_passage_stating_a_time_limit(seg):
    assert text.question_types("补卡多久能拿到") == ["时限"]
    assert text.question_types("补卡要带什么") == []
    assert "t:时限" in text.passage_types("自受理之日起7个工作日内制卡完成")
    assert "t:费用" in text.passage_types("按标准收取工本费")
    index = _index(
        seg,
        [
            ("一、地点", "补换卡在受理网点办理。"),
            ("二、期限", "补换卡自受理之日起7个工作日内完成制卡并通知领取。"),
        ],
    )
    # Without the answer type, the shorter passage wins on 补换卡 alone (BM25 length norm).
    answer = index.search("补换卡多久", k=2, threshold=0.0)
    assert answer.hits[0].entry.heading == "二、期限", [h.entry.heading for h in answer.hits]


# ---------------------------------------------------------------- key terms
def test_everyday_words_that_name_no_subject_are_not_key_terms(seg):
    units = [u.text for u in text.key_units("社保卡可以用来借书", seg)]
    assert "借书" in units and "社保卡" in units
    assert "用来" not in units


def test_a_longer_word_around_a_synonym_member_is_a_key_term_too(seg):
    assert "临时挂失" in text.DOMAIN_WORDS  # one jieba word around the member 挂失
    table = text.SynonymTable(text.parse_synonyms("挂失 = 丢失"))
    units = [u.text for u in text.key_units("临时挂失过期了", seg, table)]
    assert "挂失" in units and "临时挂失" in units


def test_a_synonym_key_term_weighs_as_its_group_not_its_rarest_member(seg):
    # 社保卡 is written in one passage, 社会保障卡 in the other three: the group is common,
    # so a passage holding it but not the question's rare subject (借书) does not answer.
    index = _index(
        seg,
        [
            ("一、就医", "社会保障卡可以用于就医结算。"),
            ("二、缴费", "社会保障卡可以查询缴费记录。"),
            ("三、领取", "社会保障卡在受理网点领取。"),
            ("四、挂失", "社保卡丢失的，到受理网点挂失。"),
            ("五、图书", "读者证可以借书，借书期限三十天。"),
        ],
        synonyms="社保卡 = 社会保障卡",
    )
    units = index.tokenize.key_units("社保卡借书")
    group_weight = index._idf("s:社保卡")
    assert group_weight < index._idf("w:社保卡")
    cover = index.coverage([0, 4], units)
    assert cover[0] < retrieval.COVERAGE < cover[1]
    answer = index.search("社保卡借书")
    assert all(h.entry.heading == "五、图书" for h in answer.hits)


# ------------------------------------------------------------------ splitting
def test_the_note_listing_attachments_is_main_text_and_the_title_heads_the_attachment():
    passages = splitting.split(
        [
            Line(t)
            for t in (
                "一、照片",
                "（一）规格。像素为358×441。",
                "附件：照片检测不合格原因代码表",
                "示范市社会保障卡服务中心",
                "附件",
                "照片检测不合格原因代码表",
                "尺寸不符：像素不是358×441。",
            )
        ]
    )
    got = [(p.heading, p.text) for p in passages]
    assert got == [
        ("一、照片 > （一）规格", "（一）规格。像素为358×441。"),
        ("", "附件：照片检测不合格原因代码表\n示范市社会保障卡服务中心"),
        ("附件 照片检测不合格原因代码表", "尺寸不符：像素不是358×441。"),
    ]


def test_an_attachment_heading_on_one_line_is_still_a_heading():
    # No bare 附件 line follows: "附件2：照片格式要求" starts the attachment itself.
    passages = splitting.split(
        [Line(t) for t in ("一、甲", "内容。", "附件2：照片格式要求", "358×441 像素。")]
    )
    assert passages[-1].heading == "附件2"
    assert passages[-1].text.endswith("358×441 像素。")
