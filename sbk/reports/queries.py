"""Read side of the reports: compute a table with its checks, stored reports, what is due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from sbk.accounts.policy import role_of
from sbk.core.actors import is_system, require_actor
from sbk.core.errors import Forbidden, ServiceError
from sbk.holidays.services import calendar

from . import checks, periods, tables
from .errors import ReportErrorCode as E
from .models import Entry, HolderCount, Report
from .periods import Period


def parse_period(text: str, table: int) -> Period:
    if table not in (0, 1, 2, 3, 4):
        raise ServiceError(
            E.TABLE, "表应为 0（月调度表）或 1–4（季调度表（一）–（四））", field="table"
        )
    try:
        period = Period.parse(text)
    except ValueError:
        shape = "YYYY-MM" if table == 0 else "YYYYQn（如 2026Q3）"
        raise ServiceError(E.PERIOD, f"期别“{text}”应为 {shape}", field="period") from None
    if period.quarterly != (table != 0):
        shape = "YYYY-MM" if table == 0 else "YYYYQn"
        raise ServiceError(E.PERIOD, f"该表的期别应为 {shape}", field="period")
    if period.start > timezone.localdate():
        raise ServiceError(E.PERIOD, f"期别 {period} 尚未开始", field="period")
    return period


@dataclass
class Computed:
    period: Period
    province: str
    figures: dict
    findings: list


def resolve_province(province: str | None) -> str:
    code = (province or "").strip() or tables.default_province()
    if not code or not (len(code) == 6 and code.isdigit()):
        raise ServiceError(
            E.PROVINCE, "请用 --province 指定省级行政区划代码（6 位）", field="province"
        )
    return code[:2] + "0000"


def compute(table: int, period: str, *, province: str | None = None) -> Computed:
    p = parse_period(period, table)
    prov = resolve_province(province)
    figures = tables.build(table, p, prov)
    previous = {}
    if table in (0, 1, 4):
        previous = checks.previous_values(table, tables.build(table, p.previous(), prov))
    explanations = {
        e.row: e.value
        for e in Entry.objects.filter(period=str(p), table=table, column="explanation")
    }
    findings = checks.check(table, figures, previous, explanations)
    return Computed(p, prov, figures, findings)


def stored(table: int | None = None, period: str | None = None):
    qs = Report.objects.select_related("generated_by")
    if table is not None:
        qs = qs.filter(table=table)
    if period:
        qs = qs.filter(period=period)
    return qs


def due_list(today: dt.date | None = None, *, back: int = 12) -> dict:
    """What is due next (monthly and quarterly) and what is late: periods whose deadline
    has passed with no stored report (the last ``back`` months / quarters, from the first
    day sbk holds counts)."""
    today = today or timezone.localdate()
    cal = calendar()
    submitted = set(Report.objects.values_list("table", "period").distinct())
    # Nothing is late before sbk holds data: the first day with kept counts.
    first = HolderCount.objects.order_by("day").values_list("day", flat=True).first()
    out = {"today": today.isoformat(), "next": [], "late": []}
    for quarterly in (False, True):
        p = periods.containing(today, quarterly).previous()
        tables_of = (1, 2, 3, 4) if quarterly else (0,)
        # next: the first period whose deadline is today or later
        nxt = p
        while periods.due(nxt, cal).due < today:
            nxt = nxt.next()
        d = periods.due(nxt, cal)
        out["next"].append(_due_row(d, tables_of, submitted, today))
        q = nxt.previous()
        for _ in range(back if not quarterly else max(1, back // 3)):
            d = periods.due(q, cal)
            missing = [t for t in tables_of if (t, str(q)) not in submitted]
            if missing and first is not None and q.end >= first:
                out["late"].append(_due_row(d, missing, submitted, today))
            q = q.previous()
    return out


def _due_row(d: periods.Due, tables_of, submitted, today) -> dict:
    return {
        "period": str(d.period),
        "tables": [tables.TITLES[t] for t in tables_of],
        "table_numbers": list(tables_of),
        "due": d.due.isoformat(),
        "nominal": d.nominal.isoformat(),
        "provisional": d.provisional,
        "warning": d.warning,
        "days_left": (d.due - today).days,
        "submitted": all((t, str(d.period)) in submitted for t in tables_of),
    }


READER_ROLES = ("city_admin", "auditor")


def ensure_reader(user) -> None:
    """The tables are the province's: the centre's admins and auditors read them."""
    require_actor(user)
    if is_system(user):
        return
    if not getattr(user, "is_authenticated", False) or role_of(user) not in READER_ROLES:
        raise Forbidden("统计调度表仅限市卡中心管理员与审计员查看")
