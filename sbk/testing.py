"""Factories for tests: a small two-district world with staff of every role.

Synthetic data only: numbers are built with valid checksums for invented birth dates.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.conf import settings
from django.contrib.auth.hashers import (
    PBKDF2PasswordHasher,
    get_hashers,
    get_hashers_by_algorithm,
)

from sbk.accounts.models import Role, User
from sbk.core.actors import SYSTEM
from sbk.idcard import make_resident18
from sbk.orgs.models import Organisation, OrgKind
from sbk.orgs.services import create_organisation
from sbk.registry.services import create_person

PASSWORD = "Test-pass-2026"


class QuickPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 at 1,000 rounds, for tests only. Django's 1,000,000 rounds cost ~0.4 s a
    password; a test world sets eight and logs some in, so the suite spent minutes hashing.
    Same algorithm name: the real hasher reads the round count from the stored hash, so a
    server running production settings still verifies (and upgrades) these hashes."""

    iterations = 1000


def quick_hashing() -> None:
    """Hash test passwords with ``QuickPBKDF2PasswordHasher`` (the conftest calls this once
    per test process; a subprocess that builds a test world calls it itself)."""
    quick = "sbk.testing.QuickPBKDF2PasswordHasher"
    hashers = [h for h in settings.PASSWORD_HASHERS if h != quick]
    settings.PASSWORD_HASHERS = [quick, *hashers]
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()


_seq = itertools.count(1)


def org(code, kind, division, parent=None, bank=None, name=None) -> Organisation:
    return create_organisation(
        acting_user=SYSTEM,
        code=code,
        name=name or code,
        kind=kind,
        division_code=division,
        parent=parent,
        bank=bank,
    )


def user(username, role, organisation, **extra) -> User:
    u = User(username=username, role=role, org=organisation, full_name=username, **extra)
    u.set_password(PASSWORD)
    u.save()
    return u


def resident_number(division: str = "310112", birth: dt.date | None = None) -> str:
    n = next(_seq)
    birth = birth or dt.date(1960, 1, 1) + dt.timedelta(days=n * 37 % 20000)
    return make_resident18(division, birth, (n * 2 + 1) % 1000)


def person(organisation, acting_user=SYSTEM, **data):
    values = {
        "name": "测试人",
        "id_number": resident_number(organisation.division_code),
        "category": "employee",
        "phone": f"139{next(_seq):08d}",
        "address": "测试路1号",
    }
    values.update(data)
    return create_person(acting_user=acting_user, org=organisation, data=values)


class World:
    """centre → districts A (310112) and B (310115) → outlets; one bank with an outlet in each."""

    def __init__(self):
        self.centre = org("CENTRE", OrgKind.CENTRE, "310000", name="市卡中心")
        self.bank = org("BANK1", OrgKind.BANK, "310000", self.centre, name="测试银行")
        self.district_a = org("DA", OrgKind.DISTRICT, "310112", self.centre, name="闵行区")
        self.district_b = org("DB", OrgKind.DISTRICT, "310115", self.centre, name="浦东新区")
        self.outlet_a = org(
            "OA1", OrgKind.COMMUNITY_OUTLET, "310112", self.district_a, name="A网点"
        )
        self.outlet_b = org(
            "OB1", OrgKind.COMMUNITY_OUTLET, "310115", self.district_b, name="B网点"
        )
        self.bank_outlet_a = org(
            "BOA", OrgKind.BANK_OUTLET, "310112", self.district_a, bank=self.bank, name="银行A"
        )
        self.bank_outlet_b = org(
            "BOB", OrgKind.BANK_OUTLET, "310115", self.district_b, bank=self.bank, name="银行B"
        )
        self.city_admin = user("city", Role.CITY_ADMIN, self.centre)
        self.admin_a = user("admin_a", Role.DISTRICT_ADMIN, self.district_a)
        self.admin_b = user("admin_b", Role.DISTRICT_ADMIN, self.district_b)
        self.operator_a = user("op_a", Role.OUTLET_OPERATOR, self.outlet_a)
        self.operator_b = user("op_b", Role.OUTLET_OPERATOR, self.outlet_b)
        self.bank_user = user("bank", Role.BANK_OPERATOR, self.bank)
        self.bank_operator_a = user("bank_a", Role.BANK_OPERATOR, self.bank_outlet_a)
        self.auditor = user("auditor", Role.AUDITOR, self.centre)
        self.person_a = person(self.outlet_a, name="甲某")
        self.person_b = person(self.outlet_b, name="乙某")
        # Production consumes a card blank: the production outlets hold some (卡基台账).
        stock_outlets(
            self.centre,
            [self.outlet_a, self.outlet_b, self.bank_outlet_a, self.bank_outlet_b],
            self.bank,
        )


def stock_outlets(centre, outlets, bank, per_outlet: int = 10) -> None:
    """Blanks into the centre's books, allocated to each outlet and received there, through
    the stock services (one batch: one transaction)."""
    from sbk.stock.services import apply_movements

    moves, every = [], []
    for o in outlets:
        serials = [f"{bank.code}-{o.code}-{n:05d}" for n in range(1, per_outlet + 1)]
        every += serials
        base = {"item": "blank", "bank": bank.code, "serials": serials}
        moves += [
            {**base, "kind": "allocate", "from": centre.code, "to": o.code},
            {**base, "kind": "receive", "from": centre.code, "to": o.code},
        ]
    inbound = {"kind": "allocate", "item": "blank", "from": None, "to": centre.code}
    apply_movements([{**inbound, "bank": bank.code, "serials": every}, *moves], acting_user=SYSTEM)


def login(client, user):
    """``client.force_login`` plus the TOTP step when the user's role requires one."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    if user.totp_required:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return user
