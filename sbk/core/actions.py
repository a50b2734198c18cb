"""Recording a business action: its audit row and, for a service item, its journal row.

One call, in the caller's transaction, for every action in the catalogue
(``sbk.core.catalogue.Action``). The audit row says who did what to which object, before and
after; the journal row (业务办理记录) is what the ministry's reports and the evaluation count,
so it names the service item, the channel it came through and the outlet where the work was
done (``sbk.orgs.attribution`` decides those two).

The journal model belongs to the cards app (its rows point at cards and applications);
``settings.SBK_JOURNAL_MODEL`` names it, as ``AUTH_USER_MODEL`` names the user model, so that
this layer stays below the apps that record through it (ADR 0003).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, wraps
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import audit, batch, prepared
from .actors import is_system, require_actor
from .catalogue import Action
from .errors import ServiceError
from .models import AuditEntry

F = TypeVar("F", bound=Callable[..., Any])
_ONE_ACTION = "sbk_one_action"


@contextmanager
def _action_block(using: str | None) -> Iterator[None]:
    conn = transaction.get_connection(using)
    enclosing = conn.atomic_blocks[-1] if conn.in_atomic_block else None
    block = transaction.atomic(using=using, savepoint=not getattr(enclosing, _ONE_ACTION, False))
    setattr(block, _ONE_ACTION, True)
    ok = False
    try:
        with block:
            batch.enter(conn)
            try:
                yield
                ok = True
            finally:
                # Held writes go out inside the block's transaction, or are dropped with it.
                batch.leave(conn, ok=ok)
    except ServiceError as exc:
        # The refused action is rolled back; what it asked to keep is written now, when no
        # enclosing transaction could roll it back too (a test's own block aside).
        if exc.after_rollback and _outermost(conn):
            callbacks, exc.after_rollback = exc.after_rollback, []
            for keep in callbacks:
                with transaction.atomic(using=using):
                    keep()
        raise


def _outermost(conn) -> bool:
    return all(getattr(b, "_from_testcase", False) for b in conn.atomic_blocks)


def atomic(func: F | None = None, *, using: str | None = None):
    """``transaction.atomic`` for one business action (decorator or context manager).

    Inside an action nothing catches a failure and carries on: whatever fails, fails the
    whole action. So a block opened directly inside another action block (a service called
    by the API's idempotent request, a guarded insert inside a service) needs no savepoint
    of its own — the enclosing block rolls it back — and takes none: two statements fewer
    per level. Opened anywhere else (outside any transaction: BEGIN; inside a plain
    ``transaction.atomic``, e.g. a caller or a test that goes on after a refused action) it
    takes its savepoint as usual. A failure inside a block without one marks the enclosing
    action for rollback, as ``chain.append`` does.
    """
    if func is None:
        return _action_block(using)

    @wraps(func)
    def inner(*args, **kwargs):
        with _action_block(using):
            return func(*args, **kwargs)

    return inner  # type: ignore[return-value]


@cache
def journal_model():
    return apps.get_model(settings.SBK_JOURNAL_MODEL)


@dataclass(frozen=True)
class Recorded:
    audit: AuditEntry
    journal: Any | None  # the journal row, for a service item


def record(
    action: Action,
    *,
    acting_user,
    obj=None,
    object_type: str = "",
    object_id: Any = "",
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    # The journal row, for actions that are a service item:
    channel: int | None = None,
    outlet=None,
    person=None,
    card=None,
    application=None,
    outcome: str = "success",
    details: dict | None = None,
    at: dt.datetime | None = None,
) -> Recorded:
    """Write the action's audit row and, where it is a service item, its journal row."""
    if not isinstance(action, Action):
        raise TypeError(f"not a catalogued action: {action!r}")
    require_actor(acting_user)
    at = at or timezone.now()
    journal = None
    if action.item is not None:
        if is_system(acting_user):
            # The platform acting alone serves nobody at a counter: it must not count.
            raise ValueError(f"{action.audit_name} is a service item; the system cannot do it")
        if channel is None or outlet is None:
            raise ValueError(f"{action.audit_name}: the journal row needs its channel and outlet")
        journal = journal_model()(
            item=action.item,
            channel=channel,
            action=action.audit_name,
            outlet=outlet,
            operator=acting_user if getattr(acting_user, "pk", None) else None,
            person=person,
            card=card,
            application=application,
            at=at,
            outcome=outcome,
            details=details or {},
        )
    if obj is None and not object_type and journal is not None:
        obj = journal  # an action that is nothing but its journal row (an enquiry)
    if journal is not None:
        # Held and sent with the audit chain's head lock, unless the audit row names it.
        prepared.insert(journal, defer=obj is not journal)
    entry = audit.record(
        acting_user=acting_user,
        action=action.audit_name,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        reason=reason,
        at=at,
        defer=True,  # sent with the action's next statement (its stored answer) or at its end
    )
    return Recorded(entry, journal)


def record_legacy_journal(entries: list[dict], *, batch_size: int) -> int:
    """Journal rows for services done before sbk (a vendor system's card history), marked
    ``legacy`` so that the reports can tell them from services done here. Each entry holds
    the journal columns (item, channel, action, outlet, person, card, at, details)."""
    model = journal_model()
    rows = [model(legacy=True, outcome="success", operator=None, **entry) for entry in entries]
    model.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)
