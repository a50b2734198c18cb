"""Reading card usage and the scenarios: coverage, areas, campaign figures, quality.

Coverage (季调度表(二) notes 3–4, read as the seed's 累计 figures): of the people holding a
valid card at the period's end (``sbk.reports.counts``' kept holder counts: regions × days),
those who paid — or received a benefit — through a card of theirs at least once up to that
day. The payers are read from the kept counts (``kept``: per day × division × bank × kind,
moved by the import and the card hook): regions × days, neither usage rows nor holders. A
person counts in the region and bank of the card the holder counting rule picks (with two
valid cards, the one issued last), as the holder counts do.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, Sum

from sbk.cards import rules as card_rules
from sbk.cards.models import Application, Card
from sbk.core.models import AuditEntry
from sbk.operations.models import WorkOrder
from sbk.orgs.models import Organisation, OrgKind
from sbk.orgs.scope import org_q
from sbk.reports import counts

from . import kept, rules
from .models import BankCity, Campaign, FirstUse, PublicityCase, ServiceBank, UsageDay, Venue
from .models import UsageRecord as Record

# --- coverage -----------------------------------------------------------------------------


def _holders(end: dt.date, region: str | None, bank_id: int | None) -> int:
    total = 0
    for row in counts.holders_at(end, region[:2].ljust(6, "0") if region else None):
        if region and not row["division"].startswith(region):
            continue
        if bank_id is not None and row["bank"] != bank_id:
            continue
        total += row["holders"] or 0
    return total


def _counted_sql(group: str, region: str | None, bank_id: int | None) -> tuple[str, list]:
    """Distinct people with a first use of ``kind`` by the end who hold a valid card then,
    counted in the place of the card the counting rule picks; grouped by ``group``."""
    card = Card._meta.db_table
    first = FirstUse._meta.db_table
    where, params = [], []
    if region:
        where.append("c.division_code LIKE %s")
        params.append(region + "%")
    if bank_id is not None:
        where.append("c.bank_id = %s")
        params.append(bank_id)
    extra = "".join(f" AND {w}" for w in where)
    sql = f"""
        SELECT {group}, f.kind, COUNT(*) FROM {first} f
        JOIN {card} c ON c.person_id = f.person_id
        WHERE f.day <= %s AND c.issued_on <= %s AND (c.invalid_on IS NULL OR c.invalid_on > %s)
          {extra}
          AND NOT EXISTS (
            SELECT 1 FROM {card} o WHERE o.person_id = c.person_id AND o.id <> c.id
              AND o.issued_on <= %s AND (o.invalid_on IS NULL OR o.invalid_on > %s)
              AND (o.issued_on > c.issued_on OR (o.issued_on = c.issued_on AND o.id > c.id)))
        GROUP BY {group}, f.kind
    """
    return sql, params


def _counted_raw(end: dt.date, group: str, region=None, bank_id=None) -> dict:
    """The distinct count the long way (a join over the holders' cards): the tests and the
    benchmark compare the kept counts with it in total and by bank; nothing else reads it.
    It reads the card's division as it is now, so by region it differs from the kept
    counts (the region of the day) after a move."""
    sql, params = _counted_sql(group, region, bank_id)
    out: dict = defaultdict(lambda: {rules.FIRST_PAY: 0, rules.FIRST_BENEFIT: 0})
    with connection.cursor() as cursor:
        cursor.execute(sql, [end, end, end, *params, end, end])
        for key, kind, n in cursor.fetchall():
            out[key][kind] += n
    return out


def coverage(end: dt.date, region: str | None = None, bank=None) -> dict:
    """``{"holders", "payers", "beneficiaries"}`` at ``end`` — within ``region`` (a prefix of
    the card's issuing division code) and ``bank`` (an Organisation of kind bank) if given."""
    bank_id = bank.pk if bank is not None else None
    counted = kept.counted(end, None, region, bank_id).get(1, {})
    return {
        "holders": _holders(end, region, bank_id),
        "payers": counted.get(rules.FIRST_PAY, 0),
        "beneficiaries": counted.get(rules.FIRST_BENEFIT, 0),
    }


def coverage_by_division(end: dt.date, province: str | None = None) -> dict[str, dict]:
    """Payers and beneficiaries per card division (the tables map them to their regions)."""
    region = province[:2] if province else None
    got = kept.counted(end, "division", region)
    return {k: {"payers": v["pay"], "beneficiaries": v["benefit"]} for k, v in got.items()}


def coverage_by_bank(end: dt.date, province: str | None = None) -> dict[int, dict]:
    region = province[:2] if province else None
    got = kept.counted(end, "bank", region)
    return {k: {"payers": v["pay"], "beneficiaries": v["benefit"]} for k, v in got.items() if k}


def coverage_scope(user, region: str | None, bank):
    """The region and bank a user's coverage question is held to: a bank's staff their bank,
    a district (or its outlets) its ground, the centre and its auditors anything asked.
    ``None`` when what was asked lies outside."""
    if getattr(user, "role", "") == "bank_operator":
        own = bank_of(user)
        if own is None or (bank is not None and bank.pk != own.pk):
            return None
        return region, own
    org = getattr(user, "org", None)
    district = org.district() if org is not None else None
    if district is None:
        return region, bank
    ground = district.division_code
    if region and not (region.startswith(ground) or ground.startswith(region)):
        return None
    return (region if region and region.startswith(ground) else ground), bank


def coverage_contract(period, region=None, bank=None) -> dict:
    """The script contract of ``sbk usage coverage --json`` (and ``GET /api/usage/coverage``)."""
    figures = coverage(period.end, region, bank)
    return {
        "period": str(period),
        "holders": figures["holders"],
        "payers": figures["payers"],
        "payer_coverage": rules.percent_text(figures["payers"], figures["holders"]),
        "beneficiaries": figures["beneficiaries"],
        "benefit_coverage": rules.percent_text(figures["beneficiaries"], figures["holders"]),
        "area": area_counts(period.start, period.end, region),
    }


# --- areas and business fields ------------------------------------------------------------
def _days(start: dt.date, end: dt.date, region: str | None):
    qs = UsageDay.objects.filter(day__gte=start, day__lte=end)
    return qs.filter(division__startswith=region) if region else qs


def area_counts(start: dt.date, end: dt.date, region: str | None = None) -> dict:
    """The period's uses by where they happened relative to the card's issuing region
    (local uses are no area: "只在本市使用则不用填写")."""
    out = dict.fromkeys(rules.CONTRACT_AREAS.values(), 0)
    rows = _days(start, end, region).values("area").annotate(n=Sum("uses")).order_by()
    for row in rows:
        key = rules.CONTRACT_AREAS.get(row["area"])
        if key:
            out[key] += row["n"] or 0
    return out


def has_usage(end: dt.date) -> bool:
    """Whether any usage up to ``end`` is imported (else the tables keep their entered cells)."""
    return UsageDay.objects.filter(day__lte=end).exists()


def no_areas() -> dict[str, dict]:
    return defaultdict(lambda: {"areas": set(), "local": set(), "cross": set()})


def areas_by_region(start: dt.date, end: dt.date, province: str) -> dict[str, dict]:
    """Per report region: the areas used (① ② ③ numbers) and the kinds of use seen locally
    and across regions (the table's 业务领域 when the centre has not entered them)."""
    out = no_areas()
    rows = (
        _days(start, end, province[:2])
        .values("division", "area", "kind")
        .annotate(n=Sum("uses"))
        .order_by()
    )
    for row in rows:
        if not row["n"]:
            continue
        r = out[rules.report_region(row["division"])]
        if row["area"] == rules.LOCAL:
            r["local"].add(row["kind"])
        else:
            r["areas"].add(rules.AREA_NUMBERS[row["area"]])
            r["cross"].add(row["kind"])
    return out


def kind_names(kinds) -> str:
    return "、".join(rules.KIND_LABELS[k] for k in rules.KIND_LABELS if k in kinds)


# --- banks ---------------------------------------------------------------------------------
def bank_cities(end: dt.date) -> dict[int, set[str]]:
    """Bank organisation id → the report regions it cooperates with by ``end``."""
    out: dict[int, set[str]] = defaultdict(set)
    for org_id, region in BankCity.objects.filter(since__lte=end).values_list(
        "bank__org_id", "region"
    ):
        out[org_id].add(region)
    return out


def bank_names() -> dict[int, str]:
    return dict(ServiceBank.objects.values_list("org_id", "full_name"))


def bank_of(user) -> Organisation | None:
    """The bank a bank operator works for (their organisation, or their outlet's bank)."""
    org = getattr(user, "org", None)
    if org is None:
        return None
    if org.kind == OrgKind.BANK:
        return org
    return org.bank if org.kind == OrgKind.BANK_OUTLET else None


def banks_for(user):
    """Service banks the user may see: a bank's staff their own; a district (or its outlets)
    the banks on its ground — an outlet there, or cooperating with its region; the centre
    and its auditors all of them."""
    qs = ServiceBank.objects.select_related("org")
    if getattr(user, "role", "") == "bank_operator":
        bank = bank_of(user)
        return qs.filter(org=bank) if bank else qs.none()
    org = getattr(user, "org", None)
    district = org.district() if org is not None else None
    if district is None:  # the centre, its auditors, the platform: every bank
        return qs if Organisation.objects.filter(org_q(user)).exists() else qs.none()
    region = rules.report_region(district.division_code)
    on_ground = Organisation.objects.filter(
        path__startswith=district.path, kind=OrgKind.BANK_OUTLET
    )
    return qs.filter(Q(org__in=on_ground.values("bank")) | Q(cities__region=region)).distinct()


# --- scoped lists ----------------------------------------------------------------------------
def venues_for(user):
    return Venue.objects.filter(org_q(user, "org__")).select_related("org", "nearest_bank")


def campaigns_for(user):
    """A campaign is seen by its organiser's scope and by those whose ground it covers (a
    city campaign by every district and outlet)."""
    qs = Campaign.objects.select_related("org", "funder")
    org = getattr(user, "org", None)
    if org is None:
        return qs.filter(org_q(user, "org__"))
    ancestors = [p for p in org.path.split("/") if p]
    return qs.filter(org_q(user, "org__") | Q(org__code__in=ancestors))


def cases_for(user):
    qs = PublicityCase.objects.select_related("org")
    return qs.filter(org_q(user, "org__"))


# --- campaign figures (the evaluation's canteen sub-items) --------------------------------
def _district_venues(district: Organisation, kind: str | None = None):
    qs = Venue.objects.filter(org__path__startswith=district.path).exclude(status="closed")
    return qs.filter(kind=kind) if kind else qs


def campaign_figures(district: Organisation, start: dt.date, end: dt.date) -> dict:
    """A district's canteen campaigns in a period: ``canteen_coverage`` (percent of its
    registered canteens taking part in a campaign running in the period; None without
    canteens), ``average_discount`` (yuan per campaign use; None without uses), ``uses`` and
    ``holders_by_age_group`` (distinct holders reached, by age on the period's end)."""
    canteens = _district_venues(district, "canteen")
    running = Campaign.objects.filter(start__lte=end, end__gte=start, scenario="canteen")
    taking_part = canteens.filter(campaigns__in=running).distinct()
    registered = canteens.count()
    figures = _uses(running, taking_part, start, end)
    return {
        "district": district.code,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "canteens": registered,
        "canteens_taking_part": taking_part.count(),
        "canteen_coverage": (
            round(taking_part.count() * 100 / registered, 2) if registered else None
        ),
        **figures,
    }


def _uses(campaigns, venues, start: dt.date, end: dt.date) -> dict:
    """Campaign uses: merchant payments at the campaign's venues within its dates (and the
    period's), each discounted by the campaign's rule."""
    venue_codes = dict(venues.exclude(merchant_code="").values_list("pk", "merchant_code"))
    uses, total, holders = 0, Decimal("0"), {}
    for campaign in campaigns.prefetch_related("venues"):
        codes = [venue_codes[v.pk] for v in campaign.venues.all() if v.pk in venue_codes]
        if not codes:
            continue
        rule = campaign.rule()
        rows = Record.objects.filter(
            scenario__in=codes,
            kind=rules.MERCHANT,
            day__gte=max(start, campaign.start),
            day__lte=min(end, campaign.end),
        ).values_list("amount", "person_id", "person__birth_date")
        for amount, person_id, birth in rows:
            uses += 1
            total += rule.discount(amount)
            holders[person_id] = birth
    groups = dict.fromkeys(rules.AGE_GROUP_LABELS, 0)
    for birth in holders.values():
        groups[rules.age_group(birth, end)] += 1
    return {
        "uses": uses,
        "discount_total": str(total),
        "average_discount": round(float(total / uses), 2) if uses else None,
        "holders_reached": len(holders),
        "holders_by_age_group": groups,
    }


def campaign_summary(campaign: Campaign, district: Organisation | None = None) -> dict:
    """One campaign, over its whole period (or within one district): coverage of the venues
    of its scenario, uses, holders reached, average discount."""
    ground = district or campaign.org
    venues = Venue.objects.filter(org__path__startswith=ground.path, kind=campaign.scenario)
    venues = venues.exclude(status="closed")
    taking_part = venues.filter(campaigns=campaign)
    registered = venues.count()
    one = Campaign.objects.filter(pk=campaign.pk)
    figures = _uses(one, taking_part, campaign.start, campaign.end)
    return {
        "campaign": campaign.pk,
        "registered": registered,
        "taking_part": taking_part.count(),
        "coverage": round(taking_part.count() * 100 / registered, 2) if registered else None,
        **figures,
    }


# --- quality supervision (质量监督) -------------------------------------------------------------
# Complaints: the complaint and 好差评 work orders that ``sbk.operations`` records (投诉及
# "好差评"工单), counted by the outlet they concern and the day they were received. The
# operations app sits below usage (it imports neither usage nor the reports).
def _complaints(org_ids, start, end) -> dict[int, int]:
    found = (
        WorkOrder.objects.filter(
            outlet_id__in=org_ids, received_at__date__gte=start, received_at__date__lte=end
        )
        .values("outlet_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["outlet_id"]: row["n"] for row in found}


def quality(bank: Organisation, start: dt.date, end: dt.date, user=None) -> dict:
    """A bank's quality in a period, in total and per outlet, from what sbk records: its own
    staff see all its outlets, a district the ones on its ground, the centre all."""
    qs = Organisation.objects.filter(bank=bank)
    if user is not None and getattr(user, "role", "") != "bank_operator":
        qs = qs.filter(org_q(user))
    outlets = list(qs.order_by("code"))
    ids = [o.pk for o in outlets]
    per: dict[int, dict] = {
        o.pk: {"code": o.code, "name": o.name, "produced": 0, "late": 0, "intercepted": 0,
               "refused": 0, "unclaimed": 0, "complaints": 0}
        for o in outlets
    }  # fmt: skip
    produced = Application.objects.filter(
        outlet_id__in=ids, card__produced_at__date__gte=start, card__produced_at__date__lte=end
    ).values_list("outlet_id", "deadline", "card__produced_at")
    for outlet_id, deadline, at in produced:
        per[outlet_id]["produced"] += 1
        if deadline is not None and at.date() > deadline:
            per[outlet_id]["late"] += 1
    apps_by_id = {}
    for action, key in (("card.intercept", "intercepted"), ("application.reject", "refused")):
        found = AuditEntry.objects.filter(
            action=action, at__date__gte=start, at__date__lte=end
        ).values_list("object_id", flat=True)
        wanted = [int(i) for i in found if str(i).isdigit()]
        apps_by_id.update(
            Application.objects.filter(pk__in=wanted, outlet_id__in=ids).values_list(
                "pk", "outlet_id"
            )
        )
        for object_id in wanted:
            if object_id in apps_by_id:
                per[apps_by_id[object_id]][key] += 1
    unclaimed = (
        Card.objects.filter(org_id__in=ids, status=card_rules.UNCLAIMED)
        .values("org_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in unclaimed:
        per[row["org_id"]]["unclaimed"] += row["n"]
    for org_id, n in _complaints(ids, start, end).items():
        per[org_id]["complaints"] += n
    rows = list(per.values())
    keys = ("produced", "late", "intercepted", "refused", "unclaimed", "complaints")
    total = {k: sum(r[k] for r in rows) for k in keys}
    total["on_time_rate"] = (
        rules.percent_text(total["produced"] - total["late"], total["produced"])
        if total["produced"]
        else None
    )
    return {
        "bank": bank.code,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "limit_days": 7,
        "total": total,
        "outlets": rows,
    }
