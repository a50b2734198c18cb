"""The console pages and the API: scoped, GET never writes, the day closes from the page,
a retried API call acts once."""

import pytest
from django.utils import timezone

from sbk.accounts.models import ApiToken
from sbk.stock.models import DayClose, Entry, Serial
from sbk.testing import login

pytestmark = pytest.mark.django_db


def test_outlet_page_shows_the_day_and_closes_it(client, world):
    login(client, world.operator_a)
    assert client.get("/stock/").url == "/stock/outlet/OA1/"
    page = client.get("/stock/outlet/OA1/")
    assert page.status_code == 200 and "日清" in page.content.decode()
    assert client.get("/stock/outlet/OB1/").status_code == 404
    client.post("/stock/outlet/OA1/", {"do": "close"})
    assert DayClose.objects.filter(org=world.outlet_a, day=timezone.localdate()).exists()


def test_district_centre_trace_and_discrepancy_pages(client, world):
    login(client, world.admin_a)
    page = client.get("/stock/district/DA/").content.decode()
    assert "A网点" in page and "B网点" not in page
    serial = Serial.objects.filter(org=world.outlet_a).first().serial
    assert serial in client.get(f"/stock/trace/?serial={serial}").content.decode()
    other = Serial.objects.filter(org=world.outlet_b).first().serial
    assert "不在您的管辖范围内" in client.get(f"/stock/trace/?serial={other}").content.decode()
    login(client, world.city_admin)
    assert "核销" in client.get("/stock/centre/").content.decode()
    client.post("/stock/centre/", {"do": "inbound", "bank": "BANK1", "serials": "W1 W2"})
    assert Serial.objects.filter(serial__in=["W1", "W2"], org=world.centre).count() == 2


def test_api_movements_are_idempotent(client, world):
    raw = "stock-token-" + "x" * 30
    ApiToken.objects.create(user=world.operator_a, name="t", digest=ApiToken.digest_of(raw))
    serial = Serial.objects.filter(org=world.outlet_a).order_by("serial").first().serial
    body = {
        "movements": [
            {"kind": "spoil", "item": "blank", "from": "OA1", "bank": "BANK1", "serials": [serial]}
        ]
    }
    headers = {"Authorization": f"Bearer {raw}", "Idempotency-Key": "spoil-1"}
    first = client.post(
        "/api/stock/movements", body, content_type="application/json", headers=headers
    )
    again = client.post(
        "/api/stock/movements", body, content_type="application/json", headers=headers
    )
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert Entry.objects.filter(serial=serial, kind="spoil").count() == 1
    refused = client.post(
        "/api/stock/movements",
        {"movements": [{**body["movements"][0], "kind": "write_off", "from": "OA1"}]},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert refused.status_code in (400, 403, 409) and refused.json()["code"]
    balance = client.get("/api/stock/balances/OA1", headers={"Authorization": f"Bearer {raw}"})
    assert balance.json()["items"] == {"blank": 9, "waste": 1, "unclaimed": 0}


def test_a_surplus_is_rectified_from_the_discrepancy_page_with_the_serials_found(client, world):
    from sbk.stock import services

    take = services.count_stock(world.outlet_a, acting_user=world.operator_a, item="blank", qty=11)
    disc = take.discrepancy
    services.explain_discrepancy(disc.pk, acting_user=world.operator_a, text="多收未登记")
    login(client, world.admin_a)
    page = client.get(f"/stock/discrepancies/{disc.pk}/").content.decode()
    assert "盘盈序列号" in page and 'name="found"' in page
    url = f"/stock/discrepancies/{disc.pk}/"
    form = {"do": "rectify", "reason": "按实物补录", "found": "WEB-F1", "version": "3.00"}
    shown = client.post(url, form, follow=True).content.decode()
    assert "bad_bank" in shown and not Serial.objects.filter(serial="WEB-F1").exists()
    client.post(url, {**form, "bank": "BANK1"})
    disc.refresh_from_db()
    assert disc.status == "rectified"
    assert Serial.objects.get(serial="WEB-F1").org_id == world.outlet_a.pk


def test_the_district_and_centre_forms_move_blanks_through_their_services(client, world):
    """Each form of the two pages reaches its service: in from the factory, down to the
    district, signed for, on to an outlet; a refused return and an unknown form change
    nothing."""
    from django.contrib.messages import get_messages

    from sbk.stock import rules

    def place(serial):
        row = Serial.objects.get(serial=serial)
        return row.state, row.org.code

    login(client, world.city_admin)
    centre = world.centre.code
    client.post("/stock/centre/", {"do": "inbound", "bank": "BANK1", "serials": "M1 M2 M3"})
    assert place("M1") == (rules.STOCK, centre)
    client.post(
        "/stock/centre/", {"do": "allocate", "to": "DA", "bank": "BANK1", "serials": "M1 M2"}
    )
    assert place("M1") == (rules.TRANSIT, "DA") and place("M3") == (rules.STOCK, centre)
    login(client, world.admin_a)
    client.post("/stock/district/DA/", {"do": "receive", "serials": "M1 M2"})
    assert place("M1") == (rules.STOCK, "DA")
    client.post(
        "/stock/district/DA/", {"do": "allocate", "to": "OA1", "bank": "BANK1", "serials": "M1"}
    )
    assert place("M1") == (rules.TRANSIT, "OA1")
    before = Entry.objects.count()
    # Only waste and unclaimed cards go back up: a blank is refused, with the reason.
    page = client.post("/stock/district/DA/", {"do": "return", "serials": "M2"}, follow=True)
    said = [str(m) for m in get_messages(page.wsgi_request)]
    assert place("M2") == (rules.STOCK, "DA") and any("（" in m for m in said), said
    page = client.post("/stock/district/DA/", {"do": "explode", "serials": "M2"}, follow=True)
    assert "未知操作" in [str(m) for m in get_messages(page.wsgi_request)]
    assert Entry.objects.count() == before
