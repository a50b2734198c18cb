"""Reading the evaluation: the bulletin's figures, a method compared with another.

Both read stored scorecards (and, for a method comparison with none stored, the records);
neither writes. The bulletin is the centre's (and the auditor's): districts and banks see
their own figures only as the centre sends the bulletin to them.
"""

from __future__ import annotations

from sbk.accounts.policy import AUDITOR, CITY, role_of
from sbk.core.errors import Forbidden, ServiceError
from sbk.orgs.models import OrgKind

from . import indicators as figures
from .engine import score
from .engine.periods import Period
from .errors import EvaluationErrorCode as E
from .models import Scorecard
from .services import DISTRICT, OUTLET, method_for, parse_period

KIND_LABELS = {OrgKind.DISTRICT: "区", OrgKind.BANK: "服务银行"}


def ensure_reader(user) -> None:
    if role_of(user) not in (CITY, AUDITOR):
        raise Forbidden("评估通报仅市卡中心与审计员可查看")


def current(period: Period | str, table: str = DISTRICT) -> list[Scorecard]:
    return list(
        Scorecard.objects.filter(period=str(period), table=table, current=True)
        .select_related("org", "rules")
        .order_by("-total", "org__code")
    )


def latest_period(table: str = DISTRICT) -> str | None:
    periods = Scorecard.objects.filter(table=table, current=True).values_list("period", flat=True)
    return max(periods, key=Period.parse, default=None)


def _change(now: float, before: float | None) -> float | None:
    return None if before is None else round(now - before, 2)


def bulletin(period_text: str, table: str = DISTRICT) -> dict:
    """每季度通报: the ranking (districts, then banks), each item's points, explanation and
    change from the previous period, and each item's trend over the year's quarters."""
    period = parse_period(period_text)
    cards = current(period, table)
    if not cards:
        raise ServiceError(E.NO_SCORECARDS, f"{period.label}尚未计算评估得分（sbk evaluate run）")
    before = {c.org_id: c for c in current(period.previous(), table)}
    first = cards[0].result
    items = [(i["item"], i["label"], i["max"]) for i in first["items"]]
    groups: dict[str, list] = {}
    for card in cards:
        kind = card.org.kind if table == DISTRICT else OUTLET
        old = before.get(card.org_id)
        old_items = {i["item"]: i["points"] for i in old.result["items"]} if old else {}
        rows = groups.setdefault(kind, [])
        rows.append(
            {
                "rank": len(rows) + 1,
                "org": card.org,
                "total": float(card.total),
                "change": _change(float(card.total), float(old.total) if old else None),
                "hand": any(i["hand_entered"] for i in card.result["items"]),
                "items": [
                    {**i, "change": _change(i["points"], old_items.get(i["item"]))}
                    for i in card.result["items"]
                ],
                "card": card,
                # the usage app's campaign figures, beside the assessed canteen points
                "canteen": {
                    k: v for k, v in card.details.get("canteen", {}).items() if v is not None
                },
            }
        )
    trend = {code: [] for code, _, _ in items}
    quarters = period.quarters_so_far() if period.quarter else [period]
    for q in quarters:
        got = cards if q == period else current(q, table)
        for code in trend:
            points = [i["points"] for c in got for i in c.result["items"] if i["item"] == code]
            trend[code].append(round(sum(points) / len(points), 2) if points else None)
    sections = [
        (KIND_LABELS.get(kind, "网点"), rows)
        for kind, rows in sorted(groups.items(), key=lambda kv: kv[0] != OrgKind.DISTRICT)
    ]
    return {
        "period": period,
        "previous": period.previous(),
        "table": table,
        "title": f"{period.label}社会保障卡工作评估通报",
        "rules": cards[0].rules,
        "warnings": first["warnings"],
        "items": items,
        "sections": sections,
        "quarters": [str(q) for q in quarters],
        "trend": trend,
    }


def diff(rules_a: str, rules_b: str, period_text: str) -> list[dict]:
    """What method B would change against method A for every district and bank (or every
    outlet, when A is an outlet table): the stored indicators of the period where there
    are, else the records'."""
    period = parse_period(period_text)
    a = method_for(rules_a, period)
    b = method_for(rules_b, period)
    table = OUTLET if a.table == OUTLET else DISTRICT
    stored = {c.org_id: c for c in current(period, table)}
    out = []
    for org in figures.subjects(outlets=table == OUTLET):
        card = stored.get(org.pk)
        if card is not None:
            got, sources = card.indicators, card.sources
        else:
            got, sources, _ = figures.compute(org, period)
        one, two = score(a, got, sources=sources), score(b, got, sources=sources)
        second = {i["item"]: i for i in two["items"]}
        changes = []
        for item in one["items"]:
            other = second.pop(item["item"], None)
            if other is None or other["points"] != item["points"] or other["max"] != item["max"]:
                changes.append(
                    {
                        "item": item["item"],
                        "a": item["points"],
                        "b": other["points"] if other else None,
                        "explain_b": other["explain"] if other else "（B 中无此项）",
                    }
                )
        changes += [
            {"item": code, "a": None, "b": i["points"], "explain_b": i["explain"]}
            for code, i in second.items()
        ]
        out.append(
            {
                "org": org.code,
                "name": org.name,
                "a": one["total"],
                "b": two["total"],
                "change": round(two["total"] - one["total"], 2),
                "items": changes,
                "from": "stored" if card is not None else "records",
            }
        )
    return out
