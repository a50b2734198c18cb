"""The public pages' contract: elder mode switched by ?elder= and remembered; labelled
fields with errors next to them; the status sentence, the same words as the SMS."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sbk.cards import services as cards
from sbk.cards.models import Application
from sbk.notify.models import Notification
from sbk.portal.elder import requested
from sbk.portal.wording import spoken_date, status_sentence


def test_requested_mode():
    assert requested("1") is True and requested("0") is False
    assert requested(None) is None and requested("x") is None


def test_status_sentences_say_where_and_what_next():
    day = dt.date(2026, 12, 8)
    s = status_sentence("submitted", outlet="银行A", deadline=day, days=7)
    assert (
        s
        == "您的社保卡申请已受理，请于2026年12月8日前（7天内）携带本人有效身份证件到银行A办理制卡。"
    )
    assert "照相馆" in status_sentence("awaiting_photo", outlet="银行A")
    assert "7天" in status_sentence("awaiting_photo", outlet="银行A")
    assert "领取" in status_sentence("produced", outlet="银行A")
    assert "照片模糊" in status_sentence("rejected", outlet="银行A", reason="照片模糊")
    for status in ("draft", "issued", "withdrawn", "cancelled", "unknown"):
        s = status_sentence(status, outlet="银行A")
        assert s.endswith("。") and s.count("。") == 1
    assert spoken_date(day) == "2026年12月8日" and spoken_date(None) == ""


@pytest.mark.django_db
def test_elder_mode_is_switched_and_remembered(client):
    page = client.get("/portal/login/").content.decode()
    assert 'class="standard"' in page and "?elder=1" in page
    resp = client.get("/portal/register/?elder=1")
    assert resp.cookies["sbk_elder"].value == "1"
    assert 'class="elder"' in resp.content.decode()
    # remembered on the next page, without the parameter
    page = client.get("/portal/login/?next=/portal/apply/").content.decode()
    assert 'class="elder"' in page
    assert "next=%2Fportal%2Fapply%2F&amp;elder=0" in page  # the switch keeps `next`
    resp = client.get("/portal/login/?elder=0")
    assert resp.cookies["sbk_elder"].value == "0"
    assert 'class="standard"' in client.get("/portal/register/").content.decode()


@pytest.mark.django_db
def test_register_errors_are_next_to_their_fields(client, world):
    page = client.post("/portal/register/", {"name": "", "phone": "123"}).content.decode()
    for name in ("name", "id_number", "password"):
        assert f'<label for="id_{name}">' in page
        assert f'id="id_{name}_error"' in page
    assert 'aria-describedby="id_name_error"' in page and 'aria-invalid="true"' in page


@pytest.mark.django_db
def test_applicant_login_page_signs_in(client, applicant):
    from sbk.testing import PASSWORD

    bad = client.post("/portal/login/", {"username": "x", "password": "y"}).content.decode()
    assert "证件号码或密码不对" in bad and 'aria-invalid="true"' in bad
    resp = client.post("/portal/login/", {"username": applicant.id_number, "password": PASSWORD})
    assert resp.status_code == 302 and resp.url == "/portal/"


@pytest.mark.django_db
def test_status_page_and_sms_say_the_same(client, world, applicant, compliant_photo):
    client.force_login(applicant)
    upload = SimpleUploadedFile("photo.jpg", compliant_photo, content_type="image/jpeg")
    page = client.get("/portal/apply/").content.decode()
    assert 'capture="user"' in page and "photo-rules.svg" in page
    client.post("/portal/apply/", {"outlet": world.bank_outlet_a.code, "photo": upload})
    app = Application.objects.get(person=applicant.person)
    sms = Notification.objects.get(kind="cards.can_produce")
    page = client.get(f"/portal/applications/{app.pk}/").content.decode()
    sentence = status_sentence(
        "submitted", outlet=world.bank_outlet_a.name, deadline=app.deadline, days=7
    )
    assert sentence in page and spoken_date(app.deadline) in page
    assert sms.text == f"{applicant.person.name}您好，{sentence}"
    cards.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    ready = Notification.objects.get(kind="cards.ready")
    sentence = status_sentence("produced", outlet=world.bank_outlet_a.name)
    assert ready.text == f"{applicant.person.name}您好，{sentence}"
    assert sentence in client.get(f"/portal/applications/{app.pk}/").content.decode()
