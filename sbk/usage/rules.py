"""The rules of card usage (用卡) and its application scenarios, pure. No Django import.

- A usage row: one use of a card (缴费, 待遇领取, 商户消费, 交通出行, 其他), parsed and checked
  here; every problem names the row, the column and a stable code.
- Where a use happened relative to the card's issuing region (用卡地域, 季调度表(二) note 6):
  the same report region (本地: not an area at all, "只在本市使用则不用填写"), ① another
  region of the province, ② another province, ③ other (Hong Kong, Macao, Taiwan, abroad,
  or a place the row does not say).
- A campaign's discount rule (优惠规则) and the age groups of the evaluation ("一老一小",
  the young of the "小额高频" scenarios).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# The report row of a division is the dispatch tables' rule (the usage figures are read
# into the same rows): one rule, in the reports' pure module.
from sbk.reports.counting import report_region

# --- kinds of use ---------------------------------------------------------------------
PAY_MEDICAL, PAY_PENSION, PAY_OTHER = "pay_medical", "pay_pension", "pay_other"
BENEFIT, MERCHANT, TRANSPORT, OTHER = "benefit", "merchant", "transport", "other"
KIND_LABELS = {
    PAY_MEDICAL: "医疗保险缴费",
    PAY_PENSION: "养老保险缴费",
    PAY_OTHER: "其他缴费",
    BENEFIT: "待遇领取",
    MERCHANT: "商户消费",
    TRANSPORT: "交通出行",
    OTHER: "其他",
}
PAYING = frozenset({PAY_MEDICAL, PAY_PENSION, PAY_OTHER})
_KIND_BY_LABEL = {label: kind for kind, label in KIND_LABELS.items()}

# What a distinct count keeps per person (the first day of each): paid, received a benefit.
FIRST_PAY, FIRST_BENEFIT = "pay", "benefit"


def first_use_kind(kind: str) -> str | None:
    if kind in PAYING:
        return FIRST_PAY
    if kind == BENEFIT:
        return FIRST_BENEFIT
    return None


# --- areas (用卡地域) -------------------------------------------------------------------
LOCAL, IN_PROVINCE, CROSS_PROVINCE, AREA_OTHER = "local", "in_province", "cross_province", "other"
AREA_LABELS = {
    LOCAL: "本地",
    IN_PROVINCE: "省内跨地市",
    CROSS_PROVINCE: "跨省",
    AREA_OTHER: "其他",
}
AREA_NUMBERS = {IN_PROVINCE: 1, CROSS_PROVINCE: 2, AREA_OTHER: 3}  # ① ② ③ of note 6
CONTRACT_AREAS = {
    IN_PROVINCE: "in_province_cross_city",
    CROSS_PROVINCE: "cross_province",
    AREA_OTHER: "other",
}
# Hong Kong, Macao, Taiwan: outside the mainland's provinces (③ 其他).
OUTSIDE_PROVINCES = frozenset({"71", "81", "82"})


def area_of(card_division: str, place: str) -> str:
    """Where a use at ``place`` happened relative to the card issued in ``card_division``."""
    if not re.fullmatch(r"\d{6}", place or "") or place[:2] in OUTSIDE_PROVINCES:
        return AREA_OTHER
    if place[:2] in ("00", "99"):  # 境外 and the like: no mainland division
        return AREA_OTHER
    if place[:2] != card_division[:2]:
        return CROSS_PROVINCE
    if report_region(place) != report_region(card_division):
        return IN_PROVINCE
    return LOCAL


# --- one row of a usage file -----------------------------------------------------------
COLUMNS = ("card_no", "used_at", "kind", "amount", "scenario", "division_code", "row_key")
REQUIRED = ("card_no", "used_at", "kind", "amount", "division_code", "row_key")
COLUMN_LABELS = {
    "card_no": "卡号",
    "used_at": "用卡时间",
    "kind": "用卡类型",
    "amount": "金额",
    "scenario": "商户或场景代码",
    "division_code": "用卡地区划",
    "row_key": "行键",
}
MAX_AMOUNT = Decimal("100000000")


@dataclass(frozen=True)
class RowProblem:
    row: int  # the file's line number (the header is line 1)
    column: str
    code: str
    message: str


@dataclass(slots=True)
class UsageRow:
    line: int
    card_no: str
    used_at: dt.datetime  # naive (local time), or with the offset the file gave
    kind: str
    amount: Decimal
    scenario: str
    division_code: str
    row_key: str

    def digest_text(self) -> str:
        """What a row key stands for: the same key with other content is a conflict."""
        return "|".join(
            [
                self.card_no,
                self.used_at.isoformat(),
                self.kind,
                str(self.amount),
                self.scenario,
                self.division_code,
            ]
        )


def mask_card_no(card_no: str) -> str:
    """A card number as errors and lists show it: the first 3 and the last 2 characters."""
    text = card_no or ""
    if len(text) <= 5:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 5) + text[-2:]


def _when(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        return None


# A card number: letters and digits, its last character possibly the "*" that ISO 7064
# MOD 37-2 uses as a check character (sbk's own numbers, ``cards.rules.check_char``).
_CARD_NO = re.compile(r"[0-9A-Za-z]{5,19}[0-9A-Za-z*]")
_DIVISION = re.compile(r"\d{6}")
_CENT = Decimal("0.01")


def parse_row(line: int, raw: dict, *, now: dt.datetime) -> tuple[UsageRow | None, list]:
    """One row (a dict by column name) as a ``UsageRow``, or every problem that refuses it."""
    return parse_fields(line, [raw.get(c) or "" for c in COLUMNS], now=now)


_AMOUNT = re.compile(r"\d{1,8}(?:\.\d{1,2})?")
_fromiso = dt.datetime.fromisoformat


def parse_fields(line: int, fields, *, now: dt.datetime) -> tuple[UsageRow | None, list]:
    """``parse_row`` for the fields in ``COLUMNS`` order (the importer's path). A row that
    passes the quick checks below is returned at once; any other goes through every rule,
    which names each problem (and accepts what the quick checks do not try: kind labels,
    "/" in dates, spaces in card numbers)."""
    card_no, when, kind, amount_text, scenario, division, row_key = fields
    scenario, row_key = scenario.strip(), row_key.strip()  # the others: spaces fail the checks
    if (
        kind in KIND_LABELS
        and row_key
        and len(row_key) <= 64
        and len(scenario) <= 32
        and _CARD_NO.fullmatch(card_no)
        and _DIVISION.fullmatch(division)
        and _AMOUNT.fullmatch(amount_text)
    ):
        row = _timed(line, card_no, when, kind, amount_text, scenario, division, row_key, now)
        if row is not None:
            return row, []
    return _parse_checked(line, fields, now)


def _timed(line, card_no, when, kind, amount_text, scenario, division, row_key, now):
    """The row of fields that passed the quick checks, if its time is an ISO time without
    an offset and not after ``now``; else None (the full rules then name the problem)."""
    try:
        used_at = _fromiso(when)
    except ValueError:
        return None
    if used_at.tzinfo is not None or used_at > now:
        return None
    return UsageRow(line, card_no, used_at, kind, Decimal(amount_text), scenario, division, row_key)


# A whole line of a quote-free file in ``COLUMNS`` order whose card number, kind, amount and
# division pass ``parse_fields``' quick checks: one match instead of a split and four.
_LINE = re.compile(
    r"([0-9A-Za-z]{5,19}[0-9A-Za-z*]),([^,]*),("
    + "|".join(map(re.escape, KIND_LABELS))
    + r"),(\d{1,8}(?:\.\d{1,2})?),([^,]*),(\d{6}),([^,]*)"
)


def parse_line(line: int, text: str, *, now: dt.datetime) -> tuple[UsageRow | None, list]:
    """``parse_fields`` for one line of a file with no quotes, in ``COLUMNS`` order (``text``
    without its line end): the same row or the same problems as the line split at its
    commas (padded to the seven columns, the rest ignored, as the CSV reader gives it)."""
    match = _LINE.fullmatch(text)
    if match is None:
        fields = text.split(",")
        if len(fields) < len(COLUMNS):
            fields += [""] * (len(COLUMNS) - len(fields))
        return parse_fields(line, fields[: len(COLUMNS)], now=now)
    card_no, when, kind, amount_text, scenario, division, row_key = match.groups()
    scenario, row_key = scenario.strip(), row_key.strip()
    if row_key and len(row_key) <= 64 and len(scenario) <= 32:
        row = _timed(line, card_no, when, kind, amount_text, scenario, division, row_key, now)
        if row is not None:
            return row, []
    return _parse_checked(line, match.groups(), now)


def _parse_checked(line: int, fields, now: dt.datetime) -> tuple[UsageRow | None, list]:
    card_no, when, kind, amount_text, scenario, division, row_key = (f.strip() for f in fields)
    problems: list[RowProblem] = []

    def refuse(column: str, code: str, text: str) -> None:
        label = COLUMN_LABELS[column]
        problems.append(RowProblem(line, column, code, f"第{line}行 {label}：{text}"))

    present = {"card_no": card_no, "used_at": when, "kind": kind, "amount": amount_text,
               "division_code": division, "row_key": row_key}  # fmt: skip
    for column in REQUIRED:
        if not present[column]:
            refuse(column, "required", "必填")
    card_no = card_no.replace(" ", "")
    if card_no and not _CARD_NO.fullmatch(card_no):
        refuse("card_no", "bad_card_no", "应为 6–20 位数字或字母（末位校验码可为 *）")
    used_at = _when(when) if when else None
    if when and used_at is None:
        refuse("used_at", "bad_time", "应为 YYYY-MM-DD HH:MM[:SS]")
    elif used_at is not None and used_at.replace(tzinfo=None) > now:
        refuse("used_at", "future_time", "不能晚于导入时间")
    raw_kind = kind
    kind = _KIND_BY_LABEL.get(kind, kind)
    if raw_kind and kind not in KIND_LABELS:
        allowed = "、".join(KIND_LABELS)
        refuse("kind", "bad_kind", f"“{raw_kind}”不是用卡类型（{allowed}）")
    amount = None
    if amount_text:
        try:
            amount = Decimal(amount_text)
        except InvalidOperation:
            refuse("amount", "bad_amount", "应为金额（元，最多两位小数）")
        else:
            if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT:
                refuse("amount", "bad_amount", "应为不小于 0、小于一亿的金额")
                amount = None
            elif amount != amount.quantize(_CENT):
                refuse("amount", "bad_amount", "最多两位小数")
    if len(scenario) > 32:
        refuse("scenario", "too_long", "不能超过 32 个字符")
    if division and not _DIVISION.fullmatch(division):
        refuse("division_code", "bad_division", "应为 6 位行政区划代码")
    if len(row_key) > 64:
        refuse("row_key", "too_long", "不能超过 64 个字符")
    if problems:
        return None, problems
    return UsageRow(line, card_no, used_at, kind, amount, scenario, division, row_key), []


# --- coverage as the table prints it -----------------------------------------------------
def percent_text(part: int, whole: int) -> str:
    """Coverage in percent with two decimals ("0.00" when nobody holds a card)."""
    if not whole:
        return "0.00"
    value = Decimal(part * 100) / Decimal(whole)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# --- discount rules (优惠规则) ----------------------------------------------------------
PERCENT, FIXED = "percent", "fixed"


@dataclass(frozen=True)
class DiscountRule:
    """``percent``: ``value`` % off, at most ``cap`` yuan; ``fixed``: ``value`` yuan off a
    payment of at least ``threshold``. Never more than the payment itself."""

    kind: str
    value: Decimal
    threshold: Decimal = Decimal("0")
    cap: Decimal | None = None

    def discount(self, amount: Decimal) -> Decimal:
        if amount < self.threshold:
            return Decimal("0")
        if self.kind == PERCENT:
            off = (amount * self.value / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if self.cap is not None:
                off = min(off, self.cap)
        else:
            off = self.value
        return min(off, amount)


def check_rule(kind: str, value, threshold=0, cap=None) -> list[tuple[str, str]]:
    """(field, message) for each problem of a discount rule."""
    problems = []
    if kind not in (PERCENT, FIXED):
        problems.append(("discount_kind", "优惠方式应为 percent（折扣）或 fixed（立减）"))
    try:
        value = Decimal(str(value))
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        return problems + [("discount_value", "优惠额度应为数字")]
    if value <= 0 or (kind == PERCENT and value > 100):
        problems.append(("discount_value", "优惠额度应大于 0（折扣不超过 100%）"))
    if Decimal(str(threshold or 0)) < 0:
        problems.append(("discount_threshold", "起用金额不能为负"))
    if cap is not None and Decimal(str(cap)) <= 0:
        problems.append(("discount_cap", "单笔优惠上限应大于 0"))
    return problems


# --- age groups ("一老一小" and the young) ------------------------------------------------
CHILD, YOUNG, ADULT, ELDERLY = "child", "young", "adult", "elderly"
AGE_GROUP_LABELS = {
    CHILD: "少年儿童（未满18岁）",
    YOUNG: "青年（18–35岁）",
    ADULT: "中年",
    ELDERLY: "老年（60岁及以上）",
}
TARGET_GROUPS = (ELDERLY, CHILD, YOUNG)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_group(birth: dt.date, day: dt.date) -> str:
    age = age_on(birth, day)
    if age < 18:
        return CHILD
    if age <= 35:
        return YOUNG
    if age >= 60:
        return ELDERLY
    return ADULT
