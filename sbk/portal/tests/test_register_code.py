"""Registration proves the phone by an SMS code, and never says whether a number is registered
(issue 14 §2)."""

import datetime as dt
import re

import pytest
from django.contrib.auth.hashers import check_password
from django.db import connection
from django.utils import timezone

from sbk.accounts.models import Role, User
from sbk.core.errors import ServiceError
from sbk.core.models import AccessLog
from sbk.notify.models import Notification
from sbk.portal import registration
from sbk.portal.models import PhoneChallenge
from sbk.registry.models import Person
from sbk.testing import PASSWORD, resident_number

pytestmark = pytest.mark.django_db


def code_sent_to(phone: str) -> str:
    """The code in the last registration SMS queued for ``phone`` (the outbox is the gateway's
    input: this is what the phone would receive)."""
    rows = [n for n in Notification.objects.filter(kind="register_code") if n.phone == phone]
    assert rows, f"no code was sent to {phone}"
    return re.search(r"验证码为 (\d{6})", rows[-1].text).group(1)


def start(**kw):
    values = {
        "name": "新某",
        "id_number": resident_number("310112"),
        "phone": "13800000101",
        "password": PASSWORD,
    }
    values.update(kw)
    return registration.start_registration(**values)


def test_no_account_until_the_code_comes_back(world):
    people = Person.objects.count()
    challenge = start()
    assert not User.objects.filter(role=Role.APPLICANT).exists()
    assert Person.objects.count() == people  # nor a registry record
    row = PhoneChallenge.objects.get()
    assert check_password(PASSWORD, row.password_hash) and PASSWORD not in str(row.__dict__)
    with connection.cursor() as cur:  # the number and phone are encrypted at rest
        cur.execute("SELECT id_number, phone FROM portal_phonechallenge")
        stored = " ".join(cur.fetchone())
    assert row.id_number not in stored and "13800000101" not in stored
    user = registration.confirm_registration(
        token=challenge.token, code=code_sent_to("13800000101")
    )
    assert user.role == Role.APPLICANT and user.check_password(PASSWORD)
    assert Person.objects.count() == people + 1
    with pytest.raises(ServiceError) as exc:  # a code is used once
        registration.confirm_registration(token=challenge.token, code=code_sent_to("13800000101"))
    assert exc.value.code == "code_invalid"


def test_the_code_goes_to_the_phone_on_file(world):
    """A registered person proves the phone the registry holds for them."""
    p = world.person_a
    challenge = start(name=p.name, id_number=p.id_number, phone=p.phone)
    user = registration.confirm_registration(token=challenge.token, code=code_sent_to(p.phone))
    assert user.person == p


def test_wrong_codes_are_counted_and_end_the_challenge(world, settings):
    settings.SBK_REGISTRATION_CODE_ATTEMPTS = 3
    challenge = start()
    good = code_sent_to("13800000101")
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(3):
        with pytest.raises(ServiceError) as exc:
            registration.confirm_registration(token=challenge.token, code=wrong)
        assert (exc.value.code, exc.value.field) == ("code_invalid", "code")
    assert PhoneChallenge.objects.get().attempts == 3
    with pytest.raises(ServiceError):  # even the right code, now
        registration.confirm_registration(token=challenge.token, code=good)
    assert not User.objects.filter(role=Role.APPLICANT).exists()


def test_an_expired_code_is_refused(world):
    challenge = start()
    PhoneChallenge.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ServiceError) as exc:
        registration.confirm_registration(token=challenge.token, code=code_sent_to("13800000101"))
    assert exc.value.code == "code_invalid"


@pytest.mark.parametrize("case", ["name", "phone", "registered", "cancelled"])
def test_details_that_cannot_register_get_the_same_answer(world, case):
    """Same answer as a good registration; no code sent to the phone typed; every code wrong."""
    from sbk.cards import services as cards

    p = world.person_a
    data = {"name": p.name, "id_number": p.id_number, "phone": p.phone}
    if case == "name":
        data["name"] = "别人"
    elif case == "phone":
        data["phone"] = "13900000000"
    elif case == "registered":
        User.objects.create(username="has", role=Role.APPLICANT, person=p)
    else:
        cards.cancel_person(p.pk, acting_user=world.city_admin, reason="死亡")
    challenge = start(**data)
    assert challenge.phone_masked == data["phone"][:3] + "****" + data["phone"][-4:]
    assert not Notification.objects.filter(kind="register_code").exists()
    for code in ("000000", "123456"):
        with pytest.raises(ServiceError) as exc:
            registration.confirm_registration(token=challenge.token, code=code)
        assert exc.value.code == "code_invalid" and exc.value.message == registration.CODE_WRONG
    assert User.objects.filter(person=p).count() == (1 if case == "registered" else 0)
    # The probe of a registered number is on record all the same.
    assert AccessLog.objects.filter(object_id=str(p.pk), channel="portal").exists()
    # The holder who already has an account is told someone tried.
    tried = Notification.objects.filter(kind="register_tried", person=p)
    assert tried.exists() == (case == "registered")


def test_typing_errors_are_named_before_any_code_is_sent(world):
    with pytest.raises(ServiceError) as exc:
        start(id_number="110101199003071234")
    assert exc.value.field == "id_number"
    with pytest.raises(ServiceError) as exc:
        start(phone="123")
    assert exc.value.code == "phone"
    with pytest.raises(ServiceError) as exc:
        start(password="short")
    assert exc.value.field == "password"
    assert not PhoneChallenge.objects.exists() and not Notification.objects.exists()


def test_codes_per_number_are_limited(world, settings):
    settings.SBK_REGISTRATION_CODES_PER_HOUR = 2
    number = resident_number("310112")
    start(id_number=number)
    start(id_number=number)
    with pytest.raises(ServiceError) as exc:
        start(id_number=number)
    assert exc.value.code == "too_many_codes"
    assert start().token  # another number is not held up


def test_the_worker_deletes_pending_registrations_a_day_after_expiry(world):
    import io

    from django.core.management import call_command

    kept = start()
    old = start(id_number=resident_number("310112"))
    PhoneChallenge.objects.filter(pk=old.pk).update(
        expires_at=timezone.now() - dt.timedelta(days=1, minutes=1)
    )
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    assert list(PhoneChallenge.objects.values_list("pk", flat=True)) == [kept.pk]
    assert "registrations_purged 1" in out.getvalue()
