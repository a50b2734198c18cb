"""What every browser test shares: Debian's chromium through Playwright, and a page logged
in as a user (the TOTP step too, for a role that needs one). In CI (``CI`` set) a missing
chromium is a failure, locally a skip."""

import os
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_browser():
    """A generator for a fixture: one chromium, closed after."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def browser():
    yield from launch_browser()


def new_page(browser, width=1280, user=None, live_server=None, height=900, timeout=15000):
    """A page in a new context (zh-CN, ``width`` × ``height``); logged in as ``user`` when
    given, through the session cookie of a test client that passed the login (and TOTP)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    if user is not None:
        from django.test import Client

        from sbk.testing import login

        client = Client()
        login(client, user)
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
    page = context.new_page()
    page.set_default_timeout(timeout)
    return page
