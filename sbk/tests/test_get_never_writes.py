"""GET never writes: every route of the URLconf (console, API, portal), with its ids filled,
read by users inside its scope, leaves every table of actions as it was — no audit row, no
journal row, no access-log row, no export request, no stored idempotent answer."""

import pytest
from django.urls import URLResolver, get_resolver

from sbk.accounts.models import ApiToken
from sbk.cards.models import Application, Card, ServiceTransaction
from sbk.core.models import AccessLog, AuditEntry, IdempotencyRecord
from sbk.exports.models import ExportRequest
from sbk.registry.models import Person, PersonChange

from .test_scope_routes import ACTIONS, fill, objects_of_district_b

pytestmark = pytest.mark.django_db
WATCHED = [
    AuditEntry,
    AccessLog,
    ServiceTransaction,
    ExportRequest,
    IdempotencyRecord,
    PersonChange,
    Person,
    Card,
    Application,
]


def every_route():
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    return sorted(
        {r for r in walk(get_resolver().url_patterns) if not r.startswith(("admin/", "static"))}
    )


def _state():
    return {
        m.__name__: (
            m.objects.count(),
            list(m.objects.order_by("-pk").values_list("pk", flat=True)[:1]),
        )
        for m in WATCHED
    } | {
        "statuses": sorted(Card.objects.values_list("pk", "status"))
        + sorted(Application.objects.values_list("pk", "status"))
    }


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_no_get_writes(client, world, compliant_photo):
    values = objects_of_district_b(world, compliant_photo)
    raw = "get-" + "c" * 40
    ApiToken.objects.create(user=world.admin_b, name="get", digest=ApiToken.digest_of(raw))
    client.force_login(world.admin_b)
    before = _state()
    tried = 0
    for route in every_route():
        for action in ACTIONS.get(route, [None]):
            try:
                url = fill(route, values, action)
            except AssertionError:
                continue  # a parameter of its own (a file name): the scope test covers it
            headers = {"Authorization": f"Bearer {raw}"} if route.startswith("api/") else {}
            response = client.get(url, headers=headers)
            assert response.status_code < 500, (url, response.status_code)
            assert _state() == before, f"GET {url} wrote something"
            tried += 1
    assert tried >= 40
