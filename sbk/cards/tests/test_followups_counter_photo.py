"""Review follow-up: a counter photo a supervisor accepted by override (人工放行,
``photo.override``) is the one the kiosk and production take, exactly as a compliant one."""

import datetime as dt

import pytest
from django.utils import timezone

from sbk.cards import services
from sbk.cards.queries import counter_photo
from sbk.cards.services.photo_steps import attach_photo_to
from sbk.photos.services import override_check
from sbk.photos.tests.overrides import soft_failed_check

pytestmark = pytest.mark.django_db
TEXT = "宗教头饰，已核对为本人"


def test_an_overridden_counter_photo_is_the_counter_photo(world):
    person = world.person_a
    assert counter_photo(person) is None
    failed = soft_failed_check(world.operator_a, person=person, org=world.outlet_a)
    assert counter_photo(person) is None  # a failed, not overridden check is never used
    override_check(acting_user=world.operator_a, check_id=failed.pk, reason="religious", text=TEXT)
    assert counter_photo(person) == failed

    # the kiosk's "photo a counter collected" takes it, marked accepted by the operator
    app = services.start_application(
        person.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a
    )
    assert attach_photo_to(app, person, acting_user=world.operator_a, from_counter=True) == (
        failed.pk
    )
    assert app.photo.name == failed.photo and app.photo_ok is True
    assert app.photo_result["overridden"] is True and "已人工放行" in app.photo_note


def test_the_latest_accepted_counter_photo_wins_and_old_ones_expire(world, settings):
    person = world.person_a
    overridden = soft_failed_check(world.operator_a, person=person, org=world.outlet_a)
    override_check(
        acting_user=world.operator_a, check_id=overridden.pk, reason="medical", text=TEXT
    )
    later_failure = soft_failed_check(world.operator_a, person=person, org=world.outlet_a)
    # a later failure that nobody overrode does not hide the accepted photo
    assert counter_photo(person) == overridden
    assert later_failure.at >= overridden.at
    # past SBK_COUNTER_PHOTO_DAYS the overridden photo is as stale as a compliant one
    type(overridden).objects.filter(pk=overridden.pk).update(
        at=timezone.now() - dt.timedelta(days=31)
    )
    settings.SBK_COUNTER_PHOTO_DAYS = 30
    assert counter_photo(person) is None
