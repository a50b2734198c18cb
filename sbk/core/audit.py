"""Writing the audit trail and the access log. Services call these inside their transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import chain
from .actors import is_system
from .models import AccessLog, AuditEntry


def _actor(user) -> tuple[int | None, str, str]:
    if user is None:
        return None, "system", ""
    if is_system(user):
        return None, user.get_username(), ""
    org = getattr(user, "org", None)
    return user.pk, user.get_username(), getattr(org, "code", "") or ""


def record(
    *,
    acting_user,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: Any = "",
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
    defer: bool = False,
) -> AuditEntry:
    """One audit row, chained. ``defer``: see ``chain.append`` (the action layer's rows)."""
    actor_id, username, org_code = _actor(acting_user)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    entry = AuditEntry(
        actor_id=actor_id,
        actor_username=username,
        org_code=org_code,
        action=action,
        object_type=object_type,
        object_id=str(object_id if object_id is not None else ""),
        before=before,
        after=after,
        reason=reason or "",
    )
    if at is not None:
        entry.at = at
    return chain.append(entry, defer=defer)


def record_access(*, user, obj, purpose: str, label: str = "", channel: str = "") -> AccessLog:
    user_id, username, org_code = _actor(user)
    row = AccessLog(
        user_id=user_id,
        username=username,
        org_code=org_code,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_label=label,
        purpose=purpose,
        channel=channel,
    )
    return chain.append(row)
