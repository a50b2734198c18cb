"""Evaluation actions (评估): score a period and store the scorecards; enter a figure by hand.

Both are the city centre's (or the operator's shell's). A run stores one new scorecard per
organisation and marks it current (the previous one stays, not current); it is one action
with one audit row, however many organisations it scores.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.core import actions
from sbk.core.catalogue import Action
from sbk.core.errors import ServiceError
from sbk.orgs.models import OUTLET_KINDS, Organisation, OrgKind

from . import indicators as figures
from .engine import IndicatorError, RulesError, load, load_text, score
from .engine.contract import ENTERABLE, check_value
from .engine.periods import Period, PeriodError
from .errors import EvaluationErrorCode as E
from .models import HandFigure, RulesVersion, Scorecard

DISTRICT, OUTLET = "district", "outlet"


def parse_period(text: str) -> Period:
    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise ServiceError(E.BAD_PERIOD, str(exc), field="period") from None


def method_for(rules: str | None, period: Period, table: str = DISTRICT):
    """The rules named (``builtin:…`` or a path), or the period year's builtin table."""
    try:
        return load(rules or f"builtin:{period.year}-{table}")
    except RulesError as exc:
        raise ServiceError(E.BAD_RULES, str(exc), field="rules") from None


def keep_rules(method) -> RulesVersion:
    version, _ = RulesVersion.objects.get_or_create(
        sha256=method.sha256,
        defaults={"source": method.source, "version": method.version, "text": method.text},
    )
    return version


def score_org(org: Organisation, period: Period, method) -> tuple[dict, dict, dict, dict]:
    """(indicators, sources, details, result) for one organisation — nothing stored."""
    got, sources, details = figures.compute(org, period)
    try:
        result = score(method, got, sources=sources)
    except IndicatorError as exc:
        raise ServiceError(E.BAD_INDICATORS, f"{org.name}：{exc}") from None
    return got, sources, details, result


@actions.atomic
def run_period(
    period: str, *, acting_user, rules: str | None = None, outlets: bool = False
) -> list[Scorecard]:
    """Score every district and service bank (``outlets``: every outlet, by the outlet
    table) for ``period`` and store the scorecards as the current ones."""
    ensure(acting_user, Action.EVALUATION_RUN)
    when = parse_period(period)
    table = OUTLET if outlets else DISTRICT
    method = method_for(rules, when, table)
    version = keep_rules(method)
    orgs = list(figures.subjects(outlets=outlets))
    cards = []
    for org in orgs:
        got, sources, details, result = score_org(org, when, method)
        cards.append(
            Scorecard(
                org=org,
                period=str(when),
                table=table,
                rules=version,
                indicators=got,
                sources=sources,
                details=details,
                result=result,
                total=Decimal(str(result["total"])),
                computed_by=acting_user if getattr(acting_user, "pk", None) else None,
            )
        )
    Scorecard.objects.filter(period=str(when), table=table, current=True).update(current=False)
    Scorecard.objects.bulk_create(cards)
    actions.record(
        Action.EVALUATION_RUN,
        acting_user=acting_user,
        object_type="evaluation.period",
        object_id=str(when),
        after={
            "table": table,
            "rules": method.version,
            "sha256": method.sha256,
            "scorecards": len(cards),
            "warnings": method.warnings,
        },
    )
    return cards


def parse_value(key: str, text):
    """A figure from a form field: JSON (numbers, true/false, lists) or a bare word."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text.strip()


@actions.atomic
def enter_figure(
    org: Organisation, period: str, key: str, value, *, acting_user, note: str = ""
) -> HandFigure:
    """The centre enters (or corrects) one indicator for an organisation and period; the
    next run uses it in place of the computed figure and marks the item as entered by hand.
    ``value`` ``None`` withdraws the entry."""
    ensure(acting_user, Action.EVALUATION_ENTER, org)
    when = parse_period(period)
    if org.kind not in (OrgKind.DISTRICT, OrgKind.BANK, *OUTLET_KINDS):
        raise ServiceError(E.BAD_ORG, f"{org.name} 不是区、服务银行或网点，不参加评估", field="org")
    if key not in ENTERABLE:
        raise ServiceError(
            E.BAD_KEY, f"指标 {key} 不能人工录入（可录入：{'、'.join(ENTERABLE)}）", field="key"
        )
    try:
        check_value(key.rpartition(".")[2], value, key)
    except IndicatorError as exc:
        raise ServiceError(E.BAD_INDICATORS, str(exc), field="value") from None
    existing = HandFigure.objects.filter(org=org, period=str(when), key=key).first()
    before = {"value": existing.value, "note": existing.note} if existing else None
    if value is None:
        if existing:
            existing.delete()
        figure = existing or HandFigure(org=org, period=str(when), key=key, value=None)
    else:
        figure, _ = HandFigure.objects.update_or_create(
            org=org,
            period=str(when),
            key=key,
            defaults={
                "value": value,
                "note": note,
                "entered_at": timezone.now(),
                "entered_by": acting_user if getattr(acting_user, "pk", None) else None,
            },
        )
    actions.record(
        Action.EVALUATION_ENTER,
        acting_user=acting_user,
        obj=org,
        before=before,
        after={"period": str(when), "key": key, "value": value, "note": note},
        reason=note,
    )
    return figure


def reproduce(card: Scorecard) -> dict:
    """The scorecard computed again from what it stored (its rules text and indicators)."""
    method = load_text(card.rules.text, source=card.rules.source)
    return score(method, card.indicators, sources=card.sources)
