"""A rules file (评估办法) loaded: its items, their parts, and its inconsistencies.

The file is JSON::

    {"name": "2026-district", "version": 1, "year": 2026, "table": "district",
     "title": "…", "groups": [{"code", "label", "max", "items": [codes]}],
     "items": [{"code", "label", "max", "start": "max"|0, "parts": [{"shape", "label", …}]}]}

``start: "max"`` items begin full and lose points (deductions); the others begin at 0 and
collect them. Loading checks the shapes and their parameters (a bad file is refused with
the item named) and *reports* — without correcting — every declared maximum that differs
from what its members add up to: a group's maximum against its items', an item's against
its parts' (for items that collect points). The seed's 2026 method has three.

``builtin:NAME`` names a file shipped in ``sbk/evaluation/rules/``; anything else is a path.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from . import values as v
from .shapes import SHAPES, pts

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "rules"
BUILTIN = "builtin:"


class RulesError(ValueError):
    """A rules file that cannot be used (named item, named rule)."""


@dataclass
class Method:
    name: str
    version: str
    year: int
    table: str
    title: str
    items: list[dict]
    groups: list[dict]
    source: str  # "builtin:2026-district" or the path it was read from
    text: str  # the file itself, kept with every scorecard that used it
    sha256: str
    warnings: list[str] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return [i["code"] for i in self.items]

    def item(self, code: str) -> dict:
        return next(i for i in self.items if i["code"] == code)


def builtin_names() -> list[str]:
    return sorted(BUILTIN + p.stem for p in BUILTIN_DIR.glob("*.json"))


def load(name: str) -> Method:
    """A builtin (``builtin:2026-district``) or a file path."""
    if name.startswith(BUILTIN):
        path = BUILTIN_DIR / f"{name[len(BUILTIN) :]}.json"
        if not path.is_file() or path.parent != BUILTIN_DIR:
            known = "、".join(builtin_names())
            raise RulesError(f"没有内置评估规则 {name}（现有：{known}）")
    else:
        path = Path(name)
        if not path.is_file():
            raise RulesError(f"评估规则文件不存在：{name}")
    return load_text(path.read_text(encoding="utf-8"), source=name)


def load_text(text: str, *, source: str = "") -> Method:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RulesError(f"评估规则不是合法的 JSON：{exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list) or not data["items"]:
        raise RulesError("评估规则应含非空的 items 列表")
    for key in ("name", "year", "table"):
        if key not in data:
            raise RulesError(f"评估规则缺少 {key}")
    codes = []
    for item in data["items"]:
        _check_item(item)
        if item["code"] in codes:
            raise RulesError(f"评估项目 {item['code']} 重复")
        codes.append(item["code"])
    groups = data.get("groups", [])
    for g in groups:
        unknown = [c for c in g.get("items", []) if c not in codes]
        if unknown or "max" not in g:
            raise RulesError(f"分类 {g.get('code')} 缺少 max 或含未知项目 {unknown}")
    method = Method(
        name=str(data["name"]),
        version=f"{data['name']}/{data.get('version', 1)}",
        year=int(data["year"]),
        table=str(data["table"]),
        title=str(data.get("title", data["name"])),
        items=data["items"],
        groups=groups,
        source=source,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
    method.warnings = inconsistencies(method)
    return method


def _check_item(item) -> None:
    if not isinstance(item, dict) or not item.get("code") or "max" not in item:
        raise RulesError(f"评估项目应含 code 与 max：{item!r}")
    code = item["code"]
    top = item["max"]
    if not isinstance(top, (int, float)) or isinstance(top, bool) or top < 0:
        raise RulesError(f"评估项目 {code} 的 max 应为非负数值")
    if item.get("start", 0) not in ("max", 0):
        raise RulesError(f'评估项目 {code} 的 start 应为 "max" 或 0')
    parts = item.get("parts")
    if not isinstance(parts, list) or not parts:
        raise RulesError(f"评估项目 {code} 没有计分规则（parts）")
    for n, part in enumerate(parts, 1):
        shape = SHAPES.get(part.get("shape")) if isinstance(part, dict) else None
        where = f"评估项目 {code} 第 {n} 条规则"
        if shape is None:
            raise RulesError(f"{where}：未知形态 {part!r}（可用：{'、'.join(SHAPES)}）")
        absent = [p for p in (*shape[2], "label") if p not in part]
        if absent:
            raise RulesError(f"{where}（{part['shape']}）缺少参数 {'、'.join(absent)}")
        try:
            for key in ("count", "value"):
                if key in part:
                    v.check_spec(part[key])
            for cond in part.get("tiers", []):
                v.check_condition(cond)
                v.exact(cond.get("points"))
            if "zero_when" in part:
                v.check_spec(part["zero_when"])
        except (v.SpecError, TypeError) as exc:
            raise RulesError(f"{where}：{exc}") from None


def part_max(part: dict) -> Fraction | None:
    return SHAPES[part["shape"]][1](part)


def inconsistencies(method: Method) -> list[str]:
    """Declared maxima that differ from the sums of their members (reported, not fixed)."""
    out = []
    for g in method.groups:
        summed = sum((v.exact(method.item(c)["max"]) for c in g["items"]), Fraction(0))
        if summed != v.exact(g["max"]):
            out.append(
                f"{g.get('label', g['code'])}：声明满分 {pts(v.exact(g['max']))} 分，"
                f"所含项目满分合计 {pts(summed)} 分"
            )
    for item in method.items:
        if item.get("start") == "max":
            continue
        maxima = [part_max(p) for p in item["parts"]]
        if any(m is None for m in maxima):
            continue  # an unbounded part: the item's maximum is what limits it
        summed = sum(maxima, Fraction(0))
        if summed != v.exact(item["max"]):
            out.append(
                f"{item.get('label', item['code'])}：声明满分 {pts(v.exact(item['max']))} 分，"
                f"各子项满分合计 {pts(summed)} 分"
            )
    return out
