"""Consistency checks before submission (报送前一致性检查), pure. No Django import.

Each failure names the row and the rule. ``blocking`` ones stop a submission: totals that
are not the sum of the rows, categories that do not add up, activated above holders,
coverage above 100 %, and a cumulative figure below last period's without an explanation
(the centre enters one per row: ``Entry(column="explanation")``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Finding:
    code: str
    row: str
    message: str
    blocking: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


def _decreases(rows, previous: dict[str, int], explanations: dict[str, str], value) -> list:
    out = []
    for r in rows:
        before = previous.get(r["code"])
        now = value(r)
        if before is not None and now < before:
            why = explanations.get(r["code"], "").strip()
            out.append(
                Finding(
                    "below_last_period",
                    r["code"],
                    f"{r['region']}累计持卡人数 {now} 低于上期 {before}"
                    + (f"（说明：{why}）" if why else "，须填写说明"),
                    blocking=not why,
                )
            )
    return out


def check(table: int, figures: dict, previous: dict[str, int], explanations: dict) -> list[Finding]:
    """``previous``: last period's cumulative holders per row code."""
    found: list[Finding] = []
    rows = figures.get("rows", [])
    if table == 0:
        if figures["total"]["holders"] != sum(r["holders"] for r in rows):
            found.append(Finding("total_sum", "", "合计不等于各行之和"))
        found += _decreases(rows, previous, explanations, lambda r: r["holders"])
    elif table == 1:
        for r in [*rows, figures["total"]]:
            h = r["holders"]
            if h["total"] != h["employee"] + h["resident"] + h["other"]:
                found.append(
                    Finding("category_sum", r["code"], f"{r['region']}：各人员类别之和不等于总数")
                )
        for k in ("total", "employee", "resident", "other"):
            if figures["total"]["holders"][k] != sum(r["holders"][k] for r in rows):
                found.append(Finding("total_sum", "", f"全省 {k} 不等于各地市之和"))
        found += _decreases(rows, previous, explanations, lambda r: r["holders"]["total"])
    elif table == 2:
        for r in [*rows, figures["total"]]:
            for key, label in (
                ("open_rate", "应用目录开通率"),
                ("payer_coverage", "持卡缴费人群覆盖率"),
                ("benefit_coverage", "持卡领取待遇人群覆盖率"),
            ):
                if r.get(key) is not None and Decimal(r[key]) > 100:
                    found.append(Finding("over_100", r["code"], f"{r['region']}：{label}超过 100%"))
    elif table == 4:
        for r in rows:
            if r["activated"] > r["holders"]:
                found.append(
                    Finding(
                        "activated_over_holders",
                        str(r["bank"]),
                        f"{r['bank_name']}：已激活金融功能人数大于具有金融功能的持卡人数",
                    )
                )
        for k in ("holders", "activated", "other"):
            if figures["total"][k] != sum(r[k] for r in rows):
                found.append(Finding("total_sum", "", f"合计 {k} 不等于各银行之和"))
        found += _decreases(
            [{**r, "code": str(r["bank"]), "region": r["bank_name"]} for r in rows],
            previous,
            explanations,
            lambda r: r["holders"],
        )
    return found


def previous_values(table: int, figures: dict) -> dict[str, int]:
    """The per-row cumulative figure a later period is compared with."""
    rows = figures.get("rows", [])
    if table == 0:
        return {r["code"]: r["holders"] for r in rows}
    if table == 1:
        return {r["code"]: r["holders"]["total"] for r in rows}
    if table == 4:
        return {str(r["bank"]): r["holders"] for r in rows}
    return {}


def changes(old: dict, new: dict, path: str = "") -> list[dict]:
    """What differs between two stored versions: [{"path", "old", "new"}]."""
    out = []
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            out += changes(old.get(key), new.get(key), f"{path}.{key}" if path else str(key))
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            label = b.get("code", b.get("bank", i)) if isinstance(b, dict) else i
            out += changes(a, b, f"{path}[{label}]")
    elif old != new:
        out.append({"path": path, "old": old, "new": new})
    return out
