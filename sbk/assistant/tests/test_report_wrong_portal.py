"""An applicant reports an answer as not answering (答非所问) from the portal, with the
answer's signed receipt: the service, the page's button, the API. The question log keeps no
asker, so the receipt is what ties a report to the one who was answered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing

from sbk.accounts.models import Role, User
from sbk.assistant import receipts, services
from sbk.assistant.models import Question, QuestionChannel
from sbk.core.actors import SYSTEM
from sbk.core.errors import NotFound, ServiceError
from sbk.core.models import AuditEntry
from sbk.testing import PASSWORD, login

from .scenarios import asked
from .test_report_wrong import TEXT

pytestmark = pytest.mark.django_db

QUESTION = "补卡要带哪些材料"
REFUSED = "住房公积金怎么提取"


@pytest.fixture
def doc(world):
    return services.load_document(
        acting_user=SYSTEM,
        org=world.centre,
        file_name="rules.txt",
        data=TEXT.encode(),
        public=True,
    ).document


def _applicant(person, name):
    user = User(username=name, role=Role.APPLICANT, person=person)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def applicant(world):
    return _applicant(world.person_a, "app_wrong_a")


def _reports():
    return AuditEntry.objects.filter(action="assistant.report_wrong")


def _code(call) -> tuple[str, str]:
    with pytest.raises(ServiceError) as exc:
        call()
    return exc.value.code, exc.value.field


def test_the_applicant_reports_their_answer_with_its_receipt(world, doc, applicant):
    answer = services.ask(QUESTION, user=applicant, channel=QuestionChannel.PORTAL)
    receipt = receipts.for_answer(answer, applicant)
    assert receipt
    reported = services.report_wrong_answer(acting_user=applicant, receipt=receipt)
    assert reported.pk == answer.logged and reported.reported_wrong_at is not None
    services.report_wrong_answer(acting_user=applicant, receipt=receipt)  # again: nothing
    entry = _reports().get()
    assert entry.actor_id == applicant.pk and entry.object_id == str(answer.logged)
    rows = services.queries.unanswered(world.city_admin)
    assert [(r["text"], r["wrong"]) for r in rows] == [(QUESTION, 1)]


def test_a_refusal_carries_no_receipt(doc, applicant):
    answer = services.ask(REFUSED, user=applicant, channel=QuestionChannel.PORTAL)
    assert answer.refused and receipts.for_answer(answer, applicant) is None


def test_only_the_one_answered_may_report_and_only_by_a_good_receipt(world, doc, applicant):
    answer = services.ask(QUESTION, user=applicant, channel=QuestionChannel.PORTAL)
    receipt = receipts.for_answer(answer, applicant)
    other = _applicant(world.person_b, "app_wrong_b")
    tampered = receipt[:-2] + ("AA" if not receipt.endswith("AA") else "BB")
    for who, given in (
        (other, receipt),  # another applicant's answer
        (applicant, tampered),
        (applicant, ""),
        (applicant, None),
        (applicant, "x" * (receipts.MAX_LENGTH + 1)),
        (applicant, signing.dumps({"q": answer.logged, "u": applicant.pk}, salt="other")),
    ):
        call = lambda w=who, g=given: services.report_wrong_answer(acting_user=w, receipt=g)  # noqa: E731
        assert _code(call) == ("receipt_invalid", "receipt"), given
    # A question id is no proof for an applicant.
    call = lambda: services.report_wrong_answer(acting_user=applicant, question_id=answer.logged)  # noqa: E731
    assert _code(call) == ("receipt_invalid", "receipt")
    # A receipt for a question asked at a counter names nothing an applicant was given.
    counter = asked(world.outlet_a)
    with pytest.raises(NotFound) as exc:
        services.report_wrong_answer(
            acting_user=applicant, receipt=receipts.issue(counter.pk, applicant.pk)
        )
    assert exc.value.code == "question_id"
    assert not _reports().exists()
    assert not Question.objects.filter(reported_wrong_at__isnull=False).exists()


def test_a_receipt_is_good_for_max_age_only(doc, applicant, monkeypatch):
    answer = services.ask(QUESTION, user=applicant, channel=QuestionChannel.PORTAL)
    receipt = receipts.for_answer(answer, applicant)
    monkeypatch.setattr(receipts, "MAX_AGE", dt.timedelta(seconds=-1))
    call = lambda: services.report_wrong_answer(acting_user=applicant, receipt=receipt)  # noqa: E731
    assert _code(call) == ("receipt_expired", "receipt")
    monkeypatch.setattr(receipts, "MAX_AGE", dt.timedelta(days=1))
    assert services.report_wrong_answer(acting_user=applicant, receipt=receipt).reported_wrong_at


def test_the_portal_page_offers_the_report_under_an_answer(client, world, doc, applicant):
    client.force_login(applicant)
    html = client.post("/portal/assistant/", {"question": QUESTION}).content.decode()
    assert 'data-testid="portal-report-wrong"' in html
    receipt = html.split('name="receipt" value="')[1].split('"')[0]
    resp = client.post("/portal/assistant/wrong/", {"receipt": receipt}, follow=True)
    assert resp.status_code == 200 and "已收到您的反馈" in resp.content.decode()
    assert Question.objects.get(text=QUESTION).reported_wrong_at is not None
    bad = client.post("/portal/assistant/wrong/", {"receipt": "nope"}, follow=True)
    assert "receipt_invalid" in bad.content.decode()
    html = client.post("/portal/assistant/", {"question": REFUSED}).content.decode()
    assert 'data-testid="portal-report-wrong"' not in html
    assert client.get("/portal/assistant/wrong/").status_code == 405
    # Staff report at the console, not here.
    login(client, world.operator_a)
    assert client.post("/portal/assistant/wrong/", {"receipt": receipt}).status_code == 403


def test_the_portal_api_gives_the_receipt_and_takes_the_report(client, doc, applicant):
    client.force_login(applicant)
    body = client.post(
        "/api/portal/assistant/ask", {"question": QUESTION}, content_type="application/json"
    ).json()
    assert body["refused"] is False and body["question_id"] is None and body["receipt"]
    keyed = {"Idempotency-Key": "portal-report-1"}
    url = "/api/portal/assistant/wrong"
    first = client.post(
        url, {"receipt": body["receipt"]}, content_type="application/json", headers=keyed
    )
    assert first.status_code == 200, first.content
    assert first.json()["question"] == QUESTION and first.json()["reported_wrong_at"]
    again = client.post(
        url, {"receipt": body["receipt"]}, content_type="application/json", headers=keyed
    )
    assert again.json() == first.json() and _reports().count() == 1
    bad = client.post(
        url, {"receipt": "nope"}, content_type="application/json", headers={"Idempotency-Key": "b"}
    )
    assert bad.status_code == 400 and bad.json()["code"] == "receipt_invalid"
    refused = client.post(
        "/api/portal/assistant/ask", {"question": REFUSED}, content_type="application/json"
    ).json()
    assert refused["refused"] is True and refused["receipt"] is None
