"""Evaluation periods: a quarter (``2026Q3``) or a year (``2026``).

A quarter's scorecard counts the year *to date* (1 January to the quarter's last day):
the method's thresholds are yearly ("当年 4 次以上"), so the Q4 scorecard is the year's and
the change from one quarter to the next is progress, not a different base.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_FORM = re.compile(r"^(\d{4})(?:Q([1-4]))?$")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    year: int
    quarter: int | None = None  # None: the whole year

    @classmethod
    def parse(cls, text: str) -> Period:
        m = _FORM.match((text or "").strip().upper())
        if not m or not 2000 <= int(m.group(1)) <= 2100:
            raise PeriodError(f"评估期 {text!r} 应为 YYYY 或 YYYYQn（如 2026Q3）")
        return cls(int(m.group(1)), int(m.group(2)) if m.group(2) else None)

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        if self.quarter is None or self.quarter == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, self.quarter * 3 + 1, 1) - dt.timedelta(days=1)

    def previous(self) -> Period:
        if self.quarter is None:
            return Period(self.year - 1)
        if self.quarter == 1:
            return Period(self.year - 1, 4)
        return Period(self.year, self.quarter - 1)

    def quarters_so_far(self) -> list[Period]:
        """The year's quarters up to this one (the trend chart's axis)."""
        last = self.quarter or 4
        return [Period(self.year, q) for q in range(1, last + 1)]

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.quarter}季度" if self.quarter else f"{self.year}年度"
