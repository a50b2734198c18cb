"""Build the demo province: organisations, staff of every role, N synthetic people.

Deterministic for a given seed: the same seed gives the same organisations, logins and
people (numbers, names, phones), so a screenshot or a bug report can be reproduced.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from sbk.accounts.models import Role
from sbk.accounts.services import create_staff
from sbk.assistant.demo import load_demo_library
from sbk.core.actors import DEMO
from sbk.idcard import (
    make_foreign_pr_2017,
    make_foreign_pr_2023,
    make_hmt_permit,
    make_resident15,
    make_resident18,
)
from sbk.orgs.models import Organisation, OrgKind
from sbk.orgs.services import create_organisation
from sbk.registry.models import Person
from sbk.registry.rules import clean_person
from sbk.registry.services import apply_values
from sbk.stock.demo import stock_demo

from . import data
from .cards import build_cards
from .usage import build_usage


@dataclass
class Login:
    username: str
    password: str
    role: str
    org: str


def _org(code, name, kind, division, parent=None, bank=None, duty_phone="") -> Organisation:
    return create_organisation(
        acting_user=DEMO,
        code=code,
        name=name,
        kind=kind,
        division_code=division,
        parent=parent,
        bank=bank,
        duty_phone=duty_phone,
        reason="演示数据",
    )


def build_orgs_and_staff() -> list[Login]:
    logins: list[Login] = []
    shared_hash = make_password(data.DEMO_PASSWORD)

    def staff(username, role, org, full_name):
        create_staff(
            acting_user=DEMO,
            username=username,
            password=data.DEMO_PASSWORD,
            password_hash=shared_hash,
            role=role,
            org=org,
            full_name=full_name,
        )
        logins.append(Login(username, data.DEMO_PASSWORD, Role(role).label, org.name))

    centre = _org("SX", data.PROVINCE[1], OrgKind.CENTRE, data.PROVINCE[0])
    staff("admin", Role.CITY_ADMIN, centre, "省中心管理员")
    staff("auditor", Role.AUDITOR, centre, "省中心审计员")
    banks = {}
    for code, name in data.BANKS:
        banks[code] = _org(code, name, OrgKind.BANK, data.PROVINCE[0], parent=centre)
        staff(f"{code[2:].lower()}_bank", Role.BANK_OPERATOR, banks[code], f"{name}业务主管")
    for city_code, city_name, districts in data.CITIES:
        city = _org(
            f"C{city_code}", f"{city_name}社会保障卡服务中心", OrgKind.CITY, city_code, centre
        )
        staff(f"city{city_code}", Role.CITY_ADMIN, city, f"{city_name}管理员")
        _org(
            f"C{city_code}-HALL",
            f"{city_name}社保卡综合服务大厅",
            OrgKind.SERVICE_CENTRE,
            city_code,
            city,
        )
        for i, (dcode, dname) in enumerate(districts):
            # a synthetic duty mobile (值班手机) for the escalation SMS: 170 numbers, a
            # virtual operators' range, with the division code in it
            district = _org(
                f"D{dcode}", f"{city_name}{dname}", OrgKind.DISTRICT, dcode, city,
                duty_phone=f"17000{dcode[2:]}{i % 10}0",
            )  # fmt: skip
            staff(f"d{dcode}", Role.DISTRICT_ADMIN, district, f"{dname}管理员")
            for j in (1, 2):
                outlet = _org(
                    f"O{dcode}{j:02d}",
                    f"{dname}第{j}社区受理网点",
                    OrgKind.COMMUNITY_OUTLET,
                    dcode,
                    district,
                )
                staff(f"op{dcode}{j:02d}", Role.OUTLET_OPERATOR, outlet, f"{dname}{j}号窗口")
            _org(f"K{dcode}01", f"{dname}自助一体机", OrgKind.KIOSK, dcode, district)
            bank_code, bank_name = data.BANKS[i % len(data.BANKS)]
            boutlet = _org(
                f"BO{dcode}{bank_code[2:]}",
                f"{bank_name[:6]}{dname}支行",
                OrgKind.BANK_OUTLET,
                dcode,
                district,
                bank=banks[bank_code],
            )
            staff(f"bo{dcode}", Role.BANK_OPERATOR, boutlet, f"{dname}{bank_name[:6]}柜员")
    return logins


def _name(rng: random.Random, rare: bool) -> str:
    surname = rng.choice(data.SURNAMES)
    given = "".join(rng.choice(data.GIVEN) for _ in range(rng.choice((1, 2, 2))))
    if rare:
        given = given[:-1] + rng.choice(data.RARE_GIVEN) if given else rng.choice(data.RARE_GIVEN)
    return surname + given


def _birth(rng: random.Random, low: int = 1940, high: int = 2020) -> dt.date:
    return dt.date(low, 1, 1) + dt.timedelta(
        days=rng.randrange((dt.date(high, 12, 31) - dt.date(low, 1, 1)).days)
    )


def demo_outlets() -> list[Organisation]:
    return list(
        Organisation.objects.filter(
            kind__in=[OrgKind.COMMUNITY_OUTLET, OrgKind.SERVICE_CENTRE, OrgKind.BANK_OUTLET]
        ).order_by("code")
    )


def build_people(n: int, rng: random.Random) -> int:
    people = generate_people(n, rng, demo_outlets())
    Person.objects.bulk_create(people, batch_size=2000)
    return len(people)


def generate_people(n: int, rng: random.Random, outlets: list[Organisation]) -> list[Person]:
    """N unsaved people with valid numbers of every document type, spread over ``outlets``."""
    used: set[str] = set()
    people = []
    seqs: dict[tuple, int] = {}

    def next_seq(key, start, width_max):
        seqs[key] = seqs.get(key, start) + 2
        return seqs[key] % width_max

    while len(people) < n:
        outlet = rng.choice(outlets)
        district_code = outlet.division_code
        roll = rng.random()
        gender_odd = rng.random() < 0.5
        category = rng.choices(["employee", "resident", "other"], weights=[55, 42, 3])[0]
        row = {
            "name": _name(rng, rare=rng.random() < 0.004),
            "category": category,
            "category_note": "灵活就业人员" if category == "other" else "",
            "phone": f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
            if rng.random() < 0.9
            else "",
            "address": f"{outlet.name[:6]}{rng.randrange(1, 300)}号",
            "residence_division": district_code,
        }
        if roll < 0.93:
            birth = _birth(rng)
            division = district_code
            if birth.year < 1995 and district_code in data.ABOLISHED and rng.random() < 0.6:
                division = rng.choice(data.ABOLISHED[district_code])
            seq = next_seq((division, birth), 0 if gender_odd else 1, 1000)
            if birth.year < 1980 and rng.random() < 0.1:
                number = make_resident15(
                    division, birth, seq
                )  # registered from an old 15-digit card
            else:
                number = make_resident18(division, birth, seq)
        elif roll < 0.96:
            region = rng.choice(["810000", "820000", "830000"])
            birth = _birth(rng, 1950, 2010)
            number = make_hmt_permit(region, birth, next_seq((region, birth), 0, 1000))
        else:
            alpha3, numeric, latin = rng.choice(data.FOREIGN_NAMES)
            birth = _birth(rng, 1950, 2005)
            row["name"] = latin
            row["nationality"] = alpha3
            if rng.random() < 0.5:
                number = make_foreign_pr_2023(
                    "61", numeric, birth, next_seq((numeric, birth), 0, 1000)
                )
            else:
                number = make_foreign_pr_2017(
                    alpha3, "61", birth, next_seq((alpha3, birth), 0, 100)
                )
        row["id_number"] = number
        cleaned = clean_person(row)
        if not cleaned.ok:
            raise RuntimeError(f"demo generator produced invalid data: {cleaned.problems} {row}")
        key = cleaned.values["id_number"]
        if key in used:
            continue
        used.add(key)
        person = Person(org=outlet)
        apply_values(person, cleaned.values)
        people.append(person)
    return people


@transaction.atomic
def build(n_people: int = 5000, seed: int = 2026) -> tuple[list[Login], int]:
    rng = random.Random(seed)
    logins = build_orgs_and_staff()
    count = build_people(n_people, rng)
    stock_demo()  # card blanks at every production place (卡基台账)
    build_cards(rng)  # migrated card history, then live applications (sbk.demo.cards)
    build_usage(rng)  # about fifteen months of card usage, imported (sbk.demo.usage)
    load_demo_library()  # the handling assistant's documents written for the demo
    return logins, count
