"""The photo check console page: upload at the counter, see the verdict with the
annotated preview, auto-fix, recent checks with the pass rate. Views translate HTTP to
the photo services and queries, nothing more."""

from __future__ import annotations

import base64
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from sbk.core.errors import NotFound, ServiceError
from sbk.orgs.scope import visible_orgs

from . import queries, services
from .api import check_for, jpeg_response, person_for, read_upload
from .models import Channel, OverrideReason

RECENT = 20
STATS_DAYS = 30


def _person_or_404(user, person_id):
    try:
        return person_for(user, person_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _check_or_404(user, check_id):
    try:
        return check_for(user, check_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _page(request, *, person=None, status=200):
    user = request.user
    orgs = visible_orgs(user)
    since = timezone.localdate() - dt.timedelta(days=STATS_DAYS - 1)
    recent = queries.scoped_checks(user)
    if person is not None:
        recent = recent.filter(person=person)
    context = {
        "person": person,
        "channels": Channel.choices,
        "recent": recent[:RECENT],
        "stats_all": queries.pass_rate(orgs),
        "stats_recent": queries.pass_rate(orgs, since, None),
        "recaptures": queries.recapture_counts(orgs, since, None),
        "stats_days": STATS_DAYS,
    }
    return render(request, "photos/check.html", context, status=status)


@login_required
def check_page(request):
    """GET: the upload form, recent checks and pass rate. POST: check and store, then show
    the verdict (redirect to the check's page)."""
    user = request.user
    if request.method != "POST":
        return _page(request, person=_person_or_404(user, _int(request.GET.get("person"))))
    person = _person_or_404(user, _int(request.POST.get("person")))
    upload = request.FILES.get("file")
    try:
        data = read_upload(upload)
        filename = upload.name if request.POST.get("check_name") and person else None
        check = services.record_check(
            acting_user=user,
            data=data,
            person=person,
            channel=request.POST.get("channel") or Channel.COUNTER,
            filename=filename,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _page(request, person=person, status=400)
    return redirect("photos:detail", check_id=check.pk)


def _shown(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, (list, tuple)):
        return "×".join(_shown(v) for v in value) if value else "无"
    return str(value)


def _detail(request, check, **extra):
    verdict = services.stored_verdict(check)
    rows = [
        {
            "rule": r.rule,
            "title": r.title,
            "status": r.status,
            "expected": r.expected,
            "actual": _shown(r.actual),
            "message": r.message,
        }
        for r in verdict.results
    ]
    from sbk.accounts.policy import can
    from sbk.core.catalogue import Action

    context = {
        "check": check,
        "verdict": verdict,
        "rows": rows,
        "can_override": services.overridable(check)
        and can(request.user, Action.PHOTO_OVERRIDE, check),
        "override_reasons": OverrideReason.choices,
        **extra,
    }
    return render(request, "photos/detail.html", context, status=extra.pop("status", 200))


@login_required
def check_detail(request, check_id):
    return _detail(request, _check_or_404(request.user, check_id))


@login_required
@require_POST
def check_fix(request, check_id):
    """自动修正: run the fixer on the stored photo; show the result inline, or download it
    (``download=1``) named by the convention when the person is known."""
    check = _check_or_404(request.user, check_id)
    try:
        fixed = services.fix(
            acting_user=request.user,
            data=services.photo_bytes(check),
            person=check.person,
            stem=f"photo-{check.pk}",
        )
    except ServiceError as exc:
        return _detail(request, check, fix_error=exc)
    if request.POST.get("download"):
        return jpeg_response(fixed)
    return _detail(
        request,
        check,
        fixed=fixed,
        fixed_src="data:image/jpeg;base64," + base64.b64encode(fixed.jpeg).decode(),
    )


@login_required
@require_POST
def check_override(request, check_id):
    """人工放行: the operator accepts a photo that fails only rules about the person."""
    check = _check_or_404(request.user, check_id)
    try:
        services.override_check(
            acting_user=request.user,
            check_id=check.pk,
            reason=request.POST.get("reason", ""),
            text=request.POST.get("text", ""),
        )
    except ServiceError as exc:
        return _detail(request, check, override_error=exc, status=400)
    messages.success(request, "已人工放行该照片，放行记录已存档")
    return redirect("photos:detail", check_id=check.pk)
