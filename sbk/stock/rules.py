"""Pure stock rules (卡基台账规则): items, movement kinds, where a serial may go. No Django.

A serial is always at one *place*: ``(state, org, item)``. ``state`` is one of
``stock`` (counted in ``org``'s balance of ``item``), ``transit`` (sent, awaiting the
receipt of ``org``, the receiving side), ``card`` (printed into a card, or an unclaimed card
handed over after all), ``gone`` (written off, or lost at a stocktake), or ``""`` (not yet in
the books: before the inbound allocation). Every ledger entry moves one serial from one
place (``src``) to the next (``dst``); a serial's entries form a continuous path.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

BLANK, WASTE, UNCLAIMED = "blank", "waste", "unclaimed"
ITEMS = (BLANK, WASTE, UNCLAIMED)
ITEM_LABELS = {BLANK: "卡基", WASTE: "废卡", UNCLAIMED: "滞发卡"}

# The national social security card versions (社会保障卡卡版本: 1.00 first, 2.00 second,
# 3.00 third generation). A blank is of one version; a card consumes a blank of its own.
CARD_VERSIONS = ("1.00", "2.00", "3.00")

NONE, STOCK, TRANSIT, CARD, GONE = "", "stock", "transit", "card", "gone"
STATE_LABELS = {NONE: "未入账", STOCK: "在库", TRANSIT: "在途", CARD: "已制卡", GONE: "已核销"}

# Movement kinds. The first seven are the script contract's (``sbk stock apply``); the
# others are posted by sbk itself (cards becoming unclaimed, stocktakes, corrections).
ALLOCATE, RECEIVE, CONSUME, SPOIL, RETURN, WRITE_OFF, TRANSFER = (
    "allocate",
    "receive",
    "consume",
    "spoil",
    "return",
    "write_off",
    "transfer",
)
UNCLAIM, CLAIM, ADJUST, CORRECT = "unclaim", "claim", "adjust", "correct"
CONTRACT_KINDS = (ALLOCATE, RECEIVE, CONSUME, SPOIL, RETURN, WRITE_OFF, TRANSFER)
KIND_LABELS = {
    ALLOCATE: "下拨",
    RECEIVE: "签收",
    CONSUME: "制卡领用",
    SPOIL: "制卡损耗",
    RETURN: "上缴",
    WRITE_OFF: "核销",
    TRANSFER: "调拨",
    UNCLAIM: "滞发入库",
    CLAIM: "滞发卡领取",
    ADJUST: "盘点整改",
    CORRECT: "更正",
}
# Items each contract kind may move.
KIND_ITEMS = {
    ALLOCATE: {BLANK},
    RECEIVE: set(ITEMS),
    CONSUME: {BLANK},
    SPOIL: {BLANK},
    RETURN: {WASTE, UNCLAIMED},
    WRITE_OFF: {WASTE, UNCLAIMED},
    TRANSFER: set(ITEMS),
}


def version_known(version: str, current: str) -> bool:
    """A version the books accept: a national one, or the one configured as current."""
    return version == current or version in CARD_VERSIONS


@dataclass(frozen=True)
class Place:
    state: str
    org: int | None = None
    item: str = ""

    def label(self) -> str:
        return STATE_LABELS[self.state] + (f"·{ITEM_LABELS[self.item]}" if self.item else "")


OUTSIDE = Place(NONE)


def balance_effect(src: Place, dst: Place) -> list[tuple[int, str, int]]:
    """(org, item, delta) for the balances an entry from ``src`` to ``dst`` changes."""
    out = []
    if src.state == STOCK:
        out.append((src.org, src.item, -1))
    if dst.state == STOCK:
        out.append((dst.org, dst.item, +1))
    return out


def booking_day(requested: dt.date, closed_through: list[dt.date | None]) -> dt.date:
    """The day a movement is booked on: the requested day, or — when one of the
    organisations it touches has closed that day (日清 locks a day) — the next open day."""
    day = requested
    for closed in closed_through:
        if closed is not None and day <= closed:
            day = closed + dt.timedelta(days=1)
    return day


def late_note(requested: dt.date, booked: dt.date) -> str:
    if requested == booked:
        return ""
    return f"补记：原业务日期 {requested.isoformat()} 已日清，记入 {booked.isoformat()}"


def return_is_late(since: dt.date | None, day: dt.date, allowed_days: int) -> bool:
    """A waste or unclaimed card returned upward more than ``allowed_days`` after it
    became one is a late return (上缴不及时)."""
    return since is not None and (day - since).days > allowed_days


def closing(opening: int, incoming: int, outgoing: int) -> int:
    """日清: opening + in − out = closing."""
    return opening + incoming - outgoing


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """ "2026-03" → (first day, last day)."""
    try:
        year, mon = (int(p) for p in month.split("-"))
        first = dt.date(year, mon, 1)
    except (ValueError, TypeError):
        raise ValueError(month) from None
    nxt = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def path_breaks(steps: list[tuple[Place, Place]]) -> list[int]:
    """Indexes of the entries whose source is not where the previous entry left the serial."""
    breaks, here = [], OUTSIDE
    for i, (src, dst) in enumerate(steps):
        if src != here:
            breaks.append(i)
        here = dst
    return breaks
