"""Table (一)'s opened items and channels, kept by the journal's trigger (reports 0004)."""

import datetime as dt
import random

import pytest
from django.db import connection
from django.db.models import Min
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sbk.cards.models import ServiceTransaction
from sbk.reports import counting as C
from sbk.reports.counts import rebuild_service_marks
from sbk.reports.models import ServiceOpened
from sbk.reports.tables import _journal_marks

pytestmark = pytest.mark.django_db


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def _from_journal(kind: str) -> dict:
    col = "item" if kind == ServiceOpened.ITEM else "channel"
    rows = (
        ServiceTransaction.objects.filter(outlet__isnull=False)
        .values("outlet__division_code", col)
        .annotate(first=Min("at"))
        .order_by()
    )
    return {(r["outlet__division_code"], r[col]): r["first"] for r in rows}


def _kept(kind: str) -> dict:
    rows = ServiceOpened.objects.filter(mark=kind)
    return {(r.division, r.number): r.first_at for r in rows}


def test_the_kept_marks_equal_the_journal_on_random_rows_and_survive_a_rebuild(world):
    rng = random.Random(11)
    outlets = [world.outlet_a, world.outlet_b, world.bank_outlet_a, None]
    start = dt.date(2025, 1, 1)
    for _ in range(120):  # out of date order on purpose, as a legacy import may be
        ServiceTransaction.objects.create(
            item=rng.randint(1, 9),
            channel=rng.randint(1, 10),
            action="test",
            outlet=rng.choice(outlets),
            at=_at(start + dt.timedelta(days=rng.randint(0, 600))),
            legacy=rng.random() < 0.3,
        )
    for kind in (ServiceOpened.ITEM, ServiceOpened.CHANNEL):
        assert _kept(kind) == _from_journal(kind) and _kept(kind)
    assert rebuild_service_marks() == ServiceOpened.objects.count()
    for kind in (ServiceOpened.ITEM, ServiceOpened.CHANNEL):
        assert _kept(kind) == _from_journal(kind)


def test_table_one_reads_the_marks_up_to_the_period_end_not_the_journal(world):
    early, late = dt.date(2026, 3, 10), dt.date(2026, 8, 1)
    ServiceTransaction.objects.create(
        item=3, channel=4, action="card.report_loss", outlet=world.outlet_a, at=_at(early)
    )
    ServiceTransaction.objects.create(
        item=7, channel=5, action="enquiry.record", outlet=world.outlet_a, at=_at(late)
    )
    region = C.report_region(world.outlet_a.division_code)
    province = world.outlet_a.division_code[:2] + "0000"
    with CaptureQueriesContext(connection) as cq:
        items, channels = _journal_marks(province, dt.date(2026, 6, 30))
    assert not any("cards_servicetransaction" in q["sql"] for q in cq.captured_queries)
    assert items[region] == {3} and channels[region] == {4}
    items, channels = _journal_marks(province, dt.date(2026, 9, 30))
    assert items[region] == {3, 7} and channels[region] == {4, 5}
