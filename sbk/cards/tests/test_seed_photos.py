"""Seed 002's photo flows with the real checker (issue 14 §1): every kiosk attempt recorded
and counted for the kiosk, the kiosk's three photo sources, the photo on file re-checked."""

import pytest
from django.utils import timezone

from sbk.accounts.models import Role
from sbk.cards import rules, services
from sbk.cards.models import Application, Card
from sbk.core.errors import ServiceError
from sbk.orgs.models import Organisation, OrgKind
from sbk.photos.models import PhotoCheck
from sbk.photos.queries import pass_rate
from sbk.testing import org, user

pytestmark = [pytest.mark.django_db, pytest.mark.real_photo_check]


@pytest.fixture
def kiosk(world):
    from sbk.testing import stock_outlets

    machine = org("K1", OrgKind.KIOSK, "310112", world.district_a, name="自助机1")
    stock_outlets(world.centre, [machine], world.bank)
    return machine, user("kiosk1", Role.OUTLET_OPERATOR, machine)


def test_a_refused_kiosk_photo_stays_recorded_as_an_attempt_for_the_kiosk(
    world, kiosk, compliant_photo
):
    machine, account = kiosk
    broken = compliant_photo[:2000]
    with pytest.raises(ServiceError) as exc:
        services.kiosk_issue(world.person_a.id_number, acting_user=account, photo=broken)
    assert exc.value.code == "photo_failed"
    assert not Application.objects.exists() and not Card.objects.exists()  # the step is undone
    first = PhotoCheck.objects.get()  # ... the attempt is not
    assert (first.ok, first.channel, first.org, first.person) == (
        False,
        "kiosk",
        machine,
        world.person_a,
    )
    card = services.kiosk_issue(
        world.person_a.id_number, acting_user=account, photo=compliant_photo
    )
    assert card.status == rules.ISSUED
    retake = PhotoCheck.objects.order_by("-id").first()
    assert retake.ok and retake.recapture  # the evaluation's recaptures see it
    assert Application.objects.get().photo.name == retake.photo
    rate = pass_rate(Organisation.objects.filter(pk=machine.pk))
    assert (rate["total"], rate["passed"]) == (2, 1)
    # Not counted for the person's registering outlet.
    assert pass_rate(Organisation.objects.filter(pk=world.outlet_a.pk))["total"] == 0


def test_the_kiosk_may_use_a_counter_photo_or_the_photo_on_file(world, kiosk, compliant_photo):
    _, account = kiosk
    with pytest.raises(ServiceError) as exc:
        services.kiosk_issue(world.person_a.id_number, acting_user=account, photo_source="counter")
    assert exc.value.code == "photo_not_on_file"
    # A counter collected a photo for the holder (an application started there, withdrawn).
    app = services.start_application(
        world.person_a.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a
    )
    services.attach_photo(
        app.pk, acting_user=world.operator_a, data=compliant_photo, source="counter"
    )
    services.withdraw_application(app.pk, acting_user=world.operator_a)
    counter_check = PhotoCheck.objects.get(channel="counter")
    card = services.kiosk_issue(
        world.person_a.id_number, acting_user=account, photo_source="counter"
    )
    kiosk_app = Application.objects.get(card=card)
    assert kiosk_app.photo_source == "counter" and kiosk_app.photo.name == counter_check.photo
    assert PhotoCheck.objects.filter(channel="kiosk").count() == 0  # nothing retaken
    # Later, a replacement at the kiosk with the photo on file (re-checked, still good).
    services.report_loss(card.pk, acting_user=world.operator_a, kind="formal")
    new = services.kiosk_issue(
        world.person_a.id_number,
        acting_user=account,
        photo_source="on_file",
        kind="replacement",
        replace_reason="lost",
    )
    on_file = Application.objects.get(card=new)
    assert on_file.photo_source == "on_file" and "复检" in on_file.photo_note


def test_a_photo_on_file_that_fails_todays_rules_is_not_reused(world, settings, compliant_photo):
    first = services.start_application(
        world.person_a.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a
    )
    services.attach_photo(
        first.pk, acting_user=world.operator_a, data=compliant_photo, source="counter"
    )
    services.submit_application(first.pk, acting_user=world.operator_a)
    card = services.produce_card(first.pk, acting_user=world.bank_operator_a, verified=True)
    services.issue_card(card.pk, acting_user=world.bank_operator_a)
    services.report_loss(card.pk, acting_user=world.operator_a, kind="formal")
    # The rules tighten: the stored photo is now too small a file.
    settings.SBK_PHOTO_RULES = {"min_kb": 99.0}
    second = services.start_application(
        world.person_a.pk,
        acting_user=world.operator_a,
        outlet=world.bank_outlet_a,
        kind="replacement",
        replace_reason="lost",
    )
    with pytest.raises(ServiceError) as exc:
        services.attach_photo(second.pk, acting_user=world.operator_a, use_on_file=True)
    assert exc.value.code == "photo_on_file_failed" and "不能沿用" in exc.value.message


def test_through_the_api_a_refused_photo_is_still_counted(client, world, kiosk, compliant_photo):
    import base64

    from sbk.cards.tests.test_api import post, token_for

    _, account = kiosk
    headers = token_for(account)
    body = {
        "id_number": world.person_a.id_number,
        "photo_base64": base64.b64encode(compliant_photo[:2000]).decode(),
    }
    r = post(client, "/kiosk/issue", body, headers, key="k-1")
    assert r.status_code == 400 and r.json()["code"] == "photo_failed"
    assert PhotoCheck.objects.filter(channel="kiosk", ok=False).count() == 1
    assert not Card.objects.exists()
    body["photo_base64"] = base64.b64encode(compliant_photo).decode()
    r = post(client, "/kiosk/issue", body, headers, key="k-2")
    assert r.status_code == 201, r.content
    again = post(client, "/kiosk/issue", body, headers, key="k-2")
    assert again.status_code == 201 and again.json() == r.json()
    assert PhotoCheck.objects.filter(channel="kiosk").count() == 2  # the retry took none


def test_the_card_s_photo_becomes_the_person_s_current_photo_and_is_reused(world, compliant_photo):
    from sbk.photos.models import PersonPhoto

    app = services.start_application(
        world.person_a.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a
    )
    services.attach_photo(
        app.pk, acting_user=world.operator_a, data=compliant_photo, source="counter"
    )
    services.submit_application(app.pk, acting_user=world.operator_a)
    assert not PersonPhoto.objects.exists()  # not before a card carries it
    card = services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    current = PersonPhoto.objects.get(person=world.person_a)
    check = PhotoCheck.objects.get(person=world.person_a)
    assert current.photo_check == check and current.since == timezone.localdate(card.produced_at)
    services.issue_card(card.pk, acting_user=world.bank_operator_a)
    services.report_loss(card.pk, acting_user=world.operator_a, kind="formal")
    again = services.start_application(
        world.person_a.pk,
        acting_user=world.operator_a,
        outlet=world.bank_outlet_a,
        kind="replacement",
        replace_reason="lost",
    )
    again = services.attach_photo(again.pk, acting_user=world.operator_a, use_on_file=True)
    assert again.photo.name == check.photo and again.photo_ok
    assert f"沿用 {current.since:%Y-%m-%d} 的照片" in again.photo_note
