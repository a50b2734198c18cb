"""账实相符: stocktakes, and the discrepancies they open until explained and rectified.

The count is compared with the books at one frozen moment: the organisation's balance rows
(and, for a count by serial, its serial rows) are locked while the book figure is read, so
no movement slips between the two. A difference opens a discrepancy; its history is kept
as append-only events. Rectification posts ledger entries (盘亏 out, 盘盈 in) — the books
are changed only by movements, never edited. This module is the one writer of a
discrepancy's ``status``.
"""

from __future__ import annotations

import uuid

from django.db.models import Sum
from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.core import actions
from sbk.core.catalogue import Action
from sbk.core.errors import Conflict, NotFound, ServiceError
from sbk.orgs.scope import scoped

from .. import rules
from ..errors import StockErrorCode as E
from ..models import Balance, Discrepancy, DiscrepancyEvent, DiscrepancyStatus, Serial, Stocktake
from . import ledger
from .ledger import Step


@actions.atomic
def count_stock(
    org,
    *,
    acting_user,
    item: str,
    qty: int,
    bank=None,
    serials=None,
    note: str = "",
) -> Stocktake:
    """盘点: enter a physical count of ``item`` at ``org`` (optionally of one bank, optionally
    with the serials seen)."""
    ensure(acting_user, Action.STOCK_COUNT, org)
    if item not in rules.ITEMS:
        raise ServiceError(E.BAD_ITEM, "物品应为 blank、waste 或 unclaimed", field="item")
    if not isinstance(qty, int) or qty < 0:
        raise ServiceError(E.BAD_COUNT, "实盘数应为不小于 0 的整数", field="qty")
    if serials is not None:
        serials = ledger.clean_serials(serials) if serials else []
        if len(serials) != qty:
            raise ServiceError(
                E.BAD_COUNT, f"实盘数 {qty} 与所列序列号 {len(serials)} 个不一致", field="serials"
            )
    balances = Balance.objects.select_for_update().filter(org=org, item=item).order_by("pk")
    if bank is not None:
        balances = balances.filter(bank=bank)
    book = sum(b.qty for b in balances)  # the frozen moment: these rows stay locked
    missing, extra = [], []
    if serials is not None:
        held = Serial.objects.filter(org=org, state=rules.STOCK, item=item)
        if bank is not None:
            held = held.filter(bank=bank)
        on_books = set(held.values_list("serial", flat=True))
        missing = sorted(on_books - set(serials))
        extra = sorted(set(serials) - on_books)
    now = timezone.now()
    take = Stocktake.objects.create(
        org=org,
        item=item,
        bank=bank,
        counted=qty,
        book=book,
        serials=serials,
        missing=missing,
        extra=extra,
        at=now,
        counted_by=ledger.actor_of(acting_user),
        note=note[:300],
    )
    disc = None
    if qty != book or missing or extra:
        disc = Discrepancy.objects.create(stocktake=take, org=org, opened_at=now)
        DiscrepancyEvent.objects.create(
            discrepancy=disc,
            at=now,
            actor=ledger.actor_of(acting_user),
            what=DiscrepancyStatus.OPEN,
            text=f"账面 {book}，实盘 {qty}，差额 {qty - book}",
        )
    actions.record(
        Action.STOCK_COUNT,
        acting_user=acting_user,
        obj=take,
        after={
            "org": org.code,
            "item": item,
            "book": book,
            "counted": qty,
            "missing": missing[:50],
            "extra": extra[:50],
            "discrepancy": disc.pk if disc else None,
        },
    )
    return take


def _lock_discrepancy(acting_user, pk) -> Discrepancy:
    qs = scoped(acting_user, Discrepancy.objects.select_for_update(), org_field="org")
    found = qs.filter(pk=pk).first()
    if found is None:
        raise NotFound("账实差异")
    return found


@actions.atomic
def explain_discrepancy(pk: int, *, acting_user, text: str) -> Discrepancy:
    """差异说明: say why the count and the books differ (the first step to rectification)."""
    ensure(acting_user, Action.STOCK_EXPLAIN)  # the role first: a refusal, not a 404
    disc = _lock_discrepancy(acting_user, pk)
    ensure(acting_user, Action.STOCK_EXPLAIN, disc.org)
    text = (text or "").strip()
    if not text:
        raise ServiceError(E.REASON_REQUIRED, "须写明差异原因", field="text")
    if disc.status == DiscrepancyStatus.RECTIFIED:
        raise Conflict(E.DISCREPANCY_STATE, "该差异已整改完毕")
    before = {"status": disc.status, "explanation": disc.explanation}
    disc.status = DiscrepancyStatus.EXPLAINED
    disc.explanation = text[:500]
    disc.save(update_fields=["status", "explanation"])
    DiscrepancyEvent.objects.create(
        discrepancy=disc,
        at=timezone.now(),
        actor=ledger.actor_of(acting_user),
        what=DiscrepancyStatus.EXPLAINED,
        text=text[:500],
    )
    actions.record(
        Action.STOCK_EXPLAIN,
        acting_user=acting_user,
        obj=disc,
        before=before,
        after={"status": disc.status, "explanation": disc.explanation},
    )
    return disc


@actions.atomic
def rectify_discrepancy(pk: int, *, acting_user, reason: str, lost_serials=None) -> Discrepancy:
    """差异整改: post the movements that make the books agree with the count. Serials on the
    books but not found go out as lost (盘亏); serials found but booked elsewhere come in
    (盘盈, from where the books had them). A count without serials names the lost ones in
    ``lost_serials``. The discrepancy must have been explained first."""
    ensure(acting_user, Action.STOCK_RECTIFY)  # the role first: a refusal, not a 404
    disc = _lock_discrepancy(acting_user, pk)
    ensure(acting_user, Action.STOCK_RECTIFY, disc.org)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(E.REASON_REQUIRED, "整改须写明依据", field="reason")
    if disc.status != DiscrepancyStatus.EXPLAINED:
        raise Conflict(E.DISCREPANCY_STATE, "差异须先说明原因，再整改")
    take = disc.stocktake
    org, item = disc.org, take.item
    if take.serials is not None:
        out_serials, in_serials = list(take.missing), list(take.extra)
    else:
        out_serials, in_serials = ledger.clean_serials(lost_serials) if lost_serials else [], []
        if take.counted > take.book:
            raise Conflict(E.NOT_RECTIFIED, "实盘多于账面：请按序列号重新盘点后整改")
        if len(out_serials) != take.book - take.counted:
            raise ServiceError(
                E.NOT_RECTIFIED,
                f"须列出 {take.book - take.counted} 个盘亏序列号",
                field="lost_serials",
            )
    batch = uuid.uuid4()
    rows = ledger.lock_serials(sorted(set(out_serials) | set(in_serials)))
    here = rules.Place(rules.STOCK, org.pk, item)
    steps = []
    for row in rows:
        if row.serial in out_serials:
            ledger.require_at([row], here, what="盘亏整改")
            steps.append(Step(row, rules.Place(rules.GONE, org.pk, item)))
        else:
            if row.state not in (rules.STOCK, rules.TRANSIT) or row.item != item:
                raise Conflict(E.NOT_HERE, f"序列号 {row.serial} 当前不在库，不能盘盈入账")
            steps.append(Step(row, here))
    entries = []
    if steps:
        entries = ledger.post(
            steps,
            kind=rules.ADJUST,
            acting_user=acting_user,
            requested_day=ledger.today(),
            note=f"盘点#{take.pk} 整改",
            reason=reason,
            batch=batch,
        )
    now = timezone.now()
    disc.status = DiscrepancyStatus.RECTIFIED
    disc.rectified_at = now
    disc.save(update_fields=["status", "rectified_at"])
    DiscrepancyEvent.objects.create(
        discrepancy=disc,
        at=now,
        actor=ledger.actor_of(acting_user),
        what=DiscrepancyStatus.RECTIFIED,
        text=reason[:500],
        batch=batch if entries else None,
    )
    actions.record(
        Action.STOCK_RECTIFY,
        acting_user=acting_user,
        obj=disc,
        after={"status": disc.status, "entries": len(entries), "batch": str(batch)},
        reason=reason,
    )
    return disc


def book_total(org, item, bank=None) -> int:
    qs = Balance.objects.filter(org=org, item=item)
    if bank is not None:
        qs = qs.filter(bank=bank)
    return qs.aggregate(n=Sum("qty"))["n"] or 0
