"""Importing the 好差评 system's export (好差评工单导入): all or nothing, every row's problems
at once, idempotent by the source's order id (a known id is skipped, not doubled).

The export is a JSON list (or ``{"orders": [...]}``) of objects::

    {"order_id": "HCP20260302001", "received_at": "2026-03-02T09:30:00+08:00",
     "org": "OA1", "subject": "窗口等候时间长", "content": "…", "rating": 1}

``org`` is the district or outlet code the review names (an outlet: the order is already
addressed to it and waits to be dispatched there).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.core.actions import atomic, record
from sbk.core.catalogue import Action as A
from sbk.core.errors import Problem, ServiceError
from sbk.orgs.models import Organisation
from sbk.orgs.scope import visible_orgs

from ..errors import OpsErrorCode as E
from ..models import WorkOrder
from ..models.orders import Source
from .orders import EARLIEST_YEAR, new_order


@dataclass
class ImportResult:
    created: list[WorkOrder]
    skipped: list[str]  # order ids already imported


def parse(data) -> list:
    if isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise ServiceError(E.BAD_FILE, f"不是有效的 JSON：{exc}", field="file") from None
    if isinstance(data, dict):
        data = data.get("orders")
    if not isinstance(data, list):
        raise ServiceError(E.BAD_FILE, '导出文件应为工单列表（或 {"orders": [...]}）', field="file")
    if not data:
        raise ServiceError(E.EMPTY, "导出文件中没有工单", field="file")
    return data


def _when(text) -> dt.datetime | None:
    try:
        at = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return at if timezone.is_aware(at) else timezone.make_aware(at)


@atomic
def import_reviews(data, *, acting_user) -> ImportResult:
    """导入好差评差评工单."""
    ensure(acting_user, A.ORDER_IMPORT)
    rows = parse(data)
    codes = {str(r.get("org", "")) for r in rows if isinstance(r, dict)}
    orgs = {o.code: o for o in visible_orgs(acting_user).filter(code__in=codes)}
    ids = [str(r.get("order_id", "")).strip() for r in rows if isinstance(r, dict)]
    known = set(
        WorkOrder.objects.filter(source=Source.BAD_REVIEW, source_id__in=ids).values_list(
            "source_id", flat=True
        )
    )
    problems, todo, seen = [], [], set()
    for n, row in enumerate(rows, start=1):
        here = f"第{n}条"
        if not isinstance(row, dict):
            problems.append(Problem(E.BAD_ROW, f"{here}：应为对象", f"orders[{n}]"))
            continue
        oid = str(row.get("order_id", "")).strip()
        at = _when(row.get("received_at", ""))
        org: Organisation | None = orgs.get(str(row.get("org", "")))
        bad = []
        if not oid or len(oid) > 64:
            bad.append(("order_id", "工单号（order_id）为空或过长"))
        elif oid in seen:
            bad.append(("order_id", f"工单号 {oid} 在文件中重复"))
        if at is None:
            bad.append(("received_at", "受理时间（received_at）不是 ISO 日期时间"))
        elif at > timezone.now():
            bad.append(("received_at", "受理时间晚于现在"))
        elif at.year < EARLIEST_YEAR:
            bad.append(("received_at", f"受理时间早于 {EARLIEST_YEAR} 年"))
        if org is None or org.district() is None:
            bad.append(("org", f"机构 {row.get('org')!r} 不存在、不在管辖范围内或不属于任何区"))
        if not str(row.get("subject", "")).strip():
            bad.append(("subject", "事由（subject）不能为空"))
        for field, message in bad:
            problems.append(Problem(E.BAD_ROW, f"{here}：{message}", f"orders[{n}].{field}"))
        seen.add(oid)
        if not bad and oid not in known:
            todo.append((oid, at, org, row))
    if problems:
        raise ServiceError.from_problems(problems)
    created = [
        new_order(
            acting_user=acting_user,
            source=Source.BAD_REVIEW,
            source_id=oid,
            org=org,
            subject=str(row["subject"]),
            description=str(row.get("content", "")),
            received_at=at,
        )
        for oid, at, org, row in todo
    ]
    record(
        A.ORDER_IMPORT,
        acting_user=acting_user,
        object_type="operations.workorder",
        after={"created": [o.source_id for o in created], "skipped": sorted(known)},
    )
    return ImportResult(created, sorted(known))
