"""Periods and deadlines: the 3rd, postponed past days off; provisional in unknown years."""

import datetime as dt

import pytest

from sbk.holidays import workdays
from sbk.holidays.services import package_schedule
from sbk.reports.periods import Period, due


@pytest.fixture(scope="module")
def cal():
    years, days = package_schedule()
    return workdays.WorkCalendar.from_days(years, days)


def test_periods_parse_and_end():
    assert Period.parse("2026-02").end == dt.date(2026, 2, 28)
    assert Period.parse("2024-02").end == dt.date(2024, 2, 29)
    assert Period.parse("2026Q4").end == dt.date(2026, 12, 31)
    assert Period.parse("2026Q1").previous() == Period.parse("2025Q4")
    assert str(Period.parse("2026-12").next()) == "2027-01"
    for bad in ("2026-13", "2026Q5", "26-01", ""):
        with pytest.raises(ValueError):
            Period.parse(bad)


def test_january_report_postponed_past_spring_festival(cal):
    # 2025: Spring Festival holidays 28 Jan – 4 Feb; the 3 Feb deadline moves to Wed 5 Feb.
    d = due(Period.parse("2025-01"), cal)
    assert (d.nominal, d.due, d.provisional) == (dt.date(2025, 2, 3), dt.date(2025, 2, 5), False)


def test_quarterly_report_postponed_past_national_day(cal):
    d = due(Period.parse("2026Q3"), cal)  # 1–7 Oct 2026 off: Thu 8 Oct
    assert (d.due, d.provisional) == (dt.date(2026, 10, 8), False)
    d = due(Period.parse("2025Q3"), cal)  # 2025: 1–8 Oct off
    assert d.due == dt.date(2025, 10, 9)
    monthly = due(Period.parse("2025-09"), cal)
    assert monthly.due == dt.date(2025, 10, 9)


def test_an_ordinary_deadline_is_the_third(cal):
    d = due(Period.parse("2026-05"), cal)
    assert (d.due, d.provisional) == (dt.date(2026, 6, 3), False)


def test_a_deadline_in_an_unknown_year_is_provisional_with_a_warning(cal):
    d = due(Period.parse("2026-12"), cal)  # 3 Jan 2027 is a Sunday; 2027 is unknown
    assert d.provisional and d.due == dt.date(2027, 1, 4)
    assert "2027" in d.warning and "暂定" in d.warning
    q = due(Period.parse("2026Q4"), cal)
    assert q.provisional and q.due == dt.date(2027, 1, 4)


def test_a_worked_weekend_counts_as_a_working_day():
    cal = workdays.WorkCalendar.from_days([2030], [(dt.date(2030, 2, 3), workdays.WORKDAY, "春节")])
    assert cal.is_workday(dt.date(2030, 2, 3)) == (True, True)  # a Sunday, worked
    assert cal.on_or_after(dt.date(2030, 2, 3)) == (dt.date(2030, 2, 3), False)
