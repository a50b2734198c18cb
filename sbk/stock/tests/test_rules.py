"""Pure stock rules: no database."""

import datetime as dt

import pytest

from sbk.stock import rules
from sbk.stock.rules import Place

D = dt.date(2026, 3, 10)


def test_booking_day_moves_past_every_closed_day():
    assert rules.booking_day(D, []) == D
    assert rules.booking_day(D, [None, D - dt.timedelta(days=1)]) == D
    assert rules.booking_day(D, [D]) == D + dt.timedelta(days=1)
    assert rules.booking_day(D, [D + dt.timedelta(days=3), D]) == D + dt.timedelta(days=4)


def test_late_note_only_when_moved():
    assert rules.late_note(D, D) == ""
    assert "2026-03-10" in rules.late_note(D, D + dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("since", "day", "late"),
    [
        (None, D, False),
        (D, D, False),
        (D - dt.timedelta(days=30), D, False),
        (D - dt.timedelta(days=31), D, True),
    ],
)
def test_return_is_late_after_the_allowed_days(since, day, late):
    assert rules.return_is_late(since, day, 30) is late


def test_balance_effect_counts_only_stock_places():
    assert rules.balance_effect(rules.OUTSIDE, Place("stock", 1, "blank")) == [(1, "blank", 1)]
    assert rules.balance_effect(Place("stock", 1, "blank"), Place("transit", 2, "blank")) == [
        (1, "blank", -1)
    ]
    assert rules.balance_effect(Place("stock", 1, "blank"), Place("stock", 1, "waste")) == [
        (1, "blank", -1),
        (1, "waste", 1),
    ]
    assert rules.balance_effect(Place("transit", 2, "blank"), Place("card", 2, "blank")) == []


def test_closing_and_month_bounds():
    assert rules.closing(10, 5, 3) == 12
    assert rules.month_bounds("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert rules.month_bounds("2026-12") == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    with pytest.raises(ValueError):
        rules.month_bounds("2026-13")
    with pytest.raises(ValueError):
        rules.month_bounds("March")


def test_path_breaks_names_the_entry_that_does_not_continue():
    a, b, c = Place("stock", 1, "blank"), Place("transit", 2, "blank"), Place("stock", 2, "blank")
    assert rules.path_breaks([(rules.OUTSIDE, a), (a, b), (b, c)]) == []
    assert rules.path_breaks([(rules.OUTSIDE, a), (b, c)]) == [1]
    assert rules.path_breaks([(a, b)]) == [0]


def test_every_contract_kind_has_items_and_a_label():
    assert set(rules.KIND_ITEMS) == set(rules.CONTRACT_KINDS)
    assert all(k in rules.KIND_LABELS for k in rules.CONTRACT_KINDS)
