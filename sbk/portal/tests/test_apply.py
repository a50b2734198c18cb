import base64
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sbk.cards import services as cards
from sbk.cards.models import Application, Channel, PhotoSource
from sbk.core.errors import ServiceError
from sbk.notify.models import Notification
from sbk.portal.services import apply_online, register_applicant
from sbk.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", data, content_type="image/jpeg")


def test_apply_with_upload_in_the_console(client, world, applicant, compliant_photo):
    client.force_login(applicant)
    page = client.get("/portal/apply/").content.decode()
    assert world.bank_outlet_a.code in page and world.bank_outlet_b.code in page
    assert world.outlet_a.code not in page  # only bank outlets produce online applications
    resp = client.post(
        "/portal/apply/", {"outlet": world.bank_outlet_a.code, "photo": _upload(compliant_photo)}
    )
    assert resp.status_code == 302, resp.content.decode()
    app = Application.objects.get(person=applicant.person)
    assert resp.url == f"/portal/applications/{app.pk}/"
    assert app.status == "submitted" and app.channel == Channel.ONLINE
    assert app.outlet == world.bank_outlet_a and app.intake_org is None
    assert app.photo_source == PhotoSource.UPLOAD and app.photo_ok is True
    assert app.deadline is not None and app.created_by == applicant
    sms = Notification.objects.get(person=applicant.person, kind="cards.can_produce")
    assert sms.status == "pending" and world.bank_outlet_a.name in sms.text
    home = client.get("/portal/").content.decode()
    assert sms.text in home and f"{app.deadline:%Y-%m-%d}" in home and "待制卡" in home
    # review at production, by the bank, then the applicant sees the card
    card = cards.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    home = client.get("/portal/").content.decode()
    assert card.card_no in home
    assert client.get(f"/portal/cards/{card.pk}/").status_code == 200
    assert Notification.objects.filter(person=applicant.person, kind="cards.ready").exists()


def test_failing_photo_shows_reasons_and_upload_again(
    client, world, applicant, failing_photo, compliant_photo
):
    client.force_login(applicant)
    resp = client.post(
        "/portal/apply/", {"outlet": world.bank_outlet_a.code, "photo": _upload(failing_photo)}
    )
    assert resp.status_code == 200
    page = resp.content.decode()
    assert "照片未通过检测" in page and "未检测到人脸" in page
    preview = re.search(r'src="(/portal/photo-checks/\d+/preview\.png)"', page).group(1)
    png = client.get(preview)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    other = Client()
    other.force_login(world.operator_b)
    assert other.get(preview).status_code == 403  # staff use the console, not the portal
    app = Application.objects.get(person=applicant.person)
    assert app.status == "draft" and app.photo_ok is False
    assert not Notification.objects.filter(person=applicant.person).exists()
    # the draft goes on: same application, outlet kept, a new photo
    assert world.bank_outlet_a.name in client.get("/portal/apply/").content.decode()
    resp = client.post("/portal/apply/", {"photo": _upload(compliant_photo)})
    assert resp.status_code == 302
    app.refresh_from_db()
    assert app.status == "submitted" and app.photo_ok is True
    assert Application.objects.filter(person=applicant.person).count() == 1


def test_apply_needs_outlet_and_photo(client, world, applicant):
    client.force_login(applicant)
    resp = client.post("/portal/apply/", {})
    assert resp.status_code == 200 and "请选择制卡的银行网点" in resp.content.decode()
    resp = client.post("/portal/apply/", {"outlet": world.bank_outlet_a.code})
    assert "请上传照片" in resp.content.decode()
    assert not Application.objects.filter(person=applicant.person).exists()
    with pytest.raises(ServiceError) as exc:
        apply_online(acting_user=applicant, outlet_code=world.outlet_a.code, photo=b"x")
    assert exc.value.status == 404  # a community outlet does not produce online applications


def _issued_then_lost(world, photo):
    p = world.person_a
    app = cards.start_application(p.pk, acting_user=world.operator_a, outlet=world.bank_outlet_a)
    cards.attach_photo(app.pk, acting_user=world.operator_a, data=photo, source="counter")
    cards.submit_application(app.pk, acting_user=world.operator_a)
    card = cards.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    cards.issue_card(card.pk, acting_user=world.bank_operator_a)
    return cards.report_loss(card.pk, acting_user=world.operator_a, kind="formal")


def test_apply_with_photo_on_file_replacement(client, world, compliant_photo):
    old = _issued_then_lost(world, compliant_photo)
    p = world.person_a
    user = register_applicant(name=p.name, id_number=p.id_number, phone=p.phone, password=PASSWORD)
    client.force_login(user)
    page = client.get("/portal/apply/").content.decode()
    assert "挂失补卡" in page and "沿用" in page
    resp = client.post("/portal/apply/", {"outlet": world.bank_outlet_a.code, "use_on_file": "on"})
    assert resp.status_code == 302, resp.content.decode()
    app = Application.objects.filter(person=p).order_by("-id").first()
    assert app.kind == "replacement" and app.replaces == old
    assert app.photo_source == PhotoSource.ON_FILE and app.status == "submitted"
    assert Notification.objects.filter(dedup_key=f"cards.application:{app.pk}:can_produce").exists()


def test_holder_of_a_valid_card_cannot_apply(client, world, compliant_photo):
    card = _issued_then_lost(world, compliant_photo)
    cards.unlock_loss(card.pk, acting_user=world.operator_a)
    p = world.person_a
    user = register_applicant(name=p.name, id_number=p.id_number, phone=p.phone, password=PASSWORD)
    client.force_login(user)
    assert "已持有有效社保卡" in client.get("/portal/apply/").content.decode()
    with pytest.raises(ServiceError) as exc:
        apply_online(acting_user=user, outlet_code=world.bank_outlet_a.code, photo=compliant_photo)
    assert exc.value.code == "has_valid_card"


def test_apply_api_with_idempotency(client, world, applicant, compliant_photo, failing_photo):
    client.force_login(applicant)
    body = {
        "outlet_code": world.bank_outlet_b.code,
        "photo_base64": base64.b64encode(failing_photo).decode(),
    }
    resp = client.post("/api/portal/applications", body, content_type="application/json")
    assert resp.status_code == 201, resp.content
    assert resp.json()["status"] == "draft" and resp.json()["photo_ok"] is False
    assert "未检测到人脸" in resp.json()["photo_note"]
    body["photo_base64"] = base64.b64encode(compliant_photo).decode()
    headers = {"Idempotency-Key": "apply-1"}
    first = client.post(
        "/api/portal/applications", body, content_type="application/json", headers=headers
    )
    again = client.post(
        "/api/portal/applications", body, content_type="application/json", headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    data = first.json()
    assert data["status"] == "submitted" and data["channel"] == 7
    assert Application.objects.filter(person=applicant.person).count() == 1
    assert Notification.objects.filter(person=applicant.person).count() == 1
    me = client.get("/api/portal/me").json()
    assert me["person"]["name"] == "网上某" and me["can_apply"] is True
    assert [a["id"] for a in client.get("/api/portal/applications").json()] == [data["id"]]
    sms = client.get("/api/portal/notifications").json()
    assert [n["kind"] for n in sms] == ["cards.can_produce"]
    assert client.get("/api/portal/cards").json() == []


def test_an_online_photo_counts_for_the_chosen_outlet_not_the_registering_office(
    world, applicant, compliant_photo
):
    from sbk.photos.models import PhotoCheck

    apply_online(acting_user=applicant, outlet_code=world.bank_outlet_b.code, photo=compliant_photo)
    check = PhotoCheck.objects.get(person=applicant.person)
    assert check.org == world.bank_outlet_b and check.org != applicant.person.org


def test_online_the_applicant_may_leave_the_photo_to_the_outlets_studio(client, world, applicant):
    client.force_login(applicant)
    assert "指定照相馆" in client.get("/portal/apply/").content.decode()
    r = client.post("/portal/apply/", {"outlet": world.bank_outlet_a.code, "studio_photo": "on"})
    assert r.status_code == 302, r.content.decode()
    app = Application.objects.get(person=applicant.person)
    assert app.status == "awaiting_photo" and app.photo_studio == world.bank_outlet_a
    assert app.deadline is None and not app.photo
