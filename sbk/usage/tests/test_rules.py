"""The pure rules: rows, areas, coverage text, discounts, age groups."""

import datetime as dt
from decimal import Decimal

from sbk.usage import rules

NOW = dt.datetime(2026, 6, 1, 12, 0)


def test_area_is_relative_to_the_cards_region():
    assert rules.area_of("310112", "310112") == rules.LOCAL
    assert rules.area_of("310112", "310115") == rules.IN_PROVINCE  # a municipality's districts
    assert rules.area_of("440305", "440306") == rules.LOCAL  # the same city
    assert rules.area_of("440305", "440106") == rules.IN_PROVINCE
    assert rules.area_of("440305", "310112") == rules.CROSS_PROVINCE
    assert rules.area_of("440305", "810000") == rules.AREA_OTHER  # Hong Kong
    assert rules.area_of("440305", "") == rules.AREA_OTHER


def test_a_row_parses_or_names_every_problem():
    ok = {"card_no": "SC0000001", "used_at": "2026-05-01 08:30", "kind": "医疗保险缴费",
          "amount": "12.5", "scenario": "", "division_code": "310112", "row_key": "k1"}  # fmt: skip
    row, problems = rules.parse_row(2, ok, now=NOW)
    assert problems == [] and row.kind == rules.PAY_MEDICAL and row.amount == Decimal("12.5")
    bad = dict(ok, used_at="2026-07-01 08:00", amount="1.234", kind="x", row_key="")
    row, problems = rules.parse_row(3, bad, now=NOW)
    assert row is None
    assert {(p.column, p.code) for p in problems} == {
        ("used_at", "future_time"),
        ("amount", "bad_amount"),
        ("kind", "bad_kind"),
        ("row_key", "required"),
    }
    assert all(p.message.startswith("第3行") for p in problems)


def test_percent_text_and_masking():
    assert rules.percent_text(1, 3) == "33.33" and rules.percent_text(2, 3) == "66.67"
    assert rules.percent_text(0, 0) == "0.00"
    assert rules.mask_card_no("SC0000001") == "SC0****01"


def test_discount_rules():
    percent = rules.DiscountRule(rules.PERCENT, Decimal("10"), Decimal("0"), Decimal("3"))
    assert percent.discount(Decimal("20")) == Decimal("2.00")
    assert percent.discount(Decimal("50")) == Decimal("3")  # capped
    fixed = rules.DiscountRule(rules.FIXED, Decimal("5"), Decimal("15"))
    assert fixed.discount(Decimal("10")) == 0 and fixed.discount(Decimal("16")) == 5
    assert rules.DiscountRule(rules.FIXED, Decimal("5")).discount(Decimal("3")) == 3
    assert rules.check_rule("percent", "120") and not rules.check_rule("fixed", "5")


def test_age_groups():
    day = dt.date(2026, 6, 30)
    assert rules.age_group(dt.date(2010, 7, 1), day) == rules.CHILD
    assert rules.age_group(dt.date(1995, 1, 1), day) == rules.YOUNG
    assert rules.age_group(dt.date(1966, 6, 30), day) == rules.ELDERLY
    assert rules.age_group(dt.date(1980, 1, 1), day) == rules.ADULT
