"""The quarterly report (一)'s read-write terminals come from the equipment register
(运营记录), per report region; a cell the centre entered still overrides the register."""

import datetime as dt

import pytest

from sbk.operations import queries as ops_queries
from sbk.operations import services as ops
from sbk.reports import queries, services

pytestmark = pytest.mark.django_db


def _terminal(org, bought, **kw):
    return ops.register_device(
        acting_user=kw.pop("user"),
        org=org,
        kind="terminal",
        model="读写器",
        purchase_date=bought,
        **kw,
    )


def test_register_feeds_the_terminal_count_and_an_entry_overrides_it(world):
    a = world.admin_a
    _terminal(world.outlet_a, dt.date(2025, 5, 1), user=a)
    _terminal(world.bank_outlet_a, dt.date(2026, 2, 1), user=a)
    _terminal(world.outlet_a, dt.date(2025, 5, 1), user=a, standby=True)  # not in service
    late = _terminal(world.outlet_a, dt.date(2026, 5, 1), user=a)  # bought after Q1
    gone = _terminal(world.outlet_b, dt.date(2024, 1, 1), user=world.admin_b)
    ops.change_device(
        gone.pk, acting_user=world.admin_b, status="retired", retired_on=dt.date(2026, 3, 1)
    )
    ops.register_device(
        acting_user=a,
        org=world.outlet_a,
        kind="printer",
        model="P",
        purchase_date=dt.date(2025, 1, 1),
    )
    assert ops_queries.terminal_count("310112", dt.date(2026, 3, 31)) == 2
    assert ops_queries.terminal_count("3101", dt.date(2026, 3, 31)) == 2
    assert ops_queries.terminal_count("310115", dt.date(2026, 2, 28)) == 1
    assert late.pk

    rows = {r["code"]: r for r in queries.compute(1, "2026Q1", province="310000").figures["rows"]}
    assert rows["310112"]["terminals"] == 2 and "terminals" not in rows["310112"]["manual"]
    # district B's one terminal was retired in March: no row of its own, or a row of 0
    assert rows.get("310115", {"terminals": 0})["terminals"] == 0
    services.enter("2026Q1", 1, {("310112", "terminals"): "12"}, acting_user=world.city_admin)
    f = queries.compute(1, "2026Q1", province="310000").figures
    rows = {r["code"]: r for r in f["rows"]}
    assert rows["310112"]["terminals"] == 12 and "terminals" in rows["310112"]["manual"]
    assert f["total"]["terminals"] == 12


def test_no_register_means_not_recorded(world):
    rows = queries.compute(1, "2026Q1", province="310000").figures["rows"]
    assert all(r["terminals"] is None for r in rows)
