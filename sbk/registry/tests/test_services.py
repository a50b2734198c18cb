import datetime as dt

import pytest
from django.db import connection

from sbk.core.errors import Forbidden, NotFound, ServiceError
from sbk.core.models import AccessLog, AuditEntry
from sbk.idcard import make_resident15, make_resident18
from sbk.registry import services
from sbk.registry.models import Person, PersonChange
from sbk.registry.queries import search_people
from sbk.testing import person

pytestmark = pytest.mark.django_db


def test_create_person_writes_one_audit_row_without_full_number(world):
    before = AuditEntry.objects.count()
    p = person(world.outlet_a, acting_user=world.operator_a, name="丙某")
    rows = AuditEntry.objects.filter(action="person.create", object_id=str(p.pk))
    assert AuditEntry.objects.count() == before + 1 and rows.count() == 1
    assert p.id_number not in str(rows[0].after)
    assert rows[0].after["id_masked"] == p.id_masked
    assert p.id_masked[:10] == p.id_number[:10] and p.id_masked.endswith(p.id_number[-4:])


def test_sensitive_values_are_not_stored_in_clear(world):
    p = person(world.outlet_a, phone="13912345678", address="幸福路99号")
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone, address FROM registry_person WHERE id = %s", [p.pk])
        raw = cur.fetchone()
    assert p.id_number not in raw[0] and "13912345678" not in raw[1] and "幸福路" not in raw[2]
    fresh = Person.objects.get(pk=p.pk)
    assert (fresh.phone, fresh.address) == ("13912345678", "幸福路99号")


def test_duplicate_number_is_refused_even_as_15_digits(world):
    old = make_resident15("310112", dt.date(1955, 6, 7), 44)
    person(world.outlet_a, id_number=old)
    with pytest.raises(ServiceError) as exc:
        person(world.outlet_b, id_number=make_resident18("310112", dt.date(1955, 6, 7), 44))
    assert exc.value.code == "duplicate"


def test_gender_mismatch_is_refused_with_field(world):
    with pytest.raises(ServiceError) as exc:
        person(
            world.outlet_a, id_number=make_resident18("310112", dt.date(1970, 1, 1), 1), gender="女"
        )
    assert ("gender", "gender_mismatch") in {(p.field, p.code) for p in exc.value.problems}
    assert not Person.objects.filter(name="测试人", birth_date=dt.date(1970, 1, 1)).exists()


def test_change_keeps_history_and_audits(world):
    p = world.person_a
    services.change_person(
        p.pk,
        acting_user=world.operator_a,
        changes={"phone": "13800001111", "name": "甲某某"},
        reason="本人申请变更",
    )
    changes = {c.field: c for c in PersonChange.objects.filter(person=p)}
    assert set(changes) == {"phone", "name"}
    assert changes["phone"].new_value == "138****1111"
    assert changes["phone"].new_secret == "13800001111"
    assert changes["name"].old_value == "甲某" and changes["name"].actor == world.operator_a
    entry = AuditEntry.objects.filter(action="person.change", object_id=str(p.pk)).get()
    assert entry.before["name"] == "甲某" and entry.after["name"] == "甲某某"
    assert "13800001111" not in str(entry.after)
    p.refresh_from_db()
    assert p.version == 2


def test_change_with_no_difference_writes_nothing(world):
    n = AuditEntry.objects.count()
    services.change_person(
        world.person_a.pk, acting_user=world.operator_a, changes={"name": "甲某"}, reason="核对"
    )
    assert AuditEntry.objects.count() == n


def test_change_cross_checks_gender_against_number(world):
    with pytest.raises(ServiceError) as exc:
        services.change_person(
            world.person_a.pk, acting_user=world.operator_a, changes={"gender": "F"}, reason="x"
        )
    assert exc.value.problems[0].code == "gender_mismatch"


def test_change_needs_reason_and_scope_and_write_role(world):
    with pytest.raises(ServiceError):
        services.change_person(
            world.person_a.pk, acting_user=world.operator_a, changes={"name": "x"}, reason=""
        )
    with pytest.raises(NotFound):
        services.change_person(
            world.person_b.pk, acting_user=world.operator_a, changes={"name": "x"}, reason="r"
        )
    with pytest.raises(Forbidden):
        services.change_person(
            world.person_a.pk, acting_user=world.auditor, changes={"name": "x"}, reason="r"
        )


def test_reveal_logs_access_with_purpose(world):
    full = services.reveal_person(world.person_a.pk, acting_user=world.admin_a, purpose="咨询")
    assert full["id_number"] == world.person_a.id_number
    log = AccessLog.objects.get(object_id=str(world.person_a.pk))
    assert (log.username, log.purpose, log.org_code) == ("admin_a", "咨询", "DA")
    with pytest.raises(ServiceError):
        services.reveal_person(world.person_a.pk, acting_user=world.admin_a, purpose="")
    with pytest.raises(NotFound):
        services.reveal_person(world.person_b.pk, acting_user=world.admin_a, purpose="咨询")


def test_search_by_full_partial_number_and_name(world):
    p = world.person_a
    assert list(search_people(world.admin_a, p.id_number)) == [p]
    assert list(search_people(world.admin_a, p.id_number[:10])) == [p]
    assert list(search_people(world.admin_a, p.id_number[-4:])) == [p]
    assert list(search_people(world.admin_a, "甲")) == [p]
    assert list(search_people(world.admin_a, world.person_b.id_number)) == []
    # The hidden middle of the number is never searchable.
    assert list(search_people(world.admin_a, p.id_number[6:14])) == []
