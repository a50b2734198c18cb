"""The electronic card (issue 14 §1, seed 002 附件1 step 5): made at production, following the
physical card, shown as an expiring signed QR code, checked at a counter."""

import datetime as dt

import pytest
from django.core import signing

from sbk.cards import services
from sbk.cards.tests.helpers import issued_card, submitted
from sbk.cards.tests.test_api import token_for
from sbk.core.errors import ServiceError
from sbk.core.models import AuditEntry
from sbk.ecard import rules
from sbk.ecard.models import ElectronicCard
from sbk.ecard.services import QR_SALT, qr_token, read_qr, verify_qr

pytestmark = pytest.mark.django_db


def test_status_follows_the_card_pure():
    now = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
    assert rules.status_for("issued", None, now) == rules.ACTIVE
    assert rules.status_for("temp_lost", now + dt.timedelta(days=1), now) == rules.SUSPENDED
    assert rules.status_for("temp_lost", now - dt.timedelta(seconds=1), now) == rules.ACTIVE
    assert rules.status_for("lost", None, now) == rules.SUSPENDED
    assert rules.status_for("cancelled", None, now) == rules.ENDED


def test_made_at_production_suspended_by_a_loss_moved_to_the_new_card(world):
    app = submitted(world, world.person_a, user=world.operator_a, outlet=world.bank_outlet_a)
    card = services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    ecard = ElectronicCard.objects.get(person=world.person_a)
    assert ecard.card == card and ecard.status == rules.ACTIVE
    signed_up = ecard.signed_up_on
    services.issue_card(card.pk, acting_user=world.bank_operator_a)
    services.report_loss(card.pk, acting_user=world.operator_a, kind="formal")
    ecard.refresh_from_db()
    assert ecard.status == rules.SUSPENDED and "挂失" in ecard.status_label
    new_app = submitted(
        world, world.person_a, user=world.operator_a, kind="replacement", replace_reason="lost"
    )
    new = services.produce_card(new_app.pk, acting_user=world.bank_operator_a, verified=True)
    ecard.refresh_from_db()
    assert ElectronicCard.objects.count() == 1  # one per person
    assert ecard.card == new and ecard.status == rules.ACTIVE and ecard.signed_up_on == signed_up


def test_ended_when_the_holder_is_cancelled(world):
    issued_card(world)
    services.cancel_person(world.person_a.pk, acting_user=world.admin_a, reason="死亡")
    assert ElectronicCard.objects.get().status == rules.ENDED


def test_qr_token_names_the_ecard_not_the_number_and_expires(world, settings):
    issued_card(world)
    ecard = ElectronicCard.objects.get()
    token = qr_token(ecard)
    assert world.person_a.id_number not in token
    assert world.person_a.id_number not in str(signing.loads(token, salt=QR_SALT))
    assert read_qr(token) == ecard
    with pytest.raises(ServiceError) as exc:
        read_qr(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    assert exc.value.code == "ecard_qr_invalid"
    settings.SBK_ECARD_QR_SECONDS = -1  # already past
    with pytest.raises(ServiceError) as exc:
        read_qr(token)
    assert exc.value.code == "ecard_qr_expired"


def test_a_counter_checks_the_code_and_the_check_is_audited(client, world):
    issued_card(world)
    token = qr_token(ElectronicCard.objects.get())
    # Any counter, even in another district: showing the code is the holder's consent.
    r = client.post(
        "/api/ecard/verify",
        {"token": token},
        content_type="application/json",
        **token_for(world.operator_b),
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "active" and body["id_masked"] == world.person_a.id_masked
    assert world.person_a.id_number not in r.content.decode()
    assert AuditEntry.objects.filter(action="ecard.verify").count() == 1
    client.force_login(world.operator_b)
    assert client.get("/ecard/verify/").status_code == 200
    page = client.post("/ecard/verify/", {"token": token}).content.decode()
    assert "正常" in page and world.person_a.id_masked in page
    page = client.post("/ecard/verify/", {"token": "nonsense"}).content.decode()
    assert "不是有效的电子社保卡二维码" in page
    with pytest.raises(ServiceError):
        verify_qr(token, acting_user=world.auditor)


def test_the_holder_sees_the_qr_in_the_portal_unless_suspended(client, world):
    from sbk.accounts.models import Role, User

    card = issued_card(world)
    applicant = User.objects.create(username="a1", role=Role.APPLICANT, person=world.person_a)
    client.force_login(applicant)
    assert "出示电子社保卡二维码" in client.get("/portal/").content.decode()
    page = client.get("/portal/ecard/").content.decode()
    assert "<svg" in page and "秒内有效" in page and world.person_a.id_number not in page
    services.report_loss(card.pk, acting_user=world.operator_a, kind="temporary")
    page = client.get("/portal/ecard/").content.decode()
    assert "<svg" not in page and "暂停" in page
