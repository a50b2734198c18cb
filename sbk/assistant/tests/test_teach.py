"""Teaching the assistant (教小助手, ADR 0006 sixth round): a question linked to the
passage that answers it is indexed with that passage, survives a reload of the document,
shows as 失效 when its heading is gone, and is forgotten on request."""

from __future__ import annotations

import re

import pytest

from sbk.accounts.models import ApiToken
from sbk.assistant import engine, services
from sbk.assistant.models import LibraryState, Passage, Question, TaughtQuestion
from sbk.assistant.queries import taught_questions
from sbk.core.actors import SYSTEM
from sbk.core.errors import Forbidden, ServiceError
from sbk.core.models import AuditEntry
from sbk.testing import login

pytestmark = pytest.mark.django_db

RULES = """测试补卡规定
一、补卡
（一）条件。社保卡遗失的，须先办理正式挂失，再申请补卡。
（二）材料。携带本人有效身份证件原件。
二、照片
（一）规格。照片像素为358×441。
"""
# Shares no word and no character with any passage: refused until taught.
STOLEN = "钱包被偷了咋整"


def load(world, data=RULES, name="rules.txt"):
    return services.load_document(
        acting_user=SYSTEM, org=world.centre, file_name=name, data=data.encode()
    ).document


def passage(heading_part: str) -> Passage:
    return Passage.objects.get(heading__contains=heading_part)


def ask(world, question: str):
    return services.ask(question, user=world.operator_a, channel="console", log=False)


def test_teaching_indexes_the_question_with_its_passage_and_forgetting_removes_it(world):
    load(world)
    assert ask(world, STOLEN).refused
    target = passage("（一）条件")
    stamp = LibraryState.objects.get().stamp
    taught = services.teach_question(
        acting_user=world.city_admin, question=f"  {STOLEN} ", passage_id=target.pk
    )
    assert (taught.text, taught.file_name, taught.heading) == (
        STOLEN,
        "rules.txt",
        "一、补卡 > （一）条件",
    )
    assert taught.taught_by == world.city_admin and LibraryState.objects.get().stamp != stamp
    audit = AuditEntry.objects.get(action="assistant.teach")
    assert audit.after["question"] == STOLEN and audit.after["passage"] == target.pk

    answer = ask(world, STOLEN)
    assert not answer.refused and answer.hits[0].entry.key == target.pk
    # a close wording of the taught question finds it too
    close = ask(world, "钱包被人偷了咋整")
    assert not close.refused and close.hits[0].entry.key == target.pk
    # the passage's own questions still go where they went
    assert ask(world, "补卡要带什么材料").hits[0].entry.heading.endswith("（二）材料")

    # teaching it again changes nothing
    again = services.teach_question(
        acting_user=world.city_admin, question=STOLEN, passage_id=target.pk
    )
    assert (
        again.pk == taught.pk and AuditEntry.objects.filter(action="assistant.teach").count() == 1
    )

    services.forget_taught_question(acting_user=world.city_admin, taught_id=taught.pk)
    assert not TaughtQuestion.objects.exists()
    forgot = AuditEntry.objects.get(action="assistant.forget")
    assert forgot.before["question"] == STOLEN
    assert ask(world, STOLEN).refused


def test_only_the_centre_teaches_and_forgets(world):
    load(world)
    target = passage("（一）条件")
    for user in (world.admin_a, world.operator_a, world.auditor):
        with pytest.raises(Forbidden):
            services.teach_question(acting_user=user, question=STOLEN, passage_id=target.pk)
    taught = services.teach_question(acting_user=SYSTEM, question=STOLEN, passage_id=target.pk)
    assert taught.taught_by is None
    with pytest.raises(Forbidden):
        services.forget_taught_question(acting_user=world.admin_a, taught_id=taught.pk)
    assert TaughtQuestion.objects.count() == 1
    assert not AuditEntry.objects.filter(action="assistant.forget").exists()


@pytest.mark.parametrize(
    ("question", "passage_id", "code", "field"),
    [
        ("", None, "question_empty", "question"),
        ("   ", None, "question_empty", "question"),
        ("问" * 501, None, "question_too_long", "question"),
        (STOLEN, 999_999, "passage_id", "passage_id"),
        (STOLEN, "abc", "passage_id", "passage_id"),
    ],
)
def test_teaching_refuses_bad_input_with_code_and_field(world, question, passage_id, code, field):
    load(world)
    stamp = LibraryState.objects.get().stamp
    with pytest.raises(ServiceError) as exc:
        services.teach_question(
            acting_user=world.city_admin,
            question=question,
            passage_id=passage("（一）条件").pk if passage_id is None else passage_id,
        )
    assert (exc.value.code, exc.value.field) == (code, field)
    assert not TaughtQuestion.objects.exists() and LibraryState.objects.get().stamp == stamp


def test_forgetting_an_unknown_question_names_the_field(world):
    with pytest.raises(ServiceError) as exc:
        services.forget_taught_question(acting_user=world.city_admin, taught_id=12345)
    assert (exc.value.code, exc.value.field) == ("taught_question_id", "taught_question_id")


def test_a_reload_keeps_the_taught_question_and_a_removed_heading_shows_it_as_stale(world):
    load(world)
    services.teach_question(
        acting_user=world.city_admin, question=STOLEN, passage_id=passage("（一）条件").pk
    )
    # replaced: the same file name and heading, new text, new passages
    load(world, RULES.replace("再申请补卡", "再到网点申请补卡"))
    reloaded = passage("（一）条件")
    assert "到网点" in reloaded.text
    answer = ask(world, STOLEN)
    assert not answer.refused and answer.hits[0].entry.key == reloaded.pk
    [row] = taught_questions(world.city_admin)
    assert row["passage"].pk == reloaded.pk and not row["stale"]

    # the heading is gone: listed as 失效, kept, and it answers nothing
    load(world, RULES.replace("（一）条件。", "（一）申请条件。"))
    [row] = taught_questions(world.city_admin)
    assert row["stale"] and row["passage"] is None
    assert TaughtQuestion.objects.count() == 1
    assert ask(world, STOLEN).refused


def test_the_index_puts_taught_questions_on_the_first_passage_of_their_heading(world):
    load(world)
    target = passage("（一）规格")
    services.teach_question(acting_user=SYSTEM, question="相片尺寸", passage_id=target.pk)
    index = engine.current_index()
    taught = {e.key: e.taught for e in index.entries if e.taught}
    assert taught == {target.pk: ("相片尺寸",)}


def test_the_unanswered_page_offers_passages_and_teaches_one(client, world):
    load(world)
    services.ask(STOLEN, user=world.operator_a, channel="console")
    assert Question.objects.filter(refused=True).count() == 1
    login(client, world.admin_a)  # a district admin sees the list, not the button
    listed = client.get("/assistant/unanswered/").content.decode()
    assert STOLEN in listed and 'data-testid="assistant-teach"' not in listed
    assert client.get("/assistant/teach/", {"question": STOLEN}).status_code == 302

    login(client, world.city_admin)
    page = client.get("/assistant/unanswered/").content.decode()
    assert 'data-testid="assistant-teach"' in page and "指定答案" in page and STOLEN in page
    # nothing is close to it: the admin searches with words of the answer
    alone = client.get("/assistant/teach/", {"question": STOLEN}).content.decode()
    assert "没有与这个问题相近的段落" in alone
    choose = client.get("/assistant/teach/", {"question": STOLEN, "find": "遗失补卡"})
    html = choose.content.decode()
    assert choose.status_code == 200 and 'name="csrfmiddlewaretoken"' in html
    assert (
        "一、补卡 &gt; （一）条件" in html and not TaughtQuestion.objects.exists()
    )  # GET writes nothing
    target = passage("（一）条件")
    assert re.search(rf'name="passage_id" value="{target.pk}"', html)
    resp = client.post("/assistant/teach/", {"question": STOLEN, "passage_id": target.pk})
    assert resp.status_code == 302 and resp["Location"].endswith("/assistant/taught/")
    taught = TaughtQuestion.objects.get()
    assert "已指定答案" in client.get("/assistant/unanswered/").content.decode()
    listing = client.get("/assistant/taught/").content.decode()
    assert STOLEN in listing and "删除" in listing
    client.post(f"/assistant/taught/{taught.pk}/delete/")
    assert not TaughtQuestion.objects.exists()
    # a bad passage is refused with the error shown, nothing written
    bad = client.post("/assistant/teach/", {"question": STOLEN, "passage_id": 0}, follow=True)
    assert "passage_id" in bad.content.decode() and not TaughtQuestion.objects.exists()


def _token(user, raw):
    ApiToken.objects.create(user=user, name="t", digest=ApiToken.digest_of(raw))
    return {"Authorization": f"Bearer {raw}"}


def test_api_teaches_lists_and_forgets(client, world):
    load(world)
    target = passage("（一）条件")
    headers = _token(world.city_admin, "teach-" + "a" * 40)
    body = {"question": STOLEN, "passage_id": target.pk}
    first = client.post(
        "/api/assistant/taught-questions",
        body,
        content_type="application/json",
        headers={**headers, "Idempotency-Key": "teach-1"},
    )
    assert first.status_code == 201, first.content
    out = first.json()
    assert out["question"] == STOLEN and out["passage_id"] == target.pk and not out["stale"]
    replay = client.post(
        "/api/assistant/taught-questions",
        body,
        content_type="application/json",
        headers={**headers, "Idempotency-Key": "teach-1"},
    )
    assert replay.json() == out and AuditEntry.objects.filter(action="assistant.teach").count() == 1
    listed = client.get("/api/assistant/taught-questions", headers=headers).json()
    assert [r["id"] for r in listed] == [out["id"]]
    answer = client.post(
        "/api/assistant/ask", {"question": STOLEN}, content_type="application/json", headers=headers
    ).json()
    assert answer["refused"] is False and answer["answers"][0]["passage_id"] == target.pk

    bad = client.post(
        "/api/assistant/taught-questions",
        {"question": " ", "passage_id": target.pk},
        content_type="application/json",
        headers=headers,
    )
    assert bad.status_code == 400 and bad.json()["code"] == "question_empty"
    district = _token(world.admin_a, "teach-" + "b" * 40)
    refused = client.delete(f"/api/assistant/taught-questions/{out['id']}", headers=district)
    assert refused.status_code == 403 and TaughtQuestion.objects.count() == 1
    gone = client.delete(
        f"/api/assistant/taught-questions/{out['id']}",
        headers={**headers, "Idempotency-Key": "forget-1"},
    )
    assert gone.status_code == 200 and gone.json()["question"] == STOLEN
    assert not TaughtQuestion.objects.exists()
    missing = client.delete(f"/api/assistant/taught-questions/{out['id']}", headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == "taught_question_id"
