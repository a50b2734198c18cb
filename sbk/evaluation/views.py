"""Console pages of the evaluation: the quarterly bulletin (评估通报) with its charts and its
PDF/XLSX, and the figures the centre enters by hand.

Query parameters, not path parameters, name the period: nothing here belongs to one
district. GETs only read; entering a figure is a POST.
"""

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sbk.accounts.policy import can
from sbk.core.catalogue import Action
from sbk.core.errors import Forbidden, ServiceError
from sbk.orgs.models import Organisation

from . import queries, services
from .engine.contract import ENTERABLE
from .models import HandFigure

FILES = {
    "pdf": ("application/pdf", "pdf"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def _guard(request):
    try:
        queries.ensure_reader(request.user)
    except ServiceError as exc:
        return render(request, "evaluation/denied.html", {"message": exc.message}, status=403)
    return None


@login_required
def bulletin_page(request):
    if (denied := _guard(request)) is not None:
        return denied
    # matplotlib is imported here, not with the URLconf: every other page stays as fast.
    from . import bulletin

    period = request.GET.get("period") or queries.latest_period()
    context = {"period_text": period or "", "font_note": bulletin.font_note()}
    if period:
        try:
            data = queries.bulletin(period)
        except ServiceError as exc:
            context["error"] = exc.message
            return render(request, "evaluation/bulletin.html", context)
        fmt = request.GET.get("format", "")
        if fmt in FILES:
            kind, make = FILES[fmt]
            response = HttpResponse(getattr(bulletin, make)(data), content_type=kind)
            name = f"evaluation-{data['period']}.{fmt}"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        charts = {k: base64.b64encode(v).decode() for k, v in bulletin.charts(data).items()}
        context.update(data=data, charts=charts)
    return render(request, "evaluation/bulletin.html", context)


@login_required
def figures_page(request):
    if (denied := _guard(request)) is not None:
        return denied
    period = request.GET.get("period", "")
    rows = HandFigure.objects.select_related("org", "entered_by")
    if period:
        rows = rows.filter(period=period)
    return render(
        request,
        "evaluation/figures.html",
        {
            "rows": rows[:500],
            "period": period,
            "keys": ENTERABLE,
            "may_enter": can(request.user, Action.EVALUATION_ENTER),
            "orgs": Organisation.objects.filter(kind__in=["district", "bank"]).order_by("code"),
            "form": {},
        },
    )


@login_required
@require_POST
def enter(request):
    if (denied := _guard(request)) is not None:
        return denied
    form = request.POST
    org = Organisation.objects.filter(code=form.get("org", "")).first()
    errors = {}
    if org is None:
        errors["org"] = "机构代码不存在"
    else:
        try:
            services.enter_figure(
                org,
                form.get("period", ""),
                form.get("key", ""),
                services.parse_value(form.get("key", ""), form.get("value", "")),
                acting_user=request.user,
                note=form.get("note", ""),
            )
        except Forbidden as exc:
            return render(request, "evaluation/denied.html", {"message": exc.message}, status=403)
        except ServiceError as exc:
            errors[exc.field or "value"] = exc.message
    if not errors:
        messages.success(request, "已录入；下次计算评估得分时生效。")
        return redirect(reverse("evaluation:figures") + f"?period={form.get('period', '')}")
    return render(
        request,
        "evaluation/figures.html",
        {
            "rows": HandFigure.objects.select_related("org", "entered_by")[:500],
            "keys": ENTERABLE,
            "may_enter": can(request.user, Action.EVALUATION_ENTER),
            "orgs": Organisation.objects.filter(kind__in=["district", "bank"]).order_by("code"),
            "form": form,
            "errors": errors,
        },
        status=400,
    )
