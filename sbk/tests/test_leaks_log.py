"""Issue 23, leaks — whole ID numbers in the server log.

A search by a whole number was a GET with the number in the query string, so the access
log held it (and every proxy's log, and the browser's history). A search by a whole
number now goes in a POST body: the console's search form posts, the API has
``POST /api/registry/persons/search``, and a GET whose query string holds a whole number
is refused with ``number_in_query``.

The first test starts the production server (``sbk serve``: gunicorn, its access log on
stdout) on a copy of the test database, drives the console the way a browser does (it
reads each page's form and submits it with the method and action the page gives) and the
API, searching by whole numbers, and then greps everything the server wrote for them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from django.test import Client

from sbk.accounts.models import ApiToken
from sbk.core.models import AuditEntry
from sbk.exports import services as exports
from sbk.idcard import make_resident15
from sbk.testing import person

SERVER_START_SECONDS = 60


# --- a browser in thirty lines: forms as the page gives them ---------------------------
class _Forms(HTMLParser):
    """The forms of a page: attributes, successful controls, submit buttons."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"attrs": a, "fields": [], "buttons": []}
            self.forms.append(self._form)
        elif tag == "a":
            self.links.append(a)
        if self._form is None:
            return
        kind = a.get("type", "text" if tag == "input" else "submit").lower()
        if tag == "button" or (tag == "input" and kind == "submit"):
            self._form["buttons"].append(a)
        elif tag == "input" and a.get("name"):
            if kind not in ("checkbox", "radio") or "checked" in a:
                self._form["fields"].append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            names = [n for n, _ in self._form["fields"]]
            if self._select not in names or "selected" in a:
                self._form["fields"] = [f for f in self._form["fields"] if f[0] != self._select]
                self._form["fields"].append((self._select, a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


class Browser:
    def __init__(self, base: str, cookies: dict[str, str]):
        self.base, self.cookies, self.url = base, dict(cookies), base + "/"

    def open(self, method: str, url: str, data: bytes | None = None, headers=None):
        url = urllib.parse.urljoin(self.url, url)
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        req.add_header("Referer", self.url)  # as a browser does: the page it came from
        try:
            resp = urllib.request.urlopen(req, timeout=30)
        except urllib.error.HTTPError as exc:
            resp = exc
        for header in resp.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        body = resp.read()
        if resp.headers.get_content_type() == "text/html":
            self.url = resp.geturl()
        return resp.status, resp.headers.get_content_type(), body

    def get(self, url):
        return self.open("GET", url)

    @staticmethod
    def page(body: bytes) -> _Forms:
        parser = _Forms()
        parser.feed(body.decode())
        return parser

    def submit(self, form: dict, values: dict, button: dict | None = None):
        """Submit a form as a browser does: its method and action (or the button's)."""
        button = button or {}
        method = (button.get("formmethod") or form["attrs"].get("method") or "get").upper()
        action = button.get("formaction") or form["attrs"].get("action") or self.url
        fields = [(k, v) for k, v in form["fields"] if k not in values] + list(values.items())
        if button.get("name"):
            fields.append((button["name"], button.get("value", "")))
        encoded = urllib.parse.urlencode(fields)
        if method == "GET":
            return self.open("GET", action.split("?")[0] + "?" + encoded)
        return self.open(
            "POST",
            action,
            encoded.encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )


def _form(page: _Forms, field: str) -> dict:
    """The page's first form with this field, as a person finds the search box."""
    found = [f for f in page.forms if any(name == field for name, _ in f["fields"])]
    assert found, f"no form with {field!r} on the page"
    return found[0]


# --- the server -----------------------------------------------------------------------
def _database_url(tmp_path) -> str:
    """The test database as the server process can reach it: PostgreSQL's test database
    itself; SQLite's in-memory one copied to a file."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        path = tmp_path / "server.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        with target:
            connection.connection.backup(target)
        target.close()
        return f"sqlite:///{path}"
    auth = urllib.parse.quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + urllib.parse.quote(s["PASSWORD"])
    host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{s['NAME']}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """``sbk serve`` (gunicorn) on the test data; yields (base URL, the files it logs to)."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(tmp_path),
        "SBK_KEYS_FILE": settings.SBK_KEYS_FILE,
        "SECRET_KEY": settings.SECRET_KEY,  # the sessions made here must hold there
        "SBK_VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "INFO",
        "CONN_MAX_AGE": "0",
        "HOME": str(tmp_path),  # gunicorn's control socket: this server's own
    }
    out, err = tmp_path / "server.out.log", tmp_path / "server.err.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sbk", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            assert proc.poll() is None, f"sbk serve exited: {err.read_text()}"
            try:
                with urllib.request.urlopen(base + "/api/ping", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"sbk serve did not start: {err.read_text()}"
            time.sleep(0.2)
        yield base, proc, (out, err)
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the group this test started, by its id
            proc.wait(timeout=5)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_searches_by_whole_number_leave_no_number_in_the_server_log(
    world, tmp_path, request, settings
):
    # A secret of the test's own, not the development key (a server without DEBUG refuses
    # that one): the session made below must be valid for the server too.
    settings.SECRET_KEY = "leaks-test-" + secrets.token_urlsafe(32)
    p15 = person(world.outlet_a, id_number=make_resident15("310112", dt.date(1958, 3, 9), 71))
    typed_15 = make_resident15("310112", dt.date(1958, 3, 9), 71)
    numbers = [world.person_a.id_number, typed_15, p15.id_number]
    raw = "leaks-" + "l" * 40
    ApiToken.objects.create(user=world.operator_a, name="t", digest=ApiToken.digest_of(raw))
    client = Client()
    client.force_login(world.operator_a)
    session = client.cookies["sessionid"].value
    base, proc, logs = request.getfixturevalue("server")  # after the data exists

    browser = Browser(base, {"sessionid": session})
    # The console: the home page's search box, then the list page's, as the pages give them.
    status, _, body = browser.get("/")
    assert status == 200
    status, _, body = browser.submit(
        _form(browser.page(body), "q"), {"q": world.person_a.id_number}
    )
    assert status == 200 and world.person_a.id_masked in body.decode()
    status, _, body = browser.submit(_form(browser.page(body), "q"), {"q": typed_15})
    assert status == 200 and p15.id_masked in body.decode()
    # "导出…" from that result, then the export page's own form.
    page = browser.page(body)
    export_links = [a for a in page.links if a.get("data-testid") == "export-link"]
    if export_links:
        status, _, body = browser.get(export_links[0]["href"])
    else:
        form = _form(page, "q")
        button = next(b for b in form["buttons"] if b.get("data-testid") == "export-link")
        status, _, body = browser.submit(form, {"q": typed_15}, button)
    assert status == 200 and 'data-testid="export-count">1<' in body.decode()
    status, kind, body = browser.submit(_form(browser.page(body), "fmt"), {"fmt": "csv"})
    assert (status, kind) == (200, "text/csv") and p15.id_masked in body.decode("utf-8-sig")

    # The API: search and export with the number in the body.
    api = {"Authorization": f"Bearer {raw}", "Content-Type": "application/json"}
    answers = [
        browser.open(
            "POST", "/api/registry/persons/search", json.dumps({"q": number}).encode(), api
        )
        for number in (world.person_a.id_number, typed_15)
    ]
    exported = browser.open(
        "POST",
        "/api/exports/people",
        json.dumps({"q": world.person_a.id_number, "format": "json"}).encode(),
        api,
    )

    _stop(proc)
    text = "\n".join(f.read_text(errors="replace") for f in logs)
    # The log is the server's access log: it did record the requests…
    assert "/people/" in text and "/api/registry/persons" in text, text
    # …and none of the numbers, in any spelling a URL or a log line could give it.
    for number in numbers:
        for spelling in {number, number.lower(), urllib.parse.quote(number)}:
            assert spelling not in text, f"{number} is in the server's log:\n{text}"
    # And the searches found the people.
    for (status, _, body), found in zip(answers, (world.person_a, p15), strict=True):
        assert status == 200, body
        assert [p["id_masked"] for p in json.loads(body)["items"]] == [found.id_masked]
    assert exported[0] == 200 and len(json.loads(exported[2])["rows"]) == 1


# --- the same rule without a server -------------------------------------------------------


@pytest.mark.django_db
def test_console_get_with_a_whole_number_is_refused_without_results(client, world):
    client.force_login(world.operator_a)
    resp = client.get("/people/", {"q": world.person_a.id_number})
    page = resp.content.decode()
    assert resp.status_code == 400 and "完整证件号码不能放在网址中" in page
    assert world.person_a.name not in page and world.person_a.id_number not in page
    # Names and partial numbers still work in a link; the form itself posts.
    assert world.person_a.name in client.get("/people/", {"q": "甲"}).content.decode()
    prefix = world.person_a.id_masked[:10]
    assert world.person_a.name in client.get("/people/", {"q": prefix}).content.decode()
    found = client.post("/people/", {"q": world.person_a.id_number}).content.decode()
    assert world.person_a.id_masked in found


@pytest.mark.django_db
def test_api_get_with_a_whole_number_is_refused_and_post_search_finds(client, world):
    raw = "leaks-" + "g" * 40
    ApiToken.objects.create(user=world.operator_a, name="t", digest=ApiToken.digest_of(raw))
    auth = {"Authorization": f"Bearer {raw}"}
    number = world.person_a.id_number
    for q in (
        number,
        number.lower(),
        number[:17] + "0",
        make_resident15("310112", dt.date(1961, 2, 3), 5),
    ):
        resp = client.get("/api/registry/persons", {"q": q}, headers=auth)
        assert resp.status_code == 400 and resp.json()["code"] == "number_in_query", q
        assert "POST /api/registry/persons/search" in resp.json()["message"]
    assert client.get("/api/registry/persons", {"q": "甲"}, headers=auth).json()["count"] == 1
    resp = client.post(
        "/api/registry/persons/search",
        {"q": number},
        content_type="application/json",
        headers=auth,
    )
    assert resp.status_code == 200
    assert [p["id_masked"] for p in resp.json()["items"]] == [world.person_a.id_masked]
    out = client.post(
        "/api/registry/persons/search",
        {"q": world.person_b.id_number},
        content_type="application/json",
        headers=auth,
    )
    assert out.json() == {"items": [], "count": 0}  # out of scope: nothing, as before


@pytest.mark.django_db
def test_an_export_by_number_records_the_filter_masked(world):
    number = world.person_a.id_number
    export = exports.export_people(acting_user=world.operator_a, query=number, fmt="csv")
    first = export.content.decode("utf-8-sig").splitlines()[0]
    assert number not in first and world.person_a.id_masked in first
    after = AuditEntry.objects.get(action="export.people").after
    assert after["filter"] == world.person_a.id_masked and after["rows"] == 1
