"""Business material sampling (业务材料抽查): document images sealed like photos, the seeded
quarterly draw per district, the inspectors' verdicts, business errors with their
transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from sbk.accounts.policy import can, ensure
from sbk.core import audit
from sbk.core.actions import atomic, record
from sbk.core.catalogue import Action as A
from sbk.core.errors import NotFound, ServiceError
from sbk.core.files import read_encrypted, save_encrypted
from sbk.orgs.models import Organisation

from .. import config, rules
from ..errors import OpsErrorCode as E
from ..models import ApplicationDocument, BusinessError, MaterialSample, SampleDraw
from ..models.sampling import DocumentKind, Verdict
from .common import locked, need_district, need_past, need_text, staff

DOCUMENT_CONTEXT = "operations.document"
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def _application(pk: int):
    app = apps.get_model("cards", "Application").objects.filter(pk=pk).first()
    if app is None:
        raise NotFound("申请")
    return app


@atomic
def attach_document(application_id: int, *, acting_user, kind: str, data: bytes):
    """上传影像材料: an application's ID document or authorisation, encrypted at rest."""
    ensure(acting_user, A.DOCUMENT_ATTACH)
    app = _application(application_id)
    ensure(acting_user, A.DOCUMENT_ATTACH, app)
    if kind not in DocumentKind.values:
        raise ServiceError(E.BAD_KIND, "材料类型须为 id_document/authorisation/other", field="kind")
    if not data or len(data) > MAX_DOCUMENT_BYTES:
        raise ServiceError(E.BAD_DOCUMENT, "影像材料为空或超过 10 MB", field="file")
    if rules.document_format(data) is None:
        raise ServiceError(E.BAD_DOCUMENT, "影像材料须为 JPEG、PNG 或 PDF 文件", field="file")
    now = timezone.now()
    rel = f"documents/{now:%Y/%m}/{uuid.uuid4().hex}.bin"
    save_encrypted(rel, data, DOCUMENT_CONTEXT)
    doc = ApplicationDocument.objects.create(
        application=app,
        org=app.intake_org or app.outlet,
        kind=kind,
        path=rel,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        uploaded_at=now,
        uploaded_by=staff(acting_user),
    )
    record(A.DOCUMENT_ATTACH, acting_user=acting_user, obj=doc, after={"kind": kind})
    return doc


def view_document(document_id: int, *, acting_user, purpose: str, channel: str = "console"):
    """查看影像材料: the decrypted image of an application's document, for a stated purpose.
    Whoever may attach an application's materials may see them, in their scope; every view
    is an access-log row (an ID document shows the full number). Returns (document, bytes)."""
    ensure(acting_user, A.DOCUMENT_ATTACH)
    purpose = (purpose or "").strip()
    if not purpose:
        raise ServiceError(
            E.PURPOSE_REQUIRED, "查看影像材料须说明用途（办理事项）", field="purpose"
        )
    doc = (
        ApplicationDocument.objects.select_related("application", "application__person")
        .filter(pk=document_id)
        .first()
    )
    if doc is None:
        raise NotFound("影像材料")
    if not can(acting_user, A.DOCUMENT_ATTACH, doc.application):
        raise NotFound("影像材料")  # outside the scope: as if it did not exist
    audit.record_access(
        user=acting_user,
        obj=doc,
        purpose=purpose,
        label=f"{doc.get_kind_display()} · {doc.application.person.id_masked}"[:64],
        channel=channel,
    )
    return doc, read_encrypted(doc.path, DOCUMENT_CONTEXT)


def population(district: Organisation, start: dt.date, end: dt.date) -> list[int]:
    """The applications taken in at the district's outlets (submitted in the period)."""
    Application = apps.get_model("cards", "Application")
    p = district.path
    return list(
        Application.objects.filter(
            submitted_at__date__gte=start,
            submitted_at__date__lte=end,
        )
        .filter(
            Q(intake_org__path__startswith=p)
            | Q(intake_org__isnull=True, outlet__path__startswith=p)
        )
        .values_list("pk", flat=True)
    )


@atomic
def draw_sample(
    *, acting_user, org: Organisation, quarter: str, seed: str = "", size: int | None = None
) -> SampleDraw:
    """抽取样本: a reproducible random sample of the district's applications of the quarter.
    The seed is kept with the draw; the same seed over the same applications gives the
    same sample (``rules.draw``)."""
    ensure(acting_user, A.SAMPLE_DRAW, org)
    need_district(org)
    bounds = rules.quarter_bounds(quarter)
    if bounds is None:
        raise ServiceError(E.BAD_QUARTER, "季度应为 YYYYQn，如 2026Q1", field="quarter")
    if bounds[1] >= timezone.localdate() + dt.timedelta(days=92):
        raise ServiceError(E.BAD_QUARTER, "不能抽取未来季度", field="quarter")
    if SampleDraw.objects.filter(org=org, quarter=quarter).exists():
        raise ServiceError(E.ALREADY_DRAWN, f"{org.name}{quarter}已抽取", field="quarter")
    size = config.sample_size() if size is None else int(size)
    if size < 1:
        raise ServiceError(E.BAD_KIND, "抽取数须大于 0", field="size")
    seed = (seed or "").strip()[:64] or secrets.token_hex(8)
    ids = population(org, *bounds)
    chosen = rules.draw(ids, seed, size)
    d = SampleDraw.objects.create(
        org=org,
        quarter=quarter,
        seed=seed,
        size=len(chosen),
        population=len(set(ids)),
        drawn_at=timezone.now(),
        drawn_by=staff(acting_user),
    )
    Application = apps.get_model("cards", "Application")
    by_pk = Application.objects.in_bulk(chosen)
    MaterialSample.objects.bulk_create(
        [
            MaterialSample(
                draw=d,
                application_id=pk,
                org_id=by_pk[pk].intake_org_id or by_pk[pk].outlet_id,
                position=n,
            )
            for n, pk in enumerate(chosen, start=1)
        ]
    )
    record(
        A.SAMPLE_DRAW,
        acting_user=acting_user,
        obj=d,
        after={"seed": seed, "population": d.population, "sample": chosen},
    )
    return d


@atomic
def inspect_sample(
    sample_id: int, *, acting_user, verdict: str, reason: str = "", on: dt.date | None = None
) -> MaterialSample:
    """检查: pass, or fail with the reason."""
    s = locked(acting_user, MaterialSample.objects, sample_id, "样本", A.SAMPLE_INSPECT)
    ensure(acting_user, A.SAMPLE_INSPECT, s)
    if s.verdict != Verdict.PENDING:
        raise ServiceError(E.NOT_PENDING, "该样本已检查", field="verdict")
    if verdict not in (Verdict.PASS, Verdict.FAIL):
        raise ServiceError(E.BAD_KIND, "结论须为 pass 或 fail", field="verdict")
    if verdict == Verdict.FAIL:
        reason = need_text(reason, "reason", "不合格原因")
    s.verdict, s.reason = verdict, reason or ""
    s.inspector, s.inspected_on = staff(acting_user), on or timezone.localdate()
    s.save()
    record(
        A.SAMPLE_INSPECT, acting_user=acting_user, obj=s, after={"verdict": verdict}, reason=reason
    )
    return s


@atomic
def record_business_error(
    *,
    acting_user,
    transaction_id: int,
    found_on: dt.date,
    description: str,
    sample_id: int | None = None,
) -> BusinessError:
    """登记业务差错: the outlet that made it is the transaction's."""
    ensure(acting_user, A.BUSINESS_ERROR_RECORD)
    txn = apps.get_model("cards", "ServiceTransaction").objects.filter(pk=transaction_id).first()
    if txn is None or txn.outlet_id is None:
        raise NotFound("业务办理记录")
    outlet = txn.outlet
    ensure(acting_user, A.BUSINESS_ERROR_RECORD, outlet)
    sample = None
    if sample_id is not None:
        sample = MaterialSample.objects.filter(pk=sample_id).first()
        if sample is None:
            raise NotFound("样本")
    err = BusinessError.objects.create(
        org=outlet,
        transaction=txn,
        found_on=need_past(found_on, "found_on", "发现日期"),
        description=need_text(description, "description", "差错情况"),
        sample=sample,
        recorded_by=staff(acting_user),
    )
    record(A.BUSINESS_ERROR_RECORD, acting_user=acting_user, obj=err, after={"txn": txn.pk})
    return err
