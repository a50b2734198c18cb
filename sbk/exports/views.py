"""Console pages for exports: ask for one, decide on others', download an approved one.

Every page that acts (an export, a decision, a download: each one an audit row) answers
POST only; a GET shows a form whose button posts, with the CSRF token.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sbk.core.errors import NotFound, ServiceError
from sbk.registry.queries import search_people

from . import services
from .forms import DecisionForm, ExportForm
from .models import ExportStatus


def _file_response(export: services.ExportFile) -> HttpResponse:
    resp = HttpResponse(export.content, content_type=export.content_type)
    resp["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    resp["Cache-Control"] = "no-store"
    return resp


@login_required
def people_export(request):
    q = (request.GET.get("q") or request.POST.get("q") or "").strip()
    form = ExportForm(request.POST or None, initial={"q": q, "fmt": "xlsx"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.export_people(
                acting_user=request.user,
                query=data["q"],
                fmt=data["fmt"],
                full=data["full"],
                purpose=data["purpose"],
            )
        except ServiceError as exc:
            form.add_error(None, f"{exc.message}（{exc.code}）")
        else:
            if isinstance(result, services.ExportFile):
                return _file_response(result)
            messages.success(
                request,
                f"共 {result.row_count} 行，超过 {settings.SBK_EXPORT_APPROVAL_ROWS} 行，"
                "已提交审批；批准后可在此下载。",
            )
            return redirect("exports:requests")
    count = search_people(request.user, q).count()
    return render(
        request,
        "exports/people_export.html",
        {
            "form": form,
            "q": q,
            "count": count,
            "limit": settings.SBK_EXPORT_APPROVAL_ROWS,
        },
    )


@login_required
def requests(request):
    reqs = list(services.visible_requests(request.user)[:200])
    for r in reqs:
        r.can_decide = r.status == ExportStatus.REQUESTED and services.can_approve(request.user, r)
        r.can_download = r.status == ExportStatus.APPROVED and r.requested_by_id == request.user.pk
    return render(request, "exports/requests.html", {"reqs": reqs, "decision_form": DecisionForm()})


@login_required
@require_POST
def decide(request, request_id, verdict):
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.decide_request(
            request_id, acting_user=request.user, approve=verdict == "approve", note=note
        )
    except NotFound as exc:
        raise Http404(exc.message) from None  # out of scope: as if it did not exist
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已批准" if verdict == "approve" else "已驳回")
    return redirect("exports:requests")


@login_required
@require_POST
def download(request, request_id):
    try:
        export = services.download_request(request_id, acting_user=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("exports:requests")
    return _file_response(export)
