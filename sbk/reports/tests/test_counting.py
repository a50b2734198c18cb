"""The counting rule and the figures, as pure functions."""

import datetime as dt

from sbk.reports import counting as C
from sbk.reports.figures import circled, numbers, percent, wan

D = dt.date
P1 = C.Place("310112", "employee", 1, C.FIN_CHIP)
P2 = C.Place("310115", "employee", 1, C.FIN_CHIP)


def _holders(deltas, day, place=None):
    return sum(
        v[0]
        for (d, division, cat, bank, kind), v in deltas.items()
        if d <= day
        and (
            place is None
            or (division, cat, bank, kind)
            == (place.division, place.category, place.bank, place.kind)
        )
    )


def test_report_regions():
    assert C.report_region("610000") == "610000"  # 省本级
    assert C.report_region("611002") == "611000"  # district → its prefecture city
    assert C.report_region("612501") == "612500"
    assert C.report_region("310112") == "310112"  # a municipality: each district
    assert C.report_region("310100") == "310000"  # 市辖区 heading: the municipality's own level
    assert C.report_region("429004") == "429004"  # a county-level city the province runs


def test_wan_rounds_half_up_to_two_decimals():
    assert wan(12345) == "1.23"
    assert wan(12350) == "1.24"  # half up, not banker's rounding
    assert wan(12250) == "1.23"
    assert wan(0) == "0.00"
    assert wan(123456789) == "12345.68"


def test_percent_and_circled_numbers():
    assert percent(51, 102) == "50.00"
    assert percent(1, 3) == "33.33"
    assert percent(None, 3) is None and percent(3, 0) is None
    assert circled([3, 1, 1, 10]) == "①，③，⑩"
    assert numbers("①，③") == [1, 3] and numbers("1,3 5") == [1, 3, 5] and numbers("①③") == [1, 3]


def test_a_replacement_is_not_counted_twice():
    old = C.CardFacts(1, 7, D(2024, 1, 5), D(2024, 6, 1), None, P1)
    new = C.CardFacts(2, 7, D(2024, 6, 1), None, None, P2)
    deltas = C.history_deltas([[old, new]])
    assert _holders(deltas, D(2024, 5, 31)) == 1
    assert _holders(deltas, D(2024, 6, 1)) == 1
    assert _holders(deltas, D(2024, 6, 1), P2) == 1 and _holders(deltas, D(2024, 6, 1), P1) == 0
    issued = sum(v[2] for v in deltas.values())
    assert issued == 2  # both cards were issued (first-issue detection counts cards)


def test_overlapping_migrated_cards_count_the_person_once_in_the_latest_cards_region():
    a = C.CardFacts(1, 7, D(2020, 1, 1), D(2022, 5, 1), None, P1)
    b = C.CardFacts(2, 7, D(2021, 1, 1), None, None, P2)
    deltas = C.history_deltas([[a, b]])
    assert _holders(deltas, D(2021, 6, 1)) == 1
    assert _holders(deltas, D(2021, 6, 1), P2) == 1
    assert _holders(deltas, D(2023, 1, 1)) == 1


def test_cancellation_backdated_before_issue_never_counted():
    card = C.CardFacts(1, 7, D(2024, 3, 1), D(2024, 2, 1), None, P1)
    live = C.new_deltas()
    C.enter_deltas(card, live)
    C.leave_deltas(card, live)
    assert all(_holders(live, d) == 0 for d in (D(2024, 2, 1), D(2024, 3, 1), D(2025, 1, 1)))
    assert _holders(C.history_deltas([[card]]), D(2024, 3, 1)) == 0


def test_live_rules_equal_the_history_sweep():
    move = C.Move(D(2024, 3, 1), P1, P2)
    live = C.new_deltas()
    C.enter_deltas(C.CardFacts(1, 7, D(2024, 1, 5), None, None, P1), live)
    C.activate_deltas(C.CardFacts(1, 7, D(2024, 1, 5), None, D(2024, 2, 1), P1), live)
    C.move_deltas(C.CardFacts(1, 7, D(2024, 1, 5), None, D(2024, 2, 1), P2), move, live)
    ended = C.CardFacts(1, 7, D(2024, 1, 5), D(2024, 9, 9), D(2024, 2, 1), P2, [move])
    C.leave_deltas(ended, live)
    history = C.history_deltas([[ended]])
    assert C.nonzero(live) == C.nonzero(history)


def test_province_regions_are_every_city_in_force_that_year():
    from sbk.divisions.table import load_table

    records = load_table().all()
    shaanxi = C.province_regions("610000", 2026, records)
    assert shaanxi[0] == "610000" and "610100" in shaanxi and "611000" in shaanxi  # 西安, 商洛
    assert all(c.endswith("00") for c in shaanxi) and "610102" not in shaanxi
    assert "612500" not in shaanxi  # 商洛地区 became 商洛市 (611000) in 2001
    assert "612500" in C.province_regions("610000", 1995, records)
    shanghai = C.province_regions("310000", 2026, records)
    assert "310115" in shanghai and "310112" in shanghai  # a municipality's districts
    assert "310100" not in shanghai  # 市辖区 is only a heading
    hubei = C.province_regions("420000", 2026, records)
    assert "429004" in hubei  # 仙桃市, administered by the province directly
    assert "429000" not in hubei
