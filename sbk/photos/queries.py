"""Read side of the photo checks: scoped lists and the evaluation figures.

``pass_rate`` and ``recapture_counts`` count the checks done at the organisations of
``org_qs`` (pass ``visible_orgs(user)`` for a user's scope) from ``start`` to ``end``,
per organisation (outlet) and rolled up per district through ``Organisation.path``.
Dates are whole local days, both included; datetimes are [start, end). None = open.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from sbk.orgs.models import OUTLET_KINDS, Organisation, OrgKind
from sbk.orgs.scope import scoped

from .models import PhotoCheck


def scoped_checks(user) -> QuerySet[PhotoCheck]:
    return scoped(user, PhotoCheck.objects.select_related("org", "person", "user"), org_field="org")


def _moment(value, *, end: bool = False):
    if value is None or isinstance(value, dt.datetime):
        if value is not None and timezone.is_naive(value):
            return timezone.make_aware(value)
        return value
    day = value + dt.timedelta(days=1) if end else value
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _window(org_qs, start, end) -> QuerySet[PhotoCheck]:
    qs = PhotoCheck.objects.filter(org__in=org_qs)
    start, end = _moment(start), _moment(end, end=True)
    if start is not None:
        qs = qs.filter(at__gte=start)
    if end is not None:
        qs = qs.filter(at__lt=end)
    return qs


def _rate(passed: int, total: int) -> tuple[float | None, float | None]:
    if not total:
        return None, None
    return passed / total, round(100.0 * passed / total, 2)


class _Tree:
    """Organisations of the scope and the district each belongs to (by path prefix)."""

    def __init__(self, org_qs, org_ids):
        self.orgs = {
            o.pk: o for o in Organisation.objects.filter(Q(pk__in=org_qs) | Q(pk__in=list(org_ids)))
        }
        self.districts = sorted(
            Organisation.objects.filter(kind=OrgKind.DISTRICT), key=lambda d: -len(d.path)
        )

    def district_of(self, org: Organisation) -> Organisation | None:
        for d in self.districts:
            if org.path.startswith(d.path):
                return d
        return None

    def outlets(self) -> list[Organisation]:
        return [o for o in self.orgs.values() if o.kind in OUTLET_KINDS]


def _org_row(org: Organisation | None) -> dict:
    if org is None:
        return {"org_id": None, "code": "", "name": "区级以上机构", "kind": ""}
    return {"org_id": org.pk, "code": org.code, "name": org.name, "kind": org.kind}


def _rollup(org_qs, counts: dict[int, dict[str, int]], keys: tuple[str, ...]):
    """Rows per organisation (every outlet of the scope, and any other organisation with
    checks) and per district, summing ``keys``; sorted by organisation path."""
    tree = _Tree(org_qs, counts)
    org_ids = set(counts) | {o.pk for o in tree.outlets()}
    by_org, by_district = [], {}
    for oid in sorted(org_ids, key=lambda i: tree.orgs[i].path):
        org = tree.orgs[oid]
        c = counts.get(oid, {})
        by_org.append({**_org_row(org), **{k: c.get(k, 0) for k in keys}})
        d = tree.district_of(org)
        key = d.pk if d else None
        row = by_district.setdefault(key, {**_org_row(d), **{k: 0 for k in keys}})
        for k in keys:
            row[k] += c.get(k, 0)
    districts = sorted(by_district.values(), key=lambda r: (r["org_id"] is None, r["code"]))
    return by_org, districts, tree


def pass_rate(org_qs, start=None, end=None) -> dict:
    """Photo pass rate: passed checks / all checks, overall, per outlet and per district.
    ``rate`` is a fraction, ``rate_pct`` a percentage to 0.01 points (None without checks).

    Operator overrides (人工放行, issue 21) are counted apart: ``passed`` is the machine's
    passes only; ``overridden`` the failed checks an operator accepted; ``accepted`` =
    passed + overridden with its own ``accepted_pct``. The machine's pass rate is never
    raised by an override."""
    rows = (
        _window(org_qs, start, end)
        .values("org")
        .annotate(
            total=Count("id"),
            passed=Count("id", filter=Q(ok=True)),
            overridden=Count("id", filter=Q(ok=False, overridden=True)),
        )
    )
    keys = ("total", "passed", "overridden")
    counts = {r["org"]: {k: r[k] for k in keys} for r in rows}
    by_org, by_district, _ = _rollup(org_qs, counts, keys)
    for row in (*by_org, *by_district):
        row["rate"], row["rate_pct"] = _rate(row["passed"], row["total"])
        row["accepted"] = row["passed"] + row["overridden"]
        row["accepted_pct"] = _rate(row["accepted"], row["total"])[1]
    total = sum(c["total"] for c in counts.values())
    passed = sum(c["passed"] for c in counts.values())
    overridden = sum(c["overridden"] for c in counts.values())
    rate, pct = _rate(passed, total)
    return {
        "total": total,
        "passed": passed,
        "rate": rate,
        "rate_pct": pct,
        "overridden": overridden,
        "accepted": passed + overridden,
        "accepted_pct": _rate(passed + overridden, total)[1],
        "by_outlet": by_org,
        "by_district": by_district,
    }


def recapture_counts(org_qs, start=None, end=None) -> dict:
    """Recaptures (a check of a person following that person's failed check): the number
    of recapture checks and of distinct persons recaptured, overall, per outlet, per district."""
    qs = _window(org_qs, start, end)
    rows = qs.values("org").annotate(
        checks=Count("id"),
        recaptures=Count("id", filter=Q(recapture=True)),
        persons=Count("person", filter=Q(recapture=True), distinct=True),
    )
    counts = {
        r["org"]: {"checks": r["checks"], "recaptures": r["recaptures"], "persons": r["persons"]}
        for r in rows
    }
    by_org, by_district, tree = _rollup(org_qs, counts, ("checks", "recaptures"))
    # distinct persons do not add up across outlets: count them per district directly
    pairs = set(qs.filter(recapture=True).values_list("org", "person").distinct())
    per_district: dict[int | None, set[int]] = defaultdict(set)
    for org_id, person_id in pairs:
        d = tree.district_of(tree.orgs[org_id])
        per_district[d.pk if d else None].add(person_id)
    for row in by_org:
        row["persons"] = counts.get(row["org_id"], {}).get("persons", 0)
    for row in by_district:
        row["persons"] = len(per_district.get(row["org_id"], ()))
    return {
        "checks": sum(c["checks"] for c in counts.values()),
        "recaptures": sum(c["recaptures"] for c in counts.values()),
        "persons": len({p for _, p in pairs}),
        "by_outlet": by_org,
        "by_district": by_district,
    }
