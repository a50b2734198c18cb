"""Console pages of an application's document images (申领影像材料): the list and the
upload beside the application, and the full view, which states its purpose and is logged
(a POST: reading an ID document's image is an access-log row, and GET never writes)."""

from __future__ import annotations

import base64

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from sbk.core.catalogue import Action as A
from sbk.core.errors import NotFound, ServiceError

from . import forms as F
from . import queries, rules, services
from .errors import OpsErrorCode as E
from .models.sampling import DocumentKind
from .views import page


def _forms():
    return [
        F.Form(
            "document",
            "上传影像材料",
            A.DOCUMENT_ATTACH,
            [
                ("kind", "材料类型", "select", DocumentKind.choices),
                ("file", "影像文件（JPEG、PNG 或 PDF，不超过 10 MB）", "file"),
            ],
        ),
    ]


@login_required
@require_http_methods(["GET", "POST"])
def application_documents(request, app_id: int):
    found = queries.application_documents(request.user, app_id)
    if found is None:
        raise Http404(NotFound("申请").message)
    app, docs = found

    def attach(user, post, files):
        upload = files.get("file")
        if upload is None:
            raise ServiceError(E.BAD_DOCUMENT, "请选择影像文件", field="file")
        services.attach_document(
            app.pk, acting_user=user, kind=post.get("kind", ""), data=upload.read()
        )
        return "已上传（加密保存）"

    return page(
        request,
        "operations/documents.html",
        _forms(),
        {"document": attach},
        {"app": app, "docs": docs},
        reverse("operations:application_documents", args=[app.pk]),
    )


@login_required
@require_POST
def document_view(request, doc_id: int):
    """The image itself, for the purpose stated (查看原件); a PDF is sent as a file."""
    try:
        doc, data = services.view_document(
            doc_id, acting_user=request.user, purpose=request.POST.get("purpose", "")
        )
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ServiceError as exc:
        app_id = queries.document_application_id(doc_id) or 0
        found = queries.application_documents(request.user, app_id)
        if found is None:
            raise Http404(NotFound("影像材料").message) from None
        app, docs = found
        context = {"app": app, "docs": docs, "error": exc, "error_doc": doc_id}
        return render(
            request,
            "operations/documents.html",
            {**context, "forms": F.allowed(request.user, _forms())},
            status=400,
        )
    media_type = rules.document_format(data)
    if media_type == "application/pdf":
        response = HttpResponse(data, content_type=media_type)
        response["Content-Disposition"] = f'attachment; filename="document-{doc.pk}.pdf"'
        response["Cache-Control"] = "no-store"
        return response
    response = render(
        request,
        "operations/document_view.html",
        {
            "doc": doc,
            "app": doc.application,
            "src": f"data:{media_type};base64,{base64.b64encode(data).decode()}",
        },
    )
    response["Cache-Control"] = "no-store"
    return response
