"""The centre's assessments of a district (中心评估): special work and featured work."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from sbk.accounts.policy import ensure
from sbk.core.actions import atomic, record
from sbk.core.catalogue import Action as A
from sbk.core.errors import ServiceError
from sbk.orgs.models import Organisation

from ..errors import OpsErrorCode as E
from ..models import CentreAssessment
from ..models.records import AssessmentKind
from .common import need_district, need_text, staff


def _number(value, field: str) -> Decimal:
    try:
        n = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ServiceError(E.BAD_SCORE, f"{field} 须为数字", field=field) from None
    if n.is_nan() or n < 0 or n > 1000:
        raise ServiceError(E.BAD_SCORE, f"{field} 须为 0–1000 的数字", field=field)
    return n.quantize(Decimal("0.01"))


@atomic
def record_assessment(
    *,
    acting_user,
    org: Organisation,
    kind: str,
    start: dt.date,
    end: dt.date,
    sub_items: dict | None = None,
    score=None,
    declaration: str = "",
) -> CentreAssessment:
    """录入评估: the score is the sub-items' sum unless given; a featured case carries the
    district's written declaration. A special item is assessed once per period (a new
    entry replaces it); featured cases add up."""
    ensure(acting_user, A.ASSESSMENT_RECORD, org)
    need_district(org)
    if kind not in AssessmentKind.values:
        raise ServiceError(
            E.BAD_KIND, "项目须为 promotion/canteen/application/featured", field="kind"
        )
    if start is None or end is None or end < start:
        raise ServiceError(E.BAD_DATE, "期间不正确", field="end")
    subs = {str(k)[:60]: float(_number(v, f"sub_items.{k}")) for k, v in (sub_items or {}).items()}
    total = _number(score, "score") if score is not None else _number(sum(subs.values()), "score")
    if kind == AssessmentKind.FEATURED:
        need_text(declaration, "declaration", "书面申报")
        row = CentreAssessment.objects.create(
            org=org,
            kind=kind,
            start=start,
            end=end,
            sub_items=subs,
            score=total,
            declaration=declaration,
            assessed_by=staff(acting_user),
        )
    else:
        row, _ = CentreAssessment.objects.update_or_create(
            org=org,
            kind=kind,
            start=start,
            end=end,
            defaults={
                "sub_items": subs,
                "score": total,
                "declaration": declaration or "",
                "assessed_by": staff(acting_user),
            },
        )
    record(
        A.ASSESSMENT_RECORD,
        acting_user=acting_user,
        obj=row,
        after={"kind": kind, "score": str(total), "sub_items": subs},
    )
    return row
