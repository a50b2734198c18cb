"""日清月结, stocktakes and their discrepancies, the nightly verification, the evaluation."""

import datetime as dt

import pytest
from django.utils import timezone

from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError
from sbk.stock import queries, services
from sbk.stock.models import (
    Balance,
    DayClose,
    DaySnapshot,
    Discrepancy,
    DiscrepancyEvent,
    Entry,
    Serial,
)
from sbk.stock.verify import verify

from .helpers import produce, qty, stock_at

pytestmark = pytest.mark.django_db


def _snap(org, day, item="blank"):
    return DaySnapshot.objects.get(org=org, day=day, item=item)


def test_close_day_adds_up_and_matches_production(world):
    produce(world, world.person_b, world.bank_outlet_a, world.bank_operator_a)
    close = services.close_day(world.bank_outlet_a, acting_user=world.bank_operator_a)
    assert (close.cards_produced, close.blanks_consumed) == (1, 1)
    snap = _snap(world.bank_outlet_a, close.day)
    assert (snap.opening, snap.incoming, snap.outgoing, snap.closing) == (0, 10, 1, 9)
    with pytest.raises(ServiceError) as err:
        services.close_day(world.bank_outlet_a, acting_user=world.bank_operator_a)
    assert err.value.code == "day_closed"


def test_a_closed_day_is_locked_and_a_late_movement_goes_to_the_next_open_day(world):
    today = timezone.localdate()
    services.close_day(world.outlet_a, today, acting_user=world.operator_a)
    serial = Serial.objects.filter(org=world.outlet_a, state="stock").first().serial
    (entry,) = services.spoil_blanks(
        acting_user=world.operator_a, outlet=world.outlet_a, serials=[serial]
    )
    assert entry.day == today + dt.timedelta(days=1) and entry.requested_day == today
    assert "已日清" in entry.note
    # The balance at the closed day is still the close's; today's books are unchanged.
    assert (
        queries.balances_at([world.outlet_a.pk], today)[
            (world.outlet_a.pk, "blank", world.bank.pk, "3.00")
        ]
        == 10
    )


def test_balance_at_a_past_date_through_closes_equals_the_plain_scan(world):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    got = stock_at(world, world.outlet_a, 5)
    services.close_day(world.outlet_a, acting_user=world.operator_a)
    services.spoil_blanks(acting_user=world.operator_a, outlet=world.outlet_a, serials=got[:2])
    orgs = [world.outlet_a.pk, world.outlet_b.pk, world.centre.pk]
    for day in (yesterday, timezone.localdate(), timezone.localdate() + dt.timedelta(days=1)):
        assert queries.balances_at(orgs, day) == queries.balances_scan(orgs, day)
    report = queries.balance_report(world.outlet_a)
    assert report["items"] == {"blank": 13, "waste": 2, "unclaimed": 0}
    assert report["by_bank"] == {"BANK1": {"blank": 13, "waste": 2, "unclaimed": 0}}


def test_month_close_needs_its_days_closed_and_rolls_them_up(world):
    today = timezone.localdate()
    first = today.replace(day=1)
    last_month = first - dt.timedelta(days=1)
    month = last_month.strftime("%Y-%m")
    earlier = last_month.replace(day=1)
    serial = stock_at(world, world.outlet_a, 2, day=earlier)[0]
    services.spoil_blanks(
        acting_user=world.operator_a, outlet=world.outlet_a, serials=[serial], day=earlier
    )
    with pytest.raises(ServiceError) as err:
        services.close_month(world.outlet_a, month, acting_user=world.operator_a)
    if earlier != last_month:
        assert err.value.code == "days_open"
        assert queries.missed_closes([world.outlet_a.pk], earlier, today) == {
            world.outlet_a.pk: [earlier]
        }
        services.close_day(world.outlet_a, earlier, acting_user=world.operator_a)
    close = services.close_month(world.outlet_a, month, acting_user=world.operator_a)
    assert DayClose.objects.filter(org=world.outlet_a, day=last_month, auto=True).exists()
    assert close.days_closed >= 1
    with pytest.raises(ServiceError) as err:
        services.close_month(world.outlet_a, month, acting_user=world.operator_a)
    assert err.value.code == "month_closed"
    with pytest.raises(ServiceError) as err:
        services.close_month(world.outlet_a, today.strftime("%Y-%m"), acting_user=SYSTEM)
    assert err.value.code == "bad_date"


def test_stocktake_discrepancy_history_and_rectification(world):
    held = list(
        Serial.objects.filter(org=world.outlet_a, state="stock").values_list("serial", flat=True)
    )
    take = services.count_stock(
        world.outlet_a, acting_user=world.operator_a, item="blank", qty=9, serials=held[1:]
    )
    assert (take.book, take.counted, take.missing) == (10, 9, [held[0]])
    disc = take.discrepancy
    with pytest.raises(ServiceError) as err:
        services.rectify_discrepancy(disc.pk, acting_user=world.admin_a, reason="盘亏")
    assert err.value.code == "discrepancy_state"
    services.explain_discrepancy(disc.pk, acting_user=world.operator_a, text="印坏未登记")
    services.rectify_discrepancy(disc.pk, acting_user=world.admin_a, reason="按盘点核减")
    disc.refresh_from_db()
    assert disc.status == "rectified" and disc.rectified_at
    assert [e.what for e in DiscrepancyEvent.objects.filter(discrepancy=disc)] == [
        "open",
        "explained",
        "rectified",
    ]
    assert qty(world.outlet_a) == 9 and Serial.objects.get(serial=held[0]).state == "gone"
    assert Entry.objects.filter(kind="adjust", serial=held[0]).exists()
    figures = queries.evaluation_figures(
        world.district_a, timezone.localdate(), timezone.localdate()
    )
    assert figures["mismatches"] == 1 and figures["poor_rectification"] == 0
    assert verify() == []


def test_a_count_that_agrees_opens_nothing_and_bad_counts_are_refused(world):
    take = services.count_stock(world.outlet_b, acting_user=world.operator_b, item="blank", qty=10)
    assert not Discrepancy.objects.filter(stocktake=take).exists()
    with pytest.raises(ServiceError) as err:
        services.count_stock(
            world.outlet_b, acting_user=world.operator_b, item="blank", qty=2, serials=["A"]
        )
    assert err.value.code == "bad_count"


def test_poor_rectification_is_counted(world, settings):
    settings.SBK_STOCK_RECTIFY_DAYS = 0
    take = services.count_stock(world.outlet_a, acting_user=world.operator_a, item="blank", qty=1)
    figures = queries.evaluation_figures(
        world.district_a, timezone.localdate(), timezone.localdate()
    )
    assert figures["poor_rectification"] == 1 and take.discrepancy.status == "open"


def test_verify_names_what_differs(world):
    assert verify() == []
    Balance.objects.filter(org=world.outlet_a, item="blank").update(qty=7)
    Serial.objects.filter(org=world.outlet_b).update(org=world.outlet_a)
    first = Entry.objects.filter(dst_org=world.outlet_a).first()
    Entry.objects.create(  # a row that starts where the serial never was
        batch=first.batch,
        kind="transfer",
        serial=first.serial,
        bank=world.bank,
        src_state="stock",
        src_org=world.centre,
        src_item="waste",
        dst_state="stock",
        dst_org=world.outlet_a,
        dst_item="blank",
        day=first.day,
        requested_day=first.day,
        at=first.at,
    )
    problems = verify()
    assert any(f"序列号 {first.serial} 流转断开" in p for p in problems), problems
    assert any("余额不符" in p for p in problems)
    assert any("流转" in p or "不符" in p for p in problems if "序列号" in p)
