"""Export endpoints: the file at once, or 202 with a request that awaits approval.

POST /api/exports/people                      JSON ``{"q", "format", "full", "purpose"}`` (all
                                              optional) → the file, or 202 with the request
                                              filed for approval (above the threshold)
POST /api/exports/requests/{id}/decision      JSON ``{"approve", "note"}`` → the request
POST /api/exports/requests/{id}/download      no body → the approved file, once

Every one of them acts (an audit row, a filed request, a status), so none is a GET, and
every one goes through ``sbk.core.idempotency.run`` (Idempotency-Key): a retry with the
same key gets the first answer back instead of acting twice. For a file the stored answer
holds the file sealed under the current data key (context ``exports.file``), never in
clear, so a retried download gets the same watermarked file, not a refusal.
"""

import base64

from django.http import HttpResponse
from ninja import Router, Schema, Status

from sbk.core import idempotency, keys
from sbk.core.api_types import Int64

from . import services

router = Router(tags=["导出"])

FILE_CONTEXT = "exports.file"
_FILE_SCHEMA = {"type": "string", "format": "binary"}
FILE_ANSWER = {
    "responses": {
        200: {
            "description": "导出文件（Content-Disposition: attachment），格式按 format",
            "content": {
                "text/csv": {"schema": _FILE_SCHEMA},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": _FILE_SCHEMA
                },
                "application/json": {"schema": {"type": "object"}},
            },
        }
    }
}


class ExportIn(Schema):
    q: str = ""
    format: str = "json"
    full: bool = False
    purpose: str = ""


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


def _request_out(req) -> dict:
    out = RequestOut.from_orm(req).model_dump(mode="json")
    out["query"] = req.query_shown  # never the number as typed
    return out


def _sealed(export: services.ExportFile) -> tuple[int, dict]:
    """The file as an answer ``idempotency.run`` can store: JSON, the content sealed."""
    blob = keys.ring().encrypt_bytes(export.content, FILE_CONTEXT)
    return 200, {
        "file": {
            "filename": export.filename,
            "content_type": export.content_type,
            "rows": export.rows,
            "sealed": base64.b64encode(blob).decode(),
        }
    }


def _file(payload: dict) -> HttpResponse:
    f = payload["file"]
    content = keys.ring().decrypt_bytes(base64.b64decode(f["sealed"]), FILE_CONTEXT)
    resp = HttpResponse(content, content_type=f["content_type"])
    resp["Content-Disposition"] = f'attachment; filename="{f["filename"]}"'
    resp["Cache-Control"] = "no-store"
    return resp


@router.post("/people", response={202: RequestOut}, openapi_extra=FILE_ANSWER)
def export_people(request, payload: ExportIn | None = None):
    """Masked by default; ``full: true`` needs ``purpose``. Large exports answer 202."""
    payload = payload or ExportIn()

    def act():
        result = services.export_people(
            acting_user=request.auth,
            query=payload.q,
            fmt=payload.format,
            full=payload.full,
            purpose=payload.purpose,
        )
        if isinstance(result, services.ExportFile):
            return _sealed(result)
        return 202, _request_out(result)

    status, answer = idempotency.run(request, payload.model_dump(mode="json"), act)
    if "file" in answer:
        return _file(answer)
    return Status(status, answer)


@router.post("/requests/{request_id}/decision", response=RequestOut)
def decide(request, request_id: Int64, payload: DecisionIn):
    def act():
        req = services.decide_request(
            request_id, acting_user=request.auth, approve=payload.approve, note=payload.note
        )
        return 200, _request_out(req)

    return idempotency.run(request, payload.model_dump(mode="json"), act)[1]


@router.post("/requests/{request_id}/download", openapi_extra=FILE_ANSWER)
def download(request, request_id: Int64):
    """The approved file, once; a retry with the same Idempotency-Key gets it again."""

    def act():
        return _sealed(services.download_request(request_id, acting_user=request.auth))

    return _file(idempotency.run(request, {}, act)[1])
