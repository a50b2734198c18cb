"""Importing usage files: all or nothing, idempotent by row key, errors per row; coverage
equals a distinct count over the raw rows."""

import datetime as dt
import random
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from sbk.cards.models import Card
from sbk.cards.transitions import move_card, transition_card
from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError
from sbk.testing import resident_number
from sbk.usage import kept, queries
from sbk.usage.models import FirstUse, PayerCount, PayerSpan, UsageDay, UsageRecord

from .helpers import Place, cards, day, load

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(db):
    return Place()


@pytest.fixture
def held(place, tmp_path):
    cards(
        tmp_path,
        [
            ("SC0000001", "310112", "测试银行", "2026-01-05"),
            ("SC0000002", "310115", "测试银行", "2026-02-01"),
            ("SC0000003", "310112", "", "2026-01-10"),
        ],
    )


def test_import_keeps_the_card_not_its_number_and_is_idempotent(held):
    rows = [
        ("SC0000001", "2026-03-01 10:00", "pay_medical", "120.50", "", "310112", "r1"),
        ("SC0000001", "2026-03-02 10:00", "merchant", "8.00", "M001", "440300", "r2"),
        ("SC0000002", "2026-03-03 09:30:00", "benefit", "900", "", "310112", "r3"),
    ]
    result = load(rows)
    assert (result.rows, result.new_rows, result.known_rows) == (3, 3, 0)
    stored = UsageRecord.objects.get(row_key="r1")
    assert stored.card.card_no == "SC0000001"
    assert not any("SC0000001" in str(v) for v in UsageRecord.objects.values_list().first())
    again = load(rows)
    assert (again.new_rows, again.known_rows) == (0, 3)
    assert UsageRecord.objects.count() == 3
    assert UsageDay.objects.get(area="cross_province").uses == 1
    assert FirstUse.objects.get(kind="pay").day == day("2026-03-01")


def test_a_bad_row_refuses_the_whole_file_and_names_each_problem(held):
    rows = [
        ("SC0000001", "2026-03-01 10:00", "pay_medical", "1", "", "310112", "ok1"),
        ("SC9999999", "2026-03-01 10:00", "pay_medical", "1", "", "310112", "bad1"),
        ("SC0000001", "yesterday", "shopping", "-3", "", "31011", "bad2"),
        ("SC0000001", "2026-03-01 11:00", "benefit", "1", "", "310112", "ok1"),
        ("SC0000001", "2025-03-01 11:00", "benefit", "1", "", "310112", "early"),
    ]
    with pytest.raises(ServiceError) as caught:
        load(rows)
    err = caught.value
    assert err.code == "rows_refused"
    got = {(p.field, p.code) for p in err.problems}
    assert ("3:card_no", "unknown_card") in got
    assert {("4:used_at", "bad_time"), ("4:kind", "bad_kind"), ("4:amount", "bad_amount")} <= got
    assert ("4:division_code", "bad_division") in got
    assert ("5:row_key", "duplicate_row_key") in got
    assert ("6:used_at", "card_not_issued") in got
    assert all("第" in p.message for p in err.problems)
    assert "SC9999999" not in err.as_dict().__repr__()  # masked
    assert UsageRecord.objects.count() == 0 and FirstUse.objects.count() == 0


def test_a_row_key_reused_with_other_content_is_a_conflict(held):
    load([("SC0000001", "2026-03-01 10:00", "pay_medical", "1", "", "310112", "k")])
    with pytest.raises(ServiceError) as caught:
        load([("SC0000001", "2026-03-01 10:00", "pay_medical", "2", "", "310112", "k")])
    assert caught.value.problems[0].code == "row_key_conflict"


def test_dry_run_writes_nothing(held):
    result = load(
        [("SC0000001", "2026-03-01 10:00", "pay_medical", "1", "", "310112", "d")], dry_run=True
    )
    assert result.new_rows == 1 and UsageRecord.objects.count() == 0


def _truth(end, region=None, bank_id=None):
    """Distinct count over the raw usage rows and the card table, the long way."""
    valid = [
        c
        for c in Card.objects.all()
        if c.issued_on and c.issued_on <= end and (c.invalid_on is None or c.invalid_on > end)
    ]
    counted = {}
    for c in sorted(valid, key=lambda c: (c.issued_on, c.pk)):
        counted[c.person_id] = c  # the one issued last counts
    holders = {
        p
        for p, c in counted.items()
        if (not region or c.division_code.startswith(region))
        and (bank_id is None or c.bank_id == bank_id)
    }
    payers, beneficiaries = set(), set()
    for r in UsageRecord.objects.filter(day__lte=end):
        if r.person_id not in holders:
            continue
        if r.kind.startswith("pay_"):
            payers.add(r.person_id)
        elif r.kind == "benefit":
            beneficiaries.add(r.person_id)
    return {"holders": len(holders), "payers": len(payers), "beneficiaries": len(beneficiaries)}


def test_coverage_equals_a_distinct_count_over_the_raw_rows(place, tmp_path):
    rnd = random.Random(19)
    divisions = ["310112", "310115", "310000"]
    rows = []
    for i in range(40):
        issued = day("2025-06-01").fromordinal(day("2025-06-01").toordinal() + rnd.randrange(300))
        bank = rnd.choice(["测试银行", "第二银行", ""])
        division = rnd.choice(divisions)
        cancelled = ""
        if i % 11 == 3:
            cancelled = (issued + dt.timedelta(days=20)).isoformat()
        rows.append([f"RC{i:07d}", division, bank, issued.isoformat(), cancelled, "",
                     resident_number(division)])  # fmt: skip
        if i % 7 == 0 and not cancelled:  # replaced 40 days later, maybe in another region
            later = (issued + dt.timedelta(days=40)).isoformat()
            rows.append([f"RR{i:07d}", rnd.choice(divisions), bank, later, "", f"RC{i:07d}",
                         rows[-1][6]])  # fmt: skip
    cards(tmp_path, rows)
    usage = []
    all_cards = list(Card.objects.all())
    kinds = ["pay_medical", "pay_pension", "pay_other", "benefit", "merchant", "transport"]
    for n in range(300):
        c = rnd.choice(all_cards)
        used = c.issued_on.toordinal() + rnd.randrange(200)
        when = day("2025-01-01").fromordinal(used)
        if when > day("2026-06-30"):
            continue
        usage.append(
            (c.card_no, f"{when} 12:00", rnd.choice(kinds), "5.00", "",
             rnd.choice(divisions + ["440300", "810000"]), f"u{n}")
        )  # fmt: skip
    half = len(usage) // 2
    load(usage[:half])
    load(usage[half - 10 :])  # overlapping files: the known keys are skipped
    ends = (day("2025-09-30"), day("2025-12-31"), day("2026-03-31"))
    _compare(place, ends)
    # After the usage: cards lost (a payer's last valid card too), moved, issued anew.
    used = list(UsageRecord.objects.values_list("card_id", flat=True).distinct().order_by())
    rnd.shuffle(used)
    at = timezone.now()
    for card in Card.objects.filter(pk__in=used[:12], invalid_on__isnull=True).order_by("pk"):
        if card.issued_on < day("2026-02-15") and card.status in ("issued",):
            transition_card(card, "cancel", at=at, acting_user=SYSTEM, invalid_on=day("2026-02-15"))
    for card in Card.objects.filter(pk__in=used[12:20]).order_by("pk"):
        move_card(card, at=at, acting_user=SYSTEM, division_code=rnd.choice(divisions))
    numbers = {r[0]: r[6] for r in rows}
    ended = {c.person_id: c for c in Card.objects.filter(pk__in=used, invalid_on__isnull=False)}
    ended = [c for p, c in sorted(ended.items()) if not Card.objects.filter(
        person_id=p, invalid_on__isnull=True).exists()]  # fmt: skip
    assert ended
    cards(tmp_path, [(f"RN{i:07d}", rnd.choice(divisions), "第二银行", "2026-03-01", "", "",
                      numbers[c.card_no]) for i, c in enumerate(ended[:4])])  # fmt: skip
    ends += (day("2026-02-14"), day("2026-02-15"), day("2026-02-28"), day("2026-03-01"))
    ends += (timezone.localdate(),)
    _compare(place, ends, moved=True)
    kept.rebuild()
    _compare(place, ends, moved=True)
    # Migration 0002 fills the kept counts the same way from what was imported before it.
    PayerSpan.objects.all().delete()
    PayerCount.objects.all().delete()
    import_module("sbk.usage.migrations.0002_payer_counts").fill(django_apps, None)
    _compare(place, ends, moved=True)


def _compare(place, ends, moved=False):
    """The kept counts against the distinct count over the raw rows and the long join, at
    each end, in total, by region and by bank. After a move the holders of a region are the
    kept holder counts' (ADR 0005: by the region on the day), ``_truth``'s the card's region
    now; payers and beneficiaries are counted in the region now (ADR 0008)."""
    for end in ends:
        assert queries.coverage(end) == _truth(end), end
        for region in ("310112", "310115", "31"):
            got, want = queries.coverage(end, region), _truth(end, region)
            if moved and region != "31":
                del got["holders"], want["holders"]
            assert got == want, (end, region)
        for bank in (place.bank, place.bank2):
            assert queries.coverage(end, bank=bank) == _truth(end, bank_id=bank.pk), end
        raw = queries._counted_raw(end, "c.division_code")
        by_division = queries.coverage_by_division(end)
        assert by_division == {
            k: {"payers": v["pay"], "beneficiaries": v["benefit"]}
            for k, v in raw.items()
            if v["pay"] or v["benefit"]
        }, end
        raw = queries._counted_raw(end, "c.bank_id")
        assert queries.coverage_by_bank(end) == {
            k: {"payers": v["pay"], "beneficiaries": v["benefit"]}
            for k, v in raw.items()
            if k and (v["pay"] or v["benefit"])
        }, end
