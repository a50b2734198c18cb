"""Console pages for banks and card usage (银行与用卡): the quarter's coverage, the service
banks (record, lifecycle, quality supervision), usage imports, the scenarios register
(摸排上报), discount campaigns and publicity cases.

Pages read through ``queries`` and act through ``services``; a record outside the user's
scope is a 404; GET never writes.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from sbk.accounts.policy import can
from sbk.core.catalogue import Action
from sbk.core.errors import ServiceError
from sbk.orgs.models import OrgKind
from sbk.orgs.scope import visible_orgs
from sbk.reports.periods import Period

from . import forms, queries, services
from .importer import import_usage
from .models import UsageImport


def _quarter(day: dt.date):
    return Period(day.year, (day.month - 1) // 3 + 1, True)


def _period(request):
    text = request.GET.get("period", "")
    try:
        p = Period.parse(text) if text else _quarter(timezone.localdate())
    except ValueError:
        p = _quarter(timezone.localdate())
    return p if p.quarterly else _quarter(p.end)


def _dates(request) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("start", ""))
        end = dt.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        return today.replace(day=1) - dt.timedelta(days=90), today
    return start, end


@login_required
def home(request):
    period = _period(request)
    held = queries.coverage_scope(request.user, None, None)
    figures = queries.coverage_contract(period, *held) if held else None
    return render(request, "usage/home.html", {"period": period, "figures": figures})


@login_required
@require_http_methods(["GET", "POST"])
def banks(request):
    form = forms.BankForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        org = visible_orgs(request.user).filter(code=values.pop("org")).first()
        if org is None:
            form.add_error("org", "机构不存在或不在您的管辖范围内")
        else:
            try:
                bank = services.onboard_bank(org, acting_user=request.user, **values)
            except ServiceError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, f"已建立服务银行档案：{bank.full_name}")
                return redirect("usage:bank", bank_id=bank.pk)
    rows = queries.banks_for(request.user).prefetch_related("cities", "bins")
    may = can(request.user, Action.BANK_ONBOARD)
    return render(request, "usage/banks.html", {"banks": rows, "form": form, "may": may})


@login_required
@require_http_methods(["GET", "POST"])
def bank(request, bank_id: int):
    record = queries.banks_for(request.user).filter(pk=bank_id).first()
    if record is None:
        raise Http404("服务银行不存在或不在您的管辖范围内")
    status_form = forms.StatusForm(request.POST or None)
    if request.method == "POST" and status_form.is_valid():
        try:
            services.set_bank_status(
                record.pk,
                status_form.cleaned_data["status"],
                acting_user=request.user,
                reason=status_form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            status_form.add_service_error(exc)
        else:
            messages.success(request, "状态已变更")
            return redirect("usage:bank", bank_id=record.pk)
    start, end = _dates(request)
    context = {
        "bank": record,
        "status_form": status_form,
        "may_status": can(request.user, Action.BANK_SET_STATUS),
        "quality": queries.quality(record.org, start, end, request.user),
        "outlets": record.org.bank_outlets.order_by("code"),
        "start": start,
        "end": end,
    }
    return render(request, "usage/bank.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def imports(request):
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_usage(
                upload.read(),
                acting_user=request.user,
                name=upload.name,
                dry_run=form.cleaned_data["dry_run"],
            )
        except ServiceError as exc:
            messages.error(request, f"{exc.message}（{exc.code}）")
            problems = exc.problems
        else:
            verb = "检查通过（未写入）" if result.dry_run else "已导入"
            messages.success(
                request,
                f"{verb}：{result.rows} 行，新增 {result.new_rows}，已导入过 {result.known_rows}",
            )
            return redirect("usage:imports")
    rows = UsageImport.objects.select_related("imported_by")[:100]
    may = can(request.user, Action.USAGE_IMPORT)
    context = {"form": form, "imports": rows, "problems": problems, "may": may}
    return render(request, "usage/imports.html", context)


def _home_org(user):
    org = getattr(user, "org", None)
    return org


@login_required
@require_http_methods(["GET", "POST"])
def venues(request):
    form = forms.VenueForm(request.POST or None)
    org = _home_org(request.user)
    if request.method == "POST" and form.is_valid() and org is not None:
        try:
            services.register_venue(org, acting_user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "已登记")
            return redirect("usage:venues")
    rows = queries.venues_for(request.user)
    kind = request.GET.get("kind", "")
    if kind:
        rows = rows.filter(kind=kind)
    may = can(request.user, Action.VENUE_REGISTER) and org is not None
    return render(request, "usage/venues.html", {"venues": rows[:500], "form": form, "may": may})


@login_required
@require_http_methods(["POST"])
def venue(request, venue_id: int):
    if not queries.venues_for(request.user).filter(pk=venue_id).exists():
        raise Http404("场景门店不存在或不在您的管辖范围内")
    try:
        services.change_venue(venue_id, acting_user=request.user, status=request.POST.get("status"))
    except ServiceError as exc:
        messages.error(request, f"{exc.message}（{exc.code}）")
    else:
        messages.success(request, "状态已更新")
    return redirect("usage:venues")


@login_required
@require_http_methods(["GET", "POST"])
def campaigns(request):
    form = forms.CampaignForm(request.POST or None)
    org = _home_org(request.user)
    organiser = org if org is not None and org.kind in (OrgKind.CENTRE, OrgKind.DISTRICT) else None
    if request.method == "POST" and form.is_valid() and organiser is not None:
        try:
            c = services.create_campaign(organiser, acting_user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"已新建优惠活动：{c.name}")
            return redirect("usage:campaign", campaign_id=c.pk)
    may = can(request.user, Action.CAMPAIGN_CREATE) and organiser is not None
    rows = queries.campaigns_for(request.user)[:200]
    return render(request, "usage/campaigns.html", {"campaigns": rows, "form": form, "may": may})


@login_required
@require_http_methods(["GET", "POST"])
def campaign(request, campaign_id: int):
    record = queries.campaigns_for(request.user).filter(pk=campaign_id).first()
    if record is None:
        raise Http404("优惠活动不存在或不在您的管辖范围内")
    candidates = queries.venues_for(request.user).filter(
        kind=record.scenario, org__path__startswith=record.org.path
    )
    if request.method == "POST":
        chosen = request.POST.getlist("venues")
        try:
            services.change_campaign(record.pk, acting_user=request.user, venues=chosen)
        except ServiceError as exc:
            messages.error(request, f"{exc.message}（{exc.code}）")
        else:
            messages.success(request, "参与门店已更新")
        return redirect("usage:campaign", campaign_id=record.pk)
    context = {
        "campaign": record,
        "figures": queries.campaign_summary(record),
        "candidates": candidates,
        "chosen": set(record.venues.values_list("pk", flat=True)),
        "may": can(request.user, Action.CAMPAIGN_CHANGE, record),
    }
    return render(request, "usage/campaign.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cases(request):
    form = forms.CaseForm(request.POST or None, request.FILES or None)
    org = _home_org(request.user)
    if request.method == "POST" and request.POST.get("select"):
        try:
            services.select_case(int(request.POST["select"]), acting_user=request.user)
        except (ServiceError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", "无效的案例编号"))
        else:
            messages.success(request, "已推选")
        return redirect("usage:cases")
    if request.method == "POST" and form.is_valid() and org is not None:
        try:
            services.submit_case(org, acting_user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "案例已提交")
            return redirect("usage:cases")
    context = {
        "cases": queries.cases_for(request.user)[:200],
        "form": form,
        "may": can(request.user, Action.CASE_SUBMIT) and org is not None,
        "may_select": can(request.user, Action.CASE_SELECT),
    }
    return render(request, "usage/cases.html", context)
