"""The indicators file computed from the records (评估指标取数), read-only.

Where each figure comes from:

- operations records (complaints, trainings, exams, equipment, information reports,
  material sampling, the centre's assessments): ``sbk.operations.queries.indicators``;
- ``photos_collected`` / ``photos_recaptured``: photo checks where the photo was collected
  (the organisation's subtree; a bank: its outlets), operator overrides counted apart;
- ``late_returns`` / ``ledger_mismatches`` / ``poor_rectification``: the stock ledger's
  evaluation figures (``sbk.stock.queries.evaluation_figures``);
- the canteen campaign's coverage and average discounts (``sbk.usage``) are shown beside the
  assessed canteen points (the seed gives no thresholds to compute them from);
- a figure the centre entered by hand for the organisation and period replaces the
  computed one; both are kept in the details and the scorecard marks it.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from sbk.operations.queries import indicators as operations_indicators
from sbk.orgs.models import OUTLET_KINDS, Organisation, OrgKind
from sbk.photos.models import PhotoCheck
from sbk.stock.queries import evaluation_figures
from sbk.usage.queries import campaign_figures

from .engine.contract import KEYS, SPECIAL
from .engine.periods import Period
from .engine.score import HAND
from .models import HandFigure

OPERATIONS, PHOTOS, STOCK = "records:operations", "records:photos", "records:stock"
SUBJECT_KINDS = (OrgKind.DISTRICT, OrgKind.BANK)


def subjects(*, outlets: bool = False):
    """Who is scored: every district and service bank (or every outlet), in code order."""
    kinds = OUTLET_KINDS if outlets else SUBJECT_KINDS
    return Organisation.objects.filter(kind__in=kinds, active=True).order_by("kind", "code")


def _members(org: Organisation):
    """The organisations whose records count for ``org``: its subtree; a bank's outlets."""
    if org.kind == OrgKind.BANK:
        return Organisation.objects.filter(Q(pk=org.pk) | Q(bank=org))
    return Organisation.objects.filter(path__startswith=org.path)


def photos(org: Organisation, start: dt.date, end: dt.date) -> tuple[dict, dict]:
    checks = PhotoCheck.objects.filter(
        org__in=_members(org), at__date__gte=start, at__date__lte=end
    )
    figures = {
        "photos_collected": checks.count(),
        "photos_recaptured": checks.filter(recapture=True).count(),
    }
    # An operator's override (accepting a photo the checker refused) is counted apart so
    # the trace shows it.
    details = {"photos_overridden": checks.filter(overridden=True).count()}
    return figures, details


def stock(org: Organisation, start: dt.date, end: dt.date) -> tuple[dict, dict]:
    # A district or outlet: its subtree (a path prefix); a bank: each of its outlets.
    places = list(org.bank_outlets.all()) if org.kind == OrgKind.BANK else [org]
    late = mismatches = poor = 0
    details = {}
    for place in places:
        got = evaluation_figures(place, start, end)
        late += got["late_returns"] + got["irregular_returns"]
        mismatches += got["mismatches"] + got["missed_closes"]
        poor += got["poor_rectification"]
        details[place.code] = got["details"]
    figures = {
        "late_returns": late,
        "ledger_mismatches": mismatches,
        "poor_rectification": poor > 0,
    }
    return figures, details


def compute(org: Organisation, period: Period) -> tuple[dict, dict, dict]:
    """(indicators, sources, details) for ``org`` over ``period`` (year to date)."""
    start, end = period.start, period.end
    indicators: dict = {k: None for k in KEYS}
    indicators["district"] = org.division_code if org.kind == OrgKind.DISTRICT else org.code
    indicators["special_work"] = {s: None for s in SPECIAL}
    sources: dict = {}
    details: dict = {}

    for key, value in (operations_indicators(org, start, end) or {}).items():
        if key == "special_work" and isinstance(value, dict):
            for sub, got in value.items():
                if sub in SPECIAL and got is not None:
                    indicators["special_work"][sub] = got
                    sources[f"special_work.{sub}"] = OPERATIONS
        elif key in KEYS and key != "district" and value is not None:
            indicators[key] = value
            sources[key] = OPERATIONS

    for name, (figures, more) in (
        (PHOTOS, photos(org, start, end)),
        (STOCK, stock(org, start, end)),
    ):
        indicators.update(figures)
        sources.update({k: name for k in figures})
        details[name] = more

    if org.kind == OrgKind.DISTRICT:
        got = campaign_figures(org, start, end) or {}
        details["canteen"] = {
            k: got.get(k) for k in ("canteen_coverage", "average_discount") if k in got
        }

    hand = {}
    for figure in HandFigure.objects.filter(org=org, period=str(period)).select_related(
        "entered_by"
    ):
        top, _, sub = figure.key.partition(".")
        computed = indicators[top][sub] if sub else indicators[figure.key]
        if sub:
            indicators[top][sub] = figure.value
        else:
            indicators[figure.key] = figure.value
        sources[figure.key] = HAND
        hand[figure.key] = {
            "value": figure.value,
            "computed": computed,
            "note": figure.note,
            "by": getattr(figure.entered_by, "username", ""),
            "at": figure.entered_at.isoformat(),
        }
    if hand:
        details["hand"] = hand
    return indicators, sources, details
