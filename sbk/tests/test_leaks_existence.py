"""Issue 23, leaks — existence.

An out-of-scope operator creating a person learned from ``duplicate`` that the number is
registered elsewhere. Staff who register people must learn it, but it is a look-up of that
person: it goes into the access log (who, when, which person, the purpose), and the answer
(``registered_elsewhere``) says that the person is registered in another area and must be
transferred, naming no organisation. The access-log row outlives the refused action.

The refused action's block is rolled back here as in production: under the test's own
transaction the outermost action block is a savepoint (``sbk.core.actions.atomic`` treats
it as the outermost), so a row written inside it is gone after the refusal and only what
the action writes after its rollback survives. (These tests ran in real transactions
before; restoring the serialised database after each cost ~15 s a test.)
"""

import datetime as dt

import pytest

from sbk.accounts.models import ApiToken
from sbk.core.errors import ServiceError
from sbk.core.models import AccessLog, AuditEntry
from sbk.idcard import make_resident15
from sbk.orgs.models import Organisation
from sbk.portal.services import register_applicant
from sbk.registry import services
from sbk.registry.models import Person
from sbk.testing import PASSWORD, person

pytestmark = pytest.mark.django_db


def _data(number, name="重复某"):
    return {"name": name, "id_number": number, "category": "employee"}


def _assert_names_no_org(message: str) -> None:
    for code, name in Organisation.objects.values_list("code", "name"):
        assert code not in message and name not in message, (code, name, message)


def _lookups(world, user, p):
    return AccessLog.objects.filter(user_id=user.pk, object_id=str(p.pk))


def test_out_of_scope_operator_gets_registered_elsewhere_and_a_logged_lookup(world):
    p = world.person_b  # district B's
    people, audits = Person.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ServiceError) as exc:
        services.create_person(
            acting_user=world.operator_a, org=world.outlet_a, data=_data(p.id_number)
        )
    assert exc.value.code == "registered_elsewhere" and exc.value.field == "id_number"
    assert "其他地区" in exc.value.message and "转移" in exc.value.message
    _assert_names_no_org(exc.value.message)
    assert p.id_number not in exc.value.message and p.name not in exc.value.message
    # The refusal created nothing, but the look-up is on record, committed.
    assert (Person.objects.count(), AuditEntry.objects.count()) == (people, audits)
    row = _lookups(world, world.operator_a, p).get()
    assert row.username == "op_a" and row.object_type == "registry.person"
    assert row.object_label == p.id_masked and "查重" in row.purpose
    assert p.id_number not in row.purpose


def test_the_15_digit_form_and_a_district_admin_are_the_same_lookup(world):
    p = person(world.outlet_b, id_number=make_resident15("310115", dt.date(1956, 7, 8), 33))
    with pytest.raises(ServiceError) as exc:
        services.create_person(
            acting_user=world.admin_a,
            org=world.district_a,
            data=_data(make_resident15("310115", dt.date(1956, 7, 8), 33)),
        )
    assert exc.value.code == "registered_elsewhere"
    assert _lookups(world, world.admin_a, p).count() == 1


def test_in_scope_staff_still_get_duplicate_and_no_lookup_row(world):
    p = world.person_b
    for user, org in (
        (world.operator_b, world.outlet_b),
        (world.admin_b, world.district_b),
        (world.city_admin, world.centre),
    ):
        with pytest.raises(ServiceError) as exc:
            services.create_person(acting_user=user, org=org, data=_data(p.id_number))
        assert exc.value.code == "duplicate", user
    assert not AccessLog.objects.filter(object_id=str(p.pk)).exists()


def test_changing_a_number_to_one_registered_elsewhere_is_the_same_lookup(world):
    with pytest.raises(ServiceError) as exc:
        services.change_person(
            world.person_a.pk,
            acting_user=world.operator_a,
            changes={
                "id_number": world.person_b.id_number,
                "gender": world.person_b.gender,
                "birth_date": world.person_b.birth_date,
            },
            reason="更正证件号码",
        )
    assert exc.value.code == "registered_elsewhere"
    _assert_names_no_org(exc.value.message)
    assert _lookups(world, world.operator_a, world.person_b).count() == 1
    world.person_a.refresh_from_db()
    assert world.person_a.id_number != world.person_b.id_number


def test_api_refusal_keeps_its_lookup_row(client, world):
    """The API runs the service inside the request's own transaction, which the refusal
    rolls back too: the row must still be there."""
    raw = "exist-" + "e" * 40
    ApiToken.objects.create(user=world.operator_a, name="t", digest=ApiToken.digest_of(raw))
    p = world.person_b
    for key in ("", "k-1"):
        headers = {"Authorization": f"Bearer {raw}"}
        if key:
            headers["Idempotency-Key"] = key
        resp = client.post(
            "/api/registry/persons",
            _data(p.id_number),
            content_type="application/json",
            headers=headers,
        )
        assert resp.status_code == 400, resp.content
        body = resp.json()
        assert body["code"] == "registered_elsewhere"
        _assert_names_no_org(body["message"])
    rows = _lookups(world, world.operator_a, p)
    assert rows.count() == 2 and set(rows.values_list("channel", flat=True)) == {"api"}


def test_console_refusal_shows_the_message_and_keeps_its_lookup_row(client, world):
    client.force_login(world.operator_a)
    p = world.person_b
    resp = client.post(
        "/people/new/",
        {"name": "重复某", "id_number": p.id_number, "category": "employee", "reason": ""},
    )
    page = resp.content.decode()
    assert resp.status_code == 200 and "registered_elsewhere" in page and "省内转移" in page
    assert world.outlet_b.name not in page and p.name not in page
    row = _lookups(world, world.operator_a, p).get()
    assert row.channel == "console"


def test_portal_mismatch_is_a_logged_lookup_too(world):
    """The portal's answer to a registered number under another name tells a visitor that
    the number is registered: it names nothing, and the look-up is on record."""
    p = world.person_b
    with pytest.raises(ServiceError) as exc:
        register_applicant(
            name="冒名某", id_number=p.id_number, phone="13800000077", password=PASSWORD
        )
    assert exc.value.code == "identity_mismatch"
    _assert_names_no_org(exc.value.message)
    row = AccessLog.objects.get(object_id=str(p.pk))
    assert row.channel == "portal" and row.username.startswith("system")
    assert "注册" in row.purpose


def test_bulk_helper_for_the_import_logs_only_the_out_of_scope_hits(world):
    """``registered_elsewhere`` is what the registry import needs (sbk/registry/importer.py)
    for its ``duplicate`` rows: it splits them and logs the look-ups that leave the scope."""
    hits = [world.person_a, world.person_b]
    assert services.registered_elsewhere(world.admin_a, hits) == {world.person_b.pk}
    row = AccessLog.objects.get()
    assert (row.user_id, row.object_id, row.channel) == (
        world.admin_a.pk,
        str(world.person_b.pk),
        "import",
    )
    assert "导入" in row.purpose
