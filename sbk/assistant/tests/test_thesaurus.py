"""Synonyms from the Cilin thesaurus (ADR 0006, fifth round): a question word's true
synonyms score beside it; they never count as the question's key terms for the refusal
gate, and the centre's own synonym list wins over the thesaurus.

Pure: no database. Most tests use a small thesaurus built in memory (the same class the
Cilin data is read into), so they need no download; the test of the real data skips when
the ``cilin`` distribution is not installed (the feature is off by default).
"""

from __future__ import annotations

import pytest

from sbk.assistant import engine, retrieval, text, thesaurus

BOOK = thesaurus.Thesaurus([["遗失", "丢失"], ["死亡", "去世", "过世", "亡"], ["证件", "证明"]])


def _index(book=BOOK, centre: str = "") -> retrieval.Index:
    e = retrieval.Entry
    entries = [
        e(1, 1, "补卡规定", "一、补卡", "社保卡遗失的，须先办理正式挂失，再申请补卡。"),
        e(2, 1, "补卡规定", "二、材料", "补卡须携带本人有效身份证件原件。"),
        e(3, 2, "照片标准", "一、背景", "照片背景为白色，不得佩戴帽子。"),
        e(4, 3, "注销规定", "一、注销", "持卡人死亡的，近亲属可到网点办理注销。"),
        e(5, 3, "密码服务", "一、锁定", "社保服务密码连续输错6次的，卡片社保功能锁定。"),
    ]
    groups = text.parse_synonyms(centre)
    return retrieval.Index(entries, retrieval.segmented(groups, retrieval.shared_segmenter(), book))


def test_off_by_default_and_only_with_a_thesaurus():
    # the tuning part decided (benchmarks/RESULTS.md, fifth round)
    assert retrieval.THESAURUS is None
    assert engine.thesaurus_variant() is None
    index = _index()
    # a tokenizer holding a thesaurus still does not use it unless a variant is asked for
    assert index.search("丢失了").best.score == index.search("丢失了", synonyms=False).best.score
    bare = _index(book=None)
    with pytest.raises(ValueError):
        bare.search("丢失了", synonyms="cilin")


def test_an_unknown_variant_setting_is_refused(settings):
    settings.SBK_ASSISTANT_THESAURUS = "cilin_everything"
    with pytest.raises(ValueError):
        engine.thesaurus_variant()
    settings.SBK_ASSISTANT_THESAURUS = "cilin_ideal"
    assert engine.thesaurus_variant() == "cilin_ideal"


def test_only_true_synonym_groups_at_the_finest_level_and_words_of_two_characters():
    tree = {
        "A": {
            "tag": "人",
            "sub": {
                "b": {
                    "tag": "",
                    "sub": {
                        "01": {
                            "tag": "",
                            "sub": {
                                "A": {
                                    "tag": "",
                                    "sub": {
                                        "01=": ["儿童", "孩子", "孩"],
                                        "02#": ["男孩", "女孩"],
                                        "03@": ["幼儿园"],
                                    },
                                }
                            },
                        }
                    },
                }
            },
        }
    }
    groups = list(thesaurus.true_synonym_groups(tree))
    assert groups == [("Ab01A01=", ["儿童", "孩子", "孩"])]
    book = thesaurus.Thesaurus(members for _code, members in groups)
    assert book.of("孩子") == ("儿童",)
    assert book.of("孩") == () and book.of("男孩") == () and book.of("幼儿园") == ()


def test_a_question_using_a_thesaurus_synonym_of_a_document_word_finds_the_passage():
    index = _index()
    question = "家里人去世了卡怎么办"
    # Without the thesaurus the passage on 死亡 is not first (去世 is in no passage) ...
    assert index.ranking(question, synonyms=False)[0] != 4
    # ... with it, every variant puts it first.
    for variant in thesaurus.VARIANTS:
        assert index.ranking(question, synonyms=variant)[0] == 4, variant
    # A question word no passage holds pushes the score under the threshold; its held
    # synonym lifts it over (丢失 / 遗失).
    assert index.search("丢失了", synonyms=False).refused
    for variant in thesaurus.VARIANTS:
        answer = index.search("丢失了", synonyms=variant)
        assert [h.entry.key for h in answer.hits][:1] == [1], variant


def test_a_thesaurus_synonym_alone_never_satisfies_the_gates_coverage():
    index = _index()
    question = "去世"
    units = index.tokenize.key_units(question)
    assert [u.alternatives for u in units] == [("w:去世",)]
    # the passage on 死亡 holds none of the question's own key terms ...
    assert index.coverage([3], units).tolist() == [0.0]
    for variant in thesaurus.VARIANTS:
        # ... so it is ranked first but never an answer, even with no score threshold
        assert index.ranking(question, synonyms=variant)[:1] == [4], variant
        answer = index.search(question, threshold=0.0, synonyms=variant)
        assert answer.refused and answer.hits == [], variant


def test_thesaurus_terms_score_but_are_not_in_the_ideal():
    index = _index()
    query = index.query_terms("丢失了")
    extra, leaving = thesaurus.expansion_query(query, BOOK, {}, index.vocab, "cilin", 0.6)
    assert extra == {"w:遗失": 0.3}
    assert leaving == frozenset()  # only the *_ideal variants take 丢失 out of the ideal
    full, leaving = thesaurus.expansion_query(query, BOOK, {}, index.vocab, "cilin_full", 0.6)
    assert full == {"w:遗失": 0.6} and leaving == {"w:丢失"}
    _raw, ideal = index.weighted_scores(query)
    _raw, with_extra = index.weighted_scores(query, extra)
    assert with_extra == ideal
    _raw, without_word = index.weighted_scores(query, full, leaving)
    assert without_word < ideal


def test_the_centres_list_wins_over_the_thesaurus():
    # The centre's list puts 去世 with 身故: the thesaurus's 死亡 is not added for it.
    index = _index(centre="身故 = 去世")
    question = "家里人去世了卡怎么办"
    for variant in thesaurus.VARIANTS:
        assert 4 not in index.ranking(question, synonyms=variant)[:1], variant
    query = index.query_terms(question)
    names = index.tokenize.table.group_names()
    extra, _ = thesaurus.expansion_query(query, BOOK, names, index.vocab, "cilin_full", 0.6)
    assert "w:死亡" not in extra
    # A thesaurus synonym the centre's list holds stands for the centre's group.
    index = _index(centre="遗失 = 遗落")
    query = index.query_terms("丢失了")
    names = index.tokenize.table.group_names()
    extra, _ = thesaurus.expansion_query(query, BOOK, names, index.vocab, "cilin", 0.6)
    assert extra == {"s:遗失": 0.3}


@pytest.mark.skipif(thesaurus.cilin_path() is None, reason="cilin distribution not installed")
def test_the_installed_cilin_data_reads_as_true_synonyms():
    book = thesaurus.cilin()
    assert len(book) > 30000
    assert "儿童" in book.of("孩子") and "遗失" in book.of("丢失")
    assert book.of("钱财") and all(len(w) >= 2 for w in book.of("钱财"))
