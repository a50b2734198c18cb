"""The bank and usage actions for ``sbk/tests/test_action_layer.py``: each prepares what it
needs as the system (outside the measured call) and returns the call."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from sbk.cards.models import Card
from sbk.core.actors import SYSTEM
from sbk.core.catalogue import Action as A
from sbk.orgs.models import OrgKind
from sbk.registry.models import Person
from sbk.testing import org
from sbk.usage import services
from sbk.usage.importer import import_usage
from sbk.usage.models import PublicityCase

_seq = itertools.count(1)


def _bank_org(ctx):
    n = next(_seq)
    return org(f"SB{n:04d}", OrgKind.BANK, "310000", ctx.w.centre, name=f"场景银行{n}")


def _record(ctx):
    return services.onboard_bank(
        _bank_org(ctx), acting_user=SYSTEM, full_name="场景银行股份有限公司", medium="chip"
    )


def _onboard(ctx, u):
    bank = _bank_org(ctx)
    return lambda: services.onboard_bank(
        bank,
        acting_user=u,
        full_name="场景银行股份有限公司",
        medium="chip",
        cities=[["310000", "2026-01-01"]],
    )


def _change(ctx, u):
    bank = _record(ctx)
    return lambda: services.change_bank(bank.pk, acting_user=u, note="更新联系人")


def _status(ctx, u):
    bank = _record(ctx)
    return lambda: services.set_bank_status(bank.pk, "piloting", acting_user=u)


def _import(ctx, u):
    person = Person.objects.filter(org=ctx.w.outlet_a).first()
    card_no = f"US{next(_seq):07d}"
    issued = timezone.localdate() - dt.timedelta(days=30)
    Card.objects.create(
        person=person, card_no=card_no, division_code="310112", org=ctx.w.outlet_a,
        bank=ctx.w.bank, status="issued", issued_on=issued,
    )  # fmt: skip
    text = (
        "card_no,used_at,kind,amount,scenario,division_code,row_key\n"
        f"{card_no},{issued + dt.timedelta(days=1)} 10:00,pay_medical,12.00,,310112,{card_no}-1\n"
    )
    return lambda: import_usage(text.encode(), acting_user=u, name="scenario.csv")


def _home(ctx, u):
    o = getattr(u, "org", None)
    return o if o is not None and o.is_outlet else ctx.w.outlet_a


def _register(ctx, u):
    home = _home(ctx, u)
    return lambda: services.register_venue(
        home, acting_user=u, kind="canteen", name="长者食堂", address="测试路2号"
    )


def _venue(ctx, u):
    return services.register_venue(
        _home(ctx, u),
        acting_user=ctx.w.city_admin,
        kind="canteen",
        name="社区食堂",
        address="测试路3号",
    )


def _change_venue(ctx, u):
    venue = _venue(ctx, u)
    return lambda: services.change_venue(venue.pk, acting_user=u, status="reported")


def _organiser(ctx, u):
    o = getattr(u, "org", None)
    return o if o is not None and o.kind == OrgKind.DISTRICT else ctx.w.centre


CAMPAIGN = {
    "name": "食堂九折",
    "scenario": "canteen",
    "start": "2026-01-01",
    "end": "2026-12-31",
    "discount_kind": "percent",
    "discount_value": "10",
    "discount_cap": "5",
    "budget": "10000",
    "target_groups": ["elderly"],
}


def _create_campaign(ctx, u):
    organiser = _organiser(ctx, u)
    return lambda: services.create_campaign(organiser, acting_user=u, **CAMPAIGN)


def _change_campaign(ctx, u):
    campaign = services.create_campaign(
        _organiser(ctx, u), acting_user=ctx.w.city_admin, **CAMPAIGN
    )
    return lambda: services.change_campaign(campaign.pk, acting_user=u, name="食堂八折")


def _submit_case(ctx, u):
    home = getattr(u, "org", None) or ctx.w.outlet_a
    return lambda: services.submit_case(
        home, acting_user=u, title="社保卡进社区", text="活动介绍", channel="community"
    )


def _select_case(ctx, u):
    case = PublicityCase.objects.create(
        org=ctx.w.outlet_a, title="案例", text="内容", channel="new_media"
    )
    return lambda: services.select_case(case.pk, acting_user=u, note="推荐")


SCENARIOS = {
    A.BANK_ONBOARD: _onboard,
    A.BANK_CHANGE: _change,
    A.BANK_SET_STATUS: _status,
    A.USAGE_IMPORT: _import,
    A.VENUE_REGISTER: _register,
    A.VENUE_CHANGE: _change_venue,
    A.CAMPAIGN_CREATE: _create_campaign,
    A.CAMPAIGN_CHANGE: _change_campaign,
    A.CASE_SUBMIT: _submit_case,
    A.CASE_SELECT: _select_case,
}
