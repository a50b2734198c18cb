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


def test_a_card_number_may_end_in_the_star_check_character():
    """ISO 7064 MOD 37-2 gives "*" for one body in 37: sbk's own card numbers end in it
    (``cards.rules.check_char``); a bank's file naming such a card is not refused."""
    from sbk.cards.rules import check_char

    body = next(f"S{n:08d}" for n in range(1, 1000) if check_char(f"S{n:08d}") == "*")
    fields = [body + "*", "2026-05-01 08:30", "pay_medical", "12.5", "", "310112", "k1"]
    row, problems = rules.parse_fields(2, fields, now=NOW)
    assert problems == [] and row.card_no == body + "*"
    for bad in ("S0*000001", "*S0000001", "S000**"):
        _, problems = rules.parse_fields(2, [bad, *fields[1:]], now=NOW)
        assert [(p.column, p.code) for p in problems] == [("card_no", "bad_card_no")], bad


def test_the_quick_path_gives_what_the_full_rules_give():
    """``parse_fields`` returns a clean row at once; every row (clean or not) must come out
    as the full rules (``_parse_checked``) make it."""
    base = ["SC0000001", "2026-05-01 08:30", "pay_medical", "12.5", "M1", "310112", "k1"]
    variants = [
        base,
        [" SC 0000001 ", *base[1:]],  # spaces in and around the number
        [base[0], "2026/05/01 08:30", *base[2:]],  # "/" in the date
        [base[0], "2026-05-01T08:30:00+08:00", *base[2:]],  # an offset
        [base[0], "2026-05-01", *base[2:]],  # a date alone
        [*base[:2], "待遇领取", *base[3:]],  # a kind by its label
        [*base[:3], "012.50", *base[4:]],  # a leading zero
        [*base[:3], "1e3", *base[4:]],  # not an amount as the quick check reads it
        [*base[:4], " M1 ", base[5], " k1 "],  # spaces around the free text
        [*base[:4], "", "3101120", "k1"],  # a bad division
        [base[0], "2026-07-01 08:30", *base[2:]],  # in the future
        [*base[:3], "100000000", *base[4:]],  # too much
        ["SC0000001", "", "", "", "", "", ""],  # required fields missing
        ["S0000004*", *base[1:]],  # sbk's own number with the "*" check character
        ["S00*00004", *base[1:]],  # "*" anywhere else
    ]
    for line, fields in enumerate(variants, start=2):
        assert rules.parse_fields(line, fields, now=NOW) == rules._parse_checked(
            line, fields, NOW
        ), fields


LINES = [
    "SC0000001,2026-05-01 08:30,pay_medical,12.5,M1,310112,k1",
    "SC0000001,2026-05-01 08:30:59,benefit,0,,310112,k1",
    "S0000004*,2026-05-01 08:30,merchant,12.50,M1,310112,k1",
    " SC 0000001 ,2026-05-01 08:30,pay_medical,12.5,M1,310112,k1",
    "SC0000001,2026/05/01 08:30,pay_medical,12.5,M1,310112,k1",
    "SC0000001,2026-05-01T08:30:00+08:00,pay_medical,12.5,M1,310112,k1",
    "SC0000001,2026-02-30 08:30,pay_medical,12.5,M1,310112,k1",  # no such day
    "SC0000001,2026-07-01 08:30,pay_medical,12.5,M1,310112,k1",  # in the future
    "SC0000001,2026-05-01 08:30,待遇领取,12.5,M1,310112,k1",
    "SC0000001,2026-05-01 08:30,pay_medical,1e3,M1,310112,k1",
    "SC0000001,2026-05-01 08:30,pay_medical,12.5, M1 ,310112, k1 ",
    "SC0000001,2026-05-01 08:30,pay_medical,12.5,M1,310112,   ",  # a blank key
    "SC0000001,2026-05-01 08:30,pay_medical,12.5," + "M" * 33 + ",310112,k1",
    "SC0000001,2026-05-01 08:30,pay_medical,12.5,M1,310112," + "k" * 65,
    "SC0000001,2026-05-01 08:30,pay_medical,12.5,M1,3101120,k1",
    "SC0000001,2026-05-01 08:30,pay_medical,12.5,M1,310112,k1,extra,fields",
    "SC0000001,2026-05-01 08:30,pay_medical",  # too few fields
    "SC0000001",
    " ",
]


def test_a_line_parses_as_its_fields_do():
    """``parse_line`` (the importer's path for a quote-free file) gives what ``parse_fields``
    gives for the line split at its commas, padded to the columns, the rest ignored."""
    assert rules._LINE.fullmatch(LINES[0]) is not None  # the one-match path is taken
    for line, text in enumerate(LINES, start=2):
        fields = (text.split(",") + [""] * 7)[:7]
        assert rules.parse_line(line, text, now=NOW) == rules.parse_fields(line, fields, now=NOW), (
            text
        )


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
