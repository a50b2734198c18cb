"""Pure working-day calendar (工作日历): public holidays and working weekends. No Django import.

A year the table knows answers from its rows; in any other year only weekends are days
off and the answer is marked unknown, so a deadline computed through it is provisional.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

HOLIDAY = "holiday"  # 放假
WORKDAY = "workday"  # 调休上班 (a weekend worked in exchange)


@dataclass(frozen=True)
class WorkCalendar:
    years: frozenset[int] = frozenset()
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    names: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_days(cls, years: Iterable[int], days: Iterable[tuple[dt.date, str, str]]):
        hol, work, names = set(), set(), {}
        for day, kind, name in days:
            (work if kind == WORKDAY else hol).add(day)
            names[day] = name
        return cls(frozenset(years), frozenset(hol), frozenset(work), names)

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        """(working day?, is the year known to the table?)"""
        known = day.year in self.years
        if day in self.workdays:
            return True, known
        if day in self.holidays:
            return False, known
        return day.weekday() < 5, known

    __call__ = is_workday

    def on_or_after(self, day: dt.date) -> tuple[dt.date, bool]:
        """The first working day on or after ``day``; (day, provisional?)."""
        provisional = False
        while True:
            work, known = self.is_workday(day)
            provisional |= not known
            if work:
                return day, provisional
            day += dt.timedelta(days=1)


WEEKENDS_ONLY = WorkCalendar()
