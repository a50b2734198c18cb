"""Exports of personal data: logged, watermarked, masked by default, large ones approved.

``export_people`` gives the file at once when it has at most ``SBK_EXPORT_APPROVAL_ROWS``
rows; above that it files an ``ExportRequest`` that a second authorised user (an
administrator, not the requester, with scope over the requester's organisation) approves
or rejects; the requester then downloads it once. Full numbers need a stated purpose.
Every step is one action (``EXPORT_PEOPLE``, ``EXPORT_REQUEST``, ``EXPORT_APPROVE`` /
``EXPORT_REJECT``, ``EXPORT_DOWNLOAD``) with its audit row; who may do it is the policy's
answer (``sbk.accounts.policy``). The filter is recorded in the audit row and the
watermark as ``shown_query`` gives it: a whole document number masked.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sbk.accounts.policy import can, ensure, role_may, role_of
from sbk.core import actions
from sbk.core.catalogue import Action
from sbk.core.errors import Forbidden, NotFound, ServiceError
from sbk.registry.queries import search_people, shown_query

from .errors import ExportErrorCode as E
from .models import ExportRequest, ExportStatus
from .writers import FORMATS, Watermark, render

PEOPLE_COLUMNS = [
    ("name", "姓名"),
    ("doc_type", "证件类型"),
    ("id_number", "证件号码"),
    ("gender", "性别"),
    ("birth_date", "出生日期"),
    ("phone", "联系电话"),
    ("category", "人员类别"),
    ("org_code", "经办机构代码"),
    ("org_name", "经办机构"),
    ("status", "状态"),
]
FULL_EXTRA = [("address", "地址")]


@dataclass
class ExportFile:
    content: bytes
    filename: str
    content_type: str
    rows: int


def _check(fmt: str, full: bool, purpose: str) -> str:
    if fmt not in FORMATS:
        raise ServiceError(E.EXPORT_FORMAT, f"导出格式应为 {'、'.join(FORMATS)}", field="fmt")
    purpose = (purpose or "").strip()
    if full and not purpose:
        raise ServiceError(E.PURPOSE_REQUIRED, "导出完整号码须说明用途", field="purpose")
    return purpose


def _people_rows(user, query: str, full: bool) -> list[dict]:
    rows = []
    for p in search_people(user, query).select_related("org").iterator(chunk_size=2000):
        row = {
            "name": p.name,
            "doc_type": p.get_doc_type_display(),
            "id_number": p.id_number if full else p.id_masked,
            "gender": p.get_gender_display(),
            "birth_date": p.birth_date.isoformat() if p.birth_date else "",
            "phone": p.phone if full else p.phone_masked,
            "category": p.get_category_display(),
            "org_code": p.org.code,
            "org_name": p.org.name,
            "status": p.get_status_display(),
        }
        if full:
            row["address"] = p.address
        rows.append(row)
    return rows


def _build(user, *, query: str, fmt: str, full: bool) -> ExportFile:
    rows = _people_rows(user, query, full)
    org = getattr(user, "org", None)
    now = timezone.localtime()
    mark = Watermark(
        user=user.get_username(),
        name=getattr(user, "display_name", "") or user.get_username(),
        org=f"{org.code} {org.name}" if org else "-",
        time=now.isoformat(timespec="seconds"),
        filter=shown_query(query),
        rows=len(rows),
        full=full,
    )
    columns = PEOPLE_COLUMNS + (FULL_EXTRA if full else [])
    content = render(fmt, columns, rows, mark)
    name = f"people-{now:%Y%m%d-%H%M%S}-{user.get_username()}.{fmt}"
    return ExportFile(content, name, FORMATS[fmt], len(rows))


def _audit_after(query, fmt, full, purpose, rows, request_id=None) -> dict:
    after = {
        "kind": "people",
        "filter": shown_query(query),
        "format": fmt,
        "full": full,
        "rows": rows,
    }
    if purpose:
        after["purpose"] = purpose
    if request_id:
        after["request"] = request_id
    return after


@transaction.atomic
def export_people(
    *, acting_user, query: str = "", fmt: str = "xlsx", full: bool = False, purpose: str = ""
) -> ExportFile | ExportRequest:
    """The file, or (above the approval threshold) a filed request awaiting approval."""
    ensure(acting_user, Action.EXPORT_PEOPLE)
    purpose = _check(fmt, full, purpose)
    query = (query or "").strip()
    count = search_people(acting_user, query).count()
    if count > settings.SBK_EXPORT_APPROVAL_ROWS:
        ensure(acting_user, Action.EXPORT_REQUEST)
        if acting_user.org is None:
            raise ServiceError(E.ORG_REQUIRED, "大批量导出须由所属机构的工作人员申请")
        req = ExportRequest.objects.create(
            fmt=fmt,
            query=query,
            query_shown=shown_query(query),
            full=full,
            purpose=purpose,
            row_count=count,
            requested_by=acting_user,
            org=acting_user.org,
        )
        actions.record(
            Action.EXPORT_REQUEST,
            acting_user=acting_user,
            obj=req,
            after=_audit_after(query, fmt, full, purpose, count),
            reason=purpose,
        )
        return req
    export = _build(acting_user, query=query, fmt=fmt, full=full)
    actions.record(
        Action.EXPORT_PEOPLE,
        acting_user=acting_user,
        object_type="registry.person",
        after=_audit_after(query, fmt, full, purpose, export.rows),
        reason=purpose,
    )
    return export


def can_approve(user, req: ExportRequest) -> bool:
    """Nobody decides on their own request; the approver needs the requester's organisation
    in scope (the policy's ``EXPORT_APPROVE``, which approving and rejecting share)."""
    return user.pk != req.requested_by_id and can(user, Action.EXPORT_APPROVE, req.org)


def visible_requests(user):
    """The user's own requests and those the user may decide on."""
    from django.db.models import Q

    from sbk.orgs.scope import org_q

    qs = ExportRequest.objects.select_related("requested_by", "decided_by", "org")
    if role_may(role_of(user), Action.EXPORT_APPROVE):
        return qs.filter(Q(requested_by=user) | org_q(user, prefix="org__"))
    return qs.filter(requested_by=user)


def _get(request_id: int, user, *, lock=False) -> ExportRequest:
    qs = visible_requests(user)
    if lock:
        qs = qs.select_for_update(of=("self",))
    req = qs.filter(pk=request_id).first()
    if req is None:
        raise NotFound("导出申请")
    return req


@transaction.atomic
def decide_request(request_id: int, *, acting_user, approve: bool, note: str = "") -> ExportRequest:
    action = Action.EXPORT_APPROVE if approve else Action.EXPORT_REJECT
    ensure(acting_user, action)
    req = _get(request_id, acting_user, lock=True)
    if req.requested_by_id == acting_user.pk:
        raise Forbidden("不能审批自己提交的导出申请")
    ensure(acting_user, action, req.org)
    if req.status != ExportStatus.REQUESTED:
        raise ServiceError(E.EXPORT_DECIDED, f"该申请已{req.get_status_display()}")
    req.status = ExportStatus.APPROVED if approve else ExportStatus.REJECTED
    req.decided_by, req.decided_at, req.decision_note = acting_user, timezone.now(), note.strip()
    req.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    actions.record(
        action,
        acting_user=acting_user,
        obj=req,
        after={
            "status": req.status,
            "rows": req.row_count,
            "requested_by": req.requested_by.username,
        },
        reason=note,
    )
    return req


@transaction.atomic
def download_request(request_id: int, *, acting_user) -> ExportFile:
    ensure(acting_user, Action.EXPORT_DOWNLOAD)
    req = _get(request_id, acting_user, lock=True)
    if req.requested_by_id != acting_user.pk:
        raise Forbidden("只有申请人可以下载该导出")
    if req.status != ExportStatus.APPROVED:
        raise ServiceError(E.EXPORT_NOT_APPROVED, f"该申请{req.get_status_display()}，不能下载")
    export = _build(acting_user, query=req.query, fmt=req.fmt, full=req.full)
    req.status, req.downloaded_at = ExportStatus.DOWNLOADED, timezone.now()
    req.save(update_fields=["status", "downloaded_at"])
    actions.record(
        Action.EXPORT_DOWNLOAD,
        acting_user=acting_user,
        object_type="registry.person",
        after=_audit_after(req.query, req.fmt, req.full, req.purpose, export.rows, req.pk),
        reason=req.purpose,
    )
    return export
