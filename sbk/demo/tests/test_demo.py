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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reset_empties_a_database_with_logs_and_builds_again(settings, monkeypatch):
    """``make demo`` (``sbk demo --reset``) on a database that already holds a province and
    its audit trail: the logs' append-only triggers let the reset through, nothing of the
    old province is left. With DEBUG off it is refused and nothing is deleted."""
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db.backends.base.operations import BaseDatabaseOperations

    from sbk.core import audit, chain
    from sbk.core.actors import SYSTEM
    from sbk.core.models import AuditEntry
    from sbk.registry.models import Person

    build(n_people=20, seed=1)
    audit.record(acting_user=SYSTEM, action="test.marker", object_type="t", object_id="1")
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo", reset=True, people=20, stdout=StringIO())
    assert AuditEntry.objects.filter(action="test.marker").exists()
    settings.DEBUG = True
    # The test run lets every flush through the logs' triggers; the command must not need it.
    flush = BaseDatabaseOperations.execute_sql_flush
    monkeypatch.setattr(BaseDatabaseOperations, "execute_sql_flush", flush.sbk_original)
    call_command("demo", reset=True, people=20, seed=2, stdout=StringIO())
    assert Person.objects.count() == 20  # the first 20 are gone, not 40 in all
    assert not AuditEntry.objects.filter(action="test.marker").exists()
    assert chain.verify(AuditEntry).ok
