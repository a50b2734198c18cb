"""State changes of the reports: generate and store a table (生成并存档), enter the cells
sbk does not record (录入填报内容), edit the application catalogue (维护应用目录).

Computing a table is a read (``queries.compute``); storing it is an action: the figures,
who and when, the consistency checks, and what changed since the last stored version.
"""

from __future__ import annotations

from sbk.accounts.policy import ensure
from sbk.core import actions
from sbk.core.catalogue import Action
from sbk.core.errors import ServiceError

from . import checks, queries
from .errors import ReportErrorCode as E
from .figures import numbers
from .models import CatalogueItem, CatalogueUse, Entry, Report
from .tables import ENTERED, FOOTER


@actions.atomic
def generate(table: int, period: str, *, acting_user, province: str | None = None) -> Report:
    """生成调度表并存档: refused (nothing stored) when a blocking check fails."""
    ensure(acting_user, Action.REPORT_GENERATE)
    result = queries.compute(table, period, province=province)
    blocking = [f for f in result.findings if f.blocking]
    if blocking:
        raise ServiceError(
            E.CHECKS,
            "一致性检查未通过，未存档：" + "；".join(f.message for f in blocking),
            field="checks",
        )
    last = (
        Report.objects.select_for_update()
        .filter(table=table, period=str(result.period), province=result.province)
        .order_by("-version")
        .first()
    )
    figures = result.figures
    report = Report.objects.create(
        table=table,
        period=str(result.period),
        province=result.province,
        version=(last.version + 1) if last else 1,
        figures=figures,
        checks=[f.as_dict() for f in result.findings],
        changes=checks.changes(last.figures, figures) if last else [],
        filler=figures.get("filler", ""),
        phone=figures.get("phone", ""),
        responsible=figures.get("responsible", ""),
        generated_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    actions.record(
        Action.REPORT_GENERATE,
        acting_user=acting_user,
        obj=report,
        after={
            "table": table,
            "period": report.period,
            "province": report.province,
            "version": report.version,
            "changes": len(report.changes),
        },
    )
    return report


def _clean_cell(table: int, row: str, column: str, value: str) -> str:
    allowed = set(FOOTER) | {"explanation"} | set(ENTERED.get(table, ()))
    if table == 1:
        allowed.add("other_categories")
    if column not in allowed:
        raise ServiceError(E.CELL, f"表{table}没有可填报的栏目“{column}”", field=column)
    value = (value or "").strip()
    if column in ("terminals", "payers", "beneficiaries", "other_holders") and value:
        if not value.isdigit():
            raise ServiceError(E.CELL, f"{column} 应为非负整数（人数或台数）", field=column)
    if column in ("items", "channels", "catalogue", "area", "stage") and value:
        try:
            marks = numbers(value)
        except ValueError:
            raise ServiceError(
                E.CELL, f"{column} 应为序号，如“1,3”或“①，③”", field=column
            ) from None
        limit = {"items": 9, "channels": 10, "area": 3, "stage": 9, "catalogue": 999}[column]
        if any(n < 1 or n > limit for n in marks):
            raise ServiceError(E.CELL, f"{column} 的序号应在 1–{limit} 之间", field=column)
    if len(value) > 2000:
        raise ServiceError(E.CELL, f"{column} 不超过 2000 字", field=column)
    return value


@actions.atomic
def enter(period: str, table: int, cells: dict, *, acting_user, reason: str = "") -> int:
    """录入调度表填报内容: ``cells`` maps (row, column) to the value; an empty value clears
    the cell. All cells are checked before any is written."""
    ensure(acting_user, Action.REPORT_ENTER)
    p = queries.parse_period(period, table)
    cleaned = {
        (str(row or ""), col): _clean_cell(table, str(row or ""), col, val)
        for (row, col), val in cells.items()
    }
    before, after = {}, {}
    user = acting_user if getattr(acting_user, "pk", None) else None
    for (row, col), value in sorted(cleaned.items()):
        current = Entry.objects.select_for_update().filter(
            period=str(p), table=table, row=row, column=col
        )
        old = current.first()
        before[f"{row}:{col}"] = old.value if old else None
        after[f"{row}:{col}"] = value or None
        if not value:
            current.delete()
        elif old is None:
            Entry.objects.create(
                period=str(p), table=table, row=row, column=col, value=value, entered_by=user
            )
        else:
            old.value, old.entered_by = value, user
            old.save(update_fields=["value", "entered_by", "entered_at"])
    actions.record(
        Action.REPORT_ENTER,
        acting_user=acting_user,
        object_type="reports.entry",
        object_id=f"{p}/{table}",
        before=before,
        after=after,
        reason=reason,
    )
    return len(cleaned)


@actions.atomic
def set_catalogue_item(
    number: int, *, acting_user, name: str, domain: str = "", use: str = "other", active=True
) -> CatalogueItem:
    """维护应用目录: add or change one item of the application catalogue."""
    ensure(acting_user, Action.REPORT_CATALOGUE)
    if not isinstance(number, int) or not 1 <= number <= 999:
        raise ServiceError(E.CATALOGUE, "序号应为 1–999 的整数", field="number")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ServiceError(E.CATALOGUE, "应用项目名称不能为空且不超过 100 字", field="name")
    if use not in CatalogueUse.values:
        raise ServiceError(E.CATALOGUE, "用途应为 payment、benefit 或 other", field="use")
    item = CatalogueItem.objects.select_for_update().filter(number=number).first()
    before = None
    if item is None:
        item = CatalogueItem(number=number)
    else:
        before = {"name": item.name, "domain": item.domain, "use": item.use, "active": item.active}
    item.name, item.domain, item.use, item.active = name, (domain or "")[:40], use, bool(active)
    item.save()
    actions.record(
        Action.REPORT_CATALOGUE,
        acting_user=acting_user,
        obj=item,
        before=before,
        after={"name": name, "domain": item.domain, "use": use, "active": item.active},
    )
    return item
