"""Idempotency keys for mutating API calls: a retried request does not act twice.

The first call with a key runs and its answer is stored in the same transaction as its
effect; a repeat with the same key and the same body gets the stored answer; the same key
with a different body is refused. Concurrent repeats serialise on the unique constraint.
A stored answer is kept ``SBK_IDEMPOTENCY_HOURS`` (48): ``sbk worker`` deletes older ones,
so a sealed export file in an answer does not outlive its use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from . import actions, prepared
from .errors import Conflict, CoreErrorCode, ServiceError
from .models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY = 128
_LOOKED_UP = "_sbk_idempotency_looked_up"  # (user pk, key, stored record's pk or None)
_FOUND = "sbk_idempotency_record"


def with_lookup(qs: QuerySet, request, user_field: str = "user") -> QuerySet:
    """Let the query that authenticates the caller (a bearer token) also look the request's
    Idempotency-Key up: one statement fewer per mutating call. ``remember`` keeps the answer.
    (A plain correlated subquery: the ORM's Subquery costs more to compile than the lookup.)"""
    key = request.META.get(HEADER, "").strip()
    if not key or len(key) > MAX_KEY:
        return qs
    qn = connections[qs.db].ops.quote_name
    owner = f"{qn(qs.model._meta.db_table)}.{qn(qs.model._meta.get_field(user_field).column)}"
    stored = (
        f"SELECT {qn('id')} FROM {qn(IdempotencyRecord._meta.db_table)} "
        f"WHERE {qn('user_id')} = {owner} AND {qn('key')} = %s"
    )  # (user, key) is unique: one row at most
    return qs.annotate(**{_FOUND: RawSQL(stored, [key])})


def remember(request, user, row) -> None:
    """Keep what ``with_lookup`` found for ``user`` (on ``row``, the authenticating row)."""
    if hasattr(row, _FOUND):
        key = request.META.get(HEADER, "").strip()
        setattr(request, _LOOKED_UP, (user.pk, key, getattr(row, _FOUND)))


def answered(request) -> bool:
    """Whether this request's Idempotency-Key already has a stored answer (a retry): a step
    a route takes before ``run`` (in its own transaction) is then not taken again."""
    key = request.META.get(HEADER, "").strip()
    if not key:
        return False
    user = request.auth if hasattr(request.auth, "pk") else request.user
    return _stored(request, user, key) is not None


def _stored(request, user, key: str) -> IdempotencyRecord | None:
    known = getattr(request, _LOOKED_UP, None)
    if known is not None and known[:2] == (user.pk, key) and known[2] is None:
        return None  # looked up with the caller's token: the key is new
    return IdempotencyRecord.objects.filter(user=user, key=key).first()


def fingerprint(method: str, path: str, body) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{method} {path}\n{text}".encode()).hexdigest()


def run(request, body, action: Callable[[], tuple[int, dict]]) -> tuple[int, dict]:
    """Run ``action`` at most once per (user, Idempotency-Key)."""
    key = request.META.get(HEADER, "").strip()
    # The request is one action: the services it calls take no savepoints of their own.
    if not key:
        with actions.atomic():
            return action()
    if len(key) > MAX_KEY:
        raise ServiceError(CoreErrorCode.IDEMPOTENCY_KEY, "Idempotency-Key 不能超过 128 个字符")
    fp = fingerprint(request.method, request.path, body)
    user = request.auth if hasattr(request.auth, "pk") else request.user
    found = _stored(request, user, key)
    if found:
        return _replay(found, fp)
    try:
        with actions.atomic():
            status, payload = action()
            prepared.insert(
                IdempotencyRecord(
                    user=user, key=key, fingerprint=fp, status_code=status, response=payload
                ),
                # Sent with the action's held audit row when the block ends; a key taken
                # by a concurrent request fails it there, inside this try, as before.
                defer=True,
            )
            return status, payload
    except IntegrityError:
        # Another request with the same key won the race; its answer is the answer.
        found = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if found is None:
            raise
        return _replay(found, fp)


def _replay(record: IdempotencyRecord, fp: str) -> tuple[int, dict]:
    if record.fingerprint != fp:
        raise Conflict(CoreErrorCode.IDEMPOTENCY_MISMATCH, "同一 Idempotency-Key 已用于不同的请求")
    return record.status_code, record.response


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete stored answers older than ``SBK_IDEMPOTENCY_HOURS``; a retry after that acts
    again, as a new request (clients retry within minutes, not days)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.SBK_IDEMPOTENCY_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
