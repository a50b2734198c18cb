"""Organisation changes go through the org service, in the admin too: audited, and a moved
organisation's subtree gets its new paths (so scope never reads a stale path)."""

import pytest

from sbk.accounts.models import User
from sbk.core.errors import Forbidden, ServiceError
from sbk.core.models import AuditEntry
from sbk.orgs.models import Organisation
from sbk.orgs.scope import visible_orgs
from sbk.orgs.services import change_organisation

pytestmark = pytest.mark.django_db


def test_moving_a_district_moves_its_subtree(world):
    from sbk.orgs.models import OrgKind
    from sbk.testing import org

    city = org("C3101", OrgKind.CITY, "310100", world.centre, name="某市")
    change_organisation(
        world.district_a.pk,
        acting_user=world.city_admin,
        changes={"parent": city},
        reason="区划调整",
    )
    paths = dict(Organisation.objects.values_list("code", "path"))
    assert paths["DA"] == "/CENTRE/C3101/DA/"
    assert paths["OA1"] == "/CENTRE/C3101/DA/OA1/"
    assert paths["BOA"] == "/CENTRE/C3101/DA/BOA/"
    assert paths["OB1"] == "/CENTRE/DB/OB1/"
    admin_a = User.objects.select_related("org").get(pk=world.admin_a.pk)  # as a new request
    assert set(visible_orgs(admin_a).values_list("code", flat=True)) == {"DA", "OA1", "BOA"}
    entry = AuditEntry.objects.get(action="org.change")
    assert entry.before["parent"] == "CENTRE" and entry.after["parent"] == "C3101"
    assert entry.after["moved_descendants"] is True


def test_a_cycle_and_a_clerk_are_refused(world):
    with pytest.raises(ServiceError) as exc:
        change_organisation(
            world.district_a.pk, acting_user=world.city_admin, changes={"parent": world.outlet_a}
        )
    assert exc.value.code in ("org_cycle", "org_parent")
    with pytest.raises(Forbidden):
        change_organisation(world.outlet_a.pk, acting_user=world.admin_a, changes={"name": "x"})


def test_admin_edit_is_audited_and_recomputes_paths(client, world):
    root = User.objects.create_superuser("root", password="Root-pass-2026")
    client.force_login(root)
    url = f"/admin/orgs/organisation/{world.district_a.pk}/change/"
    form = {
        "code": "DA2",
        "name": "闵行区",
        "kind": "district",
        "parent": world.centre.pk,
        "bank": "",
        "division_code": "310112",
        "address": "",
        "active": "on",
        "reason": "机构代码调整",
    }
    r = client.post(url, form)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Organisation.objects.get(code="OA1").path == "/CENTRE/DA2/OA1/"
    entry = AuditEntry.objects.get(action="org.change")
    assert entry.actor_username == "root" and entry.reason == "机构代码调整"
    # A rule broken in the admin is a form error, and nothing is saved.
    form.update(code="OB1")
    r = client.post(url, form)
    assert r.status_code == 200 and "已被使用" in r.content.decode()
    assert Organisation.objects.filter(code="DA2").exists()
    assert client.get(f"/admin/orgs/organisation/{world.outlet_a.pk}/delete/").status_code == 403
