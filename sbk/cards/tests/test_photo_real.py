"""Application photos go through the real checker and count in the photo statistics."""

from pathlib import Path

import pytest

from sbk.cards import services
from sbk.orgs.models import Organisation
from sbk.photos.models import PhotoCheck
from sbk.photos.queries import pass_rate

pytestmark = [pytest.mark.django_db, pytest.mark.real_photo_check]


def test_counter_photo_is_checked_recorded_and_sealed(world, settings, compliant_photo):
    app = services.start_application(
        world.person_a.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a
    )
    app = services.attach_photo(
        app.pk, acting_user=world.operator_a, data=compliant_photo, source="counter"
    )
    assert app.photo_checked and app.photo_ok, app.photo_note
    check = PhotoCheck.objects.get(person=world.person_a)
    assert (check.ok, check.channel, check.org) == (True, "counter", world.outlet_a)
    assert app.photo.name == check.photo
    raw = (Path(settings.MEDIA_ROOT) / check.photo).read_bytes()
    assert not raw.startswith(b"\xff\xd8")
    rate = pass_rate(Organisation.objects.filter(pk=world.outlet_a.pk))
    assert (rate["total"], rate["passed"]) == (1, 1)


def test_failed_photo_blocks_submission_and_counts_as_failed(world, compliant_photo):
    broken = compliant_photo[:2000]  # a truncated JPEG
    app = services.start_application(
        world.person_a.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a
    )
    app = services.attach_photo(app.pk, acting_user=world.operator_a, data=broken, source="counter")
    assert app.photo_checked and app.photo_ok is False
    assert PhotoCheck.objects.filter(person=world.person_a, ok=False).count() == 1
    app2 = services.attach_photo(
        app.pk, acting_user=world.operator_a, data=compliant_photo, source="counter"
    )
    assert app2.photo_ok
    assert PhotoCheck.objects.filter(person=world.person_a).order_by("-id").first().recapture
