"""Photo endpoints: translate HTTP to the photo services, nothing more.

POST /api/photos/check                      multipart ``file`` (+ ``person_id``, ``channel``,
                                            ``check_name``) → the verdict (the CLI's JSON
                                            object + ``results``), the stored check's ``id``
                                            and ``preview_url``. Idempotency-Key accepted.
GET  /api/photos/checks/{id}                the stored check
GET  /api/photos/checks/{id}/preview.png    the annotated preview (PNG)
POST /api/photos/checks/{id}/override     JSON ``reason`` (OverrideReason) + ``text``: an
                                            operator accepts a photo failing only rules
                                            about the person (人工放行). Idempotency-Key.
POST /api/photos/fix                        multipart ``file`` (+ ``person_id``) → the fixed
                                            JPEG, or 422 with every reason in Chinese.
                                            Nothing is stored, so a retry is harmless.
GET  /api/photos/stats                      pass rate and recaptures in the caller's scope
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import PurePath
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from ninja import Field, File, Form, Router, Schema, UploadedFile

from sbk.core import idempotency
from sbk.core.api_types import ErrorOut, Int64, IsoDate
from sbk.core.errors import NotFound, ServiceError
from sbk.orgs.scope import get_scoped, visible_orgs

from . import queries, services
from .config import MAX_UPLOAD_BYTES
from .errors import PhotoErrorCode as E
from .models import OverrideReason, PhotoCheck
from .rules import KB

router = Router(tags=["证件照检测"])


class FailureOut(Schema):
    rule: str
    expected: str
    actual: Any
    message: str


class RuleResultOut(Schema):
    rule: str
    title: str
    status: str = Field(description="pass / fail / skip")
    expected: str
    actual: Any
    message: str


class PhotoCheckOut(Schema):
    """The verdict (``sbk photo check --json``'s object plus every rule) and the stored check."""

    file: str | None
    ok: bool
    measurements: dict[str, Any]
    failures: list[FailureOut]
    results: list[RuleResultOut]
    id: int
    at: str = Field(json_schema_extra={"format": "date-time"})
    channel: str
    org_code: str
    person_id: int | None
    recapture: bool
    preview_url: str
    warnings: list[FailureOut] = []
    overridden: bool = False
    override_reason: str = ""
    override_text: str = ""
    overridden_by: str | None = None
    overridden_at: str | None = Field(None, json_schema_extra={"format": "date-time"})
    overridable: bool = False


class OverrideIn(Schema):
    # plain strings: the service refuses a bad reason or text with its own error code
    # (and a check out of scope is a 404 before the body is looked at)
    reason: str = Field(
        description="放行原因: "
        + ", ".join(f"{v} ({label})" for v, label in OverrideReason.choices)
    )
    text: str = Field("", description="放行说明（至少 4 个字，至多 200 个字）")


class OrgRateOut(Schema):
    org_id: int | None
    code: str
    name: str
    kind: str
    total: int
    passed: int
    rate: float | None
    rate_pct: float | None
    overridden: int = 0
    accepted: int = 0
    accepted_pct: float | None = None


class PassRateOut(Schema):
    total: int
    passed: int
    rate: float | None
    rate_pct: float | None
    overridden: int = Field(0, description="人工放行的不合格照片（不计入合格率）")
    accepted: int = 0
    accepted_pct: float | None = None
    by_outlet: list[OrgRateOut]
    by_district: list[OrgRateOut]


class OrgRecapturesOut(Schema):
    org_id: int | None
    code: str
    name: str
    kind: str
    checks: int
    recaptures: int
    persons: int


class RecapturesOut(Schema):
    checks: int
    recaptures: int
    persons: int
    by_outlet: list[OrgRecapturesOut]
    by_district: list[OrgRecapturesOut]


class StatsOut(Schema):
    start: dt.date | None
    end: dt.date | None
    pass_rate: PassRateOut
    recaptures: RecapturesOut


def _binary(content_type: str, description: str) -> dict:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


def read_upload(upload) -> bytes:
    if upload is None:
        raise ServiceError(E.FILE_REQUIRED, "请上传照片文件", field="file")
    if upload.size and upload.size > MAX_UPLOAD_BYTES:
        raise ServiceError(
            E.FILE_TOO_LARGE, f"照片文件过大，上限 {MAX_UPLOAD_BYTES // KB // KB} MB", field="file"
        )
    return upload.read()


def person_for(user, person_id: int | None):
    if not person_id:
        return None
    from sbk.registry.queries import scoped_people

    person = scoped_people(user).filter(pk=person_id).first()
    if person is None:
        raise NotFound("持卡人")
    return person


def check_for(user, check_id: int) -> PhotoCheck:
    return get_scoped(
        user,
        PhotoCheck.objects.select_related("org", "person", "overridden_by"),
        "照片检测记录",
        id=check_id,
    )


def check_payload(check: PhotoCheck, verdict=None, file: str | None = None) -> dict:
    verdict = verdict or services.stored_verdict(check)
    out = services.verdict_json(verdict, file=file)
    out.update(
        id=check.pk,
        at=check.at.isoformat(),
        channel=check.channel,
        org_code=check.org.code,
        person_id=check.person_id,
        recapture=check.recapture,
        preview_url=reverse("api:photo_preview", args=[check.pk]),
        overridden=check.overridden,
        override_reason=check.override_reason,
        override_text=check.override_text,
        overridden_by=check.overridden_by.username if check.overridden_by_id else None,
        overridden_at=check.overridden_at.isoformat() if check.overridden_at else None,
        overridable=services.overridable(check),
    )
    return out


@router.post("/check", url_name="photo_check", response=PhotoCheckOut)
def check(
    request,
    file: File[UploadedFile],
    person_id: Form[Int64 | None] = None,
    channel: Form[str] = "counter",
    check_name: Form[bool] = False,
):
    """Check one photo and store the check. ``check_name``: also check the file name
    against the convention (needs ``person_id``)."""
    user = request.auth
    data = read_upload(file)
    person = person_for(user, person_id)
    body = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "person_id": person_id,
        "channel": channel,
        "check_name": check_name,
        "file": file.name,
    }
    filename = file.name if check_name else None
    # the models run before the transaction opens (a replay pays them again, harmlessly)
    verdict = services.evaluate(data, person=person, filename=filename)

    def act():
        stored = services.record_check(
            acting_user=user,
            data=data,
            person=person,
            channel=channel,
            filename=filename,
            verdict=verdict,
        )
        return 200, check_payload(stored, verdict, file=file.name)

    return idempotency.run(request, body, act)[1]


@router.get("/checks/{check_id}", url_name="photo_check_detail", response=PhotoCheckOut)
def check_detail(request, check_id: Int64):
    return check_payload(check_for(request.auth, check_id))


@router.post("/checks/{check_id}/override", url_name="photo_override", response=PhotoCheckOut)
def override(request, check_id: Int64, payload: OverrideIn):
    """人工放行: accept a photo that fails only rules about the person (head covering,
    tinted lenses, white top, uniform, expression, pose, head size) with a reason and an
    explanation; audited, shown on the application, counted apart in the pass rate."""
    user = request.auth
    check_for(user, check_id)  # another scope's check is a 404, before anything else
    body = {"check_id": check_id, "reason": payload.reason, "text": payload.text}

    def act():
        done = services.override_check(
            acting_user=user, check_id=check_id, reason=payload.reason, text=payload.text
        )
        return 200, check_payload(check_for(user, done.pk))

    return idempotency.run(request, body, act)[1]


@router.get(
    "/checks/{check_id}/preview.png",
    url_name="photo_preview",
    openapi_extra=_binary("image/png", "标注了测量结果的预览图（PNG）"),
)
def preview(request, check_id: Int64):
    png = services.preview_png(check_for(request.auth, check_id))
    resp = HttpResponse(png, content_type="image/png")
    resp["Cache-Control"] = "private, no-store"
    return resp


def jpeg_response(fixed: services.Fixed) -> HttpResponse:
    resp = HttpResponse(fixed.jpeg, content_type="image/jpeg")
    resp["Content-Disposition"] = content_disposition_header(True, fixed.file_name)
    resp["Cache-Control"] = "private, no-store"
    return resp


@router.post(
    "/fix",
    url_name="photo_fix",
    response={200: None, 422: ErrorOut},
    openapi_extra=_binary("image/jpeg", "合规的证件照（JPEG）"),
)
def fix(request, file: File[UploadedFile], person_id: Form[Int64 | None] = None):
    """A compliant JPEG made from the upload (named by the convention when the person is
    given), or 422 with the reasons."""
    user = request.auth
    data = read_upload(file)
    fixed = services.fix(
        acting_user=user,
        data=data,
        person=person_for(user, person_id),
        stem=PurePath(file.name or "photo").stem or "photo",
    )
    return jpeg_response(fixed)


@router.get("/stats", url_name="photo_stats", response=StatsOut)
def stats(request, start: IsoDate | None = None, end: IsoDate | None = None):
    """Pass rate and recaptures per outlet and district in the caller's scope; ``start`` and
    ``end`` are dates, both included."""
    orgs = visible_orgs(request.auth)
    return {
        "start": start,
        "end": end,
        "pass_rate": queries.pass_rate(orgs, start, end),
        "recaptures": queries.recapture_counts(orgs, start, end),
    }
