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
from sbk.orgs.models import OrgKind
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
    version: str = "",
) -> Stocktake:
    """盘点: enter a physical count of ``item`` at ``org`` (optionally of one bank and/or one
    card version, optionally with the serials seen)."""
    ensure(acting_user, Action.STOCK_COUNT, org)
    if item not in rules.ITEMS:
        raise ServiceError(E.BAD_ITEM, "物品应为 blank、waste 或 unclaimed", field="item")
    version = ledger.check_version(version) if str(version or "").strip() else ""
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
    if version:
        balances = balances.filter(version=version)
    book = sum(b.qty for b in balances)  # the frozen moment: these rows stay locked
    missing, extra = [], []
    if serials is not None:
        held = Serial.objects.filter(org=org, state=rules.STOCK, item=item)
        if bank is not None:
            held = held.filter(bank=bank)
        if version:
            held = held.filter(version=version)
        on_books = set(held.values_list("serial", flat=True))
        missing = sorted(on_books - set(serials))
        extra = sorted(set(serials) - on_books)
    now = timezone.now()
    take = Stocktake.objects.create(
        org=org,
        item=item,
        bank=bank,
        version=version,
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
            "version": version or None,
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
def rectify_discrepancy(
    pk: int,
    *,
    acting_user,
    reason: str,
    lost_serials=None,
    found_serials=None,
    bank=None,
    version: str = "",
) -> Discrepancy:
    """差异整改: post the movements that make the books agree with the count. Serials on the
    books but not found go out as lost (盘亏); serials found but booked elsewhere come in
    (盘盈, from where the books had them). The discrepancy must have been explained first.

    A count without serials names them at rectification, read off the cards in the safe:
    ``lost_serials`` (盘亏, on the books here) and ``found_serials`` (盘盈), as many more
    found than lost as the count exceeds the books. A found serial the books place
    elsewhere comes in from there; one the books never knew enters them here (of the
    count's bank, or ``bank``, and of ``version``, the current card version by default).
    No quantity ever enters the books without its serials (ADR 0004)."""
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
        out_serials = ledger.clean_serials(lost_serials) if lost_serials else []
        in_serials = ledger.clean_serials(found_serials) if found_serials else []
        both = set(out_serials) & set(in_serials)
        if both:
            raise ServiceError(
                E.NOT_RECTIFIED,
                f"序列号 {sorted(both)[0]} 不能既盘亏又盘盈",
                field="found_serials",
            )
        if len(in_serials) - len(out_serials) != take.counted - take.book:
            raise ServiceError(
                E.NOT_RECTIFIED,
                _count_rule(take.counted - take.book, len(out_serials), len(in_serials)),
                field="found_serials" if take.counted > take.book else "lost_serials",
            )
    unknown = _enter_unknown(in_serials, item, bank or take.bank, version or take.version)
    batch = uuid.uuid4()
    rows = ledger.lock_serials(sorted(set(out_serials) | set(in_serials)))
    here = rules.Place(rules.STOCK, org.pk, item)
    steps = []
    for row in rows:
        if row.serial in out_serials:
            ledger.require_at([row], here, what="盘亏整改")
            steps.append(Step(row, rules.Place(rules.GONE, org.pk, item)))
        else:
            _check_found(row, here, take)
            steps.append(Step(row, here))
    entries = []
    if steps:
        entries = ledger.post(
            steps,
            kind=rules.ADJUST,
            acting_user=acting_user,
            requested_day=ledger.today(),
            note=f"盘点#{take.pk} 整改"
            + (f"（盘盈补录序列号，台账原无 {len(unknown)} 个）" if unknown else ""),
            reason=reason,
            batch=batch,
        )
    now = timezone.now()
    disc.status = DiscrepancyStatus.RECTIFIED
    disc.rectified_at = now
    disc.save(update_fields=["status", "rectified_at"])
    named = ""
    if take.serials is None and (out_serials or in_serials):
        named = (
            "；盘亏 " + (" ".join(out_serials) or "无") + "；盘盈 " + (" ".join(in_serials) or "无")
        )
    DiscrepancyEvent.objects.create(
        discrepancy=disc,
        at=now,
        actor=ledger.actor_of(acting_user),
        what=DiscrepancyStatus.RECTIFIED,
        text=(reason + named)[:500],
        batch=batch if entries else None,
    )
    actions.record(
        Action.STOCK_RECTIFY,
        acting_user=acting_user,
        obj=disc,
        after={
            "status": disc.status,
            "entries": len(entries),
            "batch": str(batch),
            "lost": out_serials[:50],
            "found": in_serials[:50],
            "new_to_books": unknown[:50],
        },
        reason=reason,
    )
    return disc


def _count_rule(diff: int, lost: int, found: int) -> str:
    now = f"现列盘亏 {lost} 个、盘盈 {found} 个"
    if diff > 0:
        return f"实盘多于账面 {diff} 个：须列出盘盈序列号，比盘亏多 {diff} 个（{now}）"
    return f"实盘少于账面 {-diff} 个：须列出盘亏序列号，比盘盈多 {-diff} 个（{now}）"


def _enter_unknown(serials: list[str], item: str, bank, version: str) -> list[str]:
    """Found serials the books never knew get a serial row outside the books, so that the
    rectification's entries bring them in like any other (a path starting outside)."""
    if not serials:
        return []
    known = set(
        Serial.objects.filter(serial__in=serials)
        .exclude(state=rules.NONE)
        .values_list("serial", flat=True)
    )
    unknown = [s for s in serials if s not in known]
    if not unknown:
        return []
    if bank is None or bank.kind != OrgKind.BANK:
        raise ServiceError(
            E.BAD_BANK,
            f"序列号 {unknown[0]} 不在台账中：须指定其所属银行（按银行盘点，或整改时填写银行）",
            field="bank",
        )
    version = ledger.check_version(version)
    Serial.objects.bulk_create(
        [
            Serial(serial=s, bank=bank, version=version, item=item, state=rules.NONE)
            for s in unknown
        ],
        ignore_conflicts=True,  # a serial corrected out of the books comes back
    )
    Serial.objects.filter(serial__in=unknown, state=rules.NONE).update(
        bank=bank, version=version, item=item
    )
    return unknown


def _check_found(row: Serial, here: rules.Place, take: Stocktake) -> None:
    """A found serial comes in from stock or transit elsewhere, or from outside the books;
    one already counted here, printed into a card or written off cannot be a surplus."""
    if ledger.place_of(row) == here:
        raise Conflict(
            E.NOT_HERE, f"序列号 {row.serial} 本就在本机构账上，不是盘盈", field="found_serials"
        )
    if row.state == rules.NONE:
        return
    if row.state not in (rules.STOCK, rules.TRANSIT) or row.item != take.item:
        raise Conflict(
            E.NOT_HERE,
            f"序列号 {row.serial} 当前为“{ledger.place_of(row).label()}”，不能盘盈入账"
            "（如该笔流转有误，请先更正）",
            field="found_serials",
        )
    if take.bank_id and row.bank_id != take.bank_id:
        raise Conflict(E.BAD_BANK, f"序列号 {row.serial} 不是本次盘点银行的卡基", field="bank")
    if take.version and row.version != take.version:
        raise Conflict(
            E.BAD_VERSION,
            f"序列号 {row.serial} 是 {row.version} 版，本次只盘点 {take.version} 版",
            field="version",
        )


def book_total(org, item, bank=None) -> int:
    qs = Balance.objects.filter(org=org, item=item)
    if bank is not None:
        qs = qs.filter(bank=bank)
    return qs.aggregate(n=Sum("qty"))["n"] or 0
