"""Information reports (工作信息上报): special briefings and flash reports, and adoption."""

from __future__ import annotations

import datetime as dt

from sbk.accounts.policy import ensure
from sbk.core.actions import atomic, record
from sbk.core.catalogue import Action as A
from sbk.core.errors import ServiceError
from sbk.orgs.models import Organisation

from .. import text as T
from ..errors import OpsErrorCode as E
from ..models import InfoReport
from ..models.records import InfoKind
from .common import locked, need_past, need_text, staff


@atomic
def submit_info(
    *,
    acting_user,
    org: Organisation,
    kind: str,
    title: str,
    text: str,
    submitted_on: dt.date,
) -> InfoReport:
    """上报: the length is counted here (every non-blank character), not taken from the
    sender; a briefing counts for the evaluation from 800 characters."""
    ensure(acting_user, A.INFO_SUBMIT, org)
    if kind not in InfoKind.values:
        raise ServiceError(E.BAD_KIND, "类型须为 briefing 或 flash", field="kind")
    body = need_text(text, "text", "正文")
    r = InfoReport.objects.create(
        org=org,
        kind=kind,
        title=need_text(title, "title", "标题")[:200],
        text=body,
        length=T.length(body),
        submitted_on=need_past(submitted_on, "submitted_on", "上报日期"),
        submitted_by=staff(acting_user),
    )
    record(A.INFO_SUBMIT, acting_user=acting_user, obj=r, after={"kind": kind, "length": r.length})
    return r


@atomic
def adopt_info(report_id: int, *, acting_user, adopted_on: dt.date) -> InfoReport:
    """采用: the centre adopts a report (flash reports count by adoption)."""
    r = locked(acting_user, InfoReport.objects, report_id, "工作信息", A.INFO_ADOPT)
    ensure(acting_user, A.INFO_ADOPT, r)
    if r.adopted_on is not None:
        raise ServiceError(E.ALREADY_ADOPTED, "该信息已被采用", field="report")
    adopted_on = need_past(adopted_on, "adopted_on", "采用日期")
    if adopted_on < r.submitted_on:
        raise ServiceError(E.BAD_DATE, "采用日期不能早于上报日期", field="adopted_on")
    r.adopted_on = adopted_on
    r.save(update_fields=["adopted_on"])
    record(A.INFO_ADOPT, acting_user=acting_user, obj=r, after={"adopted_on": str(adopted_on)})
    return r
