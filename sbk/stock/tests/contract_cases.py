"""Happy paths of the stock API for ``sbk/tests/test_contract_happy_paths.py`` (``cases(Call)``
is merged into its ``CASES``; ``Call`` is passed in to keep the imports one-way)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sbk.core.actors import SYSTEM
from sbk.stock import services
from sbk.stock.models import Serial


def _held(c, org):
    return list(
        Serial.objects.filter(org=org, state="stock", item="blank")
        .order_by("serial")
        .values_list("serial", flat=True)
    )


def _discrepancy(c, *, explained=False):
    held = _held(c, c.w.outlet_a)
    take = services.count_stock(
        c.w.outlet_a, acting_user=SYSTEM, item="blank", qty=len(held) - 1, serials=held[1:]
    )
    if explained:
        services.explain_discrepancy(take.discrepancy.pk, acting_user=SYSTEM, text="印坏未登记")
    return take.discrepancy


def _transfer_batch(c):
    serial = _held(c, c.w.outlet_a)[0]
    (entry,) = services.transfer(
        acting_user=SYSTEM, source=c.w.outlet_a, target=c.w.bank_outlet_a, serials=[serial]
    )
    return str(entry.batch)


def cases(Call) -> dict:
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    return {
        "sbk_stock_api_apply_movements": lambda c, s: Call(
            c.w.operator_a,
            json={
                "movements": [
                    {
                        "kind": "spoil",
                        "item": "blank",
                        "from": "OA1",
                        "to": None,
                        "bank": "BANK1",
                        "serials": _held(c, c.w.outlet_a)[:1],
                        "date": today.isoformat(),
                        "note": "打印失败",
                    }
                ]
            },
        ),
        "sbk_stock_api_correct": lambda c, s: Call(
            c.w.admin_a, json={"batch": _transfer_batch(c), "reason": "调错网点"}
        ),
        "sbk_stock_api_close_day": lambda c, s: Call(c.w.operator_a, json={"org": "OA1"}),
        "sbk_stock_api_close_month": lambda c, s: Call(
            c.w.operator_a, json={"org": "OA1", "month": last_month}
        ),
        "sbk_stock_api_count": lambda c, s: Call(
            c.w.operator_a, json={"org": "OA1", "item": "blank", "qty": 9}
        ),
        "sbk_stock_api_explain": lambda c, s: Call(
            c.w.operator_a,
            path={"discrepancy_id": _discrepancy(c).pk},
            json={"reason": "印坏未登记"},
        ),
        "sbk_stock_api_rectify": lambda c, s: Call(
            c.w.admin_a,
            path={"discrepancy_id": _discrepancy(c, explained=True).pk},
            json={"reason": "按盘点核减"},
        ),
        "sbk_stock_api_balance": lambda c, s: Call(
            c.w.admin_a, path={"code": "OA1"}, query={"date": today.isoformat()}
        ),
        "sbk_stock_api_trace": lambda c, s: Call(
            c.w.operator_a, path={"serial": _held(c, c.w.outlet_a)[0]}
        ),
        "sbk_stock_api_discrepancies": lambda c, s: (_discrepancy(c), Call(c.w.admin_a))[1],
        "sbk_stock_api_evaluation": lambda c, s: Call(
            c.w.city_admin,
            query={"district": "DA", "start": today.isoformat(), "end": today.isoformat()},
        ),
    }
