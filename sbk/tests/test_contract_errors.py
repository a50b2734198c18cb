"""Requests the server cannot take are refusals with a stable code, never a 500 (issue 23,
"Server errors"): integers past 64 bits, a body over Django's upload limit, a multipart
body without a boundary, a query parameter of the wrong type — on the API (``ErrorOut``
JSON) and on the console (a page naming the code). With DEBUG off a 404 names no URL
pattern and a 500 shows no traceback."""

from __future__ import annotations

import re
import sys
import types

import pytest
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, path

from sbk.accounts.models import ApiToken
from sbk.core.api_types import INT64_MAX

pytestmark = pytest.mark.django_db

BIG = "99999999999999999999"  # past 2**64


@pytest.fixture
def api(world):
    raw = "errors-" + "e" * 30
    ApiToken.objects.create(user=world.city_admin, name="e", digest=ApiToken.digest_of(raw))
    return {"Authorization": f"Bearer {raw}"}


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert set(body) == {"code", "message", "field", "errors"} and body["message"]
    assert body["errors"] and all({"code", "field", "message"} <= set(e) for e in body["errors"])
    return body


# ------------------------------------------------------------------------------ the API
@pytest.mark.parametrize(
    "url",
    [
        f"/api/registry/persons/{BIG}",
        f"/api/registry/persons?offset={BIG}",
        f"/api/registry/persons?limit={BIG}",
        f"/api/cards/cards?person_id={BIG}",
        f"/api/cards/cards?offset={BIG}",
        f"/api/cards/applications?limit={BIG}",
        f"/api/cards/cards/{BIG}",
        f"/api/cards/persons/-{BIG}/history",
        f"/api/photos/checks/{BIG}",
        f"/api/portal/applications/{BIG}",
    ],
)
def test_integers_past_64_bits_in_path_or_query(client, api, url):
    body = _error(client.get(url, headers=api), 400, "number_out_of_range")
    assert body["field"] in {"person_id", "offset", "limit", "card_id", "check_id", "app_id"}


def test_largest_64_bit_integers_are_fine(client, api):
    assert client.get(f"/api/registry/persons/{INT64_MAX}", headers=api).status_code == 404
    r = client.get(f"/api/registry/persons?offset={INT64_MAX}&limit={INT64_MAX}", headers=api)
    assert r.status_code == 200 and r.json()["items"] == []
    r = client.get(f"/api/cards/cards?offset={INT64_MAX}&limit={INT64_MAX}", headers=api)
    assert r.status_code == 200 and r.json() == []


def test_integer_past_64_bits_in_a_body(client, api):
    r = client.post(
        "/api/cards/enquiries",
        {"topic": "x", "person_id": int(BIG)},
        content_type="application/json",
        headers=api,
    )
    assert _error(r, 400, "number_out_of_range")["field"] == "person_id"


def test_overflow_reaching_the_database_is_a_400(client, api, monkeypatch):
    """Whatever slips past the types (SQLite raises OverflowError past 64 bits)."""
    from sbk.orgs import api as orgs_api

    def overflow(*args, **kwargs):
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr(orgs_api, "visible_orgs", overflow)
    _error(client.get("/api/orgs", headers=api), 400, "number_out_of_range")


def test_schema_refusals_list_every_field(client, api):
    r = client.post(
        "/api/registry/persons", {"name": 5}, content_type="application/json", headers=api
    )
    body = _error(r, 400, "invalid_request")
    fields = {e["field"] for e in body["errors"]}
    assert {"id_number", "category"} <= fields
    _error(client.get("/api/photos/stats?start=0", headers=api), 400, "invalid_request")
    _error(client.get("/api/photos/stats?start=2024-13-01", headers=api), 400, "invalid_request")
    assert client.get("/api/photos/stats?start=2024-01-01", headers=api).status_code == 200
    r = client.post(
        "/api/cards/enquiries", b"{not json", content_type="application/json", headers=api
    )
    _error(r, 400, "bad_request")


def test_body_over_the_upload_limit_is_413(client, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = '{"topic": "' + "x" * 20_000 + '"}'
    r = client.post("/api/cards/enquiries", body, content_type="application/json", headers=api)
    _error(r, 413, "request_too_large")


def test_multipart_without_a_boundary(client, api):
    r = client.post(
        "/api/photos/check", b"--x\r\n\r\n", content_type="multipart/form-data", headers=api
    )
    _error(r, 400, "bad_multipart")


def test_without_credentials_and_unknown_paths(client):
    _error(client.get("/api/registry/persons"), 401, "unauthenticated")
    _error(client.get("/api/no/such/thing"), 404, "not_found")


def test_get_object_or_404_answers_in_the_error_shape(client, api):
    _error(client.get("/api/registry/persons/123456", headers=api), 404, "not_found")


# -------------------------------------------------------------------------- the console
def _console_routes():
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    for route in walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "api/", "static")) or "<int:" not in route:
            continue
        if re.search(r"<(?!int:)(?!str:action>)", route):
            continue  # a parameter that is not an id (a file name …)
        yield route


def test_console_routes_with_ids_past_64_bits(client, world):
    client.force_login(world.admin_a)
    tried = 0
    for route in sorted(set(_console_routes())):
        url = "/" + re.sub(r"<int:\w+>", BIG, route).replace("<str:action>", "issue")
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (302, 400, 403, 404, 405), (method, url, response)
            if response.status_code == 400:
                assert b"number_out_of_range" in response.content
            tried += 1
    assert tried >= 20


def test_console_query_integers_past_64_bits(client, world):
    client.force_login(world.admin_a)
    for url in ("/people/", "/photos/check/", "/cards/", "/exports/", "/orgs/", "/"):
        q = f"?page={BIG}&person={BIG}&offset={BIG}&limit={BIG}&start=0&end=0&q={BIG}"
        response = client.get(url + q)
        assert response.status_code < 500, (url, response.status_code)


def test_console_body_over_the_limit_is_413(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    for client in (Client(), Client(enforce_csrf_checks=True)):  # the view, or the CSRF check
        client.get("/login/")  # the CSRF cookie: the check then reads the body
        response = client.post("/login/", {"username": "x" * 20_000, "password": "y"})
        assert response.status_code == 413, response.status_code
        assert b"request_too_large" in response.content


def test_console_multipart_without_a_boundary(world):
    for client in (Client(), Client(enforce_csrf_checks=True)):
        client.force_login(world.operator_a)
        client.get("/photos/check/")
        response = client.post("/photos/check/", b"--x\r\n", content_type="multipart/form-data")
        assert response.status_code == 400, response.status_code
        assert b"bad_multipart" in response.content


# ---------------------------------------------------------------- production error pages
def _boom(request):
    raise RuntimeError("secret detail of the failure")


_urls = types.ModuleType("sbk_tests_boom_urls")


def _install_boom_urls():
    import sbk.urls

    _urls.urlpatterns = [
        path("boom/", _boom),
        path("api/boom/", _boom),
        *sbk.urls.urlpatterns,
    ]
    for name in ("handler400", "handler403", "handler404", "handler500"):
        setattr(_urls, name, getattr(sbk.urls, name))
    sys.modules[_urls.__name__] = _urls


@override_settings(DEBUG=False)
def test_404_names_no_url_pattern():
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "not_found" in text
    for leak in ("URLconf", "urlpatterns", "admin/", "api/", "people/"):
        assert leak not in text, leak


@override_settings(DEBUG=False, ROOT_URLCONF="sbk_tests_boom_urls")
def test_500_shows_no_traceback():
    _install_boom_urls()
    client = Client(raise_request_exception=False)
    page = client.get("/boom/")
    assert page.status_code == 500
    text = page.content.decode()
    assert "server_error" in text
    assert "Traceback" not in text and "secret detail" not in text and "RuntimeError" not in text
    api = client.get("/api/boom/")
    assert api.status_code == 500 and api.json()["code"] == "server_error"
    assert "secret detail" not in api.content.decode()
