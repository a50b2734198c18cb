"""Work-order endpoints (投诉及"好差评"工单)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from sbk.core import idempotency
from sbk.core.api_types import ErrorOut, Int64
from sbk.core.errors import NotFound
from sbk.holidays.services import calendar

from .. import clock, queries, services
from .common import mutate as _mutate
from .common import org as _org
from .common import router


# ------------------------------------------------------------------ work orders
class OpsOrderIn(Schema):
    source: str
    org: str
    subject: str
    description: str = ""
    received_at: dt.datetime | None = None
    person_id: Int64 | None = None
    card_id: Int64 | None = None


class OpsOrderOut(Schema):
    id: int
    number: str
    source: str
    source_id: str
    district: str
    outlet: str | None
    state: str
    paused: bool
    subject: str
    root_cause: str
    liable: bool
    verified: bool
    satisfaction: str
    received_at: dt.datetime
    closed_at: dt.datetime | None
    time_used_days: float
    light: str
    breached: bool
    escalated: bool


class OpsImportIn(Schema):
    orders: list[dict]


class OpsImportOut(Schema):
    created: list[str]
    skipped: list[str]


class OpsTransitionIn(Schema):
    order: Int64
    step: str
    note: str = ""
    outlet: str = ""
    root_cause: str = ""
    response: str = ""
    rectification: str = ""
    satisfaction: str = ""
    liable: bool | None = None
    verified: bool | None = None


class OpsEventOut(Schema):
    seq: int
    kind: str
    from_state: str
    to_state: str
    at: dt.datetime
    actor: str
    note: str


class OpsHistoryOut(Schema):
    order: OpsOrderOut
    events: list[OpsEventOut]


def order_out(o, cal=None) -> dict:
    st = clock.status_of(o, cal=cal)
    return {
        "id": o.pk,
        "number": o.number,
        "source": o.source,
        "source_id": o.source_id,
        "district": o.district.code,
        "outlet": o.outlet.code if o.outlet_id else None,
        "state": o.state,
        "paused": o.paused,
        "subject": o.subject,
        "root_cause": o.root_cause,
        "liable": o.liable,
        "verified": o.verified,
        "satisfaction": o.satisfaction,
        "received_at": o.received_at,
        "closed_at": o.closed_at,
        "time_used_days": st.timing.total_days,
        "light": st.light,
        "breached": st.breached,
        "escalated": o.escalated_at is not None,
    }


@router.post("/orders", response={201: OpsOrderOut})
def create_order(request, payload: OpsOrderIn):
    """受理: take a complaint or a review in by hand."""
    user = request.auth

    def act():
        o = services.create_order(
            acting_user=user,
            org=_org(user, payload.org),
            source=payload.source,
            subject=payload.subject,
            description=payload.description,
            received_at=payload.received_at,
            person_id=payload.person_id,
            card_id=payload.card_id,
        )
        return 201, OpsOrderOut(**order_out(o)).model_dump(mode="json")

    return _mutate(request, payload, act)


@router.post("/orders/import", response={201: OpsImportOut})
def import_orders(request, payload: OpsImportIn):
    """Import the 好差评 system's export (all or nothing; a known order id is skipped)."""
    user = request.auth

    def act():
        got = services.import_reviews(payload.orders, acting_user=user)
        return 201, {"created": [o.source_id for o in got.created], "skipped": got.skipped}

    return _mutate(request, payload, act)


@router.post("/orders/transition", response=OpsOrderOut)
def transition(request, payload: OpsTransitionIn):
    """One step of the loop, or pausing / resuming the clock."""
    user = request.auth

    def act():
        o = services.transition(
            payload.order,
            payload.step,
            acting_user=user,
            note=payload.note,
            outlet=_org(user, payload.outlet, "网点") if payload.outlet else None,
            root_cause=payload.root_cause,
            response=payload.response,
            rectification=payload.rectification,
            satisfaction=payload.satisfaction,
            liable=payload.liable,
            verified=payload.verified,
        )
        return 200, OpsOrderOut(**order_out(o)).model_dump(mode="json")

    return idempotency.run(request, payload.model_dump(mode="json"), act)[1]


@router.get("/orders", response=list[OpsOrderOut])
def orders(request, state: str = ""):
    """Orders in scope (newest first, at most 500) with their traffic light."""
    cal = calendar()
    return [order_out(o, cal) for o in queries.orders_of(request.auth, state)[:500]]


@router.get("/orders/history", response={200: OpsHistoryOut, 404: ErrorOut})
def history(request, order: Int64):
    """An order and its events (the clock is replayed from these)."""
    o = queries.orders_of(request.auth).filter(pk=order).first()
    if o is None:
        raise NotFound("工单")
    events = [
        {
            "seq": e.seq,
            "kind": e.kind,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "at": e.at,
            "actor": e.actor_name,
            "note": e.note,
        }
        for e in o.events.order_by("seq")
    ]
    return {"order": order_out(o), "events": events}
