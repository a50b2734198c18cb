"""Reads of the stock books (卡基台账查询): balances now and at a past date, flows, the
trace of a serial, missed closes, discrepancies, and the figures the evaluation counts.

A balance at a past date costs outlets, not history: it starts from each organisation's
latest daily close on or before that date (its snapshot) and adds only the entries after.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from sbk.cards.models import Card
from sbk.orgs.models import Organisation, OrgKind
from sbk.orgs.scope import visible_orgs

from . import rules
from .models import Balance, DayClose, DaySnapshot, Discrepancy, Entry, Serial, Stocktake

Key = tuple[int, str, int, str]  # (org, item, bank, card version)


def last_closes(org_ids, day: dt.date) -> dict[int, dt.date]:
    """Each organisation's latest close on or before ``day`` (one grouped index lookup)."""
    rows = (
        DayClose.objects.filter(org_id__in=list(org_ids), day__lte=day)
        .values_list("org_id")
        .annotate(last=Max("day"))
        .order_by()
    )
    return dict(rows)


def _by_day(org_ids, last: dict[int, dt.date]) -> dict[dt.date | None, list[int]]:
    """Organisations grouped by their latest close (most share one: yesterday's)."""
    groups: dict[dt.date | None, list[int]] = defaultdict(list)
    for org in org_ids:
        groups[last.get(org)].append(org)
    return groups


def flows(org_ids, start: dt.date | None, end: dt.date, *, after=None):
    """{(org, item, bank, version): [in, out]} of the entries booked in (start, end] — or, with
    ``after`` ({org: day}), in (after[org], end] for each organisation."""
    org_ids = list(org_ids)
    out: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    if after is not None:
        ranges = list(_by_day(org_ids, after).items())
    else:
        ranges = [(start, org_ids)]
    for side, idx in (("dst", 0), ("src", 1)):
        q = Q()
        for since, orgs in ranges:
            part = Q(**{f"{side}_org_id__in": orgs})
            if since is not None:
                part &= Q(day__gt=since)
            q |= part
        qs = Entry.objects.filter(q, **{f"{side}_state": rules.STOCK}, day__lte=end)
        rows = qs.values_list(f"{side}_org_id", f"{side}_item", "bank_id", "version")
        for org, item, bank, version, n in rows.annotate(n=Count("id")).order_by():
            out[(org, item, bank, version)][idx] += n
    return out


def snapshots_at(org_ids, day: dt.date, last: dict[int, dt.date] | None = None) -> dict[Key, int]:
    """Each organisation's closing balances at its latest close on or before ``day``."""
    org_ids = list(org_ids)
    last = last_closes(org_ids, day) if last is None else last
    q = Q()
    for closed, orgs in _by_day(org_ids, last).items():
        if closed is not None:
            q |= Q(day=closed, org_id__in=orgs)
    if not q:
        return {}
    rows = DaySnapshot.objects.filter(q).values_list(
        "org_id", "item", "bank_id", "version", "closing"
    )
    return {(o, i, b, v): c for o, i, b, v, c in rows}


def balances_at(org_ids, day: dt.date) -> dict[Key, int]:
    """Balances at the end of ``day``: the latest snapshot plus the entries after it."""
    org_ids = list(org_ids)
    last = last_closes(org_ids, day)
    result: dict[Key, int] = defaultdict(int, snapshots_at(org_ids, day, last))
    for key, (inc, out) in flows(org_ids, None, day, after=last).items():
        result[key] += inc - out
    return {k: v for k, v in result.items() if v}


def balances_scan(org_ids, day: dt.date) -> dict[Key, int]:
    """The same figures from a plain scan of the whole ledger (verification, benchmark)."""
    result: dict[Key, int] = defaultdict(int)
    for key, (inc, out) in flows(list(org_ids), None, day).items():
        result[key] += inc - out
    return {k: v for k, v in result.items() if v}


def current_balances(org_ids) -> dict[Key, int]:
    rows = Balance.objects.filter(org_id__in=list(org_ids), qty__gt=0)
    return {(b.org_id, b.item, b.bank_id, b.version): b.qty for b in rows}


def _figures(org: Organisation, day: dt.date | None) -> tuple[dt.date, dict[Key, int], dict]:
    today = timezone.localdate()
    day = day or today
    figures = current_balances([org.pk]) if day >= today else balances_at([org.pk], day)
    banks = dict(Organisation.objects.filter(kind=OrgKind.BANK).values_list("pk", "code"))
    return day, figures, banks


def balance_report(org: Organisation, day: dt.date | None = None) -> dict:
    """The contract's shape: ``{"org", "date", "items": {...}, "by_bank": {code: {...}},
    "by_version": {card version: {...}}}`` (``by_version`` added by issue 15: blanks are
    counted per bank and card version; the other keys are unchanged)."""
    day, figures, banks = _figures(org, day)
    items = {i: 0 for i in rules.ITEMS}
    by_bank: dict[str, dict[str, int]] = {}
    by_version: dict[str, dict[str, int]] = {}
    for (_, item, bank, version), qty in sorted(figures.items()):
        items[item] += qty
        by_bank.setdefault(banks.get(bank, str(bank)), {i: 0 for i in rules.ITEMS})[item] += qty
        by_version.setdefault(version, {i: 0 for i in rules.ITEMS})[item] += qty
    return {
        "org": org.code,
        "date": day.isoformat(),
        "items": items,
        "by_bank": by_bank,
        "by_version": by_version,
    }


def balance_grid(org: Organisation, day: dt.date | None = None) -> list[tuple[str, str, dict]]:
    """[(bank name, card version, {item: qty})] for the console's table, sorted."""
    _, figures, _ = _figures(org, day)
    names = dict(Organisation.objects.filter(kind=OrgKind.BANK).values_list("pk", "name"))
    grid: dict[tuple[str, str], dict[str, int]] = {}
    for (_, item, bank, version), qty in figures.items():
        key = (names.get(bank, str(bank)), version)
        grid.setdefault(key, {i: 0 for i in rules.ITEMS})[item] += qty
    return [(b, v, f) for (b, v), f in sorted(grid.items())]


def trace(serial: str) -> tuple[Serial | None, list[Entry]]:
    """流转可溯: where a serial is and every entry that brought it there."""
    place = Serial.objects.select_related("org", "bank", "sender").filter(serial=serial).first()
    entries = list(
        Entry.objects.filter(serial=serial)
        .select_related("src_org", "dst_org", "actor", "corrects")
        .order_by("id")
    )
    return place, entries


def card_of(serial: str) -> Card | None:
    return Card.objects.filter(blank_serial=serial).first() if serial else None


def visible_entries(user):
    """Ledger entries touching an organisation in the user's scope."""
    mine = visible_orgs(user).values("pk")
    qs = Entry.objects.filter(Q(src_org__in=mine) | Q(dst_org__in=mine))
    return qs.select_related("src_org", "dst_org", "actor")


def entries_of(org: Organisation, day: dt.date):
    """The entries of ``org``'s day: booked on it, or made on it and booked on the next
    open day because it was already closed (日清 locks a day)."""
    return (
        Entry.objects.filter(Q(src_org=org) | Q(dst_org=org), Q(day=day) | Q(requested_day=day))
        .select_related("src_org", "dst_org", "actor")
        .order_by("id")
    )


def stock_org_ids(start: dt.date, end: dt.date, org_ids=None) -> dict[int, set[dt.date]]:
    """{org: days in [start, end] with a stock movement}."""
    days: dict[int, set[dt.date]] = defaultdict(set)
    for side in ("src", "dst"):
        qs = Entry.objects.filter(**{f"{side}_state": rules.STOCK}, day__gte=start, day__lte=end)
        if org_ids is not None:
            qs = qs.filter(**{f"{side}_org_id__in": list(org_ids)})
        for org, day in qs.values_list(f"{side}_org_id", "day").distinct():
            days[org].add(day)
    return days


def missed_closes(org_ids, start: dt.date, end: dt.date) -> dict[int, list[dt.date]]:
    """未日清: for each outlet, the days in [start, end] (before today) with movements and no
    close. A day without a movement needs none: its balances are yesterday's."""
    end = min(end, timezone.localdate() - dt.timedelta(days=1))
    if end < start:
        return {}
    org_ids = list(org_ids)
    moved = stock_org_ids(start, end, org_ids)
    closed = defaultdict(set)
    for org, day in DayClose.objects.filter(
        org_id__in=org_ids, day__gte=start, day__lte=end
    ).values_list("org_id", "day"):
        closed[org].add(day)
    out = {}
    for org, days in moved.items():
        missing = sorted(days - closed[org])
        if missing:
            out[org] = missing
    return out


def outlets_under(org: Organisation):
    return Organisation.objects.filter(
        path__startswith=org.path,
        kind__in=[
            OrgKind.COMMUNITY_OUTLET,
            OrgKind.BANK_OUTLET,
            OrgKind.KIOSK,
            OrgKind.SERVICE_CENTRE,
        ],
    )


def evaluation_figures(district: Organisation, start: dt.date, end: dt.date) -> dict:
    """What the evaluation (附件1 (7) 核销及台账管理) counts for a district in [start, end]:

    - ``late_returns`` / ``irregular_returns``: return movements (batches) from the district
      or its outlets marked late (上缴不及时) or irregular (不规范);
    - ``mismatches``: stocktakes that found the books and the count disagreeing (账实不符);
    - ``missed_closes``: (outlet, day) pairs with movements and no daily close (未日清);
    - ``poor_rectification``: discrepancies opened in the period and not rectified within
      ``SBK_STOCK_RECTIFY_DAYS`` days (整改不力).
    Each comes with its details so that a deduction can name what it is for.
    """
    under = Organisation.objects.filter(path__startswith=district.path)
    returns = Entry.objects.filter(
        kind=rules.RETURN, src_org__in=under, day__gte=start, day__lte=end
    )
    late = sorted({str(b) for b in returns.filter(overdue=True).values_list("batch", flat=True)})
    irregular = sorted(
        {str(b) for b in returns.filter(irregular=True).values_list("batch", flat=True)}
    )
    takes = Stocktake.objects.filter(
        org__in=under, at__date__gte=start, at__date__lte=end, discrepancy__isnull=False
    )
    outlet_ids = list(outlets_under(district).values_list("pk", flat=True))
    missed = missed_closes(outlet_ids, start, end)
    limit = dt.timedelta(days=settings.SBK_STOCK_RECTIFY_DAYS)
    now = timezone.now()
    poor = []
    for d in Discrepancy.objects.filter(
        org__in=under, opened_at__date__gte=start, opened_at__date__lte=end
    ):
        done = d.rectified_at or now
        if done - d.opened_at > limit and (d.rectified_at is not None or now - d.opened_at > limit):
            poor.append(d.pk)
    codes = dict(Organisation.objects.filter(pk__in=list(missed)).values_list("pk", "code"))
    return {
        "district": district.code,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "late_returns": len(late),
        "irregular_returns": len(irregular),
        "mismatches": takes.count(),
        "missed_closes": sum(len(v) for v in missed.values()),
        "poor_rectification": len(poor),
        "details": {
            "late_returns": late,
            "irregular_returns": irregular,
            "mismatches": list(takes.values_list("pk", flat=True)),
            "missed_closes": {
                codes[o]: [d.isoformat() for d in days] for o, days in missed.items()
            },
            "poor_rectification": poor,
        },
    }


def open_discrepancies(org_ids):
    return (
        Discrepancy.objects.filter(org_id__in=list(org_ids))
        .exclude(status="rectified")
        .select_related("org", "stocktake")
    )
