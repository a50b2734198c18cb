"""The rule shapes (规则形态): each turns one part of an item into points and says why.

- ``rate_steps``: a pass rate below 100 % costs ``per_step`` for every *started*
  ``step_pp`` percentage points of deficit (材料合规, 照片合格率);
- ``per_event``: ``points`` per ``every`` events, at most ``cap`` in all, on top of a
  ``base`` (差错、投诉、快讯、故障、上缴、账实不符), optionally per organisation code
  (``by_org``: 浦东新区 −2.5 per complaint);
- ``tiers``: the first threshold met gives its points, else ``otherwise``; ``zero_when``
  voids it (考核均分 when any exam's participation is below 95 %);
- ``assessed``: a value the centre assessed, kept within [0, max] (专项、特色).

An item is the capped sum of its parts (``score``). Every shape returns a ``Part``: the
points it adds (negative for a deduction), the inputs it read, the rule that fired and a
sentence in Chinese.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from . import values as v


class IndicatorError(ValueError):
    """An indicators file that contradicts itself (more passed than sampled, …)."""


@dataclass
class Part:
    label: str
    points: Fraction
    rule: str
    explain: str
    inputs: dict = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def pts(x) -> str:
    """Points as the bulletin prints them: 2, 1.5, 2.5."""
    x = Fraction(x)
    return str(int(x)) if x.denominator == 1 else f"{float(x):g}"


def pct(x: Fraction) -> str:
    return f"{float(x * 100):.2f}%"


def _inputs(part: dict, indicators: dict, keys: list[str]) -> tuple[dict, list[str]]:
    got = {k: v.lookup(indicators, k) for k in keys}
    return got, [k for k, val in got.items() if val is None]


# ------------------------------------------------------------------ rate with steps
def rate_steps(part: dict, indicators: dict, org: str) -> Part:
    label = part["label"]
    key = "passed" if "passed" in part else "failed"
    inputs, missing = _inputs(part, indicators, [part[key], part["of"]])
    count, total = v.exact(inputs[part[key]]), v.exact(inputs[part["of"]])
    step, per = v.exact(part["step_pp"]), v.exact(part["per_step"])
    rule = f"每低 {pts(step)} 个百分点（不足 {pts(step)} 按 {pts(step)} 计）扣 {pts(per)} 分"
    if missing or total == 0:
        why = "未记录" if missing else "无记录"
        return Part(label, Fraction(0), rule, f"{label}{why}，不扣分", inputs, missing)
    if count < 0 or total < 0 or count > total:
        raise IndicatorError(f"{part[key]}（{inputs[part[key]]}）应在 0 与 {part['of']} 之间")
    rate = count / total if key == "passed" else 1 - count / total
    deficit = (1 - rate) * 100
    steps = math.ceil(deficit / step)
    lost = steps * per
    what = f"{label} {pct(rate)}（{inputs[part['of']]} 中{part.get('noun', '')}{count}）"
    if steps == 0:
        return Part(label, Fraction(0), rule, f"{what}，不扣分", inputs)
    text = f"{what}，低于 100% {float(deficit):.2f} 个百分点，{rule}，扣 {pts(lost)} 分"
    return Part(label, -lost, rule, text, inputs)


def rate_steps_max(part: dict) -> Fraction:
    return Fraction(0)


# ------------------------------------------------------------------ events with a cap
def per_event(part: dict, indicators: dict, org: str) -> Part:
    label, unit = part["label"], part.get("unit", "次")
    keys = v.fields_of(part["count"])
    inputs, _ = _inputs(part, indicators, keys)
    got = v.evaluate(part["count"], indicators)
    missing = keys if got is None else []
    n = Fraction(0) if got is None else got
    if n < 0:
        raise IndicatorError(f"{'、'.join(keys)} 不能为负数")
    points = v.exact(part.get("by_org", {}).get(org, part["points"]))
    every = v.exact(part.get("every", 1))
    base = v.exact(part.get("base", 0))
    cap = v.exact(part["cap"]) if part.get("cap") is not None else None
    raw = math.floor(n / every) * abs(points)
    capped = min(raw, cap) if cap is not None else raw
    sign = 1 if points > 0 else -1
    verb = "得" if sign > 0 else "扣"
    rule = (
        f"每 {pts(every)} {unit}{verb} {pts(abs(points))} 分"
        if every != 1
        else (f"每{unit}{verb} {pts(abs(points))} 分")
    )
    if cap is not None:
        rule += f"（最多{verb} {pts(cap)} 分）"
    if base:
        rule = f"基础 {pts(base)} 分，{rule}"
    if org in part.get("by_org", {}):
        rule += f"（{org} 按 {pts(abs(points))} 分计）"
    count = f"{label} {v.number(n)} {unit}" + ("（未记录，按 0 计）" if missing else "")
    delta = base + sign * capped
    text = (
        f"{count}，{rule}，{verb} {pts(capped)} 分"
        if not base
        else (f"{count}，{rule}，得 {pts(delta)} 分")
    )
    return Part(label, delta, rule, text, inputs, missing)


def per_event_max(part: dict) -> Fraction | None:
    base = v.exact(part.get("base", 0))
    points = v.exact(part["points"])
    if points < 0:
        return base
    if part.get("cap") is None:
        return None  # unbounded: only the item's maximum limits it
    return base + v.exact(part["cap"])


# ------------------------------------------------------------------ tiers
def _shown(x, part: dict) -> str:
    if x is None:
        return "未记录"
    if isinstance(x, bool):
        return "是" if x else "否"
    if isinstance(x, str):
        return part.get("names", {}).get(x, x)
    if part.get("percent"):
        return pct(x)
    return pts(x) if x.denominator == 1 or x.denominator in (2, 4, 5, 10) else f"{float(x):.2f}"


def _threshold(tier: dict, part: dict) -> str:
    value = tier["value"]
    if part.get("percent") and not isinstance(value, (bool, str)):
        value = pct(v.exact(value))
    elif isinstance(value, bool):
        value = "是" if value else "否"
    elif isinstance(value, str):
        return part.get("names", {}).get(value, value)
    return f"{v.OP_WORDS[tier['op']]} {value}"


def tiers(part: dict, indicators: dict, org: str) -> Part:
    label = part["label"]
    keys = v.fields_of(part["value"])
    inputs, _ = _inputs(part, indicators, keys)
    value = v.evaluate(part["value"], indicators)
    missing = keys if value is None and any(inputs[k] is None for k in keys) else []
    otherwise = v.exact(part.get("otherwise", 0))
    fired = next((t for t in part["tiers"] if v.meets(value, t)), None)
    points = v.exact(fired["points"]) if fired else otherwise
    verb = f"扣 {pts(-points)} 分" if points < 0 else f"计 {pts(points)} 分"
    rule = (
        f"{_threshold(fired, part)}，{verb}"
        if fired
        else (f"未达 {_threshold(part['tiers'][-1], part)}，计 {pts(otherwise)} 分")
    )
    void = part.get("zero_when")
    if void and fired and v.evaluate(void, indicators):
        inputs.update({k: v.lookup(indicators, k) for k in v.fields_of(void)})
        rule = f"{void['label']}，计 0 分"
        points = Fraction(0)
    text = f"{label} {_shown(value, part)}，{rule}"
    return Part(label, points, rule, text, inputs, missing)


def tiers_max(part: dict) -> Fraction:
    return max([v.exact(t["points"]) for t in part["tiers"]] + [v.exact(part.get("otherwise", 0))])


# ------------------------------------------------------------------ assessed
def assessed(part: dict, indicators: dict, org: str) -> Part:
    label, top = part["label"], v.exact(part["max"])
    inputs, missing = _inputs(part, indicators, [part["value"]])
    got = v.exact(inputs[part["value"]])
    rule = f"由市卡中心评定，最多 {pts(top)} 分"
    if got is None:
        return Part(label, Fraction(0), rule, f"{label}未评定，计 0 分", inputs, missing)
    points = min(max(got, Fraction(0)), top)
    note = "（超出范围，按 0 至上限计）" if points != got else ""
    return Part(label, points, rule, f"{label}评定 {pts(got)} 分{note}，{rule}", inputs)


def assessed_max(part: dict) -> Fraction:
    return v.exact(part["max"])


SHAPES = {
    "rate_steps": (rate_steps, rate_steps_max, ("of", "step_pp", "per_step")),
    "per_event": (per_event, per_event_max, ("count", "points")),
    "tiers": (tiers, tiers_max, ("value", "tiers")),
    "assessed": (assessed, assessed_max, ("value", "max")),
}
