"""The assistant's library on the database: load, replace, supersede, synonyms, ask, the
question log, scope, and the ``sbk assistant`` contract."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from sbk.assistant import engine, services
from sbk.assistant.models import Document, LibraryState, Passage, Question, SynonymGroup
from sbk.assistant.queries import unanswered, visible_documents
from sbk.core.actors import SYSTEM
from sbk.core.errors import Forbidden, NotFound, ServiceError
from sbk.core.models import AuditEntry

from .documents import make_docx, make_pdf

pytestmark = pytest.mark.django_db
LIBRARY = Path(__file__).resolve().parents[1] / "library"

RULES = """---
title: 测试补卡规定
issuer: 测试中心
number: 测卡〔2026〕1号
date: 2026-02-01
---
测试补卡规定
一、补卡
（一）条件。社保卡遗失的，须先办理正式挂失，再申请补卡。
（二）材料。携带本人有效身份证件原件。
二、照片
（一）规格。照片像素为358×441。
"""


def load(world, name="rules.txt", data=RULES, user=None, org=None, **kw):
    return services.load_document(
        acting_user=user or world.city_admin,
        org=org or world.centre,
        file_name=name,
        data=data.encode() if isinstance(data, str) else data,
        **kw,
    )


def audits(name):
    return AuditEntry.objects.filter(action=name).count()


def test_loading_splits_stores_and_audits(world):
    result = load(world)
    doc = result.document
    assert result.outcome == "added" and result.passages == 3
    assert (doc.title, doc.issuer, doc.number, str(doc.issued_on)) == (
        "测试补卡规定",
        "测试中心",
        "测卡〔2026〕1号",
        "2026-02-01",
    )
    assert list(doc.passages.values_list("heading", flat=True)) == [
        "一、补卡 > （一）条件",
        "一、补卡 > （二）材料",
        "二、照片 > （一）规格",
    ]
    assert audits("assistant.document_load") == 1
    assert LibraryState.objects.get().stamp


def test_loading_the_same_file_again_changes_nothing(world):
    load(world)
    stamp = LibraryState.objects.get().stamp
    again = load(world)
    assert again.outcome == "unchanged"
    assert audits("assistant.document_load") == 1
    assert LibraryState.objects.get().stamp == stamp


def test_a_file_of_the_same_name_replaces_the_document(world):
    first = load(world).document
    second = load(world, data=RULES.replace("358×441", "390×567") + "三、其他\n补充条款。\n")
    assert second.outcome == "replaced" and second.document.pk == first.pk
    assert second.document.version == 2
    assert Passage.objects.filter(document=first).count() == 4
    assert Passage.objects.filter(text__contains="390×567").exists()
    assert not Passage.objects.filter(text__contains="358×441").exists()
    entry = AuditEntry.objects.filter(action="assistant.document_load").order_by("-pk").first()
    assert entry.before["version"] == 1 and entry.after["outcome"] == "replaced"


def test_an_unreadable_file_writes_nothing(world):
    with pytest.raises(ServiceError) as exc:
        load(world, name="scan.pdf", data=make_pdf([]))
    assert exc.value.code == "pdf_no_text" and exc.value.field == "file"
    assert Document.objects.count() == 0 and audits("assistant.document_load") == 0


def test_docx_and_pdf_load_with_their_structure(world):
    docx = make_docx(
        [("一、总则", "Heading 1"), ("（一）适用范围。本办法适用于全市受理网点。", None)],
        title="DOCX 办法",
    )
    pdf = make_pdf(["PDF 通知", "一、要求", "（一）时限。七个工作日内办结。"], title="PDF 通知")
    d = load(world, name="a.docx", data=docx).document
    p = load(world, name="b.pdf", data=pdf).document
    assert d.title == "DOCX 办法" and d.fmt == "docx"
    assert d.passages.get().heading == "一、总则 > （一）适用范围"
    assert p.passages.get().heading == "一、要求 > （一）时限"


def test_a_district_loads_into_its_own_library_only(world):
    load(world, user=world.admin_a, org=world.district_a)
    with pytest.raises(Forbidden):
        load(world, name="x.txt", user=world.admin_a, org=world.district_b)
    with pytest.raises(Forbidden):
        load(world, name="y.txt", user=world.operator_a, org=world.outlet_a)
    assert Document.objects.count() == 1


def test_visibility_follows_the_organisation_tree(world):
    centre_doc = load(world, name="centre.txt").document
    a_doc = load(world, name="a.txt", user=world.admin_a, org=world.district_a).document
    b_doc = load(world, name="b.txt", user=world.admin_b, org=world.district_b).document
    private = load(world, name="internal.txt", public=False).document

    def seen(u):
        return set(visible_documents(u).values_list("pk", flat=True))

    assert seen(world.operator_a) == {centre_doc.pk, a_doc.pk, private.pk}
    assert seen(world.city_admin) == {centre_doc.pk, a_doc.pk, b_doc.pk, private.pk}
    assert seen(world.bank_operator_a) >= {centre_doc.pk, a_doc.pk}
    assert b_doc.pk not in seen(world.bank_operator_a)
    applicant = _applicant(world)
    assert seen(applicant) == {centre_doc.pk, a_doc.pk}  # public ones above their outlet


def _applicant(world):
    from sbk.accounts.models import Role, User

    u = User(username="app_q", role=Role.APPLICANT, person=world.person_a)
    u.set_password("x-Unused-123")
    u.save()
    return u


def test_superseding_ranks_lower_labels_and_audits(world):
    old = load(world, name="old.txt", data=RULES.replace("测试补卡规定", "旧补卡规定", 2))
    new = load(world, name="new.txt")
    services.set_document_status(
        old.document.pk, acting_user=world.city_admin, status="superseded", reason="新规定施行"
    )
    answer = services.ask("补卡要先正式挂失吗", user=world.operator_a, channel="console", k=5)
    titles = [h.entry.title for h in answer.hits]
    assert titles[0] == "测试补卡规定"
    assert any(h.entry.superseded for h in answer.hits)
    assert audits("assistant.document_status") == 1
    # unchanged: no second row
    services.set_document_status(old.document.pk, acting_user=world.city_admin, status="superseded")
    assert audits("assistant.document_status") == 1
    with pytest.raises(ServiceError):
        services.set_document_status(new.document.pk, acting_user=world.city_admin, status="x")


def test_a_district_cannot_supersede_the_centres_document(world):
    doc = load(world).document
    with pytest.raises(Forbidden):
        services.set_document_status(doc.pk, acting_user=world.admin_a, status="superseded")
    b_doc = load(world, name="b.txt", user=world.admin_b, org=world.district_b).document
    with pytest.raises(NotFound):
        services.set_document_status(b_doc.pk, acting_user=world.admin_a, status="superseded")


def test_synonyms_are_edited_as_one_list_and_change_the_answers(world):
    load(world)
    question = "重新办卡有什么条件"
    before = services.ask(question, user=world.operator_a, channel="console")
    services.save_synonyms(acting_user=world.city_admin, text="补卡 = 补办 = 重新办卡")
    assert list(SynonymGroup.objects.values_list("terms", flat=True)) == [
        ["补卡", "补办", "重新办卡"]
    ]
    after = services.ask(question, user=world.operator_a, channel="console")
    assert not after.refused and "（一）条件" in after.hits[0].entry.heading
    assert after.hits[0].score > before.best.score
    assert audits("assistant.synonyms_edit") == 1
    services.save_synonyms(acting_user=world.city_admin, text="补卡 = 补办 = 重新办卡\n")
    assert audits("assistant.synonyms_edit") == 1  # the same list: nothing to record
    with pytest.raises(ServiceError) as exc:
        services.save_synonyms(acting_user=world.city_admin, text="补卡")
    assert exc.value.code == "synonyms" and exc.value.field == "text"
    with pytest.raises(Forbidden):
        services.save_synonyms(acting_user=world.admin_a, text="甲 = 乙")


def test_ask_logs_the_question_without_the_asker_and_lists_the_unanswered(world):
    load(world)
    services.ask("补卡要带什么材料", user=world.operator_a, channel="console")
    for _ in range(2):
        services.ask("住房公积金怎么提取", user=world.operator_a, channel="console")
    services.ask("驾驶证怎么换", user=world.operator_b, channel="console")
    assert Question.objects.count() == 4
    q = Question.objects.filter(refused=False).get()
    assert q.org == world.outlet_a and q.best_heading.startswith("测试补卡规定 › ")
    rows = unanswered(world.admin_a)
    assert [(r["text"], r["times"]) for r in rows] == [("住房公积金怎么提取", 2)]
    assert {r["text"] for r in unanswered(world.city_admin)} == {
        "住房公积金怎么提取",
        "驾驶证怎么换",
    }


def test_ask_refuses_empty_and_overlong_questions(world):
    for text, code in (("  ", "question_empty"), ("问" * 501, "question_too_long")):
        with pytest.raises(ServiceError) as exc:
            services.ask(text, user=world.operator_a, channel="console")
        assert exc.value.code == code and exc.value.field == "question"


def test_the_index_is_built_once_and_rebuilt_after_a_change(world, django_assert_max_num_queries):
    load(world)
    services.ask("补卡", user=SYSTEM, channel="api", log=False)
    first = engine.current_index()
    with django_assert_max_num_queries(1):  # the stamp only
        assert engine.current_index() is first
    load(world, name="more.txt", data=RULES.replace("测试补卡规定", "另一规定", 2))
    assert engine.current_index() is not first


def test_the_hybrid_ranking_is_a_setting_off_by_default(world, settings):
    load(world)
    assert engine.build_index().chars is None
    settings.SBK_ASSISTANT_HYBRID = True
    index = engine.build_index()
    assert index.chars is not None and index.chars.n == index.n
    assert not index.search("补卡要带什么材料").refused


def test_applicants_only_get_public_documents(world):
    load(world, name="internal.txt", public=False)
    answer = services.ask("补卡要带什么材料", user=_applicant(world), channel="portal")
    assert answer.refused


# ----------------------------------------------------------------------------- CLI
def test_cli_load_and_ask_follow_the_contract(world, tmp_path, capsys):
    path = tmp_path / "rules.txt"
    path.write_text(RULES, encoding="utf-8")
    call_command("assistant", "load", str(path), "--title", "命令行规定")
    assert Document.objects.get().title == "命令行规定"
    capsys.readouterr()
    call_command("assistant", "ask", "补卡要带什么材料", "--json", "-k", "2")
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"question", "refused", "answers"}
    assert out["question"] == "补卡要带什么材料" and out["refused"] is False
    assert 1 <= len(out["answers"]) <= 2
    first = out["answers"][0]
    assert set(first) == {"document", "heading", "passage", "score"}
    assert first["document"] == "命令行规定" and "身份证件" in first["passage"]
    assert isinstance(first["score"], float)
    call_command("assistant", "ask", "住房公积金怎么提取", "--json")
    refused = json.loads(capsys.readouterr().out)
    assert refused["refused"] is True and refused["answers"] == []
    assert Question.objects.count() == 0  # the shell's questions are not logged


def test_cli_loads_a_folder_and_replaces_by_file_name(world, capsys):
    call_command("assistant", "load", str(LIBRARY))
    assert Document.objects.count() == len(list(LIBRARY.glob("*.txt")))
    call_command("assistant", "load", str(LIBRARY / "03_loss_replacement.txt"))
    assert "未变" in capsys.readouterr().out
    assert Document.objects.filter(status="superseded").count() == 1


def test_cli_reports_a_bad_file(world, tmp_path):
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(make_pdf([]))
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("assistant", "load", str(bad))
    assert Document.objects.count() == 0


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_loads_of_one_file_make_one_document(world):
    errors = []

    def run():
        try:
            load(world)
        except ServiceError as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Document.objects.count() == 1
    assert audits("assistant.document_load") == 1
    assert errors == []
