"""The indicators file (评估指标文件) of the script contract, checked field by field.

Every figure may be ``null`` (or absent): nobody recorded it. A present figure must have
its type; a wrong one is refused with the field named, so a typo never scores as zero.
Shares (``outlet_coverage``, ``participation``) are fractions in [0, 1]; the questionnaire
and exam averages are marks out of 100.
"""

from __future__ import annotations

from .shapes import IndicatorError

COUNTS = (
    "materials_sampled",
    "materials_passed",
    "business_errors",
    "photos_collected",
    "photos_recaptured",
    "liable_complaints",
    "verified_bad_reviews",
    "special_briefings",
    "flash_reports_adopted",
    "bank_cross_trainings",
    "tutors_last_year",
    "tutors_retained",
    "devices_total",
    "devices_renewed_within_5y",
    "device_fault_findings",
    "late_returns",
    "ledger_mismatches",
)
MARKS = ("questionnaire_score", "featured_work")
SPECIAL = ("promotion", "canteen", "application")
MAINTENANCE = ("full", "partial", "none")
LISTS = {
    "trainings": {"reported_within_week": bool, "outlet_coverage": "share"},
    "online_exams": {"participation": "share", "average": "mark"},
}
KEYS = (
    "district",
    *COUNTS,
    *MARKS,
    "trainings",
    "online_exams",
    "unified_maintenance",
    "poor_rectification",
    "special_work",
)
# What the centre may enter by hand, as dotted paths (the special-work sub-items apart).
ENTERABLE = tuple(k for k in KEYS if k not in ("district", "special_work")) + tuple(
    f"special_work.{s}" for s in SPECIAL
)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_value(key: str, value, where: str = "") -> None:
    """Refuse one figure of the wrong type or range (``None`` is always allowed)."""
    name = where or key
    if value is None:
        return
    if key in COUNTS:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise IndicatorError(f"{name} 应为非负整数，收到 {value!r}")
    elif key in MARKS:
        if not _number(value) or value < 0:
            raise IndicatorError(f"{name} 应为非负数值，收到 {value!r}")
    elif key == "unified_maintenance":
        if value not in MAINTENANCE:
            raise IndicatorError(f"{name} 应为 full/partial/none 之一，收到 {value!r}")
    elif key == "poor_rectification":
        if not isinstance(value, bool):
            raise IndicatorError(f"{name} 应为 true 或 false，收到 {value!r}")
    elif key == "district":
        if not isinstance(value, str):
            raise IndicatorError(f"{name} 应为机构代码字符串，收到 {value!r}")
    elif key in SPECIAL:
        if not _number(value) or value < 0:
            raise IndicatorError(f"{name} 应为非负数值，收到 {value!r}")
    elif key == "special_work":
        if not isinstance(value, dict):
            raise IndicatorError(f"{name} 应为对象 {{promotion, canteen, application}}")
        for sub, got in value.items():
            if sub not in SPECIAL:
                raise IndicatorError(f"{name}.{sub} 不是专项工作的子项（{'/'.join(SPECIAL)}）")
            check_value(sub, got, f"{name}.{sub}")
    elif key in LISTS:
        _check_list(key, value, name)


def _check_list(key: str, value, name: str) -> None:
    if not isinstance(value, list):
        raise IndicatorError(f"{name} 应为列表")
    for n, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise IndicatorError(f"{name}[{n}] 应为对象")
        for field, kind in LISTS[key].items():
            got, here = entry.get(field), f"{name}[{n}].{field}"
            if kind is bool and not isinstance(got, bool):
                raise IndicatorError(f"{here} 应为 true 或 false，收到 {got!r}")
            if kind == "share" and (not _number(got) or not 0 <= got <= 1):
                raise IndicatorError(f"{here} 应为 0 到 1 之间的比例，收到 {got!r}")
            if kind == "mark" and (not _number(got) or not 0 <= got <= 100):
                raise IndicatorError(f"{here} 应为 0 到 100 的分数，收到 {got!r}")


def check(indicators) -> list[str]:
    """Refuse a malformed file; return the keys it does not know (reported as warnings)."""
    if not isinstance(indicators, dict):
        raise IndicatorError("指标文件应为 JSON 对象")
    for key, value in indicators.items():
        check_value(key, value)
    return [k for k in indicators if k not in KEYS]


def missing(indicators: dict) -> list[str]:
    """Contract keys with no figure (the scorecard warns about them)."""
    out = [k for k in KEYS if k != "district" and indicators.get(k) is None]
    special = indicators.get("special_work") or {}
    if "special_work" not in out:
        out += [f"special_work.{s}" for s in SPECIAL if special.get(s) is None]
    return out
