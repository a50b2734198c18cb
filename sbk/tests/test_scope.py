"""A user of one district cannot read or change another district's records, by any URL.

Every console URL and API endpoint that takes an object is listed here; a new one that
is not listed fails ``test_every_object_route_is_covered``.
"""

import pytest
from django.urls import get_resolver

from sbk.accounts.models import ApiToken

pytestmark = pytest.mark.django_db

# (method, url template, body) — {person} and {org} are filled with district B's objects.
CONSOLE = [
    ("get", "/people/{person}/", None),
    ("get", "/people/{person}/edit/", None),
    ("post", "/people/{person}/edit/", {"name": "改名", "category": "employee", "reason": "x"}),
    ("post", "/people/{person}/reveal/", {"purpose": "咨询"}),
    ("get", "/orgs/{org}/", None),
]
API = [
    ("get", "/api/registry/persons/{person}", None),
    ("patch", "/api/registry/persons/{person}", {"changes": {"name": "改名"}, "reason": "x"}),
    ("post", "/api/registry/persons/{person}/reveal", {"purpose": "咨询"}),
    ("get", "/api/registry/persons/{person}/changes", None),
    ("get", "/api/orgs/{org}", None),
]
COVERED_PATTERNS = {
    "people/<int:person_id>/",
    "people/<int:person_id>/edit/",
    "people/<int:person_id>/reveal/",
    "orgs/<str:code>/",
}


def _fill(url, world):
    return url.format(person=world.person_b.pk, org=world.outlet_b.code)


@pytest.mark.parametrize("method,url,body", CONSOLE)
def test_console_refuses_other_district(client, world, method, url, body):
    client.force_login(world.admin_a)
    resp = getattr(client, method)(_fill(url, world), body or {})
    assert resp.status_code in (403, 404)
    world.person_b.refresh_from_db()
    assert world.person_b.name == "乙某"


@pytest.mark.parametrize("method,url,body", API)
def test_api_refuses_other_district(client, world, method, url, body):
    token = "t-" + "a" * 40
    ApiToken.objects.create(user=world.admin_a, name="t", digest=ApiToken.digest_of(token))
    resp = getattr(client, method)(
        _fill(url, world),
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status_code in (403, 404), resp.content
    world.person_b.refresh_from_db()
    assert world.person_b.name == "乙某"


@pytest.mark.parametrize("method,url,body", CONSOLE[:1] + API[:1])
def test_same_routes_work_inside_scope(client, world, method, url, body):
    client.force_login(world.admin_b)
    assert getattr(client, method)(_fill(url, world)).status_code == 200


def test_lists_show_only_own_scope(client, world):
    client.force_login(world.admin_a)
    page = client.get("/people/").content.decode()
    assert "甲某" in page and "乙某" not in page
    names = {p["name"] for p in client.get("/api/registry/persons").json()["items"]}
    assert names == {"甲某"}
    codes = {o["code"] for o in client.get("/api/orgs").json()}
    assert "OB1" not in codes and "OA1" in codes and "BOA" in codes
    # A whole number is searched by POST (never in a URL); another district's person is
    # not found, and a whole number in a GET is refused without a result.
    found = client.post("/people/", {"q": world.person_b.id_number}).content.decode()
    assert "乙某" not in found
    assert "甲某" in client.post("/people/", {"q": world.person_a.id_number}).content.decode()
    assert client.get("/people/?q=" + world.person_b.id_number).status_code == 400


def test_bank_sees_its_outlets_in_every_district_and_nothing_else(client, world):
    client.force_login(world.bank_user)
    codes = {o["code"] for o in client.get("/api/orgs").json()}
    assert codes == {"BANK1", "BOA", "BOB"}


def test_city_admin_sees_everything(client, world):
    from sbk.testing import login

    login(client, world.city_admin)  # force_login plus the TOTP step city admins owe
    assert client.get(f"/people/{world.person_b.pk}/").status_code == 200
    assert client.get(f"/people/{world.person_a.pk}/").status_code == 200


def test_every_object_route_is_covered():
    routes = set()
    for p in get_resolver().url_patterns:
        if str(p.pattern) == "" and hasattr(p, "url_patterns"):
            routes |= {str(q.pattern) for q in p.url_patterns if "<" in str(q.pattern)}
    assert routes <= COVERED_PATTERNS | {"people/new/"}, routes - COVERED_PATTERNS
