"""Browser walk through the stock console: the outlet page (today's movements, a spoiled
blank, close the day) and the trace of a serial from its allocation to its end.

Same rules as ``sbk/cards/tests/test_browser.py`` (its fixtures): Debian's chromium through
Playwright against the live server, a screenshot of each page into
test-artifacts/stock/; in CI (``CI`` set) a missing chromium is a failure, locally a skip.
"""

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sbk.stock.models import DayClose, Serial
from sbk.tests.browser import browser, new_page  # noqa: F401 (the fixture)

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "stock"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_outlet_day_close_and_serial_trace(browser, live_server, world):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = iter(range(1, 100))

    def shot(page, name):
        page.screenshot(path=str(ARTIFACTS / f"{next(shots):02d}-{name}.png"), full_page=True)

    today = timezone.localdate().isoformat()
    serial = Serial.objects.filter(org=world.outlet_a).order_by("serial").first().serial
    clerk = new_page(browser, user=world.operator_a, live_server=live_server)
    clerk.goto(f"{live_server.url}/stock/")
    clerk.wait_for_url("**/stock/outlet/OA1/")
    balance = clerk.inner_text("[data-testid=balance]")
    assert "测试银行" in balance and "3.00" in balance and "10" in balance
    assert serial in clerk.inner_text("[data-testid=today]")  # today's receipt
    shot(clerk, "outlet")

    # A failed print: the blank becomes a waste card, today's movements show it.
    clerk.fill("[data-testid=spoil] input[name=serials]", serial)
    clerk.fill("[data-testid=spoil] input[name=note]", "打印偏移")
    clerk.click("[data-testid=spoil] button")
    expect(clerk.locator("main")).to_contain_text("已登记损耗")
    today_rows = clerk.inner_text("[data-testid=today]")
    assert "制卡损耗" in today_rows and "打印偏移" in today_rows
    assert "A网点 在库·卡基" in today_rows and "A网点 在库·废卡" in today_rows
    shot(clerk, "outlet-spoiled")

    # Close the day: the page says so, lists it, and the button is gone.
    clerk.click("[data-testid=close-day]")
    expect(clerk.locator("main")).to_contain_text("已日清")
    assert "当日台账已锁定" in clerk.inner_text("[data-testid=closed-today]")
    assert today in clerk.inner_text("[data-testid=closed]")
    assert clerk.locator("[data-testid=close-day]").count() == 0
    assert DayClose.objects.filter(org=world.outlet_a, day=today).exists()
    shot(clerk, "outlet-closed")

    # The serial's trace, from the link in today's movements.
    clerk.click(f"[data-testid=today] a:has-text('{serial}')")
    clerk.wait_for_url("**/stock/trace/?serial=*")
    place = clerk.inner_text("[data-testid=place]")
    assert serial in place and "废卡" in place and "3.00" in place
    kinds = clerk.locator("[data-testid=trace] td.kind").all_inner_texts()
    assert kinds == ["卡厂入库", "下拨", "签收", "制卡损耗"]
    shot(clerk, "trace")
