"""The electronic card's status, read off its physical card (pure rules, no Django import).

The e-card (电子社保卡) is made when its card is produced (seed 002 附件1 step 5: 制卡成功后同步
生成电子社保卡) and follows that card: usable while the card is awaiting collection or in use,
suspended while it is reported lost, ended when it is cancelled (or handed back). Deriving
the status from the card, rather than storing a second copy, means the two can never
disagree, and a loss report costs no extra write.
"""

from __future__ import annotations

import datetime as dt

ACTIVE = "active"
SUSPENDED = "suspended"
ENDED = "ended"
LABELS = {ACTIVE: "正常", SUSPENDED: "已暂停（实体卡挂失中）", ENDED: "已终止"}

_BY_CARD = {
    "produced": ACTIVE,
    "unclaimed": ACTIVE,
    "issued": ACTIVE,
    "temp_lost": SUSPENDED,
    "lost": SUSPENDED,
    # A replaced card's e-card has moved to the new card (at its production); if it has not,
    # the holder has no usable card.
    "replaced": ENDED,
    "cancelled": ENDED,
    "returned": ENDED,
}


def status_for(card_status: str, temp_loss_until: dt.datetime | None, now: dt.datetime) -> str:
    """The e-card's status for a card in ``card_status`` (a lapsed temporary loss is over)."""
    if card_status == "temp_lost" and temp_loss_until is not None and temp_loss_until <= now:
        return ACTIVE
    return _BY_CARD.get(card_status, ENDED)
