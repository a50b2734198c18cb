"""Console pages of the reports: what is due, a table as the form shows it (with the cells
the centre enters, the checks and the stored versions), the catalogue, the exports.

GETs only read (a table is computed, never stored, by viewing it); storing, entering and
rebuilding are POSTs.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sbk.accounts.policy import can
from sbk.core.catalogue import Action
from sbk.core.errors import ServiceError

from . import counts, exports, queries, services
from .exports import LAYOUTS
from .models import CatalogueItem, CatalogueUse
from .periods import containing
from .tables import ENTERED, FOOTER, TITLES


def _guard(request):
    try:
        queries.ensure_reader(request.user)
    except ServiceError as exc:
        return render(request, "reports/denied.html", {"message": exc.message}, status=403)
    return None


def _default_period(table: int) -> str:
    return str(containing(timezone.localdate(), table != 0).previous())


@login_required
def index(request):
    if (denied := _guard(request)) is not None:
        return denied
    start = request.GET.get("from", "")
    try:
        day = dt.date.fromisoformat(start) if start else None
    except ValueError:
        day = None
    return render(
        request,
        "reports/index.html",
        {
            "due": queries.due_list(day),
            "titles": TITLES,
            "monthly": _default_period(0),
            "quarter": _default_period(1),
            "may_rebuild": can(request.user, Action.REPORT_REBUILD_COUNTS),
        },
    )


def _grid(figures: dict):
    """Header rows with their merged cells and the body cells, from the XLSX layout."""
    widths, head, rows, total, _ = LAYOUTS[figures["table"]](figures)
    depth = max(r + rs - 1 for r, _, _, rs, _ in head)
    header = [[] for _ in range(depth)]
    for r, _c, text, rs, cs in sorted(head, key=lambda h: (h[0], h[1])):
        header[r - 1].append({"text": text, "rowspan": rs, "colspan": cs})
    body = []
    for cells, row in zip(rows, figures["rows"], strict=False):
        manual = row.get("manual", [])
        body.append([{"value": "" if v is None else v, "manual": k in manual} for v, k in cells])
    foot = [{"value": "" if v is None else v} for v, _ in total] if total else None
    return header, body, foot


@login_required
def table(request):
    if (denied := _guard(request)) is not None:
        return denied
    try:
        number = int(request.GET.get("table", "0"))
    except ValueError:
        number = 0
    period = request.GET.get("period") or _default_period(number)
    try:
        result = queries.compute(number, period, province=request.GET.get("province", ""))
    except ServiceError as exc:
        messages.error(request, f"{exc.message}（{exc.code}）")
        return redirect("reports:index")
    header, body, foot = _grid(result.figures)
    p = result.period
    return render(
        request,
        "reports/table.html",
        {
            "f": result.figures,
            "number": number,
            "period": str(p),
            "previous": str(p.previous()),
            "next": str(p.next()),
            "header": header,
            "body": body,
            "foot": foot,
            "findings": result.findings,
            "stored": queries.stored(number, str(p))[:10],
            "columns": [*FOOTER, *ENTERED.get(number, ()), "explanation"]
            + (["other_categories"] if number == 1 else []),
            "rows": [r.get("code", str(r.get("bank", ""))) for r in result.figures["rows"]]
            if number != 4
            else [str(r["bank"]) for r in result.figures["rows"]],
            "may_enter": can(request.user, Action.REPORT_ENTER),
            "may_generate": can(request.user, Action.REPORT_GENERATE),
        },
    )


def _back(request, number, period):
    url = reverse("reports:table")
    return redirect(f"{url}?table={number}&period={period}")


@login_required
@require_POST
def generate(request):
    number, period = int(request.POST.get("table", "0") or 0), request.POST.get("period", "")
    try:
        report = services.generate(number, period, acting_user=request.user)
    except ServiceError as exc:
        messages.error(request, f"{exc.message}（{exc.code}）")
    else:
        messages.success(
            request, f"已存档第 {report.version} 版（与上一版相比 {len(report.changes)} 处变化）"
        )
    return _back(request, number, period)


@login_required
@require_POST
def enter(request):
    number, period = int(request.POST.get("table", "0") or 0), request.POST.get("period", "")
    cell = {
        (request.POST.get("row", ""), request.POST.get("column", "")): request.POST.get("value", "")
    }
    try:
        services.enter(
            period, number, cell, acting_user=request.user, reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        messages.error(request, f"{exc.message}（{exc.code}）")
    else:
        messages.success(request, "已保存")
    return _back(request, number, period)


@login_required
def download(request):
    if (denied := _guard(request)) is not None:
        return denied
    try:
        number = int(request.GET.get("table", "0"))
        result = queries.compute(
            number, request.GET.get("period", ""), province=request.GET.get("province", "")
        )
    except (ServiceError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", "参数无效"))
        return redirect("reports:index")
    fmt = request.GET.get("fmt", "xlsx")
    writers = {
        "xlsx": (exports.xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "csv": (exports.csv_bytes, "text/csv; charset=utf-8"),
        "json": (exports.json_bytes, "application/json"),
    }
    write, content_type = writers.get(fmt, writers["xlsx"])
    name = f"table{number}-{result.period}.{fmt if fmt in writers else 'xlsx'}"
    resp = HttpResponse(write(result.figures), content_type=content_type)
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


@login_required
def catalogue(request):
    if (denied := _guard(request)) is not None:
        return denied
    return render(
        request,
        "reports/catalogue.html",
        {
            "items": CatalogueItem.objects.all(),
            "uses": CatalogueUse.choices,
            "may_edit": can(request.user, Action.REPORT_CATALOGUE),
        },
    )


@login_required
@require_POST
def catalogue_set(request):
    try:
        services.set_catalogue_item(
            int(request.POST.get("number", "0") or 0),
            acting_user=request.user,
            name=request.POST.get("name", ""),
            domain=request.POST.get("domain", ""),
            use=request.POST.get("use", "other"),
            active=request.POST.get("active") == "on",
        )
    except ServiceError as exc:
        messages.error(request, f"{exc.message}（{exc.code}）")
    except ValueError:
        messages.error(request, "序号应为整数")
    else:
        messages.success(request, "已保存")
    return redirect("reports:catalogue")


@login_required
@require_POST
def rebuild(request):
    try:
        summary = counts.rebuild_counts(acting_user=request.user)
    except ServiceError as exc:
        messages.error(request, f"{exc.message}（{exc.code}）")
    else:
        messages.success(request, f"已由卡历史重建持卡人数统计：{summary['rows']} 行")
    return redirect("reports:index")
