import random
from collections import Counter

import pytest

from sbk.demo.builder import build, generate_people
from sbk.idcard import check_id_number
from sbk.orgs.models import Organisation, OrgKind

pytestmark = pytest.mark.django_db


def _people(world, seed, n=300):
    outlets = [world.outlet_a, world.outlet_b, world.bank_outlet_a]
    return [
        (p.name, p.id_number, p.phone, p.org.code)
        for p in generate_people(n, random.Random(seed), outlets)
    ]


def test_same_seed_same_people_other_seed_other_people(world):
    assert _people(world, 5) == _people(world, 5)
    assert _people(world, 5) != _people(world, 6)


def test_people_are_valid_varied_and_include_rare_names(world):
    people = generate_people(2000, random.Random(1), [world.outlet_a, world.outlet_b])
    types = Counter(p.doc_type for p in people)
    assert {"resident18", "foreign_pr_2023", "foreign_pr_2017", "hmt_permit"} <= set(types)
    assert all(check_id_number(p.id_number).valid for p in people)
    assert len({p.id_index for p in people}) == len(people)
    assert any(not p.name_printable for p in people)
    assert (
        any(p.id_number.startswith("6125") for p in people) is False
    )  # world outlets are Shanghai


def test_build_makes_every_kind_and_role():
    logins, count = build(n_people=60, seed=3)
    assert count == 60
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert kinds == set(OrgKind.values)
    roles = {login.role for login in logins}
    assert roles == {"市卡中心管理员", "区管理员", "网点操作员", "银行网点操作员", "审计员"}
    assert Organisation.objects.filter(kind=OrgKind.BANK).count() == 3
    assert Organisation.objects.filter(division_code="611000").exists()


def test_demo_otp_prints_the_current_code_in_debug_only(world, settings):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=world.city_admin, name="demo", confirmed=False)
    settings.DEBUG = True
    out = StringIO()
    call_command("demo", otp="city", stdout=out)
    assert device.verify_token(out.getvalue().strip())
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo", otp="city", stdout=StringIO())
