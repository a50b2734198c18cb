"""Endpoints of the other operations records: trainings and exams, the equipment register,
information reports, material sampling, assessments, and the evaluation's indicators."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Schema

from sbk.core.api_types import ErrorOut, Int64
from sbk.core.errors import ServiceError

from .. import queries, services
from ..errors import OpsErrorCode as E
from .common import mutate, org, router


class OpsIdOut(Schema):
    id: int


class OpsCountOut(Schema):
    count: int


def _created(row) -> tuple[int, dict]:
    return 201, {"id": row.pk}


# ------------------------------------------------------------------ trainings and exams
class OpsTrainingIn(Schema):
    org: str
    kind: str = "training"
    held_on: dt.date
    topic: str
    reported_on: dt.date
    outlets: list[str] = []
    bank: str = ""
    materials: str = ""


class OpsTrainingOut(Schema):
    id: int
    org: str
    kind: str
    held_on: dt.date
    topic: str
    reported_on: dt.date
    bank: str | None
    outlets: list[str]


@router.post("/trainings", response={201: OpsIdOut})
def record_training(request, payload: OpsTrainingIn):
    """登记培训 (a district's training of its outlets, or a cross-training with a bank)."""
    user = request.auth

    def act():
        return _created(
            services.record_training(
                acting_user=user,
                org=org(user, payload.org),
                kind=payload.kind,
                held_on=payload.held_on,
                topic=payload.topic,
                reported_on=payload.reported_on,
                outlets=[org(user, c, "网点") for c in payload.outlets],
                bank=org(user, payload.bank, "银行") if payload.bank else None,
                materials=payload.materials,
            )
        )

    return mutate(request, payload, act)


@router.get("/trainings", response=list[OpsTrainingOut])
def trainings(request):
    """Trainings in scope (at most 500)."""
    rows = queries.trainings_of(request.auth).prefetch_related("outlets")[:500]
    return [
        {
            "id": t.pk,
            "org": t.org.code,
            "kind": t.kind,
            "held_on": t.held_on,
            "topic": t.topic,
            "reported_on": t.reported_on,
            "bank": t.bank.code if t.bank_id else None,
            "outlets": [o.code for o in t.outlets.all()],
        }
        for t in rows
    ]


class OpsTutorsIn(Schema):
    org: str
    year: int
    names: list[str]


@router.post("/tutors", response={201: OpsCountOut})
def set_tutors(request, payload: OpsTutorsIn):
    """登记小教员: a district's tutors of a year (replaces the year's list)."""
    user = request.auth

    def act():
        rows = services.set_tutors(
            acting_user=user, org=org(user, payload.org), year=payload.year, names=payload.names
        )
        return 201, {"count": len(rows)}

    return mutate(request, payload, act)


class OpsQuestionnaireIn(Schema):
    org: str
    held_on: dt.date
    respondent: str
    score: float


@router.post("/questionnaires", response={201: OpsIdOut})
def record_questionnaire(request, payload: OpsQuestionnaireIn):
    """现场业务问卷得分."""
    user = request.auth

    def act():
        return _created(
            services.record_questionnaire(
                acting_user=user,
                org=org(user, payload.org),
                held_on=payload.held_on,
                respondent=payload.respondent,
                score=payload.score,
            )
        )

    return mutate(request, payload, act)


class OpsExamIn(Schema):
    code: str
    title: str
    held_on: dt.date


@router.post("/exams", response={201: OpsIdOut})
def create_exam(request, payload: OpsExamIn):
    """新建线上考核 (organised by the caller's organisation)."""
    user = request.auth

    def act():
        home = getattr(user, "org", None)
        if home is None:
            raise ServiceError(E.BAD_ORG, "账户未归属任何机构", field="org")
        return _created(
            services.create_exam(
                acting_user=user,
                org=home,
                code=payload.code,
                title=payload.title,
                held_on=payload.held_on,
            )
        )

    return mutate(request, payload, act)


class OpsExamResultsIn(Schema):
    exam: str
    csv: str  # account,name,org,score (or 账号,姓名,机构代码,成绩)


@router.post("/exams/results", response={201: OpsCountOut})
def import_exam_results(request, payload: OpsExamResultsIn):
    """导入考核成绩 (the exam system's CSV), all or nothing; a re-import replaces scores."""
    user = request.auth

    def act():
        n = services.import_exam_results(acting_user=user, code=payload.exam, text=payload.csv)
        return 201, {"count": n}

    return mutate(request, payload, act)


# ------------------------------------------------------------------ equipment
class OpsDeviceIn(Schema):
    org: str
    kind: str
    model: str
    purchase_date: dt.date
    serial_no: str = ""
    standby: bool = False


class OpsDeviceChangeIn(Schema):
    device: Int64
    status: str | None = None
    standby: bool | None = None
    retired_on: dt.date | None = None


class OpsDeviceOut(Schema):
    id: int
    org: str
    kind: str
    model: str
    serial_no: str
    purchase_date: dt.date
    standby: bool
    status: str
    retired_on: dt.date | None


def _device(d) -> dict:
    return {
        "id": d.pk,
        "org": d.org.code,
        "kind": d.kind,
        "model": d.model,
        "serial_no": d.serial_no,
        "purchase_date": d.purchase_date,
        "standby": d.standby,
        "status": d.condition,
        "retired_on": d.retired_on,
    }


@router.post("/devices", response={201: OpsIdOut})
def register_device(request, payload: OpsDeviceIn):
    """登记设备 (card printer, photo capture device, read-write terminal)."""
    user = request.auth

    def act():
        return _created(
            services.register_device(
                acting_user=user,
                org=org(user, payload.org, "网点"),
                kind=payload.kind,
                model=payload.model,
                purchase_date=payload.purchase_date,
                serial_no=payload.serial_no,
                standby=payload.standby,
            )
        )

    return mutate(request, payload, act)


@router.post("/devices/change", response=OpsDeviceOut)
def change_device(request, payload: OpsDeviceChangeIn):
    """变更设备状态 (in service / faulty / retired) or the standby flag."""
    user = request.auth

    def act():
        d = services.change_device(
            payload.device,
            acting_user=user,
            status=payload.status,
            standby=payload.standby,
            retired_on=payload.retired_on,
        )
        return 200, _device(d)

    return mutate(request, payload, act)


@router.get("/devices", response=list[OpsDeviceOut])
def devices(request):
    """The register in scope (at most 1000)."""
    return [_device(d) for d in queries.devices_of(request.auth)[:1000]]


class OpsRenewalOut(Schema):
    outlet_code: str
    outlet: str
    kind: str
    model: str
    serial_no: str
    purchase_date: str
    years: float


@router.get("/renewals", response={200: list[OpsRenewalOut], 404: ErrorOut})
def renewals(request, org_code: str, at: dt.date | None = None):
    """设备更新清单: printers and photo devices past the renewal age (standby excluded)."""
    user = request.auth
    return queries.renewal_list(user, org(user, org_code), at or timezone.localdate())


class OpsFaultIn(Schema):
    device: Int64
    reported_on: dt.date
    description: str
    source: str = "self"


class OpsRepairIn(Schema):
    fault: Int64
    repaired_on: dt.date
    repair_note: str


class OpsReviewIn(Schema):
    fault: Int64
    complete: bool
    note: str = ""


@router.post("/faults", response={201: OpsIdOut})
def report_fault(request, payload: OpsFaultIn):
    """报修."""
    user = request.auth

    def act():
        return _created(
            services.report_fault(
                payload.device,
                acting_user=user,
                reported_on=payload.reported_on,
                description=payload.description,
                source=payload.source,
            )
        )

    return mutate(request, payload, act)


@router.post("/faults/repair", response=OpsIdOut)
def repair_fault(request, payload: OpsRepairIn):
    """修复."""
    user = request.auth

    def act():
        f = services.repair_fault(
            payload.fault,
            acting_user=user,
            repaired_on=payload.repaired_on,
            repair_note=payload.repair_note,
        )
        return 200, {"id": f.pk}

    return mutate(request, payload, act)


@router.post("/faults/review", response=OpsIdOut)
def review_fault(request, payload: OpsReviewIn):
    """核查报修记录 (complete and regular, or not, with the reason)."""
    user = request.auth

    def act():
        f = services.review_fault(
            payload.fault, acting_user=user, complete=payload.complete, note=payload.note
        )
        return 200, {"id": f.pk}

    return mutate(request, payload, act)


class OpsMaintenanceIn(Schema):
    org: str
    effective_from: dt.date
    mode: str
    note: str = ""


@router.post("/maintenance", response={201: OpsIdOut})
def set_maintenance(request, payload: OpsMaintenanceIn):
    """区运维模式 (full / partial / none) from a date."""
    user = request.auth

    def act():
        return _created(
            services.set_maintenance(
                acting_user=user,
                org=org(user, payload.org),
                effective_from=payload.effective_from,
                mode=payload.mode,
                note=payload.note,
            )
        )

    return mutate(request, payload, act)


# ------------------------------------------------------------------ information reports
class OpsInfoIn(Schema):
    org: str
    kind: str
    title: str
    text: str
    submitted_on: dt.date


class OpsAdoptIn(Schema):
    report: Int64
    adopted_on: dt.date


class OpsInfoOut(Schema):
    id: int
    org: str
    kind: str
    title: str
    length: int
    counts: bool  # a briefing of at least 800 characters
    submitted_on: dt.date
    adopted_on: dt.date | None


def _info(r) -> dict:
    from ..text import BRIEFING_MIN_CHARS

    return {
        "id": r.pk,
        "org": r.org.code,
        "kind": r.kind,
        "title": r.title,
        "length": r.length,
        "counts": r.kind != "briefing" or r.length >= BRIEFING_MIN_CHARS,
        "submitted_on": r.submitted_on,
        "adopted_on": r.adopted_on,
    }


@router.post("/info", response={201: OpsInfoOut})
def submit_info(request, payload: OpsInfoIn):
    """上报工作信息 (the length is counted here)."""
    user = request.auth

    def act():
        r = services.submit_info(
            acting_user=user,
            org=org(user, payload.org),
            kind=payload.kind,
            title=payload.title,
            text=payload.text,
            submitted_on=payload.submitted_on,
        )
        return 201, _info(r)

    return mutate(request, payload, act)


@router.post("/info/adopt", response=OpsInfoOut)
def adopt_info(request, payload: OpsAdoptIn):
    """采用 (the centre)."""
    user = request.auth

    def act():
        r = services.adopt_info(payload.report, acting_user=user, adopted_on=payload.adopted_on)
        return 200, _info(r)

    return mutate(request, payload, act)


@router.get("/info", response=list[OpsInfoOut])
def info(request):
    """Information reports in scope (at most 500)."""
    return [_info(r) for r in queries.reports_of(request.auth)[:500]]
