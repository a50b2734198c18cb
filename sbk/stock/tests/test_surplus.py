"""A stocktake surplus counted without serial numbers (盘盈, 实有账无) is rectified by naming
the serials found, read off the cards: never as a bare quantity (ADR 0004)."""

import pytest

from sbk.core.errors import ServiceError
from sbk.stock import services
from sbk.stock.models import DiscrepancyEvent, Entry, Serial
from sbk.stock.verify import verify

from .helpers import produce, qty

pytestmark = pytest.mark.django_db


def _surplus(world, counted: int):
    take = services.count_stock(
        world.outlet_a, acting_user=world.operator_a, item="blank", qty=counted
    )
    assert take.serials is None and take.book == 10
    services.explain_discrepancy(
        take.discrepancy.pk, acting_user=world.operator_a, text="调拨签收时多收未登记"
    )
    return take.discrepancy


def _rectify(world, disc, **kw):
    return services.rectify_discrepancy(
        disc.pk, acting_user=world.admin_a, reason="按实物序列号补录", **kw
    )


def test_a_surplus_without_serials_is_rectified_with_the_serials_found(world):
    disc = _surplus(world, 12)
    elsewhere = (
        Serial.objects.filter(org=world.outlet_b, state="stock").order_by("serial").first().serial
    )
    with pytest.raises(ServiceError) as err:  # a bare quantity is not enough
        _rectify(world, disc)
    assert err.value.code == "not_rectified" and "盘盈序列号" in err.value.message
    with pytest.raises(ServiceError) as err:  # a serial the books never knew needs its bank
        _rectify(world, disc, found_serials=[elsewhere, "FOUND-0001"])
    assert err.value.code == "bad_bank" and "FOUND-0001" in err.value.message
    assert not Serial.objects.filter(serial="FOUND-0001").exists()  # nothing half-written
    _rectify(world, disc, found_serials=[elsewhere, "FOUND-0001"], bank=world.bank)
    disc.refresh_from_db()
    assert disc.status == "rectified"
    assert qty(world.outlet_a) == 12 and qty(world.outlet_b) == 9
    new = Serial.objects.get(serial="FOUND-0001")
    assert (new.org_id, new.state, new.bank_id, new.version) == (
        world.outlet_a.pk,
        "stock",
        world.bank.pk,
        "3.00",
    )
    adjust = Entry.objects.filter(kind="adjust").order_by("serial")
    assert [(e.serial, e.src_state, e.src_org_id) for e in adjust] == [
        ("BANK1-OB1-00001", "stock", world.outlet_b.pk),
        ("FOUND-0001", "", None),
    ]
    assert all(e.reason == "按实物序列号补录" for e in adjust)
    event = DiscrepancyEvent.objects.get(discrepancy=disc, what="rectified")
    assert "FOUND-0001" in event.text and event.batch == adjust[0].batch
    assert verify() == []
    # The blank found can be printed on like any other.
    card = produce(world, world.person_a, world.outlet_a, world.operator_a)
    assert card.blank_serial


def test_found_and_lost_serials_must_net_to_the_difference_and_be_plausible(world):
    disc = _surplus(world, 11)
    held = list(
        Serial.objects.filter(org=world.outlet_a, state="stock")
        .order_by("serial")
        .values_list("serial", flat=True)
    )
    with pytest.raises(ServiceError) as err:  # already on this outlet's books: no surplus
        _rectify(world, disc, found_serials=[held[0]])
    assert err.value.code == "serial_not_here"
    printed = produce(world, world.person_b, world.outlet_b, world.operator_b).blank_serial
    with pytest.raises(ServiceError) as err:  # printed into a card: correct that first
        _rectify(world, disc, found_serials=[printed])
    assert err.value.code == "serial_not_here" and "更正" in err.value.message
    with pytest.raises(ServiceError) as err:
        _rectify(world, disc, found_serials=["F1", "F2"], bank=world.bank)  # 2 ≠ 1
    assert err.value.code == "not_rectified"
    # One lost, two found: 10 − 1 + 2 = 11, as counted.
    _rectify(world, disc, lost_serials=[held[0]], found_serials=["F1", "F2"], bank=world.bank)
    assert qty(world.outlet_a) == 11 and Serial.objects.get(serial=held[0]).state == "gone"
    assert verify() == []


def test_the_api_rectifies_a_surplus_with_the_serials_found(client, world):
    from sbk.accounts.models import ApiToken

    disc = _surplus(world, 11)
    raw = "stock-token-" + "y" * 30
    ApiToken.objects.create(user=world.admin_a, name="t", digest=ApiToken.digest_of(raw))
    url = f"/api/stock/discrepancies/{disc.pk}/rectify"
    headers = {"Authorization": f"Bearer {raw}"}
    body = {"reason": "按实物补录", "found_serials": ["API-F1"], "bank": "BANK1"}
    bad = client.post(
        url, {**body, "version": "7.00"}, content_type="application/json", headers=headers
    )
    assert bad.status_code == 400 and bad.json()["code"] == "bad_version"
    done = client.post(
        url,
        {**body, "version": "2.00"},
        content_type="application/json",
        headers={**headers, "Idempotency-Key": "rectify-1"},
    )
    assert done.status_code == 200 and done.json()["status"] == "rectified", done.content
    assert Serial.objects.get(serial="API-F1").version == "2.00" and qty(world.outlet_a) == 11
