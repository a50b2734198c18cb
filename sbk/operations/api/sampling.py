"""Endpoints of material sampling (业务材料抽查), the centre's assessments and the
evaluation's indicators."""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from ninja import Schema

from sbk.core.api_types import ErrorOut, Int64
from sbk.core.errors import NotFound, ServiceError

from .. import queries, rules, services
from ..errors import OpsErrorCode as E
from .common import mutate, org, router
from .records import OpsIdOut, _created


# ------------------------------------------------------------------ material sampling
class OpsDocumentIn(Schema):
    application: Int64
    kind: str
    data_base64: str


class OpsDrawIn(Schema):
    district: str
    quarter: str
    seed: str = ""
    size: int | None = None


class OpsDrawOut(Schema):
    id: int
    quarter: str
    seed: str
    population: int
    applications: list[int]


class OpsInspectIn(Schema):
    sample: Int64
    verdict: str
    reason: str = ""


class OpsSampleOut(Schema):
    id: int
    quarter: str
    org: str
    position: int
    application: int
    verdict: str
    reason: str


class OpsErrorIn(Schema):
    transaction: Int64
    found_on: dt.date
    description: str
    sample: Int64 | None = None


def _sample(s) -> dict:
    return {
        "id": s.pk,
        "quarter": s.draw.quarter,
        "org": s.org.code,
        "position": s.position,
        "application": s.application_id,
        "verdict": s.verdict,
        "reason": s.reason,
    }


@router.post("/documents", response={201: OpsIdOut})
def attach_document(request, payload: OpsDocumentIn):
    """上传影像材料 (base64; stored encrypted)."""
    user = request.auth

    def act():
        try:
            data = base64.b64decode(payload.data_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ServiceError(
                E.BAD_DOCUMENT, "data_base64 不是有效的 base64", field="data_base64"
            ) from None
        return _created(
            services.attach_document(
                payload.application, acting_user=user, kind=payload.kind, data=data
            )
        )

    return mutate(request, payload, act)


class OpsDocumentOut(Schema):
    id: int
    application: int
    kind: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    uploaded_by: str


class OpsViewIn(Schema):
    document: Int64
    purpose: str


class OpsDocumentDataOut(OpsDocumentOut):
    media_type: str
    data_base64: str


def _document(d) -> dict:
    return {
        "id": d.pk,
        "application": d.application_id,
        "kind": d.kind,
        "size": d.size,
        "sha256": d.sha256,
        "uploaded_at": d.uploaded_at,
        "uploaded_by": d.uploaded_by.username if d.uploaded_by_id else "",
    }


@router.get("/documents", response={200: list[OpsDocumentOut], 404: ErrorOut})
def application_documents(request, application: Int64):
    """An application's document images: kind, size, digest, upload (never the image)."""
    found = queries.application_documents(request.auth, application)
    if found is None:
        raise NotFound("申请")
    return [_document(d) for d in found[1]]


@router.post("/documents/view", response={200: OpsDocumentDataOut, 404: ErrorOut})
def view_document(request, payload: OpsViewIn):
    """查看影像材料原件 for the stated purpose. A read, not an action (no Idempotency-Key,
    as the registry's reveal): every call is another view and writes an access-log row."""
    doc, data = services.view_document(
        payload.document, acting_user=request.auth, purpose=payload.purpose, channel="api"
    )
    return {
        **_document(doc),
        "media_type": rules.document_format(data) or "application/octet-stream",
        "data_base64": base64.b64encode(data).decode(),
    }


@router.post("/samples/draw", response={201: OpsDrawOut})
def draw_sample(request, payload: OpsDrawIn):
    """抽取业务材料样本 (seeded; the seed is returned and kept)."""
    user = request.auth

    def act():
        d = services.draw_sample(
            acting_user=user,
            org=org(user, payload.district),
            quarter=payload.quarter,
            seed=payload.seed,
            size=payload.size,
        )
        apps = list(d.samples.order_by("position").values_list("application_id", flat=True))
        return 201, {
            "id": d.pk,
            "quarter": d.quarter,
            "seed": d.seed,
            "population": d.population,
            "applications": apps,
        }

    return mutate(request, payload, act)


@router.post("/samples/inspect", response=OpsSampleOut)
def inspect_sample(request, payload: OpsInspectIn):
    """检查样本: pass, or fail with the reason."""
    user = request.auth

    def act():
        s = services.inspect_sample(
            payload.sample, acting_user=user, verdict=payload.verdict, reason=payload.reason
        )
        return 200, _sample(s)

    return mutate(request, payload, act)


@router.get("/samples", response=list[OpsSampleOut])
def samples(request, quarter: str = ""):
    """Samples in scope (at most 1000)."""
    qs = queries.samples_of(request.auth)
    if quarter:
        qs = qs.filter(draw__quarter=quarter)
    return [_sample(s) for s in qs[:1000]]


@router.post("/business-errors", response={201: OpsIdOut})
def record_business_error(request, payload: OpsErrorIn):
    """登记业务差错 with the transaction it concerns."""
    user = request.auth

    def act():
        return _created(
            services.record_business_error(
                acting_user=user,
                transaction_id=payload.transaction,
                found_on=payload.found_on,
                description=payload.description,
                sample_id=payload.sample,
            )
        )

    return mutate(request, payload, act)


# ------------------------------------------------------------------ assessments, indicators
class OpsAssessmentIn(Schema):
    org: str
    kind: str
    start: dt.date
    end: dt.date
    sub_items: dict[str, float] = {}
    score: float | None = None
    declaration: str = ""


@router.post("/assessments", response={201: OpsIdOut})
def record_assessment(request, payload: OpsAssessmentIn):
    """录入中心评估 (special work sub-items, or a featured case with its declaration)."""
    user = request.auth

    def act():
        return _created(
            services.record_assessment(
                acting_user=user,
                org=org(user, payload.org),
                kind=payload.kind,
                start=payload.start,
                end=payload.end,
                sub_items=payload.sub_items,
                score=payload.score,
                declaration=payload.declaration,
            )
        )

    return mutate(request, payload, act)


class OpsTrainingFigureOut(Schema):
    reported_within_week: bool
    outlet_coverage: float


class OpsExamFigureOut(Schema):
    participation: float
    average: float


class OpsSpecialOut(Schema):
    promotion: float | None
    canteen: float | None
    application: float | None


class OpsIndicatorsOut(Schema):
    materials_sampled: int
    materials_passed: int
    business_errors: int
    liable_complaints: int
    verified_bad_reviews: int
    special_briefings: int
    flash_reports_adopted: int
    trainings: list[OpsTrainingFigureOut]
    bank_cross_trainings: int
    tutors_last_year: int
    tutors_retained: int
    questionnaire_score: float | None
    online_exams: list[OpsExamFigureOut]
    devices_total: int
    devices_renewed_within_5y: int
    unified_maintenance: str | None
    device_fault_findings: int
    special_work: OpsSpecialOut
    featured_work: float | None


@router.get("/indicators", response={200: OpsIndicatorsOut, 404: ErrorOut})
def indicators(request, org_code: str, start: dt.date, end: dt.date):
    """The evaluation's figures of a district, an outlet or a bank for a period."""
    user = request.auth
    if end < start:
        raise ServiceError(E.BAD_DATE, "结束日期不能早于开始日期", field="end")
    return queries.indicators(org(user, org_code), start, end)
