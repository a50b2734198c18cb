"""Every console page at a 360 px phone (SPEC §9): the page never scrolls sideways — a wide
table scrolls inside its own box, the header, headings and forms stay in the window. Every
GET route of the console (the API, the public pages, the admin and file downloads apart),
its ids filled with district B's objects (``sbk/tests/test_scope_routes.py``), read in
chromium by the city centre's administrator (who sees every page).
Screenshots of each page into test-artifacts/console-narrow/."""

from pathlib import Path

import pytest
from django.test import Client

from sbk.portal.tests.browser import PHONE
from sbk.testing import login
from sbk.tests.browser import browser, new_page  # noqa: F401 (the fixture)
from sbk.tests.test_get_never_writes import every_route
from sbk.tests.test_scope_routes import fill, objects_of_district_b

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "console-narrow"
NOT_CONSOLE = ("api/", "portal/", "kiosk/", "media/", "logout/", "login/", "__")
WIDE = "document.documentElement.scrollWidth - document.documentElement.clientWidth"

pytestmark = pytest.mark.browser


def html_pages(user, values) -> list[str]:
    """The console pages ``user`` may read as HTML (a test client asks first: a POST-only
    route, a download or a page outside the role's reach is not a page to look at)."""
    client = Client()
    login(client, user)
    pages = []
    for route in every_route():
        if route.startswith(NOT_CONSOLE) or "<action>" in route:
            continue
        path = fill(route, values, None)
        got = client.get(path)
        if got.status_code == 200 and got["Content-Type"].startswith("text/html"):
            pages.append(path)
    return pages


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_console_page_scrolls_sideways_at_360(browser, live_server, world, compliant_photo):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    values = objects_of_district_b(world, compliant_photo)
    findings, seen = [], 0
    # The city centre's administrator reads every console page there is (an outlet clerk's
    # are the same templates, fewer of them); one pass keeps the suite's time.
    admin = world.city_admin
    page = new_page(browser, PHONE, user=admin, live_server=live_server)
    for path in html_pages(admin, values):
        page.goto(f"{live_server.url}{path}")
        seen += 1
        wide = page.evaluate(WIDE)
        if wide > 0:
            findings.append(f"{path}: scrolls sideways by {wide}px")
        name = path.strip("/").replace("/", "_") or "home"
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.context.close()
    assert seen > 40, f"only {seen} console pages were read: the route walk lost its way"
    assert not findings, "\n".join(findings)
