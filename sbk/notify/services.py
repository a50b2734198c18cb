"""Writing to the outbox (inside the caller's transaction) and delivering from it."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from sbk.core import prepared
from sbk.idcard import mask_phone

from .gateways import Gateway, GatewayError, Message, get_gateway
from .models import Notification, OutboxStatus

log = logging.getLogger(__name__)


def enqueue(
    *, dedup_key: str, kind: str, person=None, phone: str = "", text: str, defer: bool = False
) -> Notification:
    """Add a message to the outbox in the current transaction; a known key is not added twice.

    One statement (``INSERT … ON CONFLICT (dedup_key) DO UPDATE … RETURNING id``): a known
    key keeps its row as it was (only the key is "updated", to itself) and the returned
    object carries that row's id. This is on every card production's path. ``defer``: the
    caller does not read the row's id, so inside a business action the INSERT may go with
    the action's next statement (``sbk.core.batch``).
    """
    phone = phone or (getattr(person, "phone", "") or "")
    row = Notification(
        dedup_key=dedup_key,
        kind=kind,
        person=person,
        phone=phone,
        phone_masked=mask_phone(phone) if phone else "",
        text=text,
        status=OutboxStatus.PENDING if phone else OutboxStatus.SKIPPED,
    )
    return prepared.insert(row, upsert=(("dedup_key",), ("dedup_key",)), defer=defer)


def backoff(attempts: int) -> dt.timedelta:
    """Exponential: base × 2^(attempts-1), capped."""
    base = settings.SBK_SMS_BACKOFF_SECONDS
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), settings.SBK_SMS_BACKOFF_MAX))


def claim(limit: int = 50, now: dt.datetime | None = None) -> list[int]:
    """Take due rows: count the attempt and push the next try one lease ahead, then commit.

    If the worker dies while sending, the row simply comes due again when the lease ends
    and is resent with the same dedup key: nothing is lost.
    """
    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.SBK_SMS_LEASE_SECONDS)
    with transaction.atomic():
        qs = Notification.objects.filter(
            status=OutboxStatus.PENDING, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("id", flat=True)[:limit])
        for pk in ids:
            Notification.objects.filter(pk=pk).update(
                attempts=F("attempts") + 1, next_attempt_at=now + lease
            )
    return ids


def deliver(pk: int, gateway: Gateway, now: dt.datetime | None = None) -> str:
    row = Notification.objects.get(pk=pk)
    if row.status != OutboxStatus.PENDING:
        return row.status
    try:
        ref = gateway.send(Message(row.dedup_key, row.phone, row.text))
    except GatewayError as exc:
        now = now or timezone.now()
        give_up = exc.permanent or row.attempts >= settings.SBK_SMS_MAX_ATTEMPTS
        Notification.objects.filter(pk=pk, status=OutboxStatus.PENDING).update(
            status=OutboxStatus.FAILED if give_up else OutboxStatus.PENDING,
            next_attempt_at=now + backoff(row.attempts),
            last_error=str(exc)[:1000],
        )
        log.warning("sms %s attempt %s failed: %s", row.dedup_key, row.attempts, exc)
        return OutboxStatus.FAILED if give_up else "retry"
    Notification.objects.filter(pk=pk).update(
        status=OutboxStatus.SENT, sent_at=timezone.now(), gateway_ref=ref, last_error=""
    )
    return OutboxStatus.SENT


def deliver_due(gateway: Gateway | None = None, limit: int = 50) -> dict[str, int]:
    gateway = gateway or get_gateway()
    counts: dict[str, int] = {}
    for pk in claim(limit):
        outcome = deliver(pk, gateway)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
