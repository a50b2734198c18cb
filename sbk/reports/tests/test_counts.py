"""The kept counts through the real card services: replacement, cancellation, region and
category change, a city's first issue, period boundaries, a legacy import, and random
histories compared with a count from the card rows."""

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sbk.cards import rules, services, transitions
from sbk.cards.models import Card
from sbk.cards.queries import valid_cards_at
from sbk.cards.tests.helpers import issued_card
from sbk.core.actors import IMPORTER, SYSTEM
from sbk.reports import counting as C
from sbk.reports import counts, queries
from sbk.reports.models import HolderCount, HolderMonth, HolderMove, HolderTotal
from sbk.testing import person, resident_number

pytestmark = pytest.mark.django_db


def holders(day=None, *, division=None, category=None):
    day = day or timezone.localdate()
    return sum(
        r["holders"]
        for r in counts.holders_at(day)
        if (division is None or r["division"] == division)
        and (category is None or r["category"] == category)
    )


def test_issue_counts_one_holder_in_the_cards_region(world):
    card = issued_card(world)
    assert card.status == rules.ISSUED
    assert holders(division="310112") == 1 and holders() == 1
    row = counts.holders_at(timezone.localdate())[0]
    assert row["bank"] == world.bank.pk and row["kind"] == C.FIN_CHIP


def test_replacement_is_not_counted_twice(world):
    card = issued_card(world)
    services.report_loss(card.pk, acting_user=world.operator_a, kind="formal")
    issued_card(world, kind="replacement", replace_reason="lost")
    assert holders() == 1
    assert HolderCount.objects.filter(issued__gt=0).values_list("issued", flat=True)[0] == 2


def test_cancellation_removes_the_holder(world):
    issued_card(world)
    services.cancel_person(world.person_a.pk, acting_user=world.admin_a, reason="死亡")
    assert holders() == 0


def test_transfer_moves_the_holder_to_the_new_region(world):
    card = issued_card(world)
    services.transfer(
        world.person_a.pk, acting_user=world.city_admin, kind="in_province", target_org="DB"
    )
    card.refresh_from_db()
    assert card.division_code == "310115"
    assert holders(division="310112") == 0 and holders(division="310115") == 1
    assert HolderMove.objects.filter(card=card).count() == 1


def test_category_change_moves_the_holder(world):
    issued_card(world)
    services.change_info(
        world.person_a.pk,
        acting_user=world.operator_a,
        changes={"category": "resident"},
        reason="参保类别变化",
    )
    assert holders(category="employee") == 0 and holders(category="resident") == 1


def test_activation_counts_activated_holders_once(world):
    card = issued_card(world)
    services.activate_financial(
        card.pk, acting_user=world.bank_operator_a, account_no="6222020200112233446"
    )
    rows = counts.holders_at(timezone.localdate())
    assert sum(r["activated"] for r in rows) == 1


def test_a_transition_that_changes_no_holder_writes_no_count(world):
    card = issued_card(world)
    with CaptureQueriesContext(connection) as ctx:
        services.report_loss(card.pk, acting_user=world.operator_a, kind="temporary")
    assert not any("reports_holdercount" in q["sql"] for q in ctx.captured_queries)


def test_an_issue_costs_one_count_statement(world):
    app = services.submit_application
    from sbk.cards.tests.helpers import submitted

    app = submitted(world)
    card = services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    with CaptureQueriesContext(connection) as ctx:
        services.issue_card(card.pk, acting_user=world.bank_operator_a)
    writes = [q for q in ctx.captured_queries if "reports_holdercount" in q["sql"]]
    assert len(writes) == 1


# --- legacy import and period boundaries ------------------------------------------------
def _import(tmp_path, rows):
    header = "id_number,name,category,division_code,card_no,bank,issued_on,activated_on,cancelled_on,replaces_card_no\n"
    path = tmp_path / "cards.csv"
    path.write_text(header + "\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    from sbk.cards.importer import import_cards

    result = import_cards(path, acting_user=IMPORTER)
    assert not result.errors, result.errors
    return result


def test_legacy_import_counts_per_person_and_rebuild_agrees(world, tmp_path):
    a, b = resident_number("310112"), resident_number("310115")
    _import(
        tmp_path,
        [
            [
                a,
                "张三",
                "employee",
                "310112",
                "L001",
                "测试银行",
                "2020-01-31",
                "2020-03-01",
                "",
                "",
            ],
            [a, "张三", "employee", "310115", "L002", "测试银行", "2022-05-01", "", "", "L001"],
            [b, "李四", "resident", "310115", "L003", "", "2021-02-01", "", "2023-07-31", ""],
        ],
    )
    p = queries.parse_period
    assert holders(dt.date(2020, 1, 30)) == 0
    assert holders(dt.date(2020, 1, 31)) == 1  # the month's last day is in the month
    assert holders(dt.date(2022, 5, 1)) == 2
    assert holders(dt.date(2022, 5, 1), division="310115") == 2  # the replacement's region
    assert holders(dt.date(2023, 7, 30)) == 2 and holders(dt.date(2023, 7, 31)) == 1
    figures = queries.compute(0, "2020-01", province="310000").figures
    assert figures["rows"][0]["code"] == "310000" and figures["total"]["holders"] == 1
    assert figures["new_cities"] == [{"code": "310112", "name": "闵行区"}]
    assert figures["remark"] == "新增发卡城市1个，即闵行区"
    assert queries.compute(0, "2020-02", province="310000").figures["remark"] == ""
    assert p("2020-02", 0).end == dt.date(2020, 2, 29)
    before = _rows()
    counts.rebuild_counts(acting_user=SYSTEM)
    assert _rows() == before


def _rows():
    return sorted(
        (r.day, r.division, r.category, r.bank, r.kind, r.holders, r.activated, r.issued)
        for r in HolderCount.objects.all()
        if r.holders or r.activated or r.issued
    )


# --- random histories ---------------------------------------------------------------------
def _truth(day) -> dict:
    """Holders on ``day`` from the card rows: one per person, the latest valid card, in its
    region and category on that day (the moves undone)."""
    best = {}
    for card in valid_cards_at(day).order_by("issued_on", "pk"):
        best[card.person_id] = card  # the last one wins: issued last
    out = {}
    for card in best.values():
        division, category = card.division_code, card.category
        for move in HolderMove.objects.filter(card=card, day__gt=day).order_by("-day", "-id"):
            division, category = move.old_division, move.old_category
        key = (C.report_region(division), category)
        out[key] = out.get(key, 0) + 1
    return out


def _kept(day, direction="") -> dict:
    out = {}
    for r in counts.holders_at(day, direction=direction):
        if r["holders"]:
            key = (C.report_region(r["division"]), r["category"])
            out[key] = out.get(key, 0) + r["holders"]
    return out


def test_random_histories_keep_counts_equal_to_the_card_rows(world, monkeypatch):
    monkeypatch.setattr(transitions, "_create_hooks", [])  # blanks are not what is tried here
    rng = random.Random(16)
    orgs = [world.outlet_a, world.outlet_b, world.bank_outlet_a]
    people = [person(rng.choice(orgs[:2])) for _ in range(14)]
    held: dict[int, Card] = {}
    day = dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)
    serial = 0
    for _ in range(70):
        day += dt.timedelta(days=rng.randint(0, 12))
        p = rng.choice(people)
        card = held.get(p.pk)
        op = rng.choice(["issue", "replace", "cancel", "activate", "move", "move"])
        if card is None:
            if p.status == "cancelled" or op not in ("issue", "replace"):
                continue
            serial += 1
            org = rng.choice(orgs)
            new = Card(
                person=p,
                card_no=f"R{serial:08d}",
                division_code=org.division_code,
                org=org,
                bank=world.bank if rng.random() < 0.7 else None,
                category=rng.choice(["employee", "resident", "other"]),
            )
            transitions.create_card(new, at=day, acting_user=SYSTEM)
            transitions.transition_card(new, "issue", at=day, acting_user=SYSTEM)
            held[p.pk] = new
        elif op == "replace":
            serial += 1
            new = Card(
                person=p,
                card_no=f"R{serial:08d}",
                division_code=rng.choice(orgs).division_code,
                org=card.org,
                bank=card.bank,
                category=card.category,
                replaces=card,
            )
            transitions.create_card(new, at=day, acting_user=SYSTEM)
            transitions.transition_card(card, "invalidate_replaced", at=day, acting_user=SYSTEM)
            transitions.transition_card(new, "issue", at=day, acting_user=SYSTEM)
            held[p.pk] = new
        elif op == "cancel":
            back = dt.timedelta(days=rng.choice([0, 0, 3, 40]))  # sometimes backdated
            transitions.transition_card(
                card, "cancel", at=day, acting_user=SYSTEM, invalid_on=(day - back).date()
            )
            del held[p.pk]
        elif op == "activate" and card.bank_id and not card.financial_activated_on:
            transitions.transition_card(
                card,
                "activate_financial",
                at=day,
                acting_user=SYSTEM,
                financial_activated_on=day.date(),
            )
        elif op == "move":
            transitions.move_card(
                card,
                at=day,
                acting_user=SYSTEM,
                division_code=rng.choice(["310112", "310115", "310000"]),
                category=rng.choice(["employee", "resident"]),
            )
    # the history tried every kind of change
    statuses = set(Card.objects.values_list("status", flat=True))
    assert {rules.ISSUED, rules.REPLACED, rules.CANCELLED} <= statuses, statuses
    assert HolderMove.objects.exists() and Card.objects.exclude(financial_activated_on=None)
    dates = [dt.date(2024, 1, 1) + dt.timedelta(days=7 * i) for i in range(60)]
    assert len({tuple(sorted(_truth(d).items())) for d in dates}) > 10  # the counts moved
    for d in dates:
        truth = _truth(d)
        assert _kept(d, "forward") == truth == _kept(d, "backward"), d
    kept, months = _rows(), _months()
    assert months == _rolled_up(kept)  # the triggers' monthly roll-up
    totals = {
        (t.division, t.category, t.bank, t.kind): (t.holders, t.activated, t.issued)
        for t in HolderTotal.objects.all()
        if t.holders or t.activated or t.issued
    }
    summed = {}
    for _day, *key, h, a, n in kept:
        acc = summed.setdefault(tuple(key), [0, 0, 0])
        acc[0], acc[1], acc[2] = acc[0] + h, acc[1] + a, acc[2] + n
    assert totals == {k: tuple(v) for k, v in summed.items() if any(v)}
    counts.rebuild_counts(acting_user=SYSTEM)
    assert _rows() == kept and _months() == months


def _months():
    return sorted(
        (r.month, r.division, r.category, r.bank, r.kind, r.holders, r.activated, r.issued)
        for r in HolderMonth.objects.all()
        if r.holders or r.activated or r.issued
    )


def _rolled_up(rows):
    out = {}
    for day, *key, h, a, n in rows:
        k = (day.replace(day=1), *key)
        acc = out.setdefault(k, [0, 0, 0])
        acc[0] += h
        acc[1] += a
        acc[2] += n
    return sorted((*k, *v) for k, v in out.items() if any(v))
