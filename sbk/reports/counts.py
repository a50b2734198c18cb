"""The kept holder counts (持卡人数日变动): written by the card hook, rebuilt from history.

Each card transition that changes holders costs one statement here: an
``INSERT … ON CONFLICT DO UPDATE`` adding the day's changes (PostgreSQL and SQLite alike);
a transition that changes nothing countable costs none. Legacy imports arrive in one batch
(``on_cards_imported``) and are counted per person, so overlapping migrated cards count once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import connection
from django.db.models import Min, Sum
from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.cards import rules
from sbk.cards.models import Card, ServiceTransaction
from sbk.core import actions
from sbk.core.catalogue import Action

from . import counting as C
from .models import HolderCount, HolderMonth, HolderMove, HolderTotal, ServiceOpened

HELD = frozenset(rules.HELD)
BATCH = 900  # rows per statement / ids per IN (): within SQLite's variable limit


def other_versions() -> list[str]:
    """Card versions that load the financial function another way (显性磁条): configuration."""
    return list(getattr(settings, "SBK_REPORT_OTHER_FINANCIAL_VERSIONS", []))


def place_of(division, category, bank_id, version, others=None) -> C.Place:
    others = other_versions() if others is None else others
    return C.Place(
        division, category or "other", bank_id or 0, C.financial_kind(bank_id, version, others)
    )


def card_facts(card: Card, moves=()) -> C.CardFacts:
    return C.CardFacts(
        card.pk,
        card.person_id,
        card.issued_on,
        card.invalid_on,
        card.financial_activated_on,
        place_of(card.division_code, card.category, card.bank_id, card.version),
        list(moves),
    )


def upsert(deltas: C.Deltas) -> int:
    """Add ``deltas`` to the kept counts: one statement per ``BATCH`` rows."""
    rows = C.nonzero(deltas)
    if not rows:
        return 0
    table = connection.ops.quote_name(HolderCount._meta.db_table)
    for i in range(0, len(rows), BATCH // 8):
        chunk = rows[i : i + BATCH // 8]
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
        params = []
        for (day, division, category, bank, kind), (h, a, n) in chunk:
            params += [day, division, category, bank, kind, h, a, n]
        sql = (
            f"INSERT INTO {table} (day, division, category, bank, kind, holders, activated, issued)"
            f" VALUES {values} ON CONFLICT (day, division, category, bank, kind) DO UPDATE SET"
            f" holders = {table}.holders + excluded.holders,"
            f" activated = {table}.activated + excluded.activated,"
            f" issued = {table}.issued + excluded.issued"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return len(rows)


# --- the hooks ---------------------------------------------------------------------------
def on_card_change(change) -> None:
    """Per transition: the change in holders, in the transition's transaction."""
    from sbk.cards import transitions  # lazy: the app registry is ready when hooks run

    if change.legacy and hasattr(transitions, "on_cards_imported"):
        return  # counted per person by on_cards_imported, in one batch
    card = change.card
    was, now = change.before in HELD, change.after in HELD
    deltas = C.new_deltas()
    if change.transition == "move":
        old, new = change.context["old"], change.context["new"]
        day = timezone.localdate(change.at)
        HolderMove.objects.create(
            card=card,
            day=day,
            old_division=old["division_code"],
            new_division=new["division_code"],
            old_category=old["category"],
            new_category=new["category"],
        )
        if was:
            facts = card_facts(card)
            move = C.Move(
                day,
                place_of(old["division_code"], old["category"], card.bank_id, card.version),
                facts.place,
            )
            C.move_deltas(facts, move, deltas)
    elif now and not was:
        C.enter_deltas(card_facts(card), deltas)
    elif was and not now:
        C.leave_deltas(card_facts(card), deltas)
    elif was and change.transition == "activate_financial" and card.financial_activated_on:
        C.activate_deltas(card_facts(card), deltas)
    upsert(deltas)


def _moves_for(card_ids) -> dict[int, list[C.Move]]:
    out: dict[int, list[C.Move]] = defaultdict(list)
    ids = list(card_ids)
    others = other_versions()
    for i in range(0, len(ids), BATCH):
        qs = HolderMove.objects.filter(card_id__in=ids[i : i + BATCH]).values_list(
            "card_id",
            "day",
            "old_division",
            "new_division",
            "old_category",
            "new_category",
            "card__bank_id",
            "card__version",
        )
        for cid, day, od, nd, oc, nc, bank, version in qs.order_by("card_id", "day", "id"):
            out[cid].append(
                C.Move(
                    day,
                    place_of(od, oc, bank, version, others),
                    place_of(nd, nc, bank, version, others),
                )
            )
    return out


FACT_FIELDS = (
    "id",
    "person_id",
    "issued_on",
    "invalid_on",
    "financial_activated_on",
    "division_code",
    "category",
    "bank_id",
    "version",
)


def _facts_from_row(row, moves, others) -> C.CardFacts:
    cid, pid, issued, invalid, activated, division, category, bank, version = row
    return C.CardFacts(
        cid,
        pid,
        issued,
        invalid,
        activated,
        place_of(division, category, bank, version, others),
        moves.get(cid, []),
    )


def on_cards_imported(changes) -> None:
    """A legacy import's whole batch: each person's history is counted once, with the
    cards they already had (a migrated card may overlap a card sbk issued)."""
    new_cards = {c.card.pk: c.card for c in changes}
    person_ids = sorted({card.person_id for card in new_cards.values()})
    others = other_versions()
    existing: dict[int, list[C.CardFacts]] = defaultdict(list)
    for i in range(0, len(person_ids), BATCH):
        rows = list(
            Card.objects.filter(person_id__in=person_ids[i : i + BATCH], issued_on__isnull=False)
            .exclude(pk__in=list(new_cards))
            .values_list(*FACT_FIELDS)
        )
        moves = _moves_for([r[0] for r in rows]) if rows else {}
        for row in rows:
            existing[row[1]].append(_facts_from_row(row, moves, others))
    added: dict[int, list[C.CardFacts]] = defaultdict(list)
    for card in new_cards.values():
        if card.issued_on is not None:
            added[card.person_id].append(card_facts(card))
    before = C.history_deltas(existing[p] for p in added if existing.get(p))
    after = C.history_deltas(existing.get(p, []) + cards for p, cards in added.items())
    upsert(C.subtract(after, before))


# --- rebuild -----------------------------------------------------------------------------
def history_from_cards(cards_qs=None) -> C.Deltas:
    """The deltas the card history implies (every card with an issue date, every move)."""
    qs = (cards_qs if cards_qs is not None else Card.objects.all()).filter(issued_on__isnull=False)
    moves = _moves_for(HolderMove.objects.values_list("card_id", flat=True).distinct())
    others = other_versions()
    deltas = C.new_deltas()
    person, cards = None, []
    rows = qs.order_by("person_id", "id").values_list(*FACT_FIELDS)
    for row in rows.iterator(chunk_size=20000):
        if row[1] != person and cards:
            C.person_deltas(cards, deltas)
            cards = []
        person = row[1]
        cards.append(_facts_from_row(row, moves, others))
    if cards:
        C.person_deltas(cards, deltas)
    return deltas


MONTH_SQL = {
    "postgresql": "date_trunc('month', day)::date",
    "sqlite": "date(day, 'start of month')",
}


def replace_all(rows) -> None:
    """Replace the kept counts with ``rows`` ((day, division, category, bank, kind),
    [holders, activated, issued]) and the roll-ups with their sums. On PostgreSQL the
    roll-up trigger is switched off for the load (inside the caller's transaction) and the
    roll-ups are computed once by aggregation, as migration 0003 does."""
    HolderCount.objects.all().delete()
    HolderMonth.objects.all().delete()
    HolderTotal.objects.all().delete()
    pg = connection.vendor == "postgresql"
    table = HolderCount._meta.db_table
    if pg:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER reports_holder_rollup")
    HolderCount.objects.bulk_create(
        (
            HolderCount(
                day=d, division=r, category=c, bank=b, kind=k, holders=h, activated=a, issued=n
            )
            for (d, r, c, b, k), (h, a, n) in rows
        ),
        batch_size=5000,
    )
    if not pg:
        return  # SQLite's triggers filled the roll-ups row by row
    month = MONTH_SQL["postgresql"]
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER reports_holder_rollup")
        cursor.execute(
            f"INSERT INTO {HolderMonth._meta.db_table} (month, division, category, bank, kind,"
            f" holders, activated, issued) SELECT {month}, division, category, bank, kind,"
            f" sum(holders), sum(activated), sum(issued) FROM {table}"
            f" GROUP BY {month}, division, category, bank, kind"
        )
        cursor.execute(
            f"INSERT INTO {HolderTotal._meta.db_table} (division, category, bank, kind, holders,"
            " activated, issued, first_issued) SELECT division, category, bank, kind,"
            " sum(holders), sum(activated), sum(issued), min(CASE WHEN issued > 0 THEN day END)"
            f" FROM {table} GROUP BY division, category, bank, kind"
        )


@actions.atomic
def rebuild_counts(*, acting_user) -> dict:
    """重建持卡人数统计: replace the kept counts with what the card history implies."""
    ensure(acting_user, Action.REPORT_REBUILD_COUNTS)
    if connection.vendor == "postgresql":
        # Card transitions wait at their upsert until the rebuild commits, so none is lost.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {HolderCount._meta.db_table} IN EXCLUSIVE MODE")
            cursor.execute(f"LOCK TABLE {HolderMonth._meta.db_table} IN EXCLUSIVE MODE")
            cursor.execute(f"LOCK TABLE {HolderTotal._meta.db_table} IN EXCLUSIVE MODE")
            cursor.execute(f"LOCK TABLE {ServiceOpened._meta.db_table} IN EXCLUSIVE MODE")
    before = HolderCount.objects.count()
    rows = C.nonzero(history_from_cards())
    replace_all(rows)
    marks = rebuild_service_marks()
    summary = {"rows_before": before, "rows": len(rows), "service_marks": marks}
    actions.record(
        Action.REPORT_REBUILD_COUNTS,
        acting_user=acting_user,
        object_type="reports.holdercount",
        after=summary,
    )
    return summary


def rebuild_service_marks() -> int:
    """The opened items and channels again from the whole journal (the trigger keeps them
    between rebuilds); returns how many marks there are."""
    ServiceOpened.objects.all().delete()
    rows = []
    for mark, col in ((ServiceOpened.ITEM, "item"), (ServiceOpened.CHANNEL, "channel")):
        firsts = (
            ServiceTransaction.objects.filter(outlet__isnull=False)
            .values("outlet__division_code", col)
            .annotate(first=Min("at"))
            .order_by()
        )
        rows += [
            ServiceOpened(
                division=r["outlet__division_code"], mark=mark, number=r[col], first_at=r["first"]
            )
            for r in firsts
        ]
    ServiceOpened.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# --- reads -------------------------------------------------------------------------------
def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


KEYS = ("division", "category", "bank", "kind")


def _add(out: dict, qs, sign: int, sums=("holders", "activated")) -> None:
    rows = qs.values(*KEYS).annotate(h=Sum(sums[0]), a=Sum(sums[1])).order_by()
    for r in rows:
        key = tuple(r[k] for k in KEYS)
        row = out.setdefault(
            key, {**dict(zip(KEYS, key, strict=True)), "holders": 0, "activated": 0}
        )
        row["holders"] += sign * (r["h"] or 0)
        row["activated"] += sign * (r["a"] or 0)


def holders_at(day: dt.date, province: str | None = None, *, direction: str = "") -> list[dict]:
    """Holders on ``day`` by division × category × bank × kind, from the roll-ups the
    triggers keep: forward (the months before ``day``'s month plus its days up to ``day``)
    or, for a recent day, backward (the running total minus the changes after ``day``),
    whichever reads fewer months (``direction`` forces one, for the tests). Either costs
    regions × months, never holders."""
    first, after = _month_start(day), _next_month(day)
    scope = {"division__startswith": province[:2]} if province else {}
    out: dict[tuple, dict] = {}
    start = HolderTotal.objects.filter(**scope).aggregate(m=Min("first_issued"))["m"]
    today = timezone.localdate()
    months_before = (day.year - start.year) * 12 + day.month - start.month if start else 0
    months_after = (today.year - day.year) * 12 + today.month - day.month
    if direction == "backward" or (not direction and months_after < months_before):
        _add(out, HolderTotal.objects.filter(**scope), 1)
        _add(out, HolderMonth.objects.filter(month__gte=after, **scope), -1)
        _add(out, HolderCount.objects.filter(day__gt=day, day__lt=after, **scope), -1)
    else:
        _add(out, HolderMonth.objects.filter(month__lt=first, **scope), 1)
        _add(out, HolderCount.objects.filter(day__gte=first, day__lte=day, **scope), 1)
    return list(out.values())


def first_issue_by_division(province: str) -> dict[str, dt.date]:
    """The day of each division's first issued card."""
    qs = (
        HolderTotal.objects.filter(division__startswith=province[:2], first_issued__isnull=False)
        .values("division")
        .annotate(first=Min("first_issued"))
        .order_by()
    )
    return {r["division"]: r["first"] for r in qs}


def provinces() -> list[str]:
    codes = HolderTotal.objects.values_list("division", flat=True).distinct().order_by()
    return sorted({C.province_code(c) for c in codes})
