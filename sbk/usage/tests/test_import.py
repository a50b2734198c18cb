"""Importing usage files: all or nothing, idempotent by row key, errors per row; coverage
equals a distinct count over the raw rows."""

import datetime as dt
import random
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db.models import F
from django.utils import timezone

from sbk.cards.models import Card
from sbk.cards.transitions import move_card, transition_card
from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError
from sbk.reports.models import HolderMove
from sbk.testing import resident_number
from sbk.usage import kept, queries
from sbk.usage.models import FirstUse, PayerCount, PayerSpan, UsageDay, UsageRecord

from .helpers import cards, day, load

pytestmark = pytest.mark.django_db


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


def test_the_stored_digest_is_the_one_earlier_imports_kept():
    """The import's quick digest equals ``_digest`` (of ``UsageRow.digest_text``), so a file
    imported before is still known, not a conflict."""
    from sbk.usage import importer

    (part,) = importer.read_parts(
        "card_no,used_at,kind,amount,scenario,division_code,row_key\n"
        "SC0000001,2026-03-01 10:00,pay_medical,120.5,M\\1,310112,r1\n"
        "SC0000002,2026-03-01T10:00:00+08:00,待遇领取,7,,310115,r2\n",
        size=None,
    )
    rows, problems = part.rows, part.problems
    assert not problems and len(rows) == 2
    assert [importer._digest_fast(r) for r in rows] == [importer._digest(r) for r in rows]


def test_dry_run_writes_nothing(held):
    result = load(
        [("SC0000001", "2026-03-01 10:00", "pay_medical", "1", "", "310112", "d")], dry_run=True
    )
    assert result.new_rows == 1 and UsageRecord.objects.count() == 0


def _division_on(card, end, moves) -> str:
    """The card's division on ``end``: as now, with the later moves undone."""
    division = card.division_code
    for m in sorted(moves.get(card.pk, []), key=lambda m: (m.day, m.pk), reverse=True):
        if m.day <= end:
            break
        division = m.old_division
    return division


def _counted_on(end) -> dict:
    """person → (their counted card: the valid one issued last, its division on ``end``)."""
    moves: dict = {}
    for m in HolderMove.objects.all():
        moves.setdefault(m.card_id, []).append(m)
    valid = [
        c
        for c in Card.objects.all()
        if c.issued_on and c.issued_on <= end and (c.invalid_on is None or c.invalid_on > end)
    ]
    counted = {}
    for c in sorted(valid, key=lambda c: (c.issued_on, c.pk)):
        counted[c.person_id] = (c, _division_on(c, end, moves))  # the one issued last counts
    return counted


def _users(end, people) -> tuple[set, set]:
    payers, beneficiaries = set(), set()
    for r in UsageRecord.objects.filter(day__lte=end):
        if r.person_id not in people:
            continue
        if r.kind.startswith("pay_"):
            payers.add(r.person_id)
        elif r.kind == "benefit":
            beneficiaries.add(r.person_id)
    return payers, beneficiaries


def _truth(end, region=None, bank_id=None):
    """The distinct count over the raw rows, people in the region their card had on ``end``."""
    holders = {
        p
        for p, (c, division) in _counted_on(end).items()
        if (not region or division.startswith(region)) and (bank_id is None or c.bank_id == bank_id)
    }
    payers, beneficiaries = _users(end, holders)
    return {"holders": len(holders), "payers": len(payers), "beneficiaries": len(beneficiaries)}


def _truth_by_division(end) -> dict:
    counted = _counted_on(end)
    payers, beneficiaries = _users(end, set(counted))
    out: dict = {}
    for p, (_c, division) in counted.items():
        if p in payers or p in beneficiaries:
            row = out.setdefault(division, {"payers": 0, "beneficiaries": 0})
            row["payers"] += p in payers
            row["beneficiaries"] += p in beneficiaries
    return out


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
    # Moves back-dated into the ends, of cards held since before (as a move made that day).
    moved_at = timezone.make_aware(dt.datetime(2026, 2, 20, 12))
    for card in Card.objects.filter(pk__in=used[12:24]).order_by("pk"):
        if card.status == "issued" and card.issued_on < moved_at.date():
            move_card(card, at=moved_at, acting_user=SYSTEM, division_code=rnd.choice(divisions))
    assert HolderMove.objects.exclude(old_division=F("new_division")).exists()
    numbers = {r[0]: r[6] for r in rows}
    ended = {c.person_id: c for c in Card.objects.filter(pk__in=used, invalid_on__isnull=False)}
    ended = [c for p, c in sorted(ended.items()) if not Card.objects.filter(
        person_id=p, invalid_on__isnull=True).exists()]  # fmt: skip
    assert ended
    cards(tmp_path, [(f"RN{i:07d}", rnd.choice(divisions), "第二银行", "2026-03-01", "", "",
                      numbers[c.card_no]) for i, c in enumerate(ended[:4])])  # fmt: skip
    ends += (day("2026-02-14"), day("2026-02-15"), day("2026-02-19"), day("2026-02-20"))
    ends += (day("2026-02-28"), day("2026-03-01"))
    ends += (timezone.localdate(),)
    _compare(place, ends)
    kept.rebuild()
    _compare(place, ends)
    # Migration 0004 fills the kept counts the same way from what was imported before it
    # (0002 had filled them by the card's region now: 0004 writes them again).
    PayerSpan.objects.all().delete()
    PayerCount.objects.all().delete()
    import_module("sbk.usage.migrations.0002_payer_counts").fill(django_apps, None)
    import_module("sbk.usage.migrations.0004_spans_by_region_on_the_day").fill(django_apps, None)
    _compare(place, ends)


def _compare(place, ends):
    """The kept counts against the distinct count over the raw rows, at each end, in total,
    by region and by bank; people in the region their card had on that day, as the kept
    holder counts (ADR 0005) — so a region's payers never exceed its holders."""
    for end in ends:
        assert queries.coverage(end) == _truth(end), end
        for region in ("310112", "310115", "31"):
            got = queries.coverage(end, region)
            assert got == _truth(end, region), (end, region)
            assert got["payers"] <= got["holders"] and got["beneficiaries"] <= got["holders"]
        for bank in (place.bank, place.bank2):
            assert queries.coverage(end, bank=bank) == _truth(end, bank_id=bank.pk), end
        assert queries.coverage_by_division(end) == _truth_by_division(end), end
        raw = queries._counted_raw(end, "c.bank_id")
        assert queries.coverage_by_bank(end) == {
            k: {"payers": v["pay"], "beneficiaries": v["benefit"]}
            for k, v in raw.items()
            if k and (v["pay"] or v["benefit"])
        }, end


def test_a_move_counts_the_payer_in_the_region_of_the_day(place, tmp_path):
    """A payer whose card moves to another region counts in the old region until the move
    and in the new one from its day: no region's payers exceed its holders, at any end, and
    the province's figures do not change with the move."""
    cards(
        tmp_path,
        [
            ("MV0000001", "310112", "测试银行", "2026-01-05"),
            ("MV0000002", "310112", "测试银行", "2026-01-05"),
        ],
    )
    load(
        [
            ("MV0000001", "2026-02-01 10:00", "pay_medical", "10", "", "310112", "m1"),
            ("MV0000002", "2026-02-02 10:00", "benefit", "10", "", "310112", "m2"),
        ]
    )
    ends = [day("2026-01-31"), day("2026-02-28"), day("2026-03-14"), day("2026-03-15"),
            day("2026-03-31")]  # fmt: skip
    before = {end: queries.coverage(end, "31") for end in ends}
    card = Card.objects.get(card_no="MV0000001")
    move_card(card, at=timezone.make_aware(dt.datetime(2026, 3, 15, 9)), acting_user=SYSTEM,
              division_code="310115")  # fmt: skip
    for end in ends:
        assert queries.coverage(end, "31") == before[end], end
        for region in ("310112", "310115"):
            got = queries.coverage(end, region)
            assert got["payers"] <= got["holders"], (end, region, got)
            assert got == _truth(end, region), (end, region)
    assert queries.coverage(day("2026-02-28"), "310115") == {
        "holders": 0, "payers": 0, "beneficiaries": 0}  # fmt: skip
    assert queries.coverage(day("2026-03-14"), "310112")["payers"] == 1
    assert queries.coverage(day("2026-03-15"), "310115") == {
        "holders": 1, "payers": 1, "beneficiaries": 0}  # fmt: skip
    assert queries.coverage(day("2026-03-15"), "310112") == {
        "holders": 1, "payers": 0, "beneficiaries": 1}  # fmt: skip
    # An earlier first use imported after the move: the import's refresh reads the move too.
    load([("MV0000001", "2026-01-20 10:00", "pay_other", "1", "", "310112", "m3")])
    assert queries.coverage(day("2026-01-31"), "310112")["payers"] == 1
    for end in ends:
        for region in ("310112", "310115", "31"):
            assert queries.coverage(end, region) == _truth(end, region), (end, region)
    kept.rebuild()  # the rebuild reads the move from the holder counts' history
    for end in ends:
        for region in ("310112", "310115", "31"):
            assert queries.coverage(end, region) == _truth(end, region), (end, region)
