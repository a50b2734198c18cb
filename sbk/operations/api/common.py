"""The operations router and what its endpoints share."""

from __future__ import annotations

from ninja import Router, Status

from sbk.core import idempotency
from sbk.core.errors import NotFound
from sbk.orgs.scope import visible_orgs

router = Router(tags=["运营记录"])


def org(user, code: str | None, what: str = "机构"):
    """An organisation by code within the caller's scope (404 outside it)."""
    found = visible_orgs(user).filter(code=code or "").first()
    if found is None:
        raise NotFound(what)
    return found


def mutate(request, payload, act):
    code, body = idempotency.run(request, payload.model_dump(mode="json"), act)
    return Status(code, body)
