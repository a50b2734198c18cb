"""The demo province's cards: a migrated history and live flows through the card services."""

import datetime as dt
import random
from collections import Counter

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sbk.cards import rules
from sbk.cards.models import Application, Card, ServiceTransaction
from sbk.cards.queries import valid_cards_at
from sbk.cards.services.common import add_years
from sbk.core import chain
from sbk.core.models import AuditEntry
from sbk.demo.builder import build
from sbk.demo.cards import CUT_OVER, LEGACY_PREFIX, Holder, history_rows
from sbk.idcard import make_resident18
from sbk.registry.models import Person
from sbk.stock import rules as stock_rules
from sbk.stock.models import Entry

pytestmark = pytest.mark.django_db


def test_small_demo_has_a_living_province():
    build(n_people=60, seed=3)
    cards = Card.objects.all()
    statuses = Counter(cards.values_list("status", flat=True))
    assert {rules.ISSUED, rules.PRODUCED, rules.LOST, rules.REPLACED} <= set(statuses), statuses
    # most holders have a migrated history; none of it was refused
    legacy = cards.filter(legacy=True)
    holders = legacy.values("person").distinct().count()
    assert 0.55 * 60 <= holders <= 0.85 * 60
    assert all(c.card_no.startswith(LEGACY_PREFIX) for c in legacy)
    assert legacy.filter(replaces__isnull=False).exists()  # chains old → new
    # the database invariant: one valid card per holder, today and at the cut-over
    for day in (timezone.localdate(), CUT_OVER):
        per_person = Counter(valid_cards_at(day).values_list("person_id", flat=True))
        assert per_person and max(per_person.values()) == 1
    held = Counter(cards.filter(status__in=rules.HELD).values_list("person_id", flat=True))
    assert max(held.values()) == 1
    # a valid card never outlives its ten years in the history
    for card in legacy.filter(status=rules.ISSUED):
        assert card.issued_on >= card.person.birth_date
        assert add_years(card.issued_on, settings.SBK_CARD_VALIDITY_YEARS) > CUT_OVER
    # applications in several statuses, made by the demo's staff
    apps = Counter(Application.objects.values_list("status", flat=True))
    assert {rules.SUBMITTED, rules.APP_PRODUCED, rules.APP_ISSUED} <= set(apps), apps
    assert len(apps) >= 4
    assert not Application.objects.filter(created_by__isnull=True).exists()
    assert Application.objects.filter(kind="replacement").exists()
    # journal and audit rows, migrated and live
    journal = ServiceTransaction.objects
    assert journal.filter(legacy=True).exists()
    assert journal.filter(legacy=False, operator__isnull=False).exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"card.import", "card.produce", "card.issue", "application.submit"} <= actions
    assert "card.report_loss_formal" in actions
    # every live card was printed on a blank of its outlet's stock
    live = cards.filter(legacy=False)
    consumed = Entry.objects.filter(kind=stock_rules.CONSUME)
    assert live.exists() and consumed.count() == live.count()
    assert set(consumed.values_list("serial", flat=True)) == set(
        live.values_list("blank_serial", flat=True)
    )
    assert set(consumed.values_list("dst_org_id", flat=True)) == set(
        live.values_list("org_id", flat=True)
    )
    assert chain.verify(AuditEntry).ok


def _snapshot():
    """The cards by holder: migrated numbers as they are, live numbers by their place in
    the application sequence (the same in a fresh database; a PostgreSQL sequence is not
    rolled back between the two builds of the test)."""
    first = Application.objects.order_by("id").values_list("id", flat=True).first() or 0
    rows = []
    for c in Card.objects.select_related("person", "application"):
        number = c.card_no if c.legacy else c.application.pk - first
        rows.append((c.person.id_index, number, c.status, c.issued_on, c.bank.code))
    return sorted(rows, key=repr)


def test_same_seed_same_cards():
    with transaction.atomic():
        build(n_people=40, seed=7)
        first = _snapshot()
        transaction.set_rollback(True)
    assert not Person.objects.exists()
    build(n_people=40, seed=7)
    assert _snapshot() == first
    assert len(first) > 30


def test_history_renews_before_expiry_and_keeps_to_the_dates():
    born = [dt.date(1950, 3, 1), dt.date(1990, 2, 28), dt.date(2025, 11, 20), dt.date(2000, 2, 29)]
    holders = [
        Holder(make_resident18("610102", b, 10 + i), "张三", "employee", "610102", b, "长安银行")
        for i, b in enumerate(born * 50)
    ]
    end = dt.date(2025, 12, 31)
    banks = ["长安银行", "中国建设银行陕西省分行"]
    rows = history_rows(holders, random.Random(1), banks, end)
    by_no = {r["card_no"]: r for r in rows}
    assert len(by_no) == len(rows)
    assert rows == history_rows(holders, random.Random(1), banks, end)
    assert any(r["cancelled_on"] for r in rows)
    assert not any(r["id_number"] == holders[2].id_number for r in rows)  # born in Nov 2025
    successor = {r["replaces_card_no"]: r for r in rows if r["replaces_card_no"]}
    assert successor
    for r in rows:
        birth = next(h.birth for h in holders if h.id_number == r["id_number"])
        dates = [r["issued_on"], r["activated_on"], r["cancelled_on"]]
        assert all(birth <= d <= end for d in dates if d)
        assert all(r["issued_on"] <= d for d in dates if d)
        expires = add_years(r["issued_on"], settings.SBK_CARD_VALIDITY_YEARS)
        nxt = successor.get(r["card_no"])
        if nxt is not None:
            assert r["issued_on"] <= nxt["issued_on"] <= expires and not r["cancelled_on"]
            assert by_no[nxt["replaces_card_no"]]["id_number"] == nxt["id_number"]
        elif not r["cancelled_on"]:
            assert expires > end  # the card left valid has not expired
