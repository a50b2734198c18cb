"""日清月结: the daily close per organisation and the monthly roll-up.

A close takes the previous close's balances, adds the entries booked since, checks that
every card produced that day matches one blank consumed, writes the day's snapshot
(opening + in − out = closing, a CHECK) and locks the day: every day up to it is then
closed for booking, and a late movement goes to the next open day with a note.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count
from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.cards.models import Card
from sbk.core import actions
from sbk.core.catalogue import Action
from sbk.core.errors import Conflict, Forbidden, ServiceError
from sbk.orgs.scope import visible_orgs

from .. import queries, rules
from ..errors import StockErrorCode as E
from ..models import Book, DayClose, DaySnapshot, Entry, MonthClose, MonthSnapshot
from . import ledger


def lock_books(orgs) -> dict[int, Book]:
    """The organisations' books, created when missing, locked in primary-key order."""
    Book.objects.bulk_create([Book(org=o) for o in orgs], ignore_conflicts=True)
    rows = Book.objects.select_for_update().filter(org__in=orgs).order_by("pk")
    return {b.org_id: b for b in rows}


def production_check(org_ids, day: dt.date) -> tuple[dict, dict, list[str]]:
    """({org: cards produced}, {org: blanks consumed}, problems) for ``day``: every card
    produced there that day (not migrated) must have consumed its blank there."""
    produced: dict[int, int] = defaultdict(int)
    cards = []
    rows = Card.objects.filter(org_id__in=org_ids, legacy=False, produced_at__date=day)
    for org, no, serial in rows.values_list("org_id", "card_no", "blank_serial"):
        produced[org] += 1
        cards.append((org, no, serial))
    booked = set(
        Entry.objects.filter(
            kind=rules.CONSUME, serial__in=[s for _, _, s in cards if s]
        ).values_list("src_org_id", "serial")
    )
    problems = [f"卡 {no} 没有领用卡基" for org, no, s in cards if (org, s) not in booked]
    consumed = dict(
        Entry.objects.filter(kind=rules.CONSUME, src_org_id__in=org_ids, day=day)
        .values_list("src_org_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return produced, consumed, problems


def _close(orgs, day: dt.date, *, acting_user, auto: bool = False) -> list[DayClose]:
    """Close ``day`` for every organisation in ``orgs`` at once (set-based: a fixed number
    of statements however many they are)."""
    books = lock_books(orgs)
    ids = [o.pk for o in orgs]
    done = [o for o in orgs if books[o.pk].closed_through and day <= books[o.pk].closed_through]
    if done:
        o = done[0]
        raise Conflict(
            E.DAY_CLOSED, f"{o.name} {day} 已日清（已锁定至 {books[o.pk].closed_through}）"
        )
    produced, consumed, problems = production_check(ids, day)
    if problems:
        raise Conflict(E.DAY_MISMATCH, "制卡与卡基领用不一致：" + "；".join(problems[:5]))
    previous = {o: b.closed_through for o, b in books.items() if b.closed_through}
    opening = defaultdict(int, queries.snapshots_at(ids, day, previous))
    for key, (inc, out) in queries.flows(
        ids, None, day - dt.timedelta(days=1), after=previous
    ).items():
        opening[key] += inc - out
    today_flows = queries.flows(ids, day - dt.timedelta(days=1), day)
    now = timezone.now()
    closes = DayClose.objects.bulk_create(
        [
            DayClose(
                org=o,
                day=day,
                closed_at=now,
                closed_by=ledger.actor_of(acting_user),
                cards_produced=produced.get(o.pk, 0),
                blanks_consumed=consumed.get(o.pk, 0),
                auto=auto,
            )
            for o in orgs
        ]
    )
    by_org: dict[int, list[DaySnapshot]] = defaultdict(list)
    for key in sorted(set(opening) | set(today_flows)):
        org, item, bank, version = key
        inc, out = today_flows.get(key, (0, 0))
        start = opening.get(key, 0)
        if start or inc or out:
            by_org[org].append(
                DaySnapshot(
                    org_id=org,
                    day=day,
                    item=item,
                    bank_id=bank,
                    version=version,
                    opening=start,
                    incoming=inc,
                    outgoing=out,
                    closing=rules.closing(start, inc, out),
                )
            )
    DaySnapshot.objects.bulk_create([row for rows in by_org.values() for row in rows])
    Book.objects.filter(pk__in=[b.pk for b in books.values()]).update(closed_through=day)
    for close in closes:
        close.snapshot = by_org.get(close.org_id, [])
    return closes


def _summary(close: DayClose) -> dict:
    return {
        "cards_produced": close.cards_produced,
        "blanks_consumed": close.blanks_consumed,
        "closing": {f"{s.item}:{s.bank_id}:{s.version}": s.closing for s in close.snapshot},
    }


@actions.atomic
def close_day(org, day: dt.date | None = None, *, acting_user) -> DayClose:
    """日清: close ``org``'s day (today by default). Earlier days left open stay open in the
    missed-close list but are locked with it."""
    ensure(acting_user, Action.STOCK_CLOSE_DAY, org)
    day = ledger.check_day(day)
    (close,) = _close([org], day, acting_user=acting_user)
    actions.record(
        Action.STOCK_CLOSE_DAY,
        acting_user=acting_user,
        obj=close,
        after={"org": org.code, "day": day.isoformat(), **_summary(close)},
    )
    return close


@actions.atomic
def close_days(orgs, day: dt.date | None = None, *, acting_user) -> list[DayClose]:
    """日清 for several organisations at once (a district's outlets, the nightly run):
    one action, one audit row naming each organisation and its closing balances."""
    ensure(acting_user, Action.STOCK_CLOSE_DAY)
    orgs = sorted(set(orgs), key=lambda o: o.pk)
    visible = set(
        visible_orgs(acting_user).filter(pk__in=[o.pk for o in orgs]).values_list("pk", flat=True)
    )
    outside = [o for o in orgs if o.pk not in visible]
    if outside:
        raise Forbidden(f"{outside[0].name}不在您的管辖范围内")
    day = ledger.check_day(day)
    closes = _close(orgs, day, acting_user=acting_user)
    actions.record(
        Action.STOCK_CLOSE_DAY,
        acting_user=acting_user,
        object_type="stock.dayclose",
        object_id=day.isoformat(),
        after={
            "day": day.isoformat(),
            "orgs": {c.org.code: _summary(c) for c in closes},
        },
    )
    return closes


@actions.atomic
def close_month(org, month: str, *, acting_user) -> MonthClose:
    """月结: roll the month's days up. Every day of the month with movements must be
    closed (or locked by a later close); the month's last day is closed if it is not."""
    ensure(acting_user, Action.STOCK_CLOSE_MONTH, org)
    try:
        first, last = rules.month_bounds(month)
    except ValueError:
        raise ServiceError(E.BAD_DATE, "月份格式应为 YYYY-MM", field="month") from None
    if last >= ledger.today():
        raise ServiceError(E.BAD_DATE, f"{month} 尚未结束，不能月结", field="month")
    book = lock_books([org])[org.pk]
    if MonthClose.objects.filter(org=org, month=first).exists():
        raise Conflict(E.MONTH_CLOSED, f"{org.name} {month} 已月结")
    moved = queries.stock_org_ids(first, last, [org.pk]).get(org.pk, set())
    locked = book.closed_through
    still_open = sorted(d for d in moved if locked is None or d > locked)
    if still_open and (locked is None or locked < last):
        open_days = [d for d in still_open if d != last]
        if open_days:
            raise Conflict(
                E.DAYS_OPEN,
                "以下日期有流转尚未日清：" + "、".join(d.isoformat() for d in open_days[:10]),
            )
    days_closed = DayClose.objects.filter(org=org, day__gte=first, day__lte=last).count()
    if locked is None or locked < last:
        _close([org], last, acting_user=acting_user, auto=True)
        days_closed += 1
    opening = queries.balances_at([org.pk], first - dt.timedelta(days=1))
    closing = queries.balances_at([org.pk], last)
    month_flows = queries.flows([org.pk], first - dt.timedelta(days=1), last)
    now = timezone.now()
    close = MonthClose.objects.create(
        org=org,
        month=first,
        closed_at=now,
        closed_by=ledger.actor_of(acting_user),
        days_closed=days_closed,
    )
    rows = []
    for key in sorted(set(opening) | set(closing) | set(month_flows)):
        _, item, bank, version = key
        inc, out = month_flows.get(key, (0, 0))
        rows.append(
            MonthSnapshot(
                org=org,
                month=first,
                item=item,
                bank_id=bank,
                version=version,
                opening=opening.get(key, 0),
                incoming=inc,
                outgoing=out,
                closing=closing.get(key, 0),
            )
        )
    MonthSnapshot.objects.bulk_create(rows)
    book.month_closed_through = last
    book.save(update_fields=["month_closed_through"])
    actions.record(
        Action.STOCK_CLOSE_MONTH,
        acting_user=acting_user,
        obj=close,
        after={"org": org.code, "month": month, "days_closed": days_closed},
    )
    return close
