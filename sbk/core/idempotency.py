"""Idempotency keys for mutating API calls: a retried request does not act twice.

The first call with a key runs and its answer is stored in the same transaction as its
effect; a repeat with the same key and the same body gets the stored answer; the same key
with a different body is refused. Concurrent repeats serialise on the unique constraint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction

from .errors import Conflict, ServiceError
from .models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"


def fingerprint(method: str, path: str, body) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{method} {path}\n{text}".encode()).hexdigest()


def run(request, body, action: Callable[[], tuple[int, dict]]) -> tuple[int, dict]:
    """Run ``action`` at most once per (user, Idempotency-Key)."""
    key = request.META.get(HEADER, "").strip()
    if not key:
        with transaction.atomic():
            return action()
    if len(key) > 128:
        raise ServiceError("idempotency_key", "Idempotency-Key 不能超过 128 个字符")
    fp = fingerprint(request.method, request.path, body)
    user = request.auth if hasattr(request.auth, "pk") else request.user
    found = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if found:
        return _replay(found, fp)
    try:
        with transaction.atomic():
            status, payload = action()
            IdempotencyRecord.objects.create(
                user=user, key=key, fingerprint=fp, status_code=status, response=payload
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
        raise Conflict("idempotency_mismatch", "同一 Idempotency-Key 已用于不同的请求")
    return record.status_code, record.response
