"""Review follow-up, in a real browser (the public pages' helpers, sbk/portal/tests/browser.py):
the staff login (/login/) and the counter's e-card check (/ecard/verify/) at a 360 px phone
and at 1280 px: no sideways scrolling, no control running past its card, axe-core at
WCAG 2.2 AA with no violations; the console's header and navigation on its home page the
same (its colours and targets were failing color-contrast and target-size).
Screenshots into test-artifacts/public/ (console-*)."""

import pytest

from sbk.portal.tests.browser import (
    DESKTOP,
    PHONE,
    Surveyor,
    launch_browser,
    new_page,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def browser():
    # function-scoped, one test in the module (see sbk/portal/tests/test_public_browser.py)
    yield from launch_browser()


def _survey(s, page, path, name, widths=(PHONE, DESKTOP), post=None):
    for width in widths:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{s.base}{path}")
        if post is not None:
            post(page)
        s.check(page, name, "console", width)
        s.shot(page, f"{name}-{width}")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_login_ecard_verify_and_console_nav_at_360_and_1280(browser, live_server, world):
    s = Surveyor(live_server, "console")

    page = new_page(browser, PHONE)
    _survey(s, page, "/login/", "login")

    def wrong_password(p):
        p.fill("#id_username", "op_a")
        p.fill("#id_password", "not-the-password")
        p.click("button[type=submit]")
        p.wait_for_selector(".msg.error")

    _survey(s, page, "/login/", "login-error", widths=(PHONE,), post=wrong_password)
    page.context.close()

    page = new_page(browser, PHONE, user=world.operator_a, live_server=live_server)
    _survey(s, page, "/", "home")
    _survey(s, page, "/ecard/verify/", "ecard-verify")

    def bad_code(p):
        p.fill("#token", "not-a-signed-code")
        p.click("[data-testid=ecard-verify] button[type=submit]")
        p.wait_for_selector("[role=alert]")

    _survey(s, page, "/ecard/verify/", "ecard-verify-error", post=bad_code)
    page.context.close()

    s.assert_clean()
