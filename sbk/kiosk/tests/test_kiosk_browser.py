"""The kiosk screen (/kiosk/) in a real browser, end to end: read the document, a failing
photo with its verdict and the picture, the retake that passes, the card issued, and the
idle time-out clearing the screen; axe-core and the elder figures on every step, in both
modes at phone and desktop width (helpers: sbk.portal.tests.browser)."""

import re

import pytest

from sbk.portal.tests.browser import (
    PHONE,
    Surveyor,
    launch_browser,
    new_page,
    tab_to,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def browser():
    # Function-scoped, and so one browser for the module's one test: a Playwright loop that
    # outlived the test would hide the test database's serialized contents from the next
    # transactional test (Django's connections are asgiref-local), which then finds the
    # tables flushed and not restored.
    yield from launch_browser()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_kiosk_screen_end_to_end(
    browser, live_server, world, compliant_photo, off_centre_photo, tmp_path, settings
):
    from sbk.accounts.models import Role
    from sbk.cards.models import Card
    from sbk.orgs.models import OrgKind
    from sbk.testing import org, stock_outlets, user

    machine = org("KA1", OrgKind.KIOSK, "310112", world.district_a, name="闵行区自助一体机")
    stock_outlets(world.centre, [machine], world.bank, per_outlet=2)
    kiosk = user("kiosk_a", Role.OUTLET_OPERATOR, machine)
    good, bad = tmp_path / "good.jpg", tmp_path / "bad.jpg"
    good.write_bytes(compliant_photo)
    bad.write_bytes(off_centre_photo)  # fails on "centred", drawn in red on the picture
    # Each step is scanned in both modes at two widths between the touches; on a busy
    # machine that can outlast the default 90 s idle time-out (tested on its own below).
    settings.SBK_KIOSK_IDLE_SECONDS = 3600
    s = Surveyor(live_server, "kiosk")
    page = new_page(browser, PHONE, kiosk, live_server)
    s.survey(page, "/kiosk/", "start")

    def read_document(number):
        page.goto(f"{s.base}/kiosk/")
        tab_to(page, "#id_id_number")
        page.keyboard.type(number)
        page.keyboard.press("Enter")
        page.wait_for_url("**/kiosk/photo/")

    def take(path):
        # The keyboard reaches the camera control with its focus shown; the picture itself
        # comes from the machine's camera (here: set on the input, as the camera would). A
        # keyboard-opened file chooser proved flaky in headless chromium on a busy machine.
        tab_to(page, "#id_photo")
        page.set_input_files("#id_photo", str(path))
        tab_to(page, "[data-testid=kiosk-photo-form] button[type=submit]")
        # Wait for the page the submission loads: the second picture's screen still shows
        # the first one's verdict until then, and a busy machine reads that one otherwise.
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_selector("[data-testid=verdict]")

    read_document(world.person_a.id_number)
    assert world.person_a.name not in page.inner_text("main")  # masked on the screen
    s.survey(page, "/kiosk/photo/", "photo")
    take(bad)
    assert "居中" in page.inner_text("[data-testid=verdict-failures]")
    picture = page.locator("[data-testid=verdict-picture]")
    page.wait_for_function("e => e.complete && e.naturalWidth > 0", arg=picture.element_handle())
    s.survey(page, "/kiosk/photo/", "photo-failed")
    take(good)
    assert "照片合格" in page.inner_text("[data-testid=verdict]")
    s.survey(page, "/kiosk/photo/", "photo-passed")
    tab_to(page, "[data-testid=confirm-issue]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/kiosk/done/")
    assert Card.objects.get(person=world.person_a).status == "issued"
    s.survey(page, "/kiosk/done/", "done")
    tab_to(page, "[data-testid=kiosk-finish]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/kiosk/")

    # the idle time-out: the screen forgets the next person by itself
    settings.SBK_KIOSK_IDLE_SECONDS = 2
    read_document(world.person_b.id_number)
    masked = world.person_b.name[0] + "*"
    assert masked in page.inner_text("main")
    page.wait_for_url(re.compile(r".*/kiosk/$"), timeout=8000)
    assert masked not in page.inner_text("body")
    page.goto(f"{s.base}/kiosk/photo/")  # nothing left on the server either
    assert page.url.endswith("/kiosk/")
    page.context.close()

    s.assert_clean()
