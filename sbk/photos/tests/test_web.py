"""The photo API and console page: verdict + preview, auto-fix, stats, and scope."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sbk.accounts.models import ApiToken
from sbk.photos import services
from sbk.photos.models import PhotoCheck

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _auth(user) -> dict:
    token = f"photo-{user.username}-" + "x" * 32
    ApiToken.objects.get_or_create(
        user=user, name="t", defaults={"digest": ApiToken.digest_of(token)}
    )
    return {"Authorization": f"Bearer {token}"}


def _upload(data: bytes, name: str = "photo.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_api_check_returns_the_verdict_and_preview(client, world, reference):
    h = _auth(world.operator_a)
    resp = client.post(
        "/api/photos/check",
        {"file": _upload(reference.jpeg), "person_id": world.person_a.pk, "channel": "counter"},
        headers=h,
    )
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert {"file", "ok", "measurements", "failures", "id", "preview_url", "results"} <= set(body)
    assert body["ok"] is True and body["failures"] == [] and body["file"] == "photo.jpg"
    assert body["measurements"]["width"] == 358 and body["person_id"] == world.person_a.pk
    assert len(body["results"]) >= 15 and all(r["status"] == "pass" for r in body["results"])
    check = PhotoCheck.objects.get(pk=body["id"])
    assert check.org == world.outlet_a and check.ok

    png = client.get(body["preview_url"], headers=h)
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).format == "PNG"
    again = client.get(f"/api/photos/checks/{check.pk}", headers=h).json()
    assert again["ok"] is True and again["measurements"] == body["measurements"]

    junk = client.post("/api/photos/check", {"file": _upload(b"not an image")}, headers=h).json()
    assert junk["ok"] is False and "format" in [f["rule"] for f in junk["failures"]]
    assert all(f["message"] for f in junk["failures"])


def test_api_check_idempotency_key(client, world, reference):
    h = {**_auth(world.operator_a), "Idempotency-Key": "photo-key-1"}
    first = client.post("/api/photos/check", {"file": _upload(reference.jpeg)}, headers=h)
    second = client.post("/api/photos/check", {"file": _upload(reference.jpeg)}, headers=h)
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"] and PhotoCheck.objects.count() == 1
    other = client.post("/api/photos/check", {"file": _upload(b"other bytes")}, headers=h)
    assert other.status_code == 409 and PhotoCheck.objects.count() == 1


def test_other_district_gets_404_on_check_preview_person_and_pages(client, world, reference):
    check = services.record_check(
        acting_user=world.operator_a, data=reference.jpeg, person=world.person_a, channel="counter"
    )
    h = _auth(world.admin_b)
    for url in (f"/api/photos/checks/{check.pk}", f"/api/photos/checks/{check.pk}/preview.png"):
        resp = client.get(url, headers=h)
        assert resp.status_code == 404 and resp.json()["code"] == "not_found", url
    resp = client.post(
        "/api/photos/check",
        {"file": _upload(reference.jpeg), "person_id": world.person_a.pk},
        headers=h,
    )
    assert resp.status_code == 404 and PhotoCheck.objects.count() == 1
    client.force_login(world.admin_b)
    assert client.get(f"/photos/checks/{check.pk}/").status_code == 404
    assert client.post(f"/photos/checks/{check.pk}/fix/").status_code == 404
    assert client.get(f"/photos/check/?person={world.person_a.pk}").status_code == 404
    # the owning district sees it
    client.force_login(world.admin_a)
    assert client.get(f"/photos/checks/{check.pk}/").status_code == 200
    assert client.get(f"/api/photos/checks/{check.pk}/preview.png").status_code == 200


def test_api_fix_gives_a_named_jpeg_or_422_reasons(client, world, astronaut_png):
    h = _auth(world.operator_a)
    resp = client.post(
        "/api/photos/fix",
        {"file": _upload(astronaut_png, "astronaut.png"), "person_id": world.person_a.pk},
        headers=h,
    )
    assert resp.status_code == 200 and resp["Content-Type"] == "image/jpeg"
    assert resp.content.startswith(b"\xff\xd8") and services.evaluate(resp.content).ok
    stem = world.person_a.id_number[:6] + "*****甲某.jpg"
    assert stem in unquote(resp["Content-Disposition"])
    plain = client.post("/api/photos/fix", {"file": _upload(astronaut_png, "a.png")}, headers=h)
    assert 'filename="a.jpg"' in plain["Content-Disposition"]

    bad = client.post("/api/photos/fix", {"file": _upload(b"junk")}, headers=h)
    assert bad.status_code == 422
    body = bad.json()
    assert body["code"] == "photo_unfixable" and "无法" in body["message"]
    assert [e["code"] for e in body["errors"]] == ["format"]


def test_api_stats_in_scope(client, world, reference):
    services.record_check(acting_user=world.operator_a, data=reference.jpeg, channel="counter")
    services.record_check(acting_user=world.operator_b, data=b"junk", channel="counter")
    mine = client.get("/api/photos/stats", headers=_auth(world.admin_a)).json()
    assert mine["pass_rate"]["total"] == 1 and mine["pass_rate"]["rate_pct"] == 100.0
    assert [d["code"] for d in mine["pass_rate"]["by_district"]] == ["DA"]
    city = client.get("/api/photos/stats", headers=_auth(world.city_admin)).json()
    assert city["pass_rate"]["total"] == 2 and city["pass_rate"]["rate_pct"] == 50.0
    assert city["recaptures"]["recaptures"] == 0


def test_console_upload_verdict_fix_and_list(client, world, reference, astronaut_png):
    client.force_login(world.operator_a)
    person_page = client.get(f"/people/{world.person_a.pk}/").content.decode()
    assert f"/photos/check/?person={world.person_a.pk}" in person_page and "照片检测" in person_page
    page = client.get(f"/photos/check/?person={world.person_a.pk}")
    assert page.status_code == 200 and "甲某" in page.content.decode()

    # a non-compliant upload (the 512×512 astronaut) for the person: verdict at once
    resp = client.post(
        "/photos/check/",
        {
            "file": _upload(astronaut_png, "a.png"),
            "person": world.person_a.pk,
            "channel": "counter",
        },
        follow=True,
    )
    assert resp.status_code == 200
    html = resp.content.decode()
    check = PhotoCheck.objects.get()
    assert not check.ok and check.person == world.person_a
    assert f"/api/photos/checks/{check.pk}/preview.png" in html  # annotated preview inline
    assert "不合格" in html and "photo-fail" in html and "像素尺寸" in html
    assert "358 × 441" in html or "358" in html
    assert "自动修正" in html

    fixed = client.post(f"/photos/checks/{check.pk}/fix/").content.decode()
    assert "data:image/jpeg;base64," in fixed and "*****甲某.jpg" in fixed
    download = client.post(f"/photos/checks/{check.pk}/fix/", {"download": "1"})
    assert download["Content-Type"] == "image/jpeg" and download.content.startswith(b"\xff\xd8")

    listing = client.get("/photos/check/").content.decode()
    assert f"/photos/checks/{check.pk}/" in listing and "0.0%" in listing

    # an unfixable photo shows the reasons in red
    junk = services.record_check(acting_user=world.operator_a, data=b"junk", channel="counter")
    html = client.post(f"/photos/checks/{junk.pk}/fix/").content.decode()
    assert 'data-testid="fix-error"' in html and "无法读取图像文件" in html


def test_console_refuses_read_only_and_shows_errors(client, world, reference):
    client.force_login(world.auditor)
    page = client.get("/photos/check/").content.decode()
    assert 'data-testid="photo-upload"' not in page
    resp = client.post("/photos/check/", {"file": _upload(reference.jpeg)})
    assert resp.status_code == 400 and "只读" in resp.content.decode()
    assert not PhotoCheck.objects.exists()
    client.force_login(world.operator_a)
    resp = client.post("/photos/check/", {})
    assert resp.status_code == 400 and "请上传照片文件" in resp.content.decode()
