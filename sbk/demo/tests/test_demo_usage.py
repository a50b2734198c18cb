"""The demo province's card usage: imported through the usage app, coverage above zero."""

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from sbk.cards.models import Card
from sbk.core.models import AuditEntry
from sbk.demo.builder import build
from sbk.demo.usage import MONTHS, uses_of
from sbk.registry.models import Person
from sbk.reports.periods import Period
from sbk.usage import queries, rules
from sbk.usage.models import Campaign, UsageImport, UsageRecord, Venue, VenueStatus

pytestmark = pytest.mark.django_db


def _quarter(day: dt.date) -> Period:
    return Period.parse(f"{day.year}Q{(day.month - 1) // 3 + 1}")


def test_small_demo_has_card_usage_and_coverage():
    build(n_people=60, seed=3)
    today = timezone.localdate()
    rows = UsageRecord.objects.all()
    assert rows.count() > 100
    # imported as ``sbk usage import`` does: batches, audit rows, no staff member
    assert UsageImport.objects.filter(imported_by__isnull=True).exists()
    assert AuditEntry.objects.filter(action="usage.import").exists()
    kinds = Counter(rows.values_list("kind", flat=True))
    assert {rules.PAY_MEDICAL, rules.MERCHANT, rules.TRANSPORT} <= set(kinds), kinds
    # never before the card was issued, never today or later, within the window
    for used_on, issued_on in rows.values_list("day", "card__issued_on"):
        assert issued_on <= used_on < today
    assert rows.order_by("day").first().day >= today - dt.timedelta(days=31 * MONTHS)
    # the current quarter's coverage (what ``sbk usage coverage`` prints)
    out = queries.coverage_contract(_quarter(today))
    assert out["holders"] > 0 and out["payers"] > 0, out
    assert Decimal(out["payer_coverage"]) > 0
    assert out["payers"] <= out["holders"]
    # uses away from home: over the window, and in the last two quarters when they have days
    start = today.replace(day=1) - dt.timedelta(days=31 * (MONTHS - 1))
    areas = queries.area_counts(start, today)
    assert areas["in_province_cross_city"] + areas["cross_province"] > 0, areas
    previous = _quarter(_quarter(today).start - dt.timedelta(days=1))
    assert sum(queries.area_counts(previous.start, today).values()) > 0
    # the scenarios: the merchants of the rows registered by the outlets, one campaign
    venues = Venue.objects.all()
    assert venues.filter(status=VenueStatus.REPORTED).exists()
    assert AuditEntry.objects.filter(action="venue.register").count() == venues.count()
    codes = set(venues.values_list("merchant_code", flat=True))
    used = set(rows.filter(kind=rules.MERCHANT).values_list("scenario", flat=True))
    assert used - {"POS"} <= codes
    campaign = Campaign.objects.get()
    assert campaign.venues.exists() and campaign.start <= today <= campaign.end
    summary = queries.campaign_summary(campaign)
    assert summary["coverage"] == 100.0, summary


def _snapshot():
    rows = UsageRecord.objects.select_related("person").values_list(
        "person__id_index", "used_at", "kind", "amount", "scenario", "division_code", "row_key"
    )
    return sorted(rows, key=repr)


def test_same_seed_same_usage():
    with transaction.atomic():
        build(n_people=40, seed=7)
        first = _snapshot()
        transaction.set_rollback(True)
    assert not UsageRecord.objects.exists() and not Person.objects.exists()
    build(n_people=40, seed=7)
    assert _snapshot() == first
    assert len(first) > 50


def test_uses_keep_to_the_card_and_the_window():
    today = dt.date(2026, 2, 10)
    card = Card(card_no="L000000017", division_code="610102", issued_on=dt.date(2025, 12, 20))
    elsewhere = {"610100": ["610302"]}
    got = []
    for i in range(200):
        got += uses_of(card, dt.date(1955, 5, 1), "employee", random.Random(i), today, elsewhere)
    assert got
    assert all(card.issued_on <= u.used_at.date() < today for u in got)
    assert all(u.card_no == card.card_no for u in got)
    places = {rules.area_of(card.division_code, u.division_code) for u in got}
    assert {rules.LOCAL, rules.IN_PROVINCE, rules.CROSS_PROVINCE} <= places
    assert {rules.BENEFIT, rules.PAY_MEDICAL} <= {u.kind for u in got}
    assert uses_of(card, dt.date(1955, 5, 1), "employee", random.Random(5), card.issued_on,
                   elsewhere) == []  # fmt: skip
