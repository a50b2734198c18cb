"""An answer reported as not answering its question (答非所问): the service, the console
button, the API, and the unanswered list it joins."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from sbk.accounts.models import ApiToken
from sbk.assistant import services
from sbk.assistant.api import answer_out
from sbk.assistant.models import Question
from sbk.core.actors import SYSTEM
from sbk.core.errors import Forbidden, NotFound, ServiceError
from sbk.core.models import AuditEntry
from sbk.testing import login

from .scenarios import asked

pytestmark = pytest.mark.django_db

TEXT = """测试补卡规定
一、补卡
（一）条件。社保卡遗失的，须先办理正式挂失，再申请补卡。
（二）材料。携带本人有效身份证件原件。
"""
# Answered (from the material passage); whether the answer answers is the clerk's judgement,
# which the service records as given.
OFF_TOPIC = "补卡要带哪些材料"


@pytest.fixture
def doc(world):
    return services.load_document(
        acting_user=SYSTEM, org=world.centre, file_name="rules.txt", data=TEXT.encode()
    ).document


def _reports():
    return AuditEntry.objects.filter(action="assistant.report_wrong")


def test_a_reported_answer_joins_the_unanswered_list_once(world, doc):
    answer = services.ask(OFF_TOPIC, user=world.operator_a, channel="console")
    assert not answer.refused and answer.logged is not None
    assert services.queries.unanswered(world.admin_a) == []
    reported = services.report_wrong_answer(acting_user=world.operator_a, question_id=answer.logged)
    assert reported.reported_wrong_at is not None
    again = services.report_wrong_answer(acting_user=world.operator_a, question_id=answer.logged)
    assert again.reported_wrong_at == reported.reported_wrong_at
    assert _reports().count() == 1
    entry = _reports().get()
    assert entry.object_id == str(answer.logged) and entry.actor_id == world.operator_a.pk
    rows = services.queries.unanswered(world.admin_a)
    assert [(r["text"], r["times"], r["wrong"]) for r in rows] == [(OFF_TOPIC, 1, 1)]
    # Beside a refused question, counted apart.
    services.ask("住房公积金怎么提取", user=world.operator_a, channel="console")
    rows = {r["text"]: r["wrong"] for r in services.queries.unanswered(world.admin_a)}
    assert rows == {OFF_TOPIC: 1, "住房公积金怎么提取": 0}


def test_only_an_answer_in_the_clerks_scope_can_be_reported(world, doc):
    refused = services.ask("住房公积金怎么提取", user=world.operator_a, channel="console")
    with pytest.raises(ServiceError) as exc:
        services.report_wrong_answer(acting_user=world.operator_a, question_id=refused.logged)
    assert exc.value.code == "question_refused" and exc.value.field == "question_id"
    elsewhere = asked(world.district_b)
    for question_id in (elsewhere.pk, 10**9, "x"):
        with pytest.raises(NotFound) as exc:
            services.report_wrong_answer(acting_user=world.operator_a, question_id=question_id)
        assert exc.value.code == "question_id"
    # The auditor reads; it does not report.
    with pytest.raises(Forbidden):
        services.report_wrong_answer(acting_user=world.auditor, question_id=asked(world.centre).pk)
    assert not _reports().exists()
    assert not Question.objects.filter(reported_wrong_at__isnull=False).exists()


def test_the_database_refuses_a_reported_refusal(world):
    question = asked(world.outlet_a)
    Question.objects.filter(pk=question.pk).update(refused=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(reported_wrong_at=question.asked_at)


def test_the_console_reports_the_answer_just_read_out(client, world, doc):
    login(client, world.operator_a)
    html = client.post("/assistant/ask/", {"question": OFF_TOPIC}).content.decode()
    assert 'data-testid="report-wrong"' in html
    logged = Question.objects.get(text=OFF_TOPIC)
    assert f'action="/assistant/questions/{logged.pk}/wrong/"' in html
    resp = client.post(f"/assistant/questions/{logged.pk}/wrong/")
    assert resp.status_code == 302
    logged.refresh_from_db()
    assert logged.reported_wrong_at is not None
    # A refusal offers no report: it is listed already.
    html = client.post("/assistant/ask/", {"question": "住房公积金怎么提取"}).content.decode()
    assert 'data-testid="report-wrong"' not in html
    client.logout()
    login(client, world.admin_a)
    listed = client.get("/assistant/unanswered/").content.decode()
    assert 'data-testid="assistant-reported-wrong"' in listed and "答非所问 1 次" in listed
    # Another district's question does not exist for this clerk.
    login(client, world.operator_a)
    assert (
        client.post(f"/assistant/questions/{asked(world.district_b).pk}/wrong/").status_code == 404
    )


def test_the_auditor_sees_no_report_button_and_is_refused(client, world, doc):
    login(client, world.auditor)
    html = client.post("/assistant/ask/", {"question": OFF_TOPIC}).content.decode()
    assert 'data-testid="assistant-citation"' in html and 'data-testid="report-wrong"' not in html
    logged = Question.objects.get(text=OFF_TOPIC)
    assert client.post(f"/assistant/questions/{logged.pk}/wrong/").status_code == 403


def test_the_api_names_the_question_and_reports_it(client, world, doc):
    raw = "assistant-" + "w" * 40
    ApiToken.objects.create(user=world.operator_a, name="t", digest=ApiToken.digest_of(raw))
    headers = {"Authorization": f"Bearer {raw}"}
    body = client.post(
        "/api/assistant/ask", {"question": OFF_TOPIC}, content_type="application/json",
        headers=headers,
    ).json()  # fmt: skip
    assert body["refused"] is False and body["question_id"]
    url = f"/api/assistant/questions/{body['question_id']}/wrong"
    keyed = {**headers, "Idempotency-Key": "report-1"}
    first = client.post(url, headers=keyed)
    assert first.status_code == 200
    assert first.json()["question"] == OFF_TOPIC and first.json()["reported_wrong_at"]
    assert client.post(url, headers=keyed).json() == first.json()
    assert _reports().count() == 1
    rows = client.get("/api/assistant/unanswered", headers=headers).json()
    assert [(r["question"], r["reported_wrong"]) for r in rows] == [(OFF_TOPIC, 1)]
    missing = client.post("/api/assistant/questions/999999999/wrong", headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == "question_id"


def test_the_portal_answer_names_no_question(world, doc):
    answer = services.ask(OFF_TOPIC, user=world.operator_a, channel="console")
    assert answer_out(answer)["question_id"] == answer.logged
    assert answer_out(answer, staff=False)["question_id"] is None
