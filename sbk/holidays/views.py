"""Console page of the holiday table (节假日表): a year's days off and worked weekends,
whether the year is known, and the centre's edit form (POST)."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sbk.accounts.policy import can
from sbk.core.catalogue import Action
from sbk.core.errors import ServiceError

from . import services
from .models import DayKind, Holiday, HolidayYear


@login_required
def year(request):
    try:
        number = int(request.GET.get("year", ""))
    except ValueError:
        number = timezone.localdate().year
    number = min(max(number, 1990), 2100)
    return render(
        request,
        "holidays/year.html",
        {
            "year": number,
            "known": HolidayYear.objects.filter(year=number).first(),
            "days": Holiday.objects.filter(day__year=number),
            "kinds": DayKind.choices,
            "may_edit": can(request.user, Action.HOLIDAY_SET),
            "years": list(HolidayYear.objects.values_list("year", flat=True)),
        },
    )


@login_required
@require_POST
def set_day(request):
    try:
        day = dt.date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        messages.error(request, "日期应为 YYYY-MM-DD")
        return redirect("holidays:year")
    try:
        services.set_day(
            day,
            acting_user=request.user,
            kind=request.POST.get("kind", ""),
            name=request.POST.get("name", ""),
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        messages.error(request, f"{exc.message}（{exc.code}）")
    else:
        messages.success(request, f"已保存 {day}")
    return redirect(f"{reverse('holidays:year')}?year={day.year}")
