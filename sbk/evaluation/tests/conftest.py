import datetime as dt

import pytest
from django.utils import timezone

from sbk.accounts.models import Role
from sbk.orgs.models import OrgKind
from sbk.testing import org, user


class Small:
    """centre → 闵行 (310112, an outlet and a bank outlet) and 浦东 (310115, an outlet);
    one bank. Lighter than ``sbk.testing.World``: no people, no stock."""

    def __init__(self):
        self.centre = org("CENTRE", OrgKind.CENTRE, "310000", name="市卡中心")
        self.bank = org("BANK1", OrgKind.BANK, "310000", self.centre, name="测试银行")
        self.minhang = org("DA", OrgKind.DISTRICT, "310112", self.centre, name="闵行区")
        self.pudong = org("DB", OrgKind.DISTRICT, "310115", self.centre, name="浦东新区")
        self.outlet_a = org("OA1", OrgKind.COMMUNITY_OUTLET, "310112", self.minhang, name="A网点")
        self.outlet_b = org("OB1", OrgKind.COMMUNITY_OUTLET, "310115", self.pudong, name="B网点")
        self.bank_outlet = org(
            "BOA", OrgKind.BANK_OUTLET, "310112", self.minhang, bank=self.bank, name="银行A"
        )
        self.city = user("city", Role.CITY_ADMIN, self.centre)
        self.auditor = user("auditor", Role.AUDITOR, self.centre)
        self.admin_a = user("admin_a", Role.DISTRICT_ADMIN, self.minhang)


@pytest.fixture
def small(db):
    return Small()


def photo_check(place, day: dt.date, *, recapture=False):
    from sbk.photos.models import PhotoCheck

    return PhotoCheck.objects.create(
        org=place,
        at=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
        channel="counter",
        ok=True,
        photo="x",
        photo_sha256="0" * 64,
        recapture=recapture,
    )
