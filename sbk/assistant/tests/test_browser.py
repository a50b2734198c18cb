"""Browser walk through the assistant: the clerk's panel beside the person page, the
answer with its citations, the enquiry record (item ⑦), the document viewer at the cited
passage, an answer reported as not answering (答非所问) on the unanswered list; then the applicant's portal page,
answering, the answer reported as not helping, and refusing.

Drives Debian's chromium through Playwright against the live server, like
``sbk/cards/tests/test_browser.py`` (``sbk/tests/browser.py``), and saves a screenshot of each page into
test-artifacts/assistant/. In CI (``CI`` set) a missing chromium is a failure, locally a skip.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from sbk.accounts.models import Role, User
from sbk.assistant import services
from sbk.assistant.demo import LIBRARY
from sbk.assistant.models import Question
from sbk.cards.models import ServiceTransaction
from sbk.core.actors import SYSTEM
from sbk.testing import PASSWORD
from sbk.tests.browser import browser, new_page  # noqa: F401 (the fixture)

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "assistant"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _library(world):
    for name in ("03_loss_replacement.txt", "04_eligibility_documents.txt"):
        services.load_document(
            acting_user=SYSTEM,
            org=world.centre,
            file_name=name,
            data=(LIBRARY / name).read_bytes(),
        )


def test_console_panel_and_portal_page(browser, live_server, world):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    _library(world)
    shots = iter(range(1, 100))

    def shot(page, name):
        page.screenshot(path=str(ARTIFACTS / f"{next(shots):02d}-{name}.png"), full_page=True)

    clerk = new_page(browser, user=world.operator_a, live_server=live_server)
    clerk.goto(f"{live_server.url}/people/{world.person_a.pk}/")
    panel = clerk.locator("[data-testid=assistant-panel]")
    panel.locator("input[name=question]").fill("补卡要带什么材料")
    shot(clerk, "person-panel")
    panel.locator("button[type=submit]").click()
    expect(clerk.locator("[data-testid=assistant-citation]").first).to_contain_text(
        "第九条 办理地点和材料"
    )
    shot(clerk, "console-answer")

    clerk.click("[data-testid=record-enquiry]")
    # The click only starts the POST and redirect: wait for the page it lands on.
    expect(clerk.get_by_text("已记录本次咨询（服务事项⑦）")).to_be_visible()
    assert ServiceTransaction.objects.filter(person=world.person_a).count() == 1
    shot(clerk, "enquiry-recorded")

    clerk.goto(f"{live_server.url}/assistant/")
    clerk.fill("input[name=question]", "补卡要带什么材料")
    clerk.click("form.asst-ask button[type=submit]")
    clerk.locator("[data-testid=assistant-citation] a").first.click()
    clerk.wait_for_url("**/*#passage-*")
    shot(clerk, "document-viewer")

    # An answer the clerk finds does not answer (答非所问) is reported, and listed.
    clerk.goto(f"{live_server.url}/assistant/")
    clerk.fill("input[name=question]", "挂失以后多久能补卡")
    clerk.click("form.asst-ask button[type=submit]")
    clerk.click("[data-testid=report-wrong]")
    expect(clerk.get_by_text("已报告答非所问")).to_be_visible()
    clerk.goto(f"{live_server.url}/assistant/unanswered/")
    expect(clerk.locator("[data-testid=assistant-reported-wrong]")).to_contain_text("答非所问 1 次")
    shot(clerk, "reported-wrong")

    applicant = User(username="app_browser", role=Role.APPLICANT, person=world.person_a)
    applicant.set_password(PASSWORD)
    applicant.save()
    portal = new_page(browser, user=applicant, live_server=live_server)
    portal.goto(f"{live_server.url}/portal/assistant/")
    portal.fill("input[name=question]", "拿永居证能不能办社保卡")
    portal.click("form.asst-ask button[type=submit]")
    expect(portal.locator("[data-testid=assistant-answer]")).to_contain_text("外国人永久居留身份证")
    shot(portal, "portal-answer")
    # The answer did not help: the applicant says so (答非所问), with the answer's receipt.
    portal.click("[data-testid=portal-report-wrong]")
    expect(portal.locator("[role=status]")).to_contain_text("已收到您的反馈")
    shot(portal, "portal-reported-wrong")
    assert Question.objects.get(text="拿永居证能不能办社保卡").reported_wrong_at is not None
    portal.fill("input[name=question]", "结婚登记需要什么材料")
    portal.click("form.asst-ask button[type=submit]")
    # The first answer is still on the page until the second one loads: wait for it.
    expect(portal.locator("[data-testid=assistant-refused]")).to_be_visible()
    shot(portal, "portal-refused")


def test_teaching_from_the_unanswered_list(browser, live_server, world):  # noqa: F811
    """The city admin opens a refused question from the unanswered list, picks the passage
    that answers it, and the same question is then answered with that passage."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    _library(world)
    question = "卡让人偷了咋整"
    refused = services.ask(question, user=world.operator_a, channel="console")
    assert refused.refused, "the walk needs a question the library does not answer yet"

    admin = new_page(browser, user=world.city_admin, live_server=live_server)
    admin.goto(f"{live_server.url}/assistant/unanswered/")
    # 偷 is in no document: the list says so (the word for the synonym list, 被盗 = 遗失).
    expect(admin.locator("[data-testid=assistant-absent]").first).to_contain_text("偷")
    admin.screenshot(path=str(ARTIFACTS / "09-unanswered.png"), full_page=True)
    # The word's link starts its line on the synonym page; leaving it saves nothing.
    admin.locator("[data-testid=assistant-absent] a").first.click()
    expect(admin.locator("[data-testid=synonyms-add]")).to_be_visible()
    admin.screenshot(path=str(ARTIFACTS / "09b-synonyms-started.png"), full_page=True)
    admin.goto(f"{live_server.url}/assistant/unanswered/")
    admin.locator("[data-testid=assistant-teach]").first.click()
    admin.wait_for_url("**/assistant/teach/**")
    admin.fill("#id_find", "遗失 正式挂失 补卡")
    admin.click("form[method=get] button[type=submit]")
    form = admin.locator("[data-testid=assistant-teach-form]")
    expect(form).to_contain_text("挂失")
    admin.screenshot(path=str(ARTIFACTS / "10-teach-candidates.png"), full_page=True)
    # The keyword search's passages come first; nothing is chosen for the admin.
    assert form.locator("input[name=passage_id]:checked").count() == 0
    first = form.locator(".asst-passage").first
    expect(first).to_contain_text("挂失")
    first.locator("input[name=passage_id]").check()
    chosen = first.locator("input[name=passage_id]").get_attribute("value")
    form.locator("button[type=submit]").click()
    admin.wait_for_url("**/assistant/taught/")
    expect(admin.locator("main")).to_contain_text(question)
    admin.screenshot(path=str(ARTIFACTS / "11-taught-list.png"), full_page=True)

    answer = services.ask(question, user=world.operator_a, channel="console", log=False)
    assert not answer.refused
    assert int(chosen) in [hit.entry.key for hit in answer.hits[:3]]


def test_declining_a_question_outside_the_library(browser, live_server, world):  # noqa: F811
    """A question on something no document covers is answered from its everyday words; the
    clerk reports it (答非所问), the city admin marks it outside the library (库外问题) from
    the unanswered list with a note, and the clerk's next asking gets the note, no passage."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    _library(world)
    question = "办结婚证要带什么材料"
    answered = services.ask(question, user=world.operator_a, channel="console")
    assert not answered.refused, "the walk needs a question answered from everyday words"
    services.report_wrong_answer(acting_user=world.operator_a, question_id=answered.logged)

    admin = new_page(browser, user=world.city_admin, live_server=live_server)
    admin.goto(f"{live_server.url}/assistant/unanswered/")
    admin.locator("[data-testid=assistant-to-decline]").first.click()
    admin.wait_for_url("**/assistant/declined/**")
    expect(admin.locator("#id_question")).to_have_value(question)
    admin.fill("#id_note", "婚姻登记请咨询区民政局婚姻登记处")
    admin.screenshot(path=str(ARTIFACTS / "12-decline-form.png"), full_page=True)
    admin.click("[data-testid=assistant-decline]")
    expect(admin.locator("[data-testid=assistant-declined]")).to_contain_text(question)
    admin.screenshot(path=str(ARTIFACTS / "13-declined-list.png"), full_page=True)

    clerk = new_page(browser, user=world.operator_a, live_server=live_server)
    clerk.goto(f"{live_server.url}/assistant/")
    clerk.fill("input[name=question]", "办结婚证，要带什么材料？")
    clerk.click("form.asst-ask button[type=submit]")
    expect(clerk.locator("[data-testid=assistant-declined-note]")).to_contain_text("民政局")
    assert clerk.locator("[data-testid=assistant-citation]").count() == 0
    clerk.screenshot(path=str(ARTIFACTS / "14-declined-answer.png"), full_page=True)
