"""Helpers of the public pages' browser tests (sbk/portal and sbk/kiosk): one chromium per
module, axe-core injected into each page, sbk's own elder-mode figures, keyboard moves."""

from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from sbk.tests import browser as shared

ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
FIGURES = (Path(__file__).parent / "browser_js" / "elder_figures.js").read_text()
ARTIFACTS = ROOT / "test-artifacts" / "public"
OVERFLOW = """() => [...document.querySelectorAll(".card input, .card select, .card button, .card img")]
  .filter(e => e.getBoundingClientRect().right > e.closest(".card").getBoundingClientRect().right + 1)
  .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : ""))"""
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE, DESKTOP = 360, 1280


def launch_browser():
    """The shared chromium (``sbk.tests.browser``), after checking that axe-core is there."""
    if Path(shared.CHROMIUM).exists() and not AXE.exists():  # no chromium: the shared skip
        pytest.fail(f"{AXE} is missing: run `npm ci` at the repository root (make services does)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield from shared.launch_browser()


class Surveyor:
    """Loads pages in both modes at both widths; collects every finding, then screenshots."""

    def __init__(self, live_server, prefix):
        self.base = live_server.url
        self.prefix = prefix
        self.findings: list[str] = []
        self.shots = 0

    def shot(self, page, name):
        self.shots += 1
        page.screenshot(
            path=str(ARTIFACTS / f"{self.prefix}-{self.shots:02d}-{name}.png"), full_page=True
        )

    def check(self, page, name, mode, width):
        where = f"{name} [{mode} {width}px]"
        wide = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if wide > 0:
            self.findings.append(f"{where}: scrolls sideways by {wide}px")
        # a control that runs past its card (the registration form's inputs did at 360 px)
        for over in page.evaluate(OVERFLOW):
            self.findings.append(f"{where}: {over} runs past its card")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
        )
        for v in result["violations"]:
            nodes = "; ".join(" ".join(n["target"]) for n in v["nodes"][:4])
            self.findings.append(f"{where}: axe {v['id']} ({v['impact']}): {v['help']} — {nodes}")
        if mode == "elder":
            for p in page.evaluate(FIGURES):
                self.findings.append(f"{where}: {p}")

    def survey(self, page, path, name, widths=(PHONE, DESKTOP)):
        """GET ``path`` in both modes at each width: scan, measure, screenshot. The page is
        left at its width (the flows go on at it), in elder mode."""
        before = page.viewport_size
        for mode, flag in (("standard", "0"), ("elder", "1")):
            for width in widths:
                page.set_viewport_size({"width": width, "height": 800})
                sep = "&" if "?" in path else "?"
                page.goto(f"{self.base}{path}{sep}elder={flag}")
                assert (
                    page.locator("html")
                    .get_attribute("class")
                    .startswith("elder" if flag == "1" else "standard")
                )
                self.check(page, name, mode, width)
                self.shot(page, f"{name}-{mode}-{width}")
        page.set_viewport_size(before)

    def assert_clean(self):
        assert not self.findings, "\n".join(self.findings)


def tab_to(page, selector, limit=60):
    """Press Tab until ``selector`` has the focus (the keyboard reaches it), and check the
    focus is visible (WCAG 2.4.7): an outline is drawn."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"focus on {selector} is not visible"
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def choose_by_keyboard(page, tries=3):
    """Open the focused file input's chooser with the Space key, as a keyboard user does,
    and return the chooser. Chromium drops the key now and then while the page is busy
    (a loaded machine: the suite runs two workers): pressing it again is what a person
    does too."""
    for _ in range(tries - 1):
        try:
            with page.expect_file_chooser(timeout=8000) as chooser:
                page.keyboard.press("Space")
            return chooser.value
        except PlaywrightTimeout:
            continue
    with page.expect_file_chooser(timeout=8000) as chooser:
        page.keyboard.press("Space")
    return chooser.value


def new_page(browser, width=PHONE, user=None, live_server=None):
    return shared.new_page(browser, width, user, live_server, height=800, timeout=20000)
