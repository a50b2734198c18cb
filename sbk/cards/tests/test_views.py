import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sbk.cards.models import Application, Card
from sbk.cards.tests.conftest import GOOD
from sbk.cards.tests.helpers import issued_card

pytestmark = pytest.mark.django_db


def test_clerk_to_bank_console_flow(client, world):
    client.force_login(world.operator_a)
    page = client.get(f"/people/{world.person_a.pk}/")
    assert "申领社保卡" in page.content.decode()
    p = world.person_a
    r = client.post(
        f"/cards/apply/{p.pk}/",
        {"kind": "first", "outlet": "BOA", "stated_name": p.name, "stated_id_number": p.id_number},
    )
    app = Application.objects.get()
    assert r.status_code == 302 and r.url == f"/cards/applications/{app.pk}/photo/"
    photo = SimpleUploadedFile("p.jpg", GOOD, content_type="image/jpeg")
    client.post(r.url, {"photo": photo, "source": "counter"})
    client.post(f"/cards/applications/{app.pk}/submit/")
    app.refresh_from_db()
    assert app.status == "submitted"
    assert client.get(f"/cards/applications/{app.pk}/photo.jpg").status_code == 200
    client.force_login(world.bank_operator_a)
    assert f"#{app.pk}" in client.get("/cards/queue/").content.decode()
    r = client.post(f"/cards/applications/{app.pk}/produce/", {})  # not verified
    assert "identity_not_verified" in client.get(r.url).content.decode()
    client.post(f"/cards/applications/{app.pk}/produce/", {"verified": "1"})
    card = Card.objects.get()
    confirm = client.get(f"/cards/cards/{card.pk}/issue/")
    assert "确认发卡" in confirm.content.decode()
    client.post(f"/cards/cards/{card.pk}/issue/", {"confirm": "1"})
    card.refresh_from_db()
    assert card.status == "issued"
    client.force_login(world.operator_a)
    client.post(f"/cards/cards/{card.pk}/loss_formal/", {"confirm": "1"})
    card.refresh_from_db()
    assert card.status == "lost"
    page = client.get(f"/people/{world.person_a.pk}/").content.decode()
    assert 'data-action="card.report_loss_formal"' in page and card.card_no in page
    assert client.get("/cards/overdue/").status_code == 200


def test_other_district_gets_404_on_every_page(client, world):
    card = issued_card(world)
    app = Application.objects.get()
    client.force_login(world.admin_b)
    for url in [
        f"/cards/cards/{card.pk}/",
        f"/cards/cards/{card.pk}/loss_formal/",
        f"/cards/applications/{app.pk}/",
        f"/cards/applications/{app.pk}/photo/",
        f"/cards/applications/{app.pk}/photo.jpg",
        f"/cards/apply/{world.person_a.pk}/",
        f"/cards/people/{world.person_a.pk}/cancel/",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/cards/cards/{card.pk}/loss_formal/", {"confirm": "1"}).status_code == 404
    assert client.post(f"/cards/applications/{app.pk}/reject/", {"reason": "x"}).status_code == 404


def test_cancel_needs_confirmation(client, world):
    client.force_login(world.admin_a)
    r = client.get(f"/cards/people/{world.person_a.pk}/cancel/")
    assert "确认注销" in r.content.decode()
    client.post(f"/cards/people/{world.person_a.pk}/cancel/", {"reason": "死亡"})  # no confirm
    world.person_a.refresh_from_db()
    assert world.person_a.status == "active"
    client.post(f"/cards/people/{world.person_a.pk}/cancel/", {"reason": "死亡", "confirm": "1"})
    world.person_a.refresh_from_db()
    assert world.person_a.status == "cancelled"


def test_application_photo_is_encrypted_on_disk_and_served_decrypted(world, client, settings):
    from pathlib import Path

    from sbk.cards.tests.helpers import submitted

    app = submitted(world)
    raw = (Path(settings.MEDIA_ROOT) / app.photo.name).read_bytes()
    assert not raw.startswith(b"\xff\xd8")
    client.force_login(world.admin_a)
    resp = client.get(f"/cards/applications/{app.pk}/photo.jpg")
    assert resp.status_code == 200 and resp.content.startswith(b"\xff\xd8")
