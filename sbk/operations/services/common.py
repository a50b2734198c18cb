"""Helpers the operations services share: organisations of the right kind, dates."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.core.actors import is_system
from sbk.core.errors import NotFound, ServiceError
from sbk.orgs.models import Organisation, OrgKind
from sbk.orgs.scope import scoped

from ..errors import OpsErrorCode as E


def need_outlet(org: Organisation | None, field: str = "org") -> Organisation:
    if org is None or not org.is_outlet:
        raise ServiceError(E.BAD_ORG, "须为一个受理网点", field=field)
    return org


def need_district(org: Organisation | None, field: str = "org") -> Organisation:
    if org is None or org.kind != OrgKind.DISTRICT:
        raise ServiceError(E.BAD_ORG, "须为一个区", field=field)
    return org


def need_past(day: dt.date | None, field: str, label: str) -> dt.date:
    if day is None or day == "":
        raise ServiceError(E.BAD_DATE, f"{label}不能为空", field=field)
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            raise ServiceError(E.BAD_DATE, f"{label}应为 YYYY-MM-DD", field=field) from None
    if isinstance(day, dt.datetime):
        day = day.date()
    if day > timezone.localdate():
        raise ServiceError(E.BAD_DATE, f"{label}不能晚于今天", field=field)
    return day


def need_text(text: str, field: str, label: str) -> str:
    if not (text or "").strip():
        raise ServiceError(E.REASON_REQUIRED, f"{label}不能为空", field=field)
    return text.strip()


def locked(acting_user, qs, pk: int, what: str, action=None):
    """The row, locked, within the user's scope (404 outside it). With ``action``, a role
    that may never do it is refused first (403), before its scope is looked at."""
    if action is not None:
        ensure(acting_user, action)
    row = scoped(acting_user, qs.select_for_update()).filter(pk=pk).first()
    if row is None:
        raise NotFound(what)
    return row


def staff(acting_user):
    """The user to store as the one who did it (None for the system actor)."""
    return None if is_system(acting_user) else acting_user
