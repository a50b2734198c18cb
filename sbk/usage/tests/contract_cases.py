"""Happy paths of the banks and usage API for ``sbk/tests/test_contract_happy_paths.py``
(``cases(Call)`` is merged into its ``CASES``; ``Call`` is passed in to keep the imports
one-way)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sbk.cards.models import Card
from sbk.core.actors import SYSTEM
from sbk.orgs.models import OrgKind
from sbk.registry.models import Person
from sbk.testing import org
from sbk.usage import services
from sbk.usage.models import PublicityCase

CAMPAIGN = {
    "name": "食堂九折",
    "scenario": "canteen",
    "start": "2026-01-01",
    "end": "2026-12-31",
    "discount_kind": "percent",
    "discount_value": "10",
}


def _record(c, code="BANK1"):
    bank = c.w.bank if code == "BANK1" else org(code, OrgKind.BANK, "310000", c.w.centre)
    return services.onboard_bank(
        bank, acting_user=SYSTEM, full_name="测试银行股份有限公司", medium="chip"
    )


def _card(c) -> str:
    person = Person.objects.filter(org=c.w.outlet_a).first()
    Card.objects.create(
        person=person, card_no="CT0000001", division_code="310112", org=c.w.outlet_a,
        bank=c.w.bank, status="issued", issued_on=timezone.localdate() - dt.timedelta(days=9),
    )  # fmt: skip
    used = timezone.localdate() - dt.timedelta(days=1)
    return (
        "card_no,used_at,kind,amount,scenario,division_code,row_key\n"
        f"CT0000001,{used} 09:00,pay_medical,10.00,,310112,ct-1\n"
    )


def _venue(c):
    return services.register_venue(
        c.w.outlet_a,
        acting_user=c.w.operator_a,
        kind="canteen",
        name="长者食堂",
        address="测试路1号",
    )


def _campaign(c):
    return services.create_campaign(c.w.district_a, acting_user=c.w.admin_a, **CAMPAIGN)


def _case(c):
    return PublicityCase.objects.create(
        org=c.w.outlet_a, title="案例", text="内容", channel="community"
    )


def cases(Call) -> dict:
    today = timezone.localdate()
    q = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    span = {"start": (today - dt.timedelta(days=90)).isoformat(), "end": today.isoformat()}
    return {
        "sbk_usage_api_coverage": lambda c, s: Call(c.w.city_admin, query={"period": q}),
        "sbk_usage_api_import_file": lambda c, s: Call(
            c.w.city_admin, json={"name": "u.csv", "csv": _card(c)}
        ),
        "sbk_usage_api_banks": lambda c, s: (_record(c), Call(c.w.bank_operator_a))[1],
        "sbk_usage_api_onboard": lambda c, s: Call(
            c.w.city_admin,
            json={
                "org": "BANK1",
                "full_name": "测试银行股份有限公司",
                "medium": "chip",
                "card_versions": ["3.0"],
                "bins": [["622000", "622099", "3.0"]],
                "cities": [["310000", "2026-01-01"]],
            },
        ),
        "sbk_usage_api_change": lambda c, s: Call(
            c.w.city_admin, path={"bank_id": _record(c).pk}, json={"note": "联系人变更"}
        ),
        "sbk_usage_api_set_status": lambda c, s: Call(
            c.w.city_admin, path={"bank_id": _record(c).pk}, json={"status": "piloting"}
        ),
        "sbk_usage_api_quality": lambda c, s: Call(
            c.w.bank_operator_a, path={"bank_id": _record(c).pk}, query=span
        ),
        "sbk_usage_api_venues": lambda c, s: (_venue(c), Call(c.w.admin_a))[1],
        "sbk_usage_api_register_venue": lambda c, s: Call(
            c.w.operator_a,
            json={"org": "OA1", "kind": "coffee", "name": "咖啡店", "address": "测试路2号"},
        ),
        "sbk_usage_api_change_venue": lambda c, s: Call(
            c.w.operator_a, path={"venue_id": _venue(c).pk}, json={"status": "reported"}
        ),
        "sbk_usage_api_campaigns": lambda c, s: (_campaign(c), Call(c.w.operator_a))[1],
        "sbk_usage_api_create_campaign": lambda c, s: Call(
            c.w.admin_a, json={"org": "DA", **CAMPAIGN, "venues": [_venue(c).pk]}
        ),
        "sbk_usage_api_change_campaign": lambda c, s: Call(
            c.w.admin_a, path={"campaign_id": _campaign(c).pk}, json={"budget": "5000"}
        ),
        "sbk_usage_api_campaign_summary": lambda c, s: Call(
            c.w.admin_a, path={"campaign_id": _campaign(c).pk}
        ),
        "sbk_usage_api_campaign_figures": lambda c, s: Call(
            c.w.city_admin, query={"district": "DA", **span}
        ),
        "sbk_usage_api_cases": lambda c, s: (_case(c), Call(c.w.city_admin))[1],
        "sbk_usage_api_submit_case": lambda c, s: Call(
            c.w.bank_operator_a,
            json={"org": "BOA", "title": "社保卡进社区", "text": "内容", "channel": "offline"},
        ),
        "sbk_usage_api_select_case": lambda c, s: Call(
            c.w.city_admin, path={"case_id": _case(c).pk}, json={"note": "推荐"}
        ),
    }
