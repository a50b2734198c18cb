"""Stock movements (卡基流转), one business action each: allocation, receipt, spoilage,
return upward (上缴), write-off (核销), transfer between outlets, recorded consumption and
corrections. Each checks the policy on the organisation it acts for, then posts through
``ledger.post`` in one transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.utils import timezone

from sbk.accounts.policy import ensure
from sbk.cards.models import Card
from sbk.cards.transitions import transition_card
from sbk.core import actions
from sbk.core.catalogue import Action
from sbk.core.errors import Conflict, ServiceError
from sbk.orgs.models import Organisation, OrgKind

from .. import rules
from ..errors import StockErrorCode as E
from ..models import Entry, Serial
from . import ledger
from .ledger import Step

CENTRES = (OrgKind.CENTRE, OrgKind.CITY)


def _record(action: Action, *, acting_user, org, entries, before=None, after=None, reason=""):
    first = entries[0]
    actions.record(
        action,
        acting_user=acting_user,
        object_type="stock.movement",
        object_id=str(first.batch),
        before=before,
        after={
            "kind": first.kind,
            "org": org.code,
            "count": len(entries),
            "serials": [e.serial for e in entries[:50]],
            "day": first.day.isoformat(),
            **(after or {}),
        },
        reason=reason,
    )


def _is_below(child: Organisation, parent: Organisation) -> bool:
    return child.pk != parent.pk and child.path.startswith(parent.path)


def _bank(bank) -> Organisation:
    if not isinstance(bank, Organisation) or bank.kind != OrgKind.BANK:
        raise ServiceError(E.BAD_BANK, "须指定合作银行（卡基所属银行）", field="bank")
    return bank


@actions.atomic
def allocate_blanks(
    *,
    acting_user,
    source: Organisation | None,
    target: Organisation,
    bank: Organisation,
    serials,
    day: dt.date | None = None,
    note: str = "",
    version: str = "",
) -> list[Entry]:
    """下拨: blanks go down the tree (centre → district → outlet, or to a bank outlet) and
    wait in transit for the receiving side's receipt. With no ``source`` the blanks enter
    the books at the centre from the card factory (入库), in stock at once, of ``version``
    (卡版本; the current one when none is named). Down the tree, a named ``version`` must
    be the serials' own."""
    bank, serials, day = _bank(bank), ledger.clean_serials(serials), ledger.check_day(day)
    named_version = str(version or "").strip()
    version = ledger.check_version(version)
    if source is None:
        if target.kind not in CENTRES:
            raise ServiceError(E.BAD_ROUTE, "新卡基只能入库到卡中心", field="to")
        ensure(acting_user, Action.STOCK_ALLOCATE, target)
        known = set(
            Serial.objects.filter(serial__in=serials)
            .exclude(state=rules.NONE)
            .values_list("serial", flat=True)
        )
        if known:
            raise Conflict(
                E.SERIAL_EXISTS, f"序列号 {sorted(known)[0]} 已在台账中", field="serials"
            )
        Serial.objects.bulk_create(
            [
                Serial(
                    serial=s,
                    bank=bank,
                    version=version,
                    item=rules.BLANK,
                    state=rules.NONE,
                )
                for s in serials
            ],
            ignore_conflicts=True,  # a serial whose inbound was corrected away comes back
        )
        # A serial whose inbound was corrected away comes back as the bank and version
        # named now (it is outside the books: nothing counts it).
        Serial.objects.filter(serial__in=serials, state=rules.NONE).exclude(
            bank=bank, version=version
        ).update(bank=bank, version=version)
        rows = ledger.lock_serials(serials)
        steps = [Step(r, rules.Place(rules.STOCK, target.pk, rules.BLANK)) for r in rows]
        entries = ledger.post(
            steps, kind=rules.ALLOCATE, acting_user=acting_user, requested_day=day, note=note
        )
        _record(Action.STOCK_ALLOCATE, acting_user=acting_user, org=target, entries=entries)
        return entries
    ensure(acting_user, Action.STOCK_ALLOCATE, source)
    if not _is_below(target, source):
        raise ServiceError(
            E.BAD_ROUTE,
            f"{target.name}不在{source.name}之下，不能下拨（调拨请用 transfer）",
            field="to",
        )
    rows = ledger.lock_serials(serials)
    ledger.require_at(
        rows,
        rules.Place(rules.STOCK, source.pk, rules.BLANK),
        bank=bank,
        version=named_version and version,
        what="下拨",
    )
    steps = [
        Step(r, rules.Place(rules.TRANSIT, target.pk, rules.BLANK), sender_id=source.pk)
        for r in rows
    ]
    entries = ledger.post(
        steps, kind=rules.ALLOCATE, acting_user=acting_user, requested_day=day, note=note
    )
    _record(
        Action.STOCK_ALLOCATE,
        acting_user=acting_user,
        org=source,
        entries=entries,
        after={"to": target.code},
    )
    return entries


@actions.atomic
def receive(
    *,
    acting_user,
    target: Organisation,
    serials,
    source: Organisation | None = None,
    day: dt.date | None = None,
    note: str = "",
) -> list[Entry]:
    """签收: the receiving side confirms serials in transit to it; they enter its stock."""
    serials, day = ledger.clean_serials(serials), ledger.check_day(day)
    ensure(acting_user, Action.STOCK_RECEIVE, target)
    rows = ledger.lock_serials(serials)
    for row in rows:
        if row.state != rules.TRANSIT or row.org_id != target.pk:
            raise Conflict(E.NOT_HERE, f"序列号 {row.serial} 不是发往{target.name}的在途物品")
        if source is not None and row.sender_id != source.pk:
            raise Conflict(
                E.BAD_ROUTE, f"序列号 {row.serial} 不是{source.name}发出的", field="from"
            )
    steps = [Step(r, rules.Place(rules.STOCK, target.pk, r.item)) for r in rows]
    entries = ledger.post(
        steps, kind=rules.RECEIVE, acting_user=acting_user, requested_day=day, note=note
    )
    _record(Action.STOCK_RECEIVE, acting_user=acting_user, org=target, entries=entries)
    return entries


@actions.atomic
def spoil_blanks(
    *, acting_user, outlet: Organisation, serials, day: dt.date | None = None, note: str = ""
) -> list[Entry]:
    """制卡损耗: a failed print turns its blank into a waste card (废卡) at the outlet,
    recorded although no card results."""
    serials, day = ledger.clean_serials(serials), ledger.check_day(day)
    ensure(acting_user, Action.STOCK_SPOIL, outlet)
    rows = ledger.lock_serials(serials)
    ledger.require_at(rows, rules.Place(rules.STOCK, outlet.pk, rules.BLANK), what="登记损耗")
    steps = [Step(r, rules.Place(rules.STOCK, outlet.pk, rules.WASTE), since=day) for r in rows]
    entries = ledger.post(
        steps, kind=rules.SPOIL, acting_user=acting_user, requested_day=day, note=note
    )
    _record(Action.STOCK_SPOIL, acting_user=acting_user, org=outlet, entries=entries)
    return entries


@actions.atomic
def record_consumption(
    *, acting_user, outlet: Organisation, serials, day: dt.date | None = None, note: str = ""
) -> list[Entry]:
    """卡基领用登记: blanks consumed by production outside sbk (a vendor's printer). Cards
    produced in sbk consume their blank themselves (``production.consume_for_card``)."""
    serials, day = ledger.clean_serials(serials), ledger.check_day(day)
    ensure(acting_user, Action.STOCK_CONSUME, outlet)
    if not note.strip():
        raise ServiceError(E.NOTE_REQUIRED, "登记外部制卡领用须说明（如制卡批次）", field="note")
    rows = ledger.lock_serials(serials)
    ledger.require_at(rows, rules.Place(rules.STOCK, outlet.pk, rules.BLANK), what="领用")
    steps = [Step(r, rules.Place(rules.CARD, outlet.pk, rules.BLANK)) for r in rows]
    entries = ledger.post(
        steps, kind=rules.CONSUME, acting_user=acting_user, requested_day=day, note=note
    )
    _record(Action.STOCK_CONSUME, acting_user=acting_user, org=outlet, entries=entries)
    return entries


@actions.atomic
def return_upward(
    *,
    acting_user,
    source: Organisation,
    target: Organisation | None = None,
    serials,
    day: dt.date | None = None,
    note: str = "",
) -> list[Entry]:
    """上缴: waste and unclaimed cards go up (to the parent by default). A return later than
    ``SBK_STOCK_RETURN_DAYS`` after the item became one is marked late; one that skips
    the parent is marked irregular. An unclaimed card handed back moves to its own card
    state (滞发卡已上缴), so it can never be issued."""
    serials, day = ledger.clean_serials(serials), ledger.check_day(day)
    target = target or source.parent
    ensure(acting_user, Action.STOCK_RETURN, source)
    if target is None or not _is_below(source, target):
        raise ServiceError(E.BAD_ROUTE, "上缴只能交往上级机构", field="to")
    rows = ledger.lock_serials(serials)
    for row in rows:
        if (
            row.state != rules.STOCK
            or row.org_id != source.pk
            or row.item
            not in (
                rules.WASTE,
                rules.UNCLAIMED,
            )
        ):
            raise Conflict(
                E.BAD_ITEM,
                f"序列号 {row.serial} 不是{source.name}在库的废卡或滞发卡",
                field="serials",
            )
    allowed = settings.SBK_STOCK_RETURN_DAYS
    irregular = target.pk != source.parent_id
    steps = [
        Step(
            r,
            rules.Place(rules.TRANSIT, target.pk, r.item),
            sender_id=source.pk,
            overdue=rules.return_is_late(r.since, day, allowed),
            irregular=irregular,
        )
        for r in rows
    ]
    _hand_back_cards([r.serial for r in rows if r.item == rules.UNCLAIMED], acting_user)
    entries = ledger.post(
        steps, kind=rules.RETURN, acting_user=acting_user, requested_day=day, note=note
    )
    _record(
        Action.STOCK_RETURN,
        acting_user=acting_user,
        org=source,
        entries=entries,
        after={
            "to": target.code,
            "overdue": sum(e.overdue for e in entries),
            "irregular": irregular,
        },
    )
    return entries


def _hand_back_cards(serials: list[str], acting_user) -> None:
    """The unclaimed cards among ``serials`` go to RETURNED through the card writer (a card
    cancelled meanwhile stays cancelled: it is already dead)."""
    if not serials:
        return
    now = timezone.now()
    cards = Card.objects.select_for_update().filter(blank_serial__in=serials).order_by("pk")
    for card in cards:
        if card.status != "cancelled":
            transition_card(card, "return_unclaimed", at=now, acting_user=acting_user)


@actions.atomic
def write_off(
    *, acting_user, centre: Organisation, serials, day: dt.date | None = None, note: str = ""
) -> list[Entry]:
    """核销: the centre destroys returned waste and unclaimed cards; they leave the books."""
    serials, day = ledger.clean_serials(serials), ledger.check_day(day)
    if centre.kind not in CENTRES:
        raise ServiceError(E.BAD_ROUTE, "核销只能在卡中心办理", field="from")
    ensure(acting_user, Action.STOCK_WRITE_OFF, centre)
    rows = ledger.lock_serials(serials)
    for row in rows:
        if row.state != rules.STOCK or row.org_id != centre.pk or row.item == rules.BLANK:
            raise Conflict(
                E.BAD_ITEM, f"序列号 {row.serial} 不是卡中心在库的废卡或滞发卡", field="serials"
            )
    steps = [Step(r, rules.Place(rules.GONE, centre.pk, r.item)) for r in rows]
    entries = ledger.post(
        steps, kind=rules.WRITE_OFF, acting_user=acting_user, requested_day=day, note=note
    )
    _record(Action.STOCK_WRITE_OFF, acting_user=acting_user, org=centre, entries=entries)
    return entries


@actions.atomic
def transfer(
    *,
    acting_user,
    source: Organisation,
    target: Organisation,
    serials,
    day: dt.date | None = None,
    note: str = "",
) -> list[Entry]:
    """调拨: stock moves between two outlets (in transit until the receiving outlet signs)."""
    serials, day = ledger.clean_serials(serials), ledger.check_day(day)
    if not (source.is_outlet and target.is_outlet) or source.pk == target.pk:
        raise ServiceError(E.BAD_ROUTE, "调拨只能在两个不同网点之间进行", field="to")
    ensure(acting_user, Action.STOCK_TRANSFER, source)
    ensure(acting_user, Action.STOCK_TRANSFER, target)
    rows = ledger.lock_serials(serials)
    for row in rows:
        if row.state != rules.STOCK or row.org_id != source.pk:
            raise Conflict(
                E.NOT_HERE, f"序列号 {row.serial} 不在{source.name}库存中", field="serials"
            )
    steps = [
        Step(r, rules.Place(rules.TRANSIT, target.pk, r.item), sender_id=source.pk) for r in rows
    ]
    entries = ledger.post(
        steps, kind=rules.TRANSFER, acting_user=acting_user, requested_day=day, note=note
    )
    _record(
        Action.STOCK_TRANSFER,
        acting_user=acting_user,
        org=source,
        entries=entries,
        after={"to": target.code},
    )
    return entries


CORRECTABLE = {rules.ALLOCATE, rules.RECEIVE, rules.SPOIL, rules.RETURN, rules.TRANSFER}


@actions.atomic
def correct_movement(batch: uuid.UUID | str, *, acting_user, reason: str) -> list[Entry]:
    """更正: a movement booked in error is reversed by new entries, dated today, each naming
    the entry it corrects, with the reason. The ledger itself is never edited. Only the
    serial's latest entry can be reversed (what came after it would lose its ground)."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(E.REASON_REQUIRED, "更正须写明原因", field="reason")
    try:
        batch = uuid.UUID(str(batch))
    except ValueError:
        raise ServiceError(E.NOT_CORRECTABLE, "批次号格式不正确", field="batch") from None
    originals = list(Entry.objects.filter(batch=batch).select_related("src_org", "dst_org"))
    if not originals:
        raise ServiceError(E.NOT_CORRECTABLE, "没有这一笔台账记录", field="batch")
    kind = originals[0].kind
    if kind not in CORRECTABLE:
        raise ServiceError(
            E.NOT_CORRECTABLE,
            f"“{rules.KIND_LABELS[kind]}”不能更正（制卡领用随卡片记录，盘点整改另行办理）",
        )
    if kind == rules.RETURN and any(e.src_item == rules.UNCLAIMED for e in originals):
        raise ServiceError(
            E.NOT_CORRECTABLE, "已上缴的滞发卡已转为“滞发卡已上缴”状态，不能冲正（请由上级退回）"
        )
    org = originals[0].src_org or originals[0].dst_org
    ensure(acting_user, Action.STOCK_CORRECT, org)
    rows = ledger.lock_serials([e.serial for e in originals])
    latest = dict(
        Entry.objects.filter(serial__in=[e.serial for e in originals])
        .order_by("serial", "id")
        .values_list("serial", "id")
    )  # the last id per serial wins in the dict
    by_serial = {e.serial: e for e in originals}
    steps = []
    for row in rows:
        entry = by_serial[row.serial]
        if latest[row.serial] != entry.pk:
            raise Conflict(
                E.NOT_CORRECTABLE, f"序列号 {row.serial} 之后已有其他流转，不能更正这一笔"
            )
        src = entry.src
        sender = None
        if src.state == rules.TRANSIT:
            sender = (
                Entry.objects.filter(serial=row.serial, id__lt=entry.pk)
                .order_by("-id")
                .values_list("src_org_id", flat=True)
                .first()
            )
        steps.append(Step(row, src, sender_id=sender, corrects=entry))
    entries = ledger.post(
        steps,
        kind=rules.CORRECT,
        acting_user=acting_user,
        requested_day=ledger.today(),
        reason=reason,
        note=f"更正 {kind} 批次 {batch}",
    )
    _record(
        Action.STOCK_CORRECT,
        acting_user=acting_user,
        org=org,
        entries=entries,
        after={"corrects": str(batch)},
        reason=reason,
    )
    return entries
