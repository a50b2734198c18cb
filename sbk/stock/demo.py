"""The demo's card blanks (卡基): every production place gets some, through the books.

Blanks enter at the centre (入库), go down to each district and on to its outlets, each
leg received by the receiving side — the same services the console uses, one transaction.
"""

from __future__ import annotations

from sbk.core.actors import DEMO
from sbk.orgs.models import Organisation, OrgKind

from .services import apply_movements

PRODUCTION = (
    OrgKind.COMMUNITY_OUTLET,
    OrgKind.BANK_OUTLET,
    OrgKind.KIOSK,
    OrgKind.SERVICE_CENTRE,
)


def stock_demo(per_outlet: int = 30) -> int:
    centre = Organisation.objects.get(kind=OrgKind.CENTRE, parent=None)
    banks = list(Organisation.objects.filter(kind=OrgKind.BANK).order_by("code"))
    if not banks:
        return 0
    inbound: dict[str, list[str]] = {}
    legs: list[dict] = []
    outlets = Organisation.objects.filter(kind__in=PRODUCTION).select_related("parent", "bank")
    for outlet in outlets.order_by("path"):
        bank = outlet.bank or banks[outlet.pk % len(banks)]
        serials = [f"{bank.code}{outlet.code}{n:04d}" for n in range(1, per_outlet + 1)]
        inbound.setdefault(bank.code, []).extend(serials)
        hops = [centre]
        if outlet.parent_id != centre.pk and outlet.parent.kind == OrgKind.DISTRICT:
            hops.append(outlet.parent)
        hops.append(outlet)
        for src, dst in zip(hops, hops[1:], strict=False):
            base = {"item": "blank", "bank": bank.code, "serials": serials, "note": "演示数据"}
            legs.append({**base, "kind": "allocate", "from": src.code, "to": dst.code})
            legs.append({**base, "kind": "receive", "from": src.code, "to": dst.code})
    moves = [
        {
            "kind": "allocate",
            "item": "blank",
            "from": None,
            "to": centre.code,
            "bank": code,
            "serials": serials,
            "note": "演示数据：卡厂入库",
        }
        for code, serials in inbound.items()
    ]
    return apply_movements(moves + legs, acting_user=DEMO)
