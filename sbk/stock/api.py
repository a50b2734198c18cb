"""Stock endpoints (卡基台账): translate HTTP to the stock services and queries.

POST /api/stock/movements                     ``{"movements": [...]}`` the script contract's
                                              list, all or nothing → ``{"entries": n}``
POST /api/stock/corrections                   ``{"batch", "reason"}`` → the reversing entries
POST /api/stock/close-day                     ``{"org", "date"}`` → the day's snapshot
POST /api/stock/close-month                   ``{"org", "month"}``
POST /api/stock/counts                        ``{"org", "item", "qty", "bank", "serials"}``
POST /api/stock/discrepancies/{id}/explain    ``{"text"}``
POST /api/stock/discrepancies/{id}/rectify    ``{"reason", "lost_serials", "found_serials",
                                              "bank", "version"}``
GET  /api/stock/balances/{code}?date=         the contract's balance shape
GET  /api/stock/trace/{serial}                a serial's path
GET  /api/stock/discrepancies                 open discrepancies in scope
GET  /api/stock/evaluation?district&start&end the evaluation's figures

Every mutating call goes through ``sbk.core.idempotency.run`` (Idempotency-Key). Every
read is scoped: an organisation or a serial outside the caller's scope is a 404.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from ninja import Router, Schema, Status

from sbk.core import idempotency
from sbk.core.api_types import ErrorOut, Int64
from sbk.core.errors import NotFound
from sbk.orgs.models import Organisation, OrgKind
from sbk.orgs.scope import visible_orgs

from . import queries, services

router = Router(tags=["卡基台账"])


class StockMovementsIn(Schema):
    movements: list[dict]


class StockEntriesOut(Schema):
    entries: int
    batches: list[str] = []


class StockCorrectionIn(Schema):
    batch: str
    reason: str


class StockCloseDayIn(Schema):
    org: str
    date: dt.date | None = None


class StockCloseMonthIn(Schema):
    org: str
    month: str


class StockSnapshotOut(Schema):
    item: str
    bank: int
    version: str = ""
    opening: int
    incoming: int
    outgoing: int
    closing: int


class StockCloseOut(Schema):
    org: str
    day: dt.date
    cards_produced: int
    blanks_consumed: int
    snapshot: list[StockSnapshotOut]


class StockMonthOut(Schema):
    org: str
    month: str
    days_closed: int


class StockCountIn(Schema):
    org: str
    item: str = "blank"
    qty: int
    bank: str = ""
    serials: list[str] | None = None
    note: str = ""
    version: str = ""  # count one card version only (empty: every version)


class StockDiscrepancyOut(Schema):
    id: int
    org: str
    status: str
    explanation: str
    book: int
    counted: int
    missing: list[str]
    extra: list[str]


class StockStocktakeOut(Schema):
    id: int
    org: str
    item: str
    book: int
    counted: int
    discrepancy: StockDiscrepancyOut | None = None


class StockExplainIn(Schema):
    reason: str  # why the count and the books differ


class StockRectifyIn(Schema):
    reason: str
    lost_serials: list[str] | None = None
    # A count without serials: the surplus serials read off the cards (盘盈), and for
    # serials the books never knew their bank (code) and card version.
    found_serials: list[str] | None = None
    bank: str = ""
    version: str = ""


class StockBalanceOut(Schema):
    org: str
    date: str
    items: dict[str, int]
    by_bank: dict[str, dict[str, int]]
    by_version: dict[str, dict[str, int]] = {}


class StockTraceEntryOut(Schema):
    id: int
    kind: str
    day: dt.date
    src_state: str
    src_org: str | None
    dst_state: str
    dst_org: str | None
    item: str
    note: str
    corrects: int | None
    reason: str


class StockTraceOut(Schema):
    serial: str
    bank: str
    version: str = ""
    item: str
    state: str
    org: str | None
    card_no: str | None
    entries: list[StockTraceEntryOut]


class StockEvaluationOut(Schema):
    district: str
    start: str
    end: str
    late_returns: int
    irregular_returns: int
    mismatches: int
    missed_closes: int
    poor_rectification: int
    details: dict


def _org(user, code: str):
    org = visible_orgs(user).filter(code=code).first()
    if org is None:
        raise NotFound("机构")
    return org


def _bank(code: str):
    """A partner bank by its code (banks are not scoped: every outlet stocks their blanks)."""
    if not code:
        return None
    bank = Organisation.objects.filter(code=code, kind=OrgKind.BANK).first()
    if bank is None:
        raise NotFound("银行")
    return bank


def _mutate(request, payload, act):
    return idempotency.run(request, payload.model_dump(mode="json"), act)


def _disc_out(d) -> dict:
    t = d.stocktake
    return {
        "id": d.pk,
        "org": d.org.code,
        "status": d.status,
        "explanation": d.explanation,
        "book": t.book,
        "counted": t.counted,
        "missing": t.missing,
        "extra": t.extra,
    }


@router.post("/movements", response={201: StockEntriesOut})
def apply_movements(request, payload: StockMovementsIn):
    """Apply a list of movements in order (the `sbk stock apply` contract), all or nothing."""
    user = request.auth

    def act():
        n = services.apply_movements(payload.movements, acting_user=user)
        return 201, {"entries": n, "batches": []}

    return Status(*_mutate(request, payload, act))


@router.post("/corrections", response={201: StockEntriesOut})
def correct(request, payload: StockCorrectionIn):
    """Reverse a movement booked in error (new entries naming the corrected ones)."""
    user = request.auth

    def act():
        entries = services.correct_movement(payload.batch, acting_user=user, reason=payload.reason)
        return 201, {"entries": len(entries), "batches": [str(entries[0].batch)]}

    return Status(*_mutate(request, payload, act))


@router.post("/close-day", response={201: StockCloseOut})
def close_day(request, payload: StockCloseDayIn):
    """日清: close an organisation's day (today by default)."""
    user = request.auth

    def act():
        org = _org(user, payload.org)
        close = services.close_day(org, payload.date, acting_user=user)
        snapshot = [
            {
                "item": s.item,
                "bank": s.bank_id,
                "version": s.version,
                "opening": s.opening,
                "incoming": s.incoming,
                "outgoing": s.outgoing,
                "closing": s.closing,
            }
            for s in close.snapshot
        ]
        out = StockCloseOut(
            org=org.code,
            day=close.day,
            cards_produced=close.cards_produced,
            blanks_consumed=close.blanks_consumed,
            snapshot=snapshot,
        )
        return 201, out.model_dump(mode="json")

    return Status(*_mutate(request, payload, act))


@router.post("/close-month", response={201: StockMonthOut})
def close_month(request, payload: StockCloseMonthIn):
    """月结: roll a closed month up."""
    user = request.auth

    def act():
        org = _org(user, payload.org)
        close = services.close_month(org, payload.month, acting_user=user)
        return 201, {"org": org.code, "month": payload.month, "days_closed": close.days_closed}

    return Status(*_mutate(request, payload, act))


@router.post("/counts", response={201: StockStocktakeOut})
def count(request, payload: StockCountIn):
    """盘点: a physical count against the books; a difference opens a discrepancy."""
    user = request.auth

    def act():
        org = _org(user, payload.org)
        bank = _org(user, payload.bank) if payload.bank else None
        take = services.count_stock(
            org,
            acting_user=user,
            item=payload.item,
            qty=payload.qty,
            bank=bank,
            serials=payload.serials,
            note=payload.note,
            version=payload.version,
        )
        disc = getattr(take, "discrepancy", None)
        return 201, {
            "id": take.pk,
            "org": org.code,
            "item": take.item,
            "book": take.book,
            "counted": take.counted,
            "discrepancy": _disc_out(disc) if disc else None,
        }

    return Status(*_mutate(request, payload, act))


@router.post("/discrepancies/{discrepancy_id}/explain", response=StockDiscrepancyOut)
def explain(request, discrepancy_id: Int64, payload: StockExplainIn):
    """差异说明."""
    user = request.auth

    def act():
        d = services.explain_discrepancy(discrepancy_id, acting_user=user, text=payload.reason)
        return 200, _disc_out(d)

    return _mutate(request, payload, act)[1]


@router.post("/discrepancies/{discrepancy_id}/rectify", response=StockDiscrepancyOut)
def rectify(request, discrepancy_id: Int64, payload: StockRectifyIn):
    """差异整改: posts the movements that make the books agree with the count."""
    user = request.auth

    def act():
        d = services.rectify_discrepancy(
            discrepancy_id,
            acting_user=user,
            reason=payload.reason,
            lost_serials=payload.lost_serials,
            found_serials=payload.found_serials,
            bank=_bank(payload.bank),
            version=payload.version,
        )
        return 200, _disc_out(d)

    return _mutate(request, payload, act)[1]


@router.get("/balances/{code}", response=StockBalanceOut)
def balance(request, code: str, date: dt.date | None = None):
    """An organisation's balance, now or at the end of a past day."""
    return queries.balance_report(_org(request.auth, code), date)


@router.get("/trace/{serial}", response=StockTraceOut)
def trace(request, serial: str):
    """流转可溯: a serial from its allocation to its end."""
    user = request.auth
    place, entries = queries.trace(serial)
    mine = visible_orgs(user)
    if place is None or not (
        mine.filter(
            Q(pk__in=[e.src_org_id for e in entries if e.src_org_id])
            | Q(pk__in=[e.dst_org_id for e in entries if e.dst_org_id])
        ).exists()
    ):
        raise NotFound("序列号")
    card = queries.card_of(serial)
    return {
        "serial": serial,
        "bank": place.bank.code,
        "version": place.version,
        "item": place.item,
        "state": place.state,
        "org": place.org.code if place.org_id else None,
        "card_no": card.card_no if card else None,
        "entries": [
            {
                "id": e.pk,
                "kind": e.kind,
                "day": e.day,
                "src_state": e.src_state,
                "src_org": e.src_org.code if e.src_org_id else None,
                "dst_state": e.dst_state,
                "dst_org": e.dst_org.code if e.dst_org_id else None,
                "item": e.dst_item or e.src_item,
                "note": e.note,
                "corrects": e.corrects_id,
                "reason": e.reason,
            }
            for e in entries
        ],
    }


@router.get("/discrepancies", response=list[StockDiscrepancyOut])
def discrepancies(request):
    """Discrepancies not yet rectified, in the caller's scope."""
    ids = visible_orgs(request.auth).values_list("pk", flat=True)
    return [_disc_out(d) for d in queries.open_discrepancies(ids)[:500]]


@router.get("/evaluation", response={200: StockEvaluationOut, 404: ErrorOut})
def evaluation(request, district: str, start: dt.date, end: dt.date):
    """What the evaluation counts for a district in a period (附件1 (7))."""
    return queries.evaluation_figures(_org(request.auth, district), start, end)
