"""The public pages in a real browser (issue 22): every applicant page, the applicant's
login and the kiosk screen, in the standard and the elder mode (长辈版), at phone (360 px)
and desktop (1280 px) width:

- axe-core (npm, ``package-lock.json``; ``scripts/test-services`` runs ``npm ci``) injected
  into Debian's chromium through Playwright: zero violations at WCAG 2.2 AA;
- sbk's own elder-mode figures (``browser_js/elder_figures.js``): text ≥ 18 px, line
  height ≥ 1.3, contrast ≥ 4.5:1, targets ≥ 60 × 60 px, no overlay, dialog or animation;
- no horizontal scrolling at 360 px in either mode;
- the seed-002 flows by keyboard alone on a phone-sized screen (register, confirm the SMS
  code, apply with a photo, read the status), and the kiosk end to end (retake loop, the
  verdict's picture, issue, the idle time-out clearing the screen);
- a screenshot of each step in both modes at both widths, into test-artifacts/public/.

One browser for the module. In CI (``CI`` set) a missing chromium is a failure, locally a
skip; a missing axe-core is always a failure (``npm ci`` installs it).
"""

import re

import pytest

from sbk.portal.tests.browser import (
    DESKTOP,
    PHONE,
    Surveyor,
    choose_by_keyboard,
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
def test_applicant_pages_and_flows(browser, live_server, world, compliant_photo, tmp_path):
    from sbk.cards import services as cards
    from sbk.cards.models import Application
    from sbk.portal.services import apply_online, register_applicant
    from sbk.portal.tests.test_register_code import code_sent_to
    from sbk.testing import PASSWORD, resident_number

    _checks_find_what_they_look_for(browser)
    s = Surveyor(live_server, "portal")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(compliant_photo)

    # --- a newcomer, on a phone, in elder mode, by keyboard alone -------------------------
    page = new_page(browser, PHONE)
    s.survey(page, "/portal/login/", "login")
    s.survey(page, "/portal/register/", "register")
    page.goto(f"{s.base}/portal/register/?elder=1")
    assert page.viewport_size["width"] == PHONE
    number = resident_number("310112")
    for sel, text in (
        ("#id_name", "键盘某"),
        ("#id_id_number", number),
        ("#id_phone", "13800000222"),
    ):
        tab_to(page, sel)
        page.keyboard.type(text)
    tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    tab_to(page, "#id_password2")
    page.keyboard.type("a-different-one")
    page.keyboard.press("Enter")
    # the error is said in words next to its field, and the field says it is invalid
    error = page.locator("#id_password2_error")
    assert "两次输入的密码不一致" in error.inner_text()
    assert page.get_attribute("#id_password2", "aria-invalid") == "true"
    s.check(page, "register-error", "elder", PHONE)
    s.shot(page, "register-error-elder-360")
    tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    tab_to(page, "#id_password2")
    page.keyboard.type(PASSWORD)
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/register/confirm/")
    s.survey(page, "/portal/register/confirm/", "register-confirm")
    page.goto(f"{s.base}/portal/register/confirm/?elder=1")
    tab_to(page, "#id_code")
    page.keyboard.type(code_sent_to("13800000222"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/portal/")
    s.survey(page, "/portal/", "home-new")
    s.survey(page, "/portal/apply/", "apply")
    page.goto(f"{s.base}/portal/apply/?elder=1")
    page.set_viewport_size({"width": PHONE, "height": 800})
    tab_to(page, "#id_outlet")
    page.keyboard.press("ArrowDown")  # the first bank outlet
    assert page.eval_on_selector("#id_outlet", "e => e.value") != ""
    tab_to(page, "#id_photo")
    assert page.get_attribute("#id_photo", "capture") == "user"
    choose_by_keyboard(page).set_files(str(photo))
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/portal/applications/\d+/"))
    sentence = page.inner_text("[data-testid=status-sentence]")
    assert "7天内" in sentence and "携带本人有效身份证件" in sentence
    app = Application.objects.get(stated_name="键盘某")
    s.survey(page, f"/portal/applications/{app.pk}/", "status")
    page.context.close()

    # --- a holder with a card and an e-card, on a desktop, in the standard mode -----------
    holder = register_applicant(
        name=world.person_a.name,
        id_number=world.person_a.id_number,
        phone=world.person_a.phone,
        password=PASSWORD,
    )
    held = apply_online(
        acting_user=holder, outlet_code=world.bank_outlet_a.code, photo=compliant_photo
    )
    card = cards.produce_card(held.pk, acting_user=world.bank_operator_a, verified=True)
    page = new_page(browser, DESKTOP)
    page.goto(f"{s.base}/portal/login/?elder=0")
    tab_to(page, "#id_username")
    page.keyboard.type(world.person_a.id_number)
    tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/portal/")
    assert "领取" in page.inner_text("[data-testid=next-step]")
    s.survey(page, "/portal/", "home-holder")
    s.survey(page, f"/portal/applications/{held.pk}/", "status-produced")
    s.survey(page, f"/portal/cards/{card.pk}/", "card")
    s.survey(page, "/portal/ecard/", "ecard")
    s.survey(page, "/portal/assistant/", "assistant")
    page.context.close()

    s.assert_clean()


def _checks_find_what_they_look_for(browser):
    """The scan and the figures on a page made to fail them: neither can pass vacuously."""
    from sbk.portal.tests.browser import AXE, FIGURES, OVERFLOW, WCAG_AA

    page = browser.new_page(viewport={"width": PHONE, "height": 600})
    page.set_content(
        '<html><body style="font-size:14px;line-height:1">'
        '<p style="color:#aaa">浅色小字</p><input type="text">'
        '<a href="#" style="position:fixed;top:0">弹层</a>'
        '<div style="width:900px">很宽</div>'
        '<div class="card" style="width:100px"><input id="wide" style="width:300px"></div>'
        "</body></html>"
    )
    assert page.evaluate(OVERFLOW) == ["input#wide"]
    problems = "\n".join(page.evaluate(FIGURES))
    for expected in ("body font 14px", "line height", "contrast", "target", "overlay"):
        assert expected in problems, problems
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
    )
    found = {v["id"] for v in result["violations"]}
    assert {"html-has-lang", "label", "color-contrast"} <= found, found
    assert page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    page.close()
