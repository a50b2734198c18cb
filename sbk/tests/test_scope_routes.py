"""Every URL that names an object refuses another district's object, for every method.

The routes are read from the URLconf, so a new console page or API endpoint is covered
the day it is added; a route whose parameter this test cannot fill fails the test until
the parameter is added to ``objects_of_district_b``.
"""

import re

import pytest
from django.test import override_settings
from django.urls import URLResolver, get_resolver

from sbk.accounts.models import ApiToken
from sbk.core.models import AccessLog, AuditEntry

pytestmark = pytest.mark.django_db

JSON_BODY = {
    "reason": "越权测试",
    "purpose": "咨询",
    "kind": "formal",
    "changes": {"name": "改名"},
    "verified": True,
    "face_confirmed": True,
    "topic": "x",
    "target_org": "OA1",
    "approve": True,
    "photo_base64": "",
}
FORM_BODY = {
    "reason": "越权测试",
    "purpose": "咨询",
    "name": "改名",
    "category": "employee",
    "verified": "on",
    "confirm": "1",
}
ACTIONS = {
    "cards/applications/<int:app_id>/<str:action>/": ["submit", "produce", "reject"],
    "cards/cards/<int:card_id>/<str:action>/": [
        "loss_temporary",
        "loss_formal",
        "unlock_loss",
        "activate",
        "unlock_pin",
        "issue",
    ],
}


def routes():
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    seen = []
    for route in walk(get_resolver().url_patterns):
        if "<" in route and not route.startswith("admin/") and route not in seen:
            seen.append(route)
    return seen


def objects_of_district_b(world, photo: bytes) -> dict:
    from sbk.cards import services
    from sbk.testing import person

    def submitted(p):
        app = services.start_application(
            p.pk, acting_user=world.operator_b, outlet=world.bank_outlet_b
        )
        services.attach_photo(app.pk, acting_user=world.operator_b, data=photo, source="counter")
        return services.submit_application(app.pk, acting_user=world.operator_b)

    app = submitted(person(world.outlet_b, name="丙某"))
    made = services.produce_card(
        submitted(world.person_b).pk, acting_user=world.bank_user, verified=True
    )
    card = services.issue_card(made.pk, acting_user=world.bank_user)
    values = {
        "person_id": world.person_b.pk,
        "code": world.outlet_b.code,
        "app_id": app.pk,
        "card_id": card.pk,
    }
    values.update(_optional_objects(world))
    values.update(__import__("sbk.assistant.tests.scope", fromlist=["x"]).objects_of_b(world))
    values.update(__import__("sbk.stock.tests.scope", fromlist=["x"]).objects_of_b(world))
    values.update(__import__("sbk.usage.tests.scope", fromlist=["x"]).objects_of_b(world))
    ops = __import__("sbk.operations.tests.scope", fromlist=["x"])
    values.update(ops.objects_of_b(world, app.pk))
    return values


def _optional_objects(world) -> dict:
    """A photo check and a large-export request of district B."""
    from sbk.exports.services import export_people
    from sbk.photos.services import record_check

    check = record_check(
        acting_user=world.operator_b, data=b"not a photo", person=world.person_b, channel="counter"
    )
    with override_settings(SBK_EXPORT_APPROVAL_ROWS=0):
        request = export_people(acting_user=world.admin_b, fmt="csv")
    return {"check_id": check.pk, "request_id": request.pk}


def fill(route: str, values: dict, action: str | None) -> str:
    def one(m):
        name = m.group(2)
        if name == "action":
            return action
        if name not in values:
            raise AssertionError(f"scope test cannot fill <{name}> in {route}: add it")
        return str(values[name])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", one, route)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def token(world):
    raw = "scope-" + "b" * 40
    ApiToken.objects.create(user=world.admin_a, name="scope", digest=ApiToken.digest_of(raw))
    return raw


def test_no_route_reaches_another_districts_object(client, world, token, compliant_photo):
    values = objects_of_district_b(world, compliant_photo)
    client.force_login(world.admin_a)
    audit_before, access_before = AuditEntry.objects.count(), AccessLog.objects.count()
    checked = []
    for route in routes():
        for action in ACTIONS.get(route, [None]):
            url = fill(route, values, action)
            refused = []
            for method in ("get", "post", "patch", "delete"):
                if route.startswith("api/"):
                    resp = getattr(client, method)(
                        url,
                        JSON_BODY,
                        content_type="application/json",
                        headers={"Authorization": f"Bearer {token}"},
                    )
                else:
                    data = FORM_BODY if method == "post" else None
                    resp = getattr(client, method)(url, data)
                assert resp.status_code in (403, 404, 405), (method, url, resp.status_code)
                refused.append(resp.status_code)
            assert {403, 404} & set(refused), (url, refused)
            checked.append(url)
    assert AuditEntry.objects.count() == audit_before, "an out-of-scope request changed something"
    assert AccessLog.objects.count() == access_before, "an out-of-scope request saw personal data"
    assert len(checked) >= 20


def test_the_same_routes_answer_inside_the_scope(client, world, compliant_photo):
    values = objects_of_district_b(world, compliant_photo)
    client.force_login(world.admin_b)
    for route in ("people/<int:person_id>/", "cards/cards/<int:card_id>/", "orgs/<str:code>/"):
        assert client.get(fill(route, values, None)).status_code == 200
