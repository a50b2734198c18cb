"""Changes to the holiday table (节假日表): one day by hand, or a year's schedule from a file.

The card deadlines and the report deadlines read the same table (``calendar()``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.core import actions
from sbk.core.catalogue import Action
from sbk.core.errors import ServiceError

from . import workdays
from .errors import HolidayErrorCode as E
from .models import Holiday, HolidayYear, Source

KIND_WORDS = {
    "holiday": workdays.HOLIDAY,
    "休": workdays.HOLIDAY,
    "放假": workdays.HOLIDAY,
    "workday": workdays.WORKDAY,
    "班": workdays.WORKDAY,
    "上班": workdays.WORKDAY,
}


def package_schedule() -> tuple[list[int], list[tuple[dt.date, str, str]]]:
    """The years and days ``chinese-calendar`` knows (its holidays and worked weekends)."""
    import chinese_calendar  # lazy: only seeding needs the package
    from chinese_calendar import constants

    chinese = {h.value: h.chinese for h in chinese_calendar.Holiday}
    days = [(d, workdays.HOLIDAY, chinese.get(n, n)) for d, n in constants.holidays.items()]
    days += [(d, workdays.WORKDAY, chinese.get(n, n)) for d, n in constants.workdays.items()]
    years = sorted({d.year for d, _, _ in days})
    return list(range(years[0], years[-1] + 1)), sorted(days)


def calendar() -> workdays.WorkCalendar:
    """The working-day calendar as the table says now (two reads)."""
    years = HolidayYear.objects.values_list("year", flat=True)
    days = Holiday.objects.values_list("day", "kind", "name")
    return workdays.WorkCalendar.from_days(years, days)


@actions.atomic
def set_day(
    day: dt.date, *, acting_user, kind: str, name: str = "", reason: str = ""
) -> Holiday | None:
    """维护节假日: mark one day a holiday or a worked weekend; ``kind=""`` makes it ordinary."""
    ensure(acting_user, Action.HOLIDAY_SET)
    if not isinstance(day, dt.date):
        raise ServiceError(E.DATE, "日期应为 YYYY-MM-DD", field="day")
    kind = KIND_WORDS.get(kind, kind)
    if kind not in ("", workdays.HOLIDAY, workdays.WORKDAY):
        raise ServiceError(E.KIND, "类型应为 holiday（放假）或 workday（调休上班）", field="kind")
    row = Holiday.objects.select_for_update().filter(day=day).first()
    before = {"kind": row.kind, "name": row.name} if row else None
    if kind == "":
        if row is not None:
            row.delete()
        row = None
    else:
        row = row or Holiday(day=day)
        row.kind, row.name, row.source = kind, (name or "")[:40], Source.MANUAL
        row.updated_by = acting_user if getattr(acting_user, "pk", None) else None
        row.save()
    actions.record(
        Action.HOLIDAY_SET,
        acting_user=acting_user,
        object_type="holidays.holiday",
        object_id=day.isoformat(),
        before=before,
        after={"kind": kind, "name": name} if kind else None,
        reason=reason,
    )
    return row


def parse_schedule(text: str) -> tuple[list[tuple[dt.date, str, str]], list[str]]:
    """Rows ``date,kind,name`` (kind: holiday/workday or 休/班); (days, errors)."""
    days, errors = [], []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in next(reader, [])]
    if header[:2] != ["date", "kind"]:
        return [], ["第 1 行：表头应为 date,kind,name"]
    seen = set()
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        raw = [v.strip() for v in values] + ["", ""]
        try:
            day = dt.date.fromisoformat(raw[0])
        except ValueError:
            errors.append(f"第 {number} 行 date：“{raw[0]}”不是 YYYY-MM-DD 日期")
            continue
        kind = KIND_WORDS.get(raw[1])
        if kind is None:
            errors.append(f"第 {number} 行 kind：“{raw[1]}”应为 holiday/workday（休/班）")
            continue
        if day in seen:
            errors.append(f"第 {number} 行 date：{day} 重复")
            continue
        if kind == workdays.WORKDAY and day.weekday() < 5:
            errors.append(f"第 {number} 行 kind：{day} 是工作日，不能标为调休上班")
            continue
        seen.add(day)
        days.append((day, kind, raw[2][:40]))
    return days, errors


@actions.atomic
def load_schedule(path, *, acting_user) -> dict:
    """导入年度放假安排: the file's years are replaced whole and become known years."""
    ensure(acting_user, Action.HOLIDAY_LOAD)
    path = Path(path)
    days, errors = parse_schedule(path.read_text(encoding="utf-8-sig"))
    if errors:
        raise ServiceError(E.FILE, "；".join(errors[:20]), field="file")
    if not days:
        raise ServiceError(E.EMPTY, "文件中没有日期", field="file")
    years = sorted({d.year for d, _, _ in days})
    Holiday.objects.filter(day__year__in=years).delete()
    user = acting_user if getattr(acting_user, "pk", None) else None
    Holiday.objects.bulk_create(
        Holiday(day=d, kind=k, name=n, source=Source.FILE, updated_by=user) for d, k, n in days
    )
    for year in years:
        HolidayYear.objects.update_or_create(year=year, defaults={"source": Source.FILE})
    summary = {"file": path.name, "years": years, "days": len(days), "at": timezone.now()}
    actions.record(
        Action.HOLIDAY_LOAD,
        acting_user=acting_user,
        object_type="holidays.holidayyear",
        object_id=",".join(map(str, years)),
        after={"file": path.name, "years": years, "days": len(days)},
    )
    return summary
