"""Reading a figure out of an indicators file, as a rules file names it.

A value spec is one of:

- ``"field"`` or ``"group.field"``: the figure itself (``special_work.promotion``);
- ``{"sum": ["a", "b"]}``: figures added up;
- ``{"count": "list", "where": [cond, …]}``: entries of a list meeting every condition;
- ``{"ratio": ["numerator", "denominator"]}``: a share (none when the denominator is 0);
- ``{"mean": "list", "key": "k"}``: the mean of a key over a list (none when it is empty).

A condition is ``{"key": k, "op": ">=", "value": v}`` (ops ``>= > <= < == !=``).
Numbers are compared exactly (``fractions.Fraction`` of their decimal text), so that a
coverage of 0.3 meets "≥ 30 %" and a rate 0.1 pp below 100 is not 0.0999… .

``MISSING`` marks a figure that nobody recorded (``None`` in the file, or no key).
"""

from __future__ import annotations

import operator
from fractions import Fraction
from typing import Any

MISSING = None
OPS = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
OP_WORDS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}


class SpecError(ValueError):
    """A value spec or condition a rules file may not contain."""


def exact(x: Any) -> Any:
    """Numbers as exact fractions (bools and strings stay what they are)."""
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int):
        return Fraction(x)
    if isinstance(x, float):
        return Fraction(repr(x))
    if isinstance(x, Fraction):
        return x
    raise SpecError(f"不是数值：{x!r}")


def lookup(indicators: dict, path: str) -> Any:
    node: Any = indicators
    for part in path.split("."):
        if not isinstance(node, dict) or node.get(part) is None:
            return MISSING
        node = node[part]
    return node


def fields_of(spec) -> list[str]:
    """The indicator keys a spec reads (for the trace and the hand-entered marks)."""
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, list):
        return [f for s in spec for f in fields_of(s)]
    if isinstance(spec, dict):
        for kind in ("sum", "ratio"):
            if kind in spec:
                return list(spec[kind])
        for kind in ("count", "mean", "any"):
            if kind in spec:
                return [spec[kind]]
    raise SpecError(f"无法识别的取值方式：{spec!r}")


def check_spec(spec) -> None:
    """Refuse a malformed spec when the rules file is loaded, not when it is applied."""
    if isinstance(spec, str):
        return
    if isinstance(spec, list) and spec and all(isinstance(s, str) for s in spec):
        return
    if not isinstance(spec, dict):
        raise SpecError(f"无法识别的取值方式：{spec!r}")
    if "sum" in spec and isinstance(spec["sum"], list):
        return
    if "ratio" in spec and isinstance(spec["ratio"], list) and len(spec["ratio"]) == 2:
        return
    if "mean" in spec and isinstance(spec.get("key"), str):
        return
    if "count" in spec or "any" in spec:
        for cond in spec.get("where", []):
            check_condition(cond)
        return
    raise SpecError(f"无法识别的取值方式：{spec!r}")


def check_condition(cond) -> None:
    if not isinstance(cond, dict) or cond.get("op") not in OPS or "value" not in cond:
        raise SpecError(f"条件应为 {{key, op, value}}，op 取 {'/'.join(OPS)}：{cond!r}")


def meets(value, cond: dict) -> bool:
    if value is None:
        return False
    return bool(OPS[cond["op"]](exact(value), exact(cond["value"])))


def _entries(indicators: dict, name: str) -> list[dict] | None:
    got = lookup(indicators, name)
    if got is MISSING:
        return None
    return [e for e in got if isinstance(e, dict)]


def evaluate(spec, indicators: dict):
    """The spec's value (an exact number, a bool, a string) or ``MISSING``."""
    if isinstance(spec, str):
        return exact(lookup(indicators, spec))
    if isinstance(spec, list):
        spec = {"sum": spec}
    if "sum" in spec:
        got = [lookup(indicators, f) for f in spec["sum"]]
        if all(g is MISSING for g in got):
            return MISSING
        return sum((exact(g) for g in got if g is not MISSING), Fraction(0))
    if "ratio" in spec:
        top, bottom = (exact(lookup(indicators, f)) for f in spec["ratio"])
        if top is MISSING or bottom is MISSING or bottom == 0:
            return MISSING
        return top / bottom
    if "mean" in spec:
        entries = _entries(indicators, spec["mean"])
        values = [exact(e.get(spec["key"])) for e in entries or []]
        values = [v for v in values if v is not None]
        return sum(values, Fraction(0)) / len(values) if values else MISSING
    name = spec.get("count", spec.get("any"))
    entries = _entries(indicators, name)
    if entries is None:
        return MISSING
    hits = [e for e in entries if all(meets(e.get(c["key"]), c) for c in spec.get("where", []))]
    return Fraction(len(hits)) if "count" in spec else bool(hits)


def number(x) -> float | int | bool | str | None:
    """A value as it is shown and stored (fractions become plain numbers)."""
    if isinstance(x, Fraction):
        return int(x) if x.denominator == 1 else round(float(x), 6)
    return x


def describe(cond: dict) -> str:
    value = cond["value"]
    if isinstance(value, bool):
        value = "是" if value else "否"
    return f"{cond['key']} {OP_WORDS[cond['op']]} {value}"
