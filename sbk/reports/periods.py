"""Report periods and their deadlines (报送时间), pure. No Django import.

Monthly tables are due on the 3rd of the next month, quarterly ones on the 3rd of January,
April, July and October; a deadline on a day off moves to the next working day (如遇节假日
向后顺延). The calendar is passed in (sbk's holiday table); in a year it does not know, only
weekends are days off and the deadline is provisional.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
DUE_DAY = 3


@dataclass(frozen=True, order=True)
class Period:
    year: int
    index: int  # month 1–12, or quarter 1–4
    quarterly: bool

    @classmethod
    def parse(cls, text: str) -> Period:
        text = (text or "").strip().upper()
        if m := MONTH.match(text):
            return cls(int(m[1]), int(m[2]), False)
        if m := QUARTER.match(text):
            return cls(int(m[1]), int(m[2]), True)
        raise ValueError(text)

    def __str__(self) -> str:
        return f"{self.year}Q{self.index}" if self.quarterly else f"{self.year}-{self.index:02d}"

    @property
    def first_month(self) -> int:
        return (self.index - 1) * 3 + 1 if self.quarterly else self.index

    @property
    def last_month(self) -> int:
        return self.index * 3 if self.quarterly else self.index

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.date:
        """The period's last day (the figures are cumulative to its end)."""
        return self.next().start - dt.timedelta(days=1)

    def next(self) -> Period:
        last = 4 if self.quarterly else 12
        if self.index == last:
            return Period(self.year + 1, 1, self.quarterly)
        return Period(self.year, self.index + 1, self.quarterly)

    def previous(self) -> Period:
        last = 4 if self.quarterly else 12
        if self.index == 1:
            return Period(self.year - 1, last, self.quarterly)
        return Period(self.year, self.index - 1, self.quarterly)

    @property
    def label(self) -> str:
        if self.quarterly:
            return f"{self.year}年第{self.index}季度"
        return f"{self.year}年{self.index}月"


def containing(day: dt.date, quarterly: bool) -> Period:
    return Period(day.year, (day.month - 1) // 3 + 1 if quarterly else day.month, quarterly)


@dataclass(frozen=True)
class Due:
    period: Period
    nominal: dt.date  # the 3rd
    due: dt.date  # after the postponement past days off
    provisional: bool

    @property
    def warning(self) -> str:
        if not self.provisional:
            return ""
        return (
            f"节假日表尚无 {self.nominal.year} 年放假安排：截止日期 {self.due} 仅按周末推算，"
            "为暂定日期；请在国务院公布安排后导入（sbk holidays load FILE）"
        )


def due(period: Period, calendar) -> Due:
    """The deadline of ``period`` by ``calendar`` (an object with ``on_or_after(day)``)."""
    nominal = period.end + dt.timedelta(days=DUE_DAY)
    day, provisional = calendar.on_or_after(nominal)
    return Due(period, nominal, day, provisional)
