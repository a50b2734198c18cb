"""The assistant's pure parts: loaders, splitting, terms, synonyms, BM25 and refusal.

No database: these run in milliseconds (jieba's dictionary loads once per process).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sbk.assistant import loaders, retrieval, splitting, text
from sbk.assistant.splitting import Line

from .documents import make_docx, make_image_only_pdf, make_pdf

LIBRARY = Path(__file__).resolve().parents[1] / "library"
SYNONYMS = Path(__file__).resolve().parents[1] / "data" / "synonyms.txt"


# ------------------------------------------------------------------------- splitting
@pytest.mark.parametrize(
    "line, rank",
    [
        ("附件1", 0),
        ("附件 2：照片格式要求", 0),
        ("第二章 挂失", 2),
        ("第三节 材料", 3),
        ("二、主要任务", 4),
        ("第十二条 时限。补换卡即时制卡", 5),
        ("（四）补换卡。遗失的，须先挂失", 6),
        ("(四) 半角括号", 6),
        ("1. 申请人登录", 7),
        ("3、各县区要强化宣传意识", 7),
        ("（2）第二小项", 8),
        ("① 第一", 9),
        ("1.5 倍", None),
        (
            "附件中的表格应当一并报送，逐项填写清楚，并于每月3日前报区社保卡服务中心汇总审核后统一上报。",
            None,
        ),
        ("普通的一句话。", None),
    ],
)
def test_heading_ranks(line, rank):
    assert splitting.heading_rank(Line(line)) == rank


def test_an_outline_level_without_numbering_is_a_heading():
    assert splitting.heading_rank(Line("办理须知", level=2)) == 2
    assert splitting.heading_rank(Line("办理须知")) is None


def test_split_heading_takes_the_part_before_the_first_full_stop():
    assert splitting.split_heading("（四）补换卡。遗失的，须先挂失。") == (
        "（四）补换卡",
        "遗失的，须先挂失。",
    )
    assert splitting.split_heading("二、主要任务") == ("二、主要任务", "")


def _lines(*texts):
    return [Line(t) for t in texts]


def test_passages_follow_the_documents_own_structure():
    passages = splitting.split(
        _lines(
            "测试办法",
            "为规范业务，制定本办法。",
            "一、申领",
            "（一）对象。本市参保人员。",
            "（二）材料",
            "1. 身份证原件。",
            "2. 照片一张。",
            "二、补换卡",
            "遗失的须先挂失。",
            "附件1",
            "照片要求",
            "358×441 像素。",
        ),
        title="测试办法",
    )
    got = [(p.heading, p.text) for p in passages]
    assert got == [
        ("", "为规范业务，制定本办法。"),
        ("一、申领 > （一）对象", "（一）对象。本市参保人员。"),
        ("一、申领 > （二）材料 > 1. 身份证原件", "1. 身份证原件。"),
        ("一、申领 > （二）材料 > 2. 照片一张", "2. 照片一张。"),
        ("二、补换卡", "遗失的须先挂失。"),
        ("附件1 照片要求", "358×441 像素。"),
    ]
    assert [p.seq for p in passages] == [1, 2, 3, 4, 5, 6]


def test_a_heading_with_nothing_under_it_is_its_own_passage():
    passages = splitting.split(_lines("一、甲", "（一）加强培训", "（二）乙。内容。"))
    assert [p.text for p in passages] == ["（一）加强培训", "（二）乙。内容。"]


def test_long_sections_are_cut_at_paragraph_ends():
    body = ["第" + "长" * 200 + "。"] * 6
    passages = splitting.split(_lines("一、很长的一节", *body))
    assert len(passages) >= 3
    assert all(p.heading == "一、很长的一节" for p in passages)
    assert all(len(p.text) <= splitting.MAX_CHARS + 210 for p in passages)


def test_an_attachment_starts_again_from_the_top():
    passages = splitting.split(_lines("一、甲", "（一）乙。内容。", "附件2", "1. 附件内容。"))
    assert passages[-1].heading == "附件2 > 1. 附件内容"


# --------------------------------------------------------------------------- loaders
def test_text_front_matter_states_the_documents_particulars():
    doc = loaders.load_path(LIBRARY / "05_evaluation_2026.txt")
    assert doc.title == "示范市社会保障卡受理网点考核评估办法（2026年）"
    assert doc.issuer == "示范市社会保障卡服务中心"
    assert doc.number == "示卡中心〔2026〕1号"
    assert doc.issued_on == dt.date(2026, 1, 5)
    assert doc.validity == "in_force" and doc.public is False


def test_particulars_are_read_from_an_official_document_without_front_matter():
    data = "\n".join(
        [
            "示范市人力资源和社会保障局文件",
            "示人社发〔2026〕99号",
            "关于做好社保卡工作的通知",
            "一、总则",
            "（一）范围。全市。",
            "示范市人力资源和社会保障局",
            "2026年3月1日",
        ]
    ).encode("gb18030")
    doc = loaders.load_bytes("notice.txt", data)
    assert doc.number == "示人社发〔2026〕99号"
    assert doc.issued_on == dt.date(2026, 3, 1)
    assert doc.issuer == "示范市人力资源和社会保障局"
    assert doc.title == "示范市人力资源和社会保障局文件"
    body = [ln.text for ln in doc.body_lines]
    assert "2026年3月1日" not in body  # the signature answers nothing


def test_markdown_headings_lists_and_tables():
    data = (
        "# 照片规定\n\n## 规格\n\n- 像素 **358×441**\n- 大小 20KB 至 100KB\n\n"
        "| 项目 | 要求 |\n|---|---|\n| 背景 | 白色 |\n"
    ).encode()
    doc = loaders.load_bytes("photo.md", data)
    assert doc.title == "照片规定"
    assert [(ln.text, ln.level) for ln in doc.lines] == [
        ("照片规定", 1),
        ("规格", 2),
        ("像素 358×441", 0),
        ("大小 20KB 至 100KB", 0),
        ("项目 | 要求", 0),
        ("背景 | 白色", 0),
    ]
    passages = splitting.split(doc.lines, doc.title)
    assert passages[0].heading == "规格"


def test_docx_headings_paragraphs_and_tables():
    data = make_docx(
        [("一、总则", "Heading 1"), ("（一）适用范围。本办法适用于全市。", None)],
        title="测试文件",
        table=[["项目", "分值"], ["投诉", "5"]],
    )
    doc = loaders.load_bytes("t.docx", data)
    assert doc.title == "测试文件" and doc.fmt == "docx"
    assert [ln.text for ln in doc.lines] == [
        "一、总则",
        "（一）适用范围。本办法适用于全市。",
        "项目 | 分值",
        "投诉 | 5",
    ]


def test_pdf_text_layer_with_wrapped_lines_joined():
    data = make_pdf(
        [
            "关于补换卡的通知",
            "示卡中心〔2026〕9号",
            "（一）遗失的，须先办理正式挂失，再申请补卡；仅办理临时",
            "挂失的不能补卡。",
            "（二）损坏的可以换卡。",
        ],
        title="补换卡通知",
    )
    doc = loaders.load_bytes("n.pdf", data)
    assert doc.title == "补换卡通知" and doc.number == "示卡中心〔2026〕9号"
    assert "（一）遗失的，须先办理正式挂失，再申请补卡；仅办理临时挂失的不能补卡。" in [
        ln.text for ln in doc.lines
    ]


@pytest.mark.parametrize(
    "name, data, code",
    [
        ("scan.pdf", make_image_only_pdf(), "pdf_no_text"),
        ("broken.pdf", b"%PDF-1.4 not really", "bad_pdf"),
        ("broken.docx", b"PK not a zip", "bad_docx"),
        ("a.xls", b"x", "unsupported_format"),
        ("empty.txt", b"   \n\n", "empty_document"),
        ("bin.txt", b"\xff\xfe\x00\xd8\x00", "undecodable"),
    ],
)
def test_unreadable_files_are_refused_with_a_code(name, data, code):
    with pytest.raises(loaders.LoadError) as exc:
        loaders.load_bytes(name, data)
    assert exc.value.code == code


def test_bad_front_matter_is_reported_not_guessed():
    data = "---\ntitle: 甲\ndate: 2026-13-45\nstatus: maybe\n---\n一、正文。内容。".encode()
    doc = loaders.load_bytes("x.txt", data)
    assert len(doc.meta_errors) == 2


# ----------------------------------------------------------------------------- terms
@pytest.fixture(scope="module")
def seg():
    return retrieval.shared_segmenter()


def test_terms_have_words_bigrams_and_drop_stop_words(seg):
    terms = text.terms("请问外国人怎么办理社保卡", seg)
    assert "w:社保卡" in terms and "w:外国人" in terms
    assert "b:社保" in terms  # inside a long word
    assert not any(t in terms for t in ("w:请问", "w:怎么"))


def test_unknown_names_fall_apart_into_bigrams(seg):
    terms = text.terms("莘庄镇翟氏网点", seg)
    assert any(t.startswith("b:") for t in terms)


def test_full_width_digits_are_the_same_as_half_width(seg):
    assert "w:358" in text.terms("３５８像素", seg)


def test_synonyms_parse_and_refuse_bad_lines():
    groups = text.parse_synonyms("# 注释\n永居证 = 外国人永久居留身份证\n补卡＝补换卡 = 补办\n")
    assert [g.terms for g in groups] == [
        ("永居证", "外国人永久居留身份证"),
        ("补卡", "补换卡", "补办"),
    ]
    with pytest.raises(text.SynonymError) as one:
        text.parse_synonyms("永居证")
    assert one.value.line == 1
    with pytest.raises(text.SynonymError) as twice:
        text.parse_synonyms("甲 = 乙\n丙 = 甲")
    assert twice.value.line == 2


def test_a_synonym_is_found_longest_first():
    table = text.SynonymTable(text.parse_synonyms("永居证 = 外国人永久居留身份证\n证件 = 身份证"))
    assert table.terms("持外国人永久居留身份证的") == ["s:永居证"]
    assert table.terms("带身份证") == ["s:证件"]


# ------------------------------------------------------------------------- retrieval
def _entries():
    entries = []
    for number, path in enumerate(sorted(LIBRARY.glob("*.txt")), start=1):
        doc = loaders.load_path(path)
        for p in splitting.split(doc.body_lines, doc.title):
            entries.append(
                retrieval.Entry(
                    key=number * 1000 + p.seq,
                    document=number,
                    title=doc.title,
                    heading=p.heading,
                    text=p.text,
                    superseded=doc.validity == "superseded",
                )
            )
    return entries


@pytest.fixture(scope="module")
def index(seg):
    groups = text.parse_synonyms(SYNONYMS.read_text("utf-8"))
    return retrieval.Index(_entries(), retrieval.segmented(groups, seg))


def test_a_question_worded_unlike_the_document_finds_it_through_synonyms(index):
    answer = index.search("拿永居证能不能办卡")
    assert not answer.refused
    assert any("外国人永久居留身份证" in h.entry.heading for h in answer.hits)


@pytest.mark.parametrize(
    "question, heading",
    [
        ("照片的像素要求是多少", "（一）尺寸与分辨率"),
        ("只办了临时挂失能补卡吗", "第七条 补卡条件"),
        ("社保服务密码输错几次会锁定", "（二）密码锁定"),
        ("网上申请几天办结", "（一）七天办结"),
    ],
)
def test_questions_find_their_passage_among_the_first_three(index, question, heading):
    answer = index.search(question)
    assert not answer.refused
    headings = [h.entry.heading for h in answer.hits]
    assert any(heading in h for h in headings), headings


@pytest.mark.parametrize("question", ["住房公积金怎么提取", "驾驶证到期怎么换证", "护照加急要几天"])
def test_questions_the_library_cannot_answer_are_refused(index, question):
    answer = index.search(question)
    assert answer.refused and answer.hits == []


def test_a_refusal_suggests_the_closest_headings(index):
    answer = index.search("网点几点下班")
    assert answer.refused and answer.hits == []
    assert 1 <= len(answer.suggestions) <= 3
    assert all(" › " in s for s in answer.suggestions)


def test_the_document_in_force_ranks_above_the_superseded_one(index):
    answer = index.search("有责投诉每件扣几分", k=5)
    titles = [h.entry.title for h in answer.hits]
    in_force = titles.index("示范市社会保障卡受理网点考核评估办法（2026年）")
    assert all(not h.entry.superseded for h in answer.hits[: in_force + 1])
    superseded = [h for h in answer.hits if h.entry.superseded]
    assert superseded and superseded[0].score < answer.hits[in_force].score


def test_only_allowed_documents_are_returned(index):
    answer = index.search("照片的像素要求是多少", allowed={1})
    assert all(h.entry.document == 1 for h in answer.hits)


def test_the_contract_shape(index):
    shape = index.search("照片文件多大", k=2).as_contract()
    assert set(shape) == {"question", "refused", "answers"}
    assert len(shape["answers"]) <= 2
    for a in shape["answers"]:
        assert set(a) == {"document", "heading", "passage", "score"}
    scores = [a["score"] for a in shape["answers"]]
    assert scores == sorted(scores, reverse=True)


def test_an_empty_library_or_question_refuses(seg):
    empty = retrieval.Index([], retrieval.segmented((), seg))
    assert empty.search("照片").refused
    assert retrieval.Index(_entries()[:3], retrieval.segmented((), seg)).search("  ").refused


def test_the_floor_tokenizer_is_single_characters():
    assert text.plain_terms("社保卡 358") == ["社", "保", "卡", "358"]


def test_the_pure_modules_import_no_django():
    import ast

    here = Path(__file__).resolve().parents[1]
    for name in ("text.py", "splitting.py", "loaders.py", "retrieval.py"):
        tree = ast.parse((here / name).read_text("utf-8"))
        imported = [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        ] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        assert not [m for m in imported if m.startswith(("django", "sbk."))], name


# ------------------------------------------------------ key terms, coverage, filler
def test_key_units_leave_out_question_wording_and_name_the_synonym_group(seg):
    table = text.SynonymTable(text.parse_synonyms("未成年人 = 小孩"))
    units = {u.text: u for u in text.key_units("小孩什么时候可以办社保卡", seg, table)}
    assert "小孩" in units and "社保卡" in units
    assert "什么时候" not in units and "可以" not in units
    assert units["小孩"].alternatives[0] == "s:未成年人"


def test_a_question_counts_a_synonym_member_through_its_group_not_its_characters(seg):
    tok = retrieval.segmented(text.parse_synonyms("未成年人 = 小孩"), seg)
    terms = tok.question_terms("小孩办卡")
    assert "s:未成年人" in terms and "w:小孩" in terms
    assert "u:小" not in terms and "u:孩" not in terms


def _tiny(seg):
    e = retrieval.Entry
    entries = [
        e(1, 1, "补卡规定", "一、补卡", "社保卡遗失的，须先办理正式挂失，再申请补卡。"),
        e(2, 1, "补卡规定", "二、材料", "补卡须携带本人有效身份证件原件。"),
        e(3, 2, "照片标准", "一、背景", "照片背景为白色，不得佩戴帽子。"),
    ]
    return retrieval.Index(entries, retrieval.segmented((), seg))


def test_coverage_is_the_share_of_the_key_terms_a_passage_holds(seg):
    index = _tiny(seg)
    units = index.tokenize.key_units("补卡要带什么材料证件")
    cover = index.coverage([0, 1, 2], units)
    assert cover[1] > cover[0] > cover[2] >= 0.0  # 补卡 + 证件 / 补卡 / neither
    assert index.coverage([1], index.tokenize.key_units("补卡 身份证件"))[0] == 1.0


def test_a_passage_below_the_key_term_coverage_is_not_an_answer(seg):
    index = _tiny(seg)
    question = "补卡时照片背景用什么颜色"
    assert not index.search(question, coverage=0.0).refused
    assert index.search(question, coverage=0.99).refused


def test_filler_documents_are_policy_text_of_other_services_not_library_copies():
    from . import filler

    docs = filler.documents(20)
    assert docs == filler.documents(20)  # the same every run (the benchmark caches them)
    library = {
        s
        for path in LIBRARY.glob("*.txt")
        for s in path.read_text("utf-8").replace("\n", "。").split("。")
        if len(s) > 12 and ":" not in s  # front matter lines aside
    }
    topics = set()
    for name, body in docs:
        doc = loaders.load_bytes(name, body.encode())
        passages = splitting.split(doc.body_lines, doc.title)
        assert len(passages) >= 10 and all("第" in p.heading for p in passages)
        assert not any(s in body for s in library)
        topics.add(next(k for k, t in filler.TOPICS.items() if t["subject"] in doc.title))
    assert len(topics) >= 5


@pytest.mark.parametrize(
    "question, absent",
    [
        ("社保卡可以用来借书吗", ["借书"]),  # a subject no document covers
        ("住房公积金怎么提取", ["住房", "公积金", "提取"]),
        ("拿永居证能不能办卡", []),  # held through the synonym group (外国人永久居留身份证)
        ("社保卡丢了怎么补办", []),
    ],
)
def test_absent_words_are_the_key_words_no_passage_holds(index, question, absent):
    assert index.absent_words(question) == absent


def test_absent_words_count_only_the_documents_the_asker_sees(index):
    photo = {e.document for e in index.entries if "照片" in e.title}
    others = {e.document for e in index.entries} - photo
    question = "照片分辨率有什么要求"
    assert index.absent_words(question) == []
    assert index.absent_words(question, allowed=photo) == []
    # 分辨率 is written only in the photo standard: without it, no document the asker sees
    # holds it (照片 is in others too).
    assert index.absent_words(question, allowed=others) == ["分辨率"]
