"""Reads of the operations records: the evaluation's indicators, the terminal count of the
quarterly report (一), the renewal inventory, and the scoped lists of the console and API.

``indicators(org, start, end)`` is the contract the evaluation reads. Keys that can be
None ("not recorded" for the period): ``questionnaire_score`` (no questionnaire),
``unified_maintenance`` (no mode set on or before ``end``, or a bank),
``special_work`` values and ``featured_work`` (no assessment of the period; always None
for an outlet or a bank: the centre assesses districts). Everything else is a number
(0 when nothing happened) or a list (empty).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.apps import apps
from django.db.models import Avg, Count, Q, Sum

from sbk.accounts.models import Role, User
from sbk.accounts.policy import can
from sbk.core.catalogue import Action as A
from sbk.orgs.models import Organisation, OrgKind
from sbk.orgs.scope import scoped

from . import config, rules
from . import text as T
from .models import (
    ApplicationDocument,
    BusinessError,
    CentreAssessment,
    Device,
    DeviceFault,
    Exam,
    ExamResult,
    InfoReport,
    MaintenanceMode,
    MaterialSample,
    Questionnaire,
    Training,
    Tutor,
    WorkOrder,
)
from .models.equipment import DeviceKind, FaultSource
from .models.orders import Source
from .models.records import AssessmentKind, InfoKind, TrainingKind
from .models.sampling import Verdict

SPECIAL_DEVICES = (DeviceKind.PRINTER, DeviceKind.PHOTO)  # seed: 制卡机和照片采集设备
OPERATOR_ROLES = (Role.OUTLET_OPERATOR, Role.BANK_OPERATOR)


def org_filter(org: Organisation, prefix: str = "") -> Q:
    """The organisations an indicator of ``org`` counts: a district's subtree, an outlet
    itself, a bank's outlets (and the bank)."""
    if org.kind == OrgKind.BANK:
        return Q(**{f"{prefix}bank": org}) | Q(**{f"{prefix}pk": org.pk})
    if org.is_outlet:
        return Q(**{f"{prefix}pk": org.pk})
    return Q(**{f"{prefix}path__startswith": org.path})


def _outlets(org: Organisation) -> set[int]:
    """The outlets a training's coverage is measured against: a district's community
    outlets (seed: 覆盖本地区30%以上社区网点), a bank's outlets, an outlet itself."""
    qs = Organisation.objects.filter(org_filter(org), active=True)
    if org.kind == OrgKind.DISTRICT:
        qs = qs.filter(kind=OrgKind.COMMUNITY_OUTLET)
    else:
        qs = qs.filter(
            kind__in=[OrgKind.COMMUNITY_OUTLET, OrgKind.BANK_OUTLET, OrgKind.SERVICE_CENTRE]
        )
    return set(qs.values_list("pk", flat=True))


def _quarters(start: dt.date, end: dt.date) -> list[str]:
    out = []
    for year in range(start.year, end.year + 1):
        for q in range(1, 5):
            b = rules.quarter_bounds(f"{year}Q{q}")
            if b and b[0] >= start and b[1] <= end:
                out.append(f"{year}Q{q}")
    return out


def _orders(org: Organisation, start, end):
    qs = WorkOrder.objects.filter(received_at__date__gte=start, received_at__date__lte=end)
    if org.kind == OrgKind.DISTRICT:
        return qs.filter(district=org)
    return qs.filter(org_filter(org, "outlet__"))


def _trainings(org: Organisation, start, end):
    qs = Training.objects.filter(held_on__gte=start, held_on__lte=end)
    if org.kind == OrgKind.DISTRICT:
        return qs.filter(org_filter(org, "org__"))
    return qs.filter(org_filter(org, "outlets__")).distinct()


def _training_figures(org, start, end) -> list[dict]:
    within = config.report_within_days()
    outlets = _outlets(org)
    out = []
    trainings = (
        _trainings(org, start, end).filter(kind=TrainingKind.TRAINING).order_by("held_on", "pk")
    )
    for t in trainings.prefetch_related("outlets"):
        covered = {o.pk for o in t.outlets.all()} & outlets
        out.append(
            {
                "reported_within_week": (t.reported_on - t.held_on).days <= within,
                "outlet_coverage": round(len(covered) / len(outlets), 4) if outlets else 0.0,
            }
        )
    return out


def _cross_trainings(org, start, end) -> int:
    qs = Training.objects.filter(kind=TrainingKind.CROSS_BANK, held_on__gte=start, held_on__lte=end)
    if org.kind == OrgKind.BANK:
        return qs.filter(bank=org).count()
    return _trainings(org, start, end).filter(kind=TrainingKind.CROSS_BANK).count()


def _tutors(org, year: int) -> tuple[int, int]:
    if org.kind == OrgKind.DISTRICT:
        qs = Tutor.objects.filter(org=org)
    else:
        qs = Tutor.objects.filter(org_filter(org, "outlet__"))
    last = set(qs.filter(year=year - 1).values_list("name", flat=True))
    now = set(qs.filter(year=year).values_list("name", flat=True))
    return len(last), len(last & now)


def _exams(org, start, end) -> list[dict]:
    operators = User.objects.filter(
        org_filter(org, "org__"), role__in=OPERATOR_ROLES, is_active=True
    ).count()
    out = []
    for exam in Exam.objects.filter(held_on__gte=start, held_on__lte=end).order_by("held_on", "pk"):
        got = ExamResult.objects.filter(org_filter(org, "org__"), exam=exam).aggregate(
            n=Count("pk"), avg=Avg("score")
        )
        n = got["n"] or 0
        base = max(operators, n)
        out.append(
            {
                "participation": round(n / base, 4) if base else 0.0,
                "average": round(float(got["avg"]), 2) if got["avg"] is not None else 0.0,
            }
        )
    return out


def devices_in_service(at: dt.date, kinds=SPECIAL_DEVICES):
    """Devices bought by ``at`` and not retired by then (the standby ones included)."""
    return Device.objects.filter(kind__in=kinds, purchase_date__lte=at).filter(
        Q(retired_on__isnull=True) | Q(retired_on__gt=at)
    )


def _devices(org, end) -> tuple[int, int]:
    qs = devices_in_service(end).filter(org_filter(org, "org__"), standby=False)
    cutoff = rules.years_before(end, config.renewal_years())
    return qs.count(), qs.filter(purchase_date__gt=cutoff).count()


def _maintenance(org, end) -> str | None:
    district = org.district() if org.kind != OrgKind.BANK else None
    if district is None:
        return None
    row = (
        MaintenanceMode.objects.filter(org=district, effective_from__lte=end)
        .order_by("-effective_from")
        .first()
    )
    return row.mode if row else None


def _fault_findings(org, start, end) -> int:
    """Unrepaired faults that a citizen or an inspection found (未及时排除), still open at
    the period's end, and repair records found incomplete or irregular; each fault once."""
    unrepaired = Q(source__in=[FaultSource.CITIZEN, FaultSource.INSPECTION]) & (
        Q(repaired_on__isnull=True) | Q(repaired_on__gt=end)
    )
    return (
        DeviceFault.objects.filter(
            org_filter(org, "org__"), reported_on__gte=start, reported_on__lte=end
        )
        .filter(unrepaired | Q(record_complete=False))
        .count()
    )


def _assessments(org, start, end) -> tuple[dict, float | None]:
    special = {"promotion": None, "canteen": None, "application": None}
    if org.kind != OrgKind.DISTRICT:
        return special, None
    rows = (
        CentreAssessment.objects.filter(org=org, start__gte=start, end__lte=end)
        .values("kind")
        .annotate(total=Sum("score"))
    )
    featured = None
    for r in rows:
        if r["kind"] == AssessmentKind.FEATURED:
            featured = float(r["total"])
        else:
            special[r["kind"]] = float(r["total"])
    return special, featured


def indicators(org: Organisation, start: dt.date, end: dt.date) -> dict:
    """The evaluation's figures of a district, an outlet or a bank for [start, end]."""
    in_org = org_filter(org, "org__")
    samples = MaterialSample.objects.filter(
        in_org, draw__quarter__in=_quarters(start, end), verdict__in=[Verdict.PASS, Verdict.FAIL]
    )
    verdicts = Counter(samples.values_list("verdict", flat=True))
    orders = _orders(org, start, end)
    reports = InfoReport.objects.filter(in_org)
    last, retained = _tutors(org, end.year)
    q = Questionnaire.objects.filter(in_org, held_on__gte=start, held_on__lte=end).aggregate(
        avg=Avg("score")
    )
    total, renewed = _devices(org, end)
    special, featured = _assessments(org, start, end)
    return {
        "materials_sampled": verdicts[Verdict.PASS] + verdicts[Verdict.FAIL],
        "materials_passed": verdicts[Verdict.PASS],
        "business_errors": BusinessError.objects.filter(
            in_org, found_on__gte=start, found_on__lte=end
        ).count(),
        "liable_complaints": orders.exclude(source=Source.BAD_REVIEW).filter(liable=True).count(),
        "verified_bad_reviews": orders.filter(source=Source.BAD_REVIEW, verified=True).count(),
        "special_briefings": reports.filter(
            kind=InfoKind.BRIEFING,
            length__gte=T.BRIEFING_MIN_CHARS,
            submitted_on__gte=start,
            submitted_on__lte=end,
        ).count(),
        "flash_reports_adopted": reports.filter(
            kind=InfoKind.FLASH, adopted_on__gte=start, adopted_on__lte=end
        ).count(),
        "trainings": _training_figures(org, start, end),
        "bank_cross_trainings": _cross_trainings(org, start, end),
        "tutors_last_year": last,
        "tutors_retained": retained,
        "questionnaire_score": round(float(q["avg"]), 2) if q["avg"] is not None else None,
        "online_exams": _exams(org, start, end),
        "devices_total": total,
        "devices_renewed_within_5y": renewed,
        "unified_maintenance": _maintenance(org, end),
        "device_fault_findings": _fault_findings(org, start, end),
        "special_work": special,
        "featured_work": featured,
    }


# ------------------------------------------------------------------ terminals (季报(一))
def _terminals(at: dt.date):
    return devices_in_service(at, kinds=(DeviceKind.TERMINAL,)).filter(standby=False)


def terminal_count(division_code: str, at: dt.date) -> int:
    """Read-write terminals in service on ``at`` at organisations whose division code
    starts with ``division_code`` (standby terminals are not in service)."""
    return _terminals(at).filter(org__division_code__startswith=division_code).count()


def terminals_by_division(prefix: str, at: dt.date) -> dict[str, int]:
    """Terminals in service on ``at`` per 6-digit division (those starting with ``prefix``)."""
    rows = (
        _terminals(at)
        .filter(org__division_code__startswith=prefix)
        .values("org__division_code")
        .annotate(n=Count("pk"))
    )
    return {r["org__division_code"]: r["n"] for r in rows}


# ------------------------------------------------------------------ renewal inventory
def renewal_list(user, org: Organisation, at: dt.date) -> list[dict]:
    """设备更新清单: the special devices (not standby) in service at ``at`` bought more than
    the renewal period before, per outlet, within the user's scope."""
    cutoff = rules.years_before(at, config.renewal_years())
    qs = scoped(user, devices_in_service(at)).filter(
        org_filter(org, "org__"), standby=False, purchase_date__lte=cutoff
    )
    return [
        {
            "outlet_code": d.org.code,
            "outlet": d.org.name,
            "kind": d.get_kind_display(),
            "model": d.model,
            "serial_no": d.serial_no,
            "purchase_date": d.purchase_date.isoformat(),
            "years": round((at - d.purchase_date).days / 365.25, 1),
        }
        for d in qs.select_related("org").order_by("org__path", "kind", "purchase_date")
    ]


# ------------------------------------------------------------------ scoped lists
def orders_of(user, state: str = ""):
    qs = scoped(user, WorkOrder.objects.select_related("org", "district", "outlet"))
    return qs.filter(state=state) if state else qs


def devices_of(user):
    return scoped(user, Device.objects.select_related("org"))


def faults_of(user):
    return scoped(user, DeviceFault.objects.select_related("device", "org"))


def trainings_of(user):
    return scoped(user, Training.objects.select_related("org", "bank"))


def reports_of(user):
    return scoped(user, InfoReport.objects.select_related("org"))


def samples_of(user):
    return scoped(user, MaterialSample.objects.select_related("draw", "org"))


def application_documents(user, application_id: int):
    """(application, its document images) when ``user`` may attach the application's
    materials (role and scope: ``document.attach``), else None — the page answers 404."""
    app = (
        apps.get_model("cards", "Application")
        .objects.select_related("person", "outlet", "intake_org")
        .filter(pk=application_id)
        .first()
    )
    if app is None or not can(user, A.DOCUMENT_ATTACH, app):
        return None
    docs = ApplicationDocument.objects.filter(application=app).select_related("uploaded_by")
    return app, list(docs.order_by("id"))


def document_application_id(doc_id: int) -> int | None:
    """The application a document image belongs to (the caller checks the scope)."""
    return (
        ApplicationDocument.objects.filter(pk=doc_id)
        .values_list("application_id", flat=True)
        .first()
    )


def errors_of(user):
    return scoped(user, BusinessError.objects.select_related("org"))


def assessments_of(user):
    return scoped(user, CentreAssessment.objects.select_related("org"))


def tutors_of(user):
    return scoped(user, Tutor.objects.select_related("org"))


def exams_results_of(user):
    return scoped(user, ExamResult.objects.select_related("exam", "org"))


def questionnaires_of(user):
    return scoped(user, Questionnaire.objects.select_related("org"))
