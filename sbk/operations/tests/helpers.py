"""A small world for the operations tests: lighter than ``sbk.testing.World`` (no people,
no stock): centre → districts A (310112, two community outlets and a bank outlet) and B."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sbk.accounts.models import Role
from sbk.orgs.models import OrgKind
from sbk.testing import org, user


class Small:
    def __init__(self):
        self.centre = org("CENTRE", OrgKind.CENTRE, "310000", name="市卡中心")
        self.bank = org("BANK1", OrgKind.BANK, "310000", self.centre, name="测试银行")
        self.district_a = org("DA", OrgKind.DISTRICT, "310112", self.centre, name="闵行区")
        self.district_b = org("DB", OrgKind.DISTRICT, "310115", self.centre, name="浦东新区")
        self.outlet_a = org("OA1", OrgKind.COMMUNITY_OUTLET, "310112", self.district_a)
        self.outlet_a2 = org("OA2", OrgKind.COMMUNITY_OUTLET, "310112", self.district_a)
        self.bank_outlet_a = org(
            "BOA", OrgKind.BANK_OUTLET, "310112", self.district_a, bank=self.bank
        )
        self.outlet_b = org("OB1", OrgKind.COMMUNITY_OUTLET, "310115", self.district_b)
        self.city_admin = user("city", Role.CITY_ADMIN, self.centre)
        self.admin_a = user("admin_a", Role.DISTRICT_ADMIN, self.district_a)
        self.admin_b = user("admin_b", Role.DISTRICT_ADMIN, self.district_b)
        self.operator_a = user("op_a", Role.OUTLET_OPERATOR, self.outlet_a)
        self.operator_b = user("op_b", Role.OUTLET_OPERATOR, self.outlet_b)


def at(day: str, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware local datetime."""
    return timezone.make_aware(dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute))


def application(outlet, person, submitted: dt.datetime):
    """A finished application taken in at ``outlet`` (written directly: the sampling reads
    applications, it does not make them; the card services are tested elsewhere)."""
    from sbk.cards.models import Application

    return Application.objects.create(
        person=person,
        kind="first",
        channel=4,
        intake_org=outlet,
        outlet=outlet,
        status="issued",
        stated_name=person.name,
        stated_id_index=person.id_index,
        stated_id_masked=person.id_masked,
        stated_gender="M",
        stated_birth_date=dt.date(1970, 1, 1),
        stated_category="employee",
        submitted_at=submitted,
    )


def transaction(outlet, when: dt.datetime):
    from sbk.cards.models import ServiceTransaction

    return ServiceTransaction.objects.create(
        item=1, channel=4, action="application.submit", outlet=outlet, at=when
    )
