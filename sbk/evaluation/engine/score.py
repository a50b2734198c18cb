"""Scoring one organisation's indicators with a method: every item, every point explained.

``score(method, indicators, sources=…)`` gives the full trace (each part's inputs, the rule
that fired and its points; which inputs were entered by hand); ``contract_view`` cuts it
to the script contract's shape. No item goes below 0 or above its maximum.
"""

from __future__ import annotations

from fractions import Fraction

from . import contract
from . import values as v
from .method import Method
from .shapes import SHAPES, IndicatorError, pts

HAND = "hand"  # the source of a figure the centre entered by hand

__all__ = ["HAND", "IndicatorError", "contract_view", "score"]


def _points(x: Fraction) -> float:
    return round(float(x), 2)


def score_item(item: dict, indicators: dict, org: str, sources: dict) -> dict:
    top = v.exact(item["max"])
    start = top if item.get("start") == "max" else Fraction(0)
    parts = [SHAPES[p["shape"]][0](p, indicators, org) for p in item["parts"]]
    raw = start + sum((p.points for p in parts), Fraction(0))
    points = min(max(raw, Fraction(0)), top)
    text = "；".join(p.explain for p in parts)
    if item.get("start") == "max":
        text = f"满分 {pts(top)} 分：{text}"
    if raw < 0:
        text += f"；合计 {pts(raw)} 分，本项不低于 0 分"
    elif raw > top:
        text += f"；合计 {pts(raw)} 分，本项最多 {pts(top)} 分"
    inputs = {k: val for p in parts for k, val in p.inputs.items()}
    hand = sorted(
        k for k in inputs if sources.get(k) == HAND or sources.get(k.split(".")[0]) == HAND
    )
    if hand:
        text += f"（人工录入：{'、'.join(hand)}）"
    return {
        "item": item["code"],
        "label": item.get("label", item["code"]),
        "max": _points(top),
        "points": _points(points),
        "explain": text,
        "hand_entered": hand,
        "missing": sorted({m for p in parts for m in p.missing}),
        "parts": [
            {
                "label": p.label,
                "points": _points(p.points),
                "rule": p.rule,
                "explain": p.explain,
                "inputs": {
                    k: v.number(v.exact(x)) if not isinstance(x, (list, dict)) else x
                    for k, x in p.inputs.items()
                },
            }
            for p in parts
        ],
    }


def score(method: Method, indicators: dict, *, sources: dict | None = None) -> dict:
    """The scorecard of one organisation (its code in ``indicators["district"]``)."""
    unknown = contract.check(indicators)
    org = indicators.get("district") or ""
    items = [score_item(i, indicators, org, sources or {}) for i in method.items]
    warnings = list(method.warnings)
    if unknown:
        warnings.append(f"指标文件中有未知字段（未使用）：{'、'.join(unknown)}")
    absent = list(dict.fromkeys(m for i in items for m in i["missing"]))
    if absent:
        warnings.append(f"以下指标未记录，相关规则按无记录计分：{'、'.join(absent)}")
    return {
        "rules": method.source,
        "version": method.version,
        "sha256": method.sha256,
        "district": org,
        "total": round(sum(i["points"] for i in items), 2),
        "max_total": round(sum(i["max"] for i in items), 2),
        "items": items,
        "warnings": warnings,
    }


def contract_view(result: dict) -> dict:
    """``{"total", "items": [{"item", "max", "points", "explain"}], "warnings"}``."""
    return {
        "total": result["total"],
        "items": [{k: i[k] for k in ("item", "max", "points", "explain")} for i in result["items"]],
        "warnings": result["warnings"],
    }
