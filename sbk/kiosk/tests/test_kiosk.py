"""The kiosk screen end to end through Django's client, with the real photo checker."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sbk.cards.models import Card

pytestmark = pytest.mark.django_db


def _jpeg(data):
    return SimpleUploadedFile("photo.jpg", data, content_type="image/jpeg")


def test_kiosk_flow_retake_until_the_photo_passes(
    client, world, kiosk_user, failing_photo, compliant_photo
):
    client.force_login(kiosk_user)
    person = world.person_a
    assert "读身份证" in client.get("/kiosk/").content.decode()
    resp = client.post("/kiosk/", {"id_number": person.id_number})
    assert resp.status_code == 302 and resp.url == "/kiosk/photo/"
    # no personal data in the session, only ids
    assert person.id_number not in str(dict(client.session))
    assert person.name not in str(dict(client.session))

    page = client.get("/kiosk/photo/").content.decode()
    assert person.name[0] + "*" in page and person.name not in page
    assert 'capture="user"' in page

    # a failing photo: the verdict in words and the picture with the failing rule drawn
    resp = client.post("/kiosk/photo/", {"photo": _jpeg(failing_photo)})
    assert resp.status_code == 302
    page = client.get("/kiosk/photo/").content.decode()
    assert "照片不合格" in page and "人脸" in page and "confirm-issue" not in page
    png = client.get("/kiosk/photo/preview.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    # confirming without a passing photo is refused, in words
    client.post("/kiosk/issue/")
    assert "请先拍一张合格的照片" in client.get("/kiosk/photo/").content.decode()

    # the retake passes; confirm; the card is issued at the kiosk
    client.post("/kiosk/photo/", {"photo": _jpeg(compliant_photo)})
    page = client.get("/kiosk/photo/").content.decode()
    assert "照片合格" in page and "confirm-issue" in page
    resp = client.post("/kiosk/issue/")
    assert resp.status_code == 302 and resp.url == "/kiosk/done/"
    card = Card.objects.get(person=person)
    assert card.status == "issued" and card.org == kiosk_user.org
    page = client.get("/kiosk/done/").content.decode()
    assert "请从出卡口取走社保卡" in page and card.card_no not in page

    # finishing forgets the person
    client.post("/kiosk/reset/")
    assert "kiosk" not in client.session
    assert client.get("/kiosk/photo/").url == "/kiosk/"


def test_idle_time_out_clears_the_person(client, world, kiosk_user, settings):
    settings.SBK_KIOSK_IDLE_SECONDS = 60
    client.force_login(kiosk_user)
    client.post("/kiosk/", {"id_number": world.person_a.id_number})
    session = client.session
    session["kiosk"]["at"] -= 61
    session.save()
    resp = client.get("/kiosk/photo/")
    assert resp.status_code == 302 and resp.url == "/kiosk/"
    assert "kiosk" not in client.session
    page = client.get("/kiosk/").content.decode()
    assert 'data-idle-seconds="60"' in page and "kiosk.js" in page


def test_unknown_document_is_said_next_to_the_field(client, world, kiosk_user):
    from sbk.testing import resident_number

    client.force_login(kiosk_user)
    page = client.post("/kiosk/", {"id_number": resident_number("310112")}).content.decode()
    assert 'id="id_id_number_error"' in page and "没有找到这个证件号码" in page
    assert 'aria-invalid="true"' in page


def test_only_a_kiosk_account_gets_the_screen(client, world):
    assert client.get("/kiosk/").status_code == 302  # anonymous: to the login page
    client.force_login(world.operator_a)
    resp = client.get("/kiosk/")
    assert resp.status_code == 403 and "仅供自助一体机使用" in resp.content.decode()


def test_elder_mode_on_the_kiosk(client, world, kiosk_user):
    client.force_login(kiosk_user)
    page = client.get("/kiosk/?elder=1").content.decode()
    assert 'class="elder kiosk"' in page


def _red_in_photo(png: bytes) -> int:
    """Pixels of the annotation's red (failed rule) in the photo part of the picture (the
    rule panel on the right is left out)."""
    import io

    import numpy as np
    from PIL import Image

    a = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    photo = a[:, : round(358 * 1.5)]
    return int(((photo[..., 0] > 200) & (photo[..., 1] < 40) & (photo[..., 2] < 40)).sum())


def test_the_failing_rule_is_drawn_on_the_picture(
    client, world, kiosk_user, off_centre_photo, compliant_photo
):
    client.force_login(kiosk_user)
    client.post("/kiosk/", {"id_number": world.person_a.id_number})
    client.post("/kiosk/photo/", {"photo": _jpeg(off_centre_photo)})
    page = client.get("/kiosk/photo/").content.decode()
    assert "居中" in page and "照片不合格" in page
    assert _red_in_photo(client.get("/kiosk/photo/preview.png").content) > 200
    client.post("/kiosk/photo/", {"photo": _jpeg(compliant_photo)})
    assert "照片合格" in client.get("/kiosk/photo/").content.decode()
    assert _red_in_photo(client.get("/kiosk/photo/preview.png").content) == 0
