"""The applicant's page of the handling assistant (网上服务 · 政策问答): the same answers
from the public documents above the applicant's organisation, each citing its passage."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sbk.core.errors import ServiceError
from sbk.portal.views import applicant_required

from . import receipts, services
from .forms import AskForm
from .views import _document_page, citations

EXAMPLES = ["社保卡丢了怎么补办", "照片有什么要求", "外国人永久居留身份证能办社保卡吗"]


@applicant_required
@require_http_methods(["GET", "POST"])
def ask(request):
    form = AskForm(request.POST or None)
    answer, error = None, None
    if request.method == "POST" and form.is_valid():
        try:
            answer = services.ask(
                form.cleaned_data["question"], user=request.user, channel="portal"
            )
        except ServiceError as exc:
            error = exc.message
    return render(
        request,
        "assistant/portal_ask.html",
        {
            "form": form,
            "answer": answer,
            "citations": citations(answer, "assistant_portal:document") if answer else [],
            "receipt": receipts.for_answer(answer, request.user) if answer else None,
            "error": error,
            "examples": EXAMPLES,
        },
    )


@applicant_required
@require_POST
def report_wrong(request):
    """答非所问: the answer on the page did not answer the applicant's question (the form
    carries the answer's receipt); it joins the centre's unanswered list."""
    try:
        services.report_wrong_answer(acting_user=request.user, receipt=request.POST.get("receipt"))
    except ServiceError as exc:
        messages.error(request, f"{exc.message}（{exc.code}）")
    else:
        messages.success(
            request,
            "已收到您的反馈，工作人员会补充相关政策说明。"
            "如需帮助，请拨打 12333 或到就近受理网点咨询。",
        )
    return redirect("assistant_portal:ask")


@applicant_required
@require_GET
def document(request, document_id):
    return _document_page(request, document_id, "assistant/portal_document.html")
