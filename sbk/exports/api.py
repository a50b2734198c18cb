"""Export endpoints: the file at once, or 202 with a request that awaits approval."""

from django.http import HttpResponse
from ninja import Router, Schema, Status

from . import services

router = Router(tags=["导出"])


class RequestOut(Schema):
    id: int
    status: str
    row_count: int
    fmt: str
    query: str
    full: bool


class DecisionIn(Schema):
    approve: bool
    note: str = ""


def _file(export: services.ExportFile) -> HttpResponse:
    resp = HttpResponse(export.content, content_type=export.content_type)
    resp["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    resp["Cache-Control"] = "no-store"
    return resp


@router.get("/people", response={202: RequestOut})
def export_people(
    request, q: str = "", format: str = "json", full: bool = False, purpose: str = ""
):
    """Masked by default; ``full=true`` needs ``purpose``. Large exports answer 202."""
    result = services.export_people(
        acting_user=request.auth, query=q, fmt=format, full=full, purpose=purpose
    )
    if isinstance(result, services.ExportFile):
        return _file(result)
    return Status(202, result)


@router.post("/requests/{request_id}/decision", response=RequestOut)
def decide(request, request_id: int, payload: DecisionIn):
    return services.decide_request(
        request_id, acting_user=request.auth, approve=payload.approve, note=payload.note
    )


@router.get("/requests/{request_id}/download")
def download(request, request_id: int):
    return _file(services.download_request(request_id, acting_user=request.auth))
