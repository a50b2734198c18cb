"""Stock at production (制卡领用): a produced card consumes exactly one blank.

``consume_for_card`` runs inside the card's production (registered with the card
writer's ``before_card_create``), before the card's INSERT: it takes the outlet's lowest
blank of the card's version (卡版本) and bank, books it consumed and writes its serial
into the card, so the card is inserted once with its ``blank_serial``. Three statements:
the pick (an UPDATE that also reads the outlet's last closed day), the counter, the ledger
entry; on PostgreSQL two, the pick moving the counter too. On PostgreSQL the pick skips
blanks other productions hold (``FOR UPDATE SKIP LOCKED``): of twenty concurrent
productions over five blanks, five succeed and fifteen are refused.

A community outlet has no bank: its blanks are pre-printed co-branded cards, so the blank
it takes decides the card's bank (ADR 0004).

``on_card_change`` follows the cards that become unclaimed (滞发, back into the outlet's
stock as unclaimed cards) and those handed over after all (out of it again).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from sbk.cards import rules as card_rules
from sbk.core import prepared
from sbk.core.errors import Conflict

from .. import rules
from ..errors import StockErrorCode as E
from ..models import Balance, Entry, Serial
from . import ledger
from .ledger import Step

_PICK = """
UPDATE stock_serial SET state = %s
WHERE id = (
    SELECT id FROM stock_serial
    WHERE org_id = %s AND state = %s AND item = %s AND version = %s {bank}
    ORDER BY bank_id, serial LIMIT 1 {lock}
)
RETURNING serial, bank_id, (SELECT closed_through FROM stock_book WHERE org_id = %s)
"""

# PostgreSQL: the pick and the counter in one statement (a data-modifying CTE; SQLite has
# none, so there the counter is a statement of its own). Production is the stock write
# that runs all day at every outlet: one round trip fewer on each.
_PICK_AND_COUNT = """
WITH picked AS (
    UPDATE stock_serial SET state = %s
    WHERE id = (
        SELECT id FROM stock_serial
        WHERE org_id = %s AND state = %s AND item = %s AND version = %s {bank}
        ORDER BY bank_id, serial LIMIT 1 FOR UPDATE SKIP LOCKED
    )
    RETURNING serial, bank_id
), counted AS (
    UPDATE stock_balance SET qty = stock_balance.qty - 1 FROM picked
    WHERE stock_balance.org_id = %s AND stock_balance.item = %s
      AND stock_balance.bank_id = picked.bank_id AND stock_balance.version = %s
    RETURNING stock_balance.id
)
SELECT serial, bank_id, (SELECT closed_through FROM stock_book WHERE org_id = %s),
       (SELECT count(*) FROM counted)
FROM picked
"""


def _pick(
    outlet_id: int, bank_id: int | None, version: str
) -> tuple[str, int, dt.date | None, bool] | None:
    """(serial, bank, the outlet's last closed day, counter moved already) or None."""
    bank = "AND bank_id = %s" if bank_id else ""
    params = [rules.CARD, outlet_id, rules.STOCK, rules.BLANK, version]
    params += [bank_id] if bank_id else []
    if connection.vendor == "postgresql":
        sql = _PICK_AND_COUNT.format(bank=bank)
        params += [outlet_id, rules.BLANK, version, outlet_id]
    else:
        sql = _PICK.format(bank=bank, lock="")
        params += [outlet_id]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    if row is None:
        return None
    closed = row[2]
    if isinstance(closed, str):  # SQLite returns the subquery's date as text
        closed = dt.date.fromisoformat(closed)
    if len(row) > 3 and row[3] != 1:
        raise Conflict(E.NOT_HERE, "卡基余额记录缺失，不能记账（请核对库存账）")
    return row[0], row[1], closed, len(row) > 3


def consume_for_card(card, at: dt.datetime, acting_user) -> None:
    """Take a blank for ``card`` (not yet inserted) at its outlet, or refuse production."""
    if card.legacy:
        return
    version = card.version or settings.SBK_CARD_VERSION
    picked = _pick(card.org_id, card.bank_id, version)
    if picked is None:
        _refuse(card, version)
    serial, bank_id, closed, counted = picked
    card.blank_serial = serial
    card.version = version  # the card is of its blank's version (unchanged when it named one)
    if card.bank_id is None:
        card.bank_id = bank_id
    if not counted:
        Balance.objects.filter(
            org_id=card.org_id, item=rules.BLANK, bank_id=bank_id, version=version
        ).update(qty=F("qty") - 1)
    requested = timezone.localdate(at)
    day = rules.booking_day(requested, [closed])
    entry = Entry(
        batch=uuid.uuid4(),
        kind=rules.CONSUME,
        serial=serial,
        bank_id=bank_id,
        version=version,
        src_state=rules.STOCK,
        src_org_id=card.org_id,
        src_item=rules.BLANK,
        dst_state=rules.CARD,
        dst_org_id=card.org_id,
        dst_item=rules.BLANK,
        day=day,
        requested_day=requested,
        at=at,
        actor=ledger.actor_of(acting_user),
        note="；".join(t for t in (f"制卡 {card.card_no}", rules.late_note(requested, day)) if t),
    )
    prepared.insert(entry)


def _refuse(card, version: str) -> None:
    """No blank to print on: say whether the bank's blanks are missing, or only those of
    the card's version (the outlet holds other versions: the wrong stock was sent)."""
    where = card.org.name if card.org_id else "该网点"
    bank = f"{card.bank.name}的" if card.bank_id else ""
    held = Serial.objects.filter(org_id=card.org_id, state=rules.STOCK, item=rules.BLANK)
    if card.bank_id:
        held = held.filter(bank_id=card.bank_id)
    # Blanks of the card's own version still "in stock" here are held by concurrent
    # productions (skipped, not free): that is no blank, not a wrong version.
    others = sorted(set(held.exclude(version=version).values_list("version", flat=True)))
    if others:
        raise Conflict(
            E.NO_BLANK_OF_VERSION,
            f"{where}没有{bank}{version} 版卡基（在库的是 {'、'.join(others)} 版），不能制卡"
            "（请申领该版本卡基）",
        )
    raise Conflict(E.NO_BLANK, f"{where}没有{bank}卡基库存，不能制卡（请先申领并签收卡基）")


def on_card_change(change) -> None:
    card = change.card
    if change.legacy or not card.blank_serial:
        return  # cards from before the stock books have no blank in them
    if change.transition == "mark_unclaimed":
        src = rules.Place(rules.CARD, card.org_id, rules.BLANK)
        dst = rules.Place(rules.STOCK, card.org_id, rules.UNCLAIMED)
        kind, what = rules.UNCLAIM, "转入滞发卡"
    elif change.transition == "issue" and change.before == card_rules.UNCLAIMED:
        src = rules.Place(rules.STOCK, card.org_id, rules.UNCLAIMED)
        dst = rules.Place(rules.CARD, card.org_id, rules.BLANK)
        kind, what = rules.CLAIM, "发放滞发卡"
    else:
        return
    (row,) = ledger.lock_serials([card.blank_serial])
    ledger.require_at([row], src, what=what)
    # A nightly job may run with a clock of its own (tests run it "400 days later"): the
    # books never take a day after today.
    day = min(timezone.localdate(change.at), ledger.today())
    since = day if kind == rules.UNCLAIM else None
    ledger.post(
        [Step(row, dst, since=since)],
        kind=kind,
        acting_user=change.acting_user,
        requested_day=day,
        note=f"卡号 {card.card_no}",
        at=change.at,
    )
