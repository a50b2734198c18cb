"""The console pages (nav link, forms with errors next to fields, scope) and the API (a
retried call acts once; coverage held to the caller's ground)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sbk.accounts.models import ApiToken
from sbk.testing import login
from sbk.usage.models import UsageRecord, Venue

from .helpers import cards, usage_csv

pytestmark = pytest.mark.django_db


def test_pages_for_each_role(client, place):
    for u in (place.city, place.admin, place.operator, place.banker):
        login(client, u)
        home = client.get("/usage/")
        assert home.status_code == 200 and "银行与用卡" in home.content.decode()
        for page in ("banks/", "imports/", "venues/", "campaigns/", "cases/"):
            assert client.get(f"/usage/{page}").status_code == 200, (u, page)
    login(client, place.banker)
    assert client.get(f"/usage/banks/{place.record.pk}/").status_code == 200
    assert "质量监督" in client.get(f"/usage/banks/{place.record.pk}/").content.decode()


def test_venue_form_shows_errors_next_to_fields_and_registers(client, place):
    login(client, place.operator)
    page = client.post(
        "/usage/venues/",
        {"kind": "canteen", "name": "食堂", "address": "路", "division_code": "31011"},
    )
    assert "6 位行政区划代码" in page.content.decode() and not Venue.objects.exists()
    client.post("/usage/venues/", {"kind": "canteen", "name": "食堂", "address": "路"})
    assert Venue.objects.get().org == place.outlet


def test_console_import_refuses_a_bad_file_whole(client, place, tmp_path):
    cards(tmp_path, [("SC0000001", "310112", "测试银行", "2026-01-05")])
    login(client, place.city)
    rows = [
        ("SC0000001", "2026-02-01 09:00", "pay_medical", "1", "", "310112", "w1"),
        ("SC0000001", "2026-02-01 09:00", "pay_medical", "x", "", "310112", "w2"),
    ]
    upload = SimpleUploadedFile("u.csv", usage_csv(rows), content_type="text/csv")
    page = client.post("/usage/imports/", {"file": upload}).content.decode()
    assert "3:amount" in page and UsageRecord.objects.count() == 0
    upload = SimpleUploadedFile("u.csv", usage_csv(rows[:1]), content_type="text/csv")
    client.post("/usage/imports/", {"file": upload})
    assert UsageRecord.objects.count() == 1


def _token(user):
    raw = f"usage-token-{user.username}-" + "x" * 20
    ApiToken.objects.create(user=user, name="t", digest=ApiToken.digest_of(raw))
    return {"Authorization": f"Bearer {raw}"}


def test_api_is_idempotent_and_coverage_is_scoped(client, place):
    headers = {**_token(place.operator), "Idempotency-Key": "venue-1"}
    body = {"org": "OA1", "kind": "coffee", "name": "咖啡店", "address": "路1号"}
    first = client.post("/api/usage/venues", body, content_type="application/json", headers=headers)
    again = client.post("/api/usage/venues", body, content_type="application/json", headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert Venue.objects.count() == 1
    admin = _token(place.admin)
    got = client.get("/api/usage/coverage?period=2026Q1&region=310115", headers=admin)
    assert got.status_code == 404
    got = client.get("/api/usage/coverage?period=2026Q1", headers=admin)
    assert got.status_code == 200 and got.json()["holders"] == 0
    banker = _token(place.banker)
    assert (
        client.get("/api/usage/coverage?period=2026Q1&bank=BANK2", headers=banker).status_code
        == 404
    )
    assert [b["org"] for b in client.get("/api/usage/banks", headers=banker).json()] == ["BANK1"]


def test_campaign_created_in_the_console_and_its_page(client, place):
    login(client, place.admin)
    form = {
        "name": "食堂九折", "scenario": "canteen", "start": "2026-01-01", "end": "2025-01-01",
        "discount_kind": "percent", "discount_value": "10",
    }  # fmt: skip
    page = client.post("/usage/campaigns/", form).content.decode()
    assert "结束日期不能早于开始日期" in page
    done = client.post("/usage/campaigns/", {**form, "end": "2026-12-31"})
    page = client.get(done.url).content.decode()
    assert "平均优惠" in page and "食堂九折" in page
