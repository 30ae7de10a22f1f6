"""The chat widget in a real headless Chromium against the real server: what a person sees.

Cards appear with a reason; "Not for me" swaps that card for a new one and the movie never shows
again; a reload brings the conversation back; it works from the keyboard alone, with ARIA
labels, on a phone-sized screen, and loads nothing from another host. Screenshots go to
test-artifacts/ (git-ignored): widget.png (phone), widget-later.png, widget-desktop.png,
widget-keyboard.png.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CONVREC_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# a closed network: no background fetches, updates or sync (they would only fail, slowly)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-default-apps", "--disable-extensions"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def card_titles(page) -> list[str]:
    """Titles on the cards of the newest list (the year is a separate span)."""
    return page.locator(".cr-cards").last.locator(".cr-card-title").evaluate_all(
        "els => els.map(e => e.querySelector('.cr-title-link').textContent)")


def all_card_ids(page) -> list[str]:
    return page.locator(".cr-card").evaluate_all("els => els.map(e => e.dataset.itemId)")


def wait_idle(page) -> None:
    page.wait_for_selector(".cr-form:not(.cr-busy)", timeout=120_000)
    page.wait_for_selector(".cr-typing", state="detached", timeout=120_000)


def settled(page) -> None:
    """Wait until the log's smooth scroll has come to rest (a screenshot mid-scroll shows
    neither the old nor the new place)."""
    last = None
    for _ in range(40):
        now = page.evaluate("() => document.querySelector('.cr-log').scrollTop")
        if now == last:
            return
        last = now
        page.wait_for_timeout(100)


def watch_requests(page, base: str) -> list[str]:
    """Every URL the page asks for that is not on the server itself (should stay empty)."""
    foreign: list[str] = []

    def check(request):
        url = request.url
        if not (url.startswith(base + "/") or url.startswith("data:")):
            foreign.append(url)

    page.on("request", check)
    return foreign


def test_widget_cards_reject_and_reload(browser, live_server):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    foreign = watch_requests(page, live_server.base)
    try:
        page.goto(live_server.base + "/", timeout=60_000)
        page.wait_for_selector(".cr-bot .cr-bubble", timeout=120_000)  # the greeting
        wait_idle(page)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, "nothing sticks out sideways on a phone"
        assert page.locator(".cr-chip").count() >= 3  # mood suggestions
        assert page.locator(".cr-user").count() == 0  # the widget's own greeting is not shown

        page.fill(".cr-input", "a crime thriller from the 90s")
        page.press(".cr-input", "Enter")
        page.wait_for_selector(".cr-card", timeout=120_000)
        wait_idle(page)
        first = card_titles(page)
        assert len(first) == 3
        cards = page.locator(".cr-card")
        assert all(cards.nth(i).locator(".cr-reason").inner_text() for i in range(3))
        assert "199" in cards.first.locator(".cr-year").inner_text()

        rejected_id = cards.first.get_attribute("data-item-id")
        cards.first.locator("button[data-action=reject]").click()
        wait_idle(page)
        after = card_titles(page)
        assert len(after) == 3 and after[1:] == first[1:], "only the rejected card changed"
        assert after[0] != first[0]
        assert page.locator(".cr-cards").count() == 1, "the list was updated, not repeated"
        assert page.locator(".cr-user .cr-bubble").last.inner_text() == \
            f"Not for me: {first[0]}"
        page.wait_for_timeout(600)  # the new card's fade-in
        settled(page)
        page.screenshot(path=str(ARTIFACTS / "widget.png"))
        assert (ARTIFACTS / "widget.png").stat().st_size > 10_000

        for _ in range(2):
            page.locator(".cr-chip", has_text="More").click()
            wait_idle(page)
        assert page.locator(".cr-cards").count() == 3
        assert rejected_id not in all_card_ids(page), "a rejected movie never shows again"
        before_reload = page.locator(".cr-log").inner_text()
        ids_before = all_card_ids(page)

        page.reload()
        page.wait_for_selector(".cr-card", timeout=60_000)
        wait_idle(page)
        assert page.locator(".cr-log").inner_text() == before_reload
        assert all_card_ids(page) == ids_before
        assert page.locator(".cr-chip", has_text="More").count() == 1

        page.fill(".cr-input", "who directed the first one?")
        page.press(".cr-input", "Enter")
        wait_idle(page)
        assert "directed by" in page.locator(".cr-bot .cr-bubble").last.inner_text()
        title = page.locator(".cr-cards").last.locator(".cr-title-link").nth(1)
        name = title.inner_text()
        title.click()  # the card title asks about the movie
        wait_idle(page)
        assert page.locator(".cr-user .cr-bubble").last.inner_text() == f"tell me about {name}"
        assert name in page.locator(".cr-bot .cr-bubble").last.inner_text()
        settled(page)
        page.screenshot(path=str(ARTIFACTS / "widget-later.png"))
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        assert not errors, errors
        assert not foreign, f"requests to other hosts: {foreign}"
    finally:
        context.close()


def test_widget_on_a_desktop_and_embedded_in_another_page(browser, live_server):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(live_server.base + "/", timeout=60_000)
        page.wait_for_selector(".cr-bot .cr-bubble", timeout=120_000)
        wait_idle(page)
        page.locator(".cr-chip", has_text="Sci-fi").click()
        page.wait_for_selector(".cr-card", timeout=120_000)
        wait_idle(page)
        boxes = [page.locator(".cr-card").nth(i).bounding_box() for i in range(3)]
        assert len({round(b["y"]) for b in boxes}) == 1, "three cards side by side"
        settled(page)
        page.screenshot(path=str(ARTIFACTS / "widget-desktop.png"))

        # a host page of its own, with the one-line embed: a launcher that opens the chat
        page.set_content(f'<html><body><h1>My movie blog</h1><script src="{live_server.base}'
                         f'/widget.js"></script></body></html>')
        launcher = page.locator(".cr-launcher")
        launcher.wait_for(timeout=30_000)
        assert not page.locator(".cr-panel").is_visible()
        assert launcher.get_attribute("aria-label") == "Open movie chat"
        assert launcher.get_attribute("aria-expanded") == "false"
        launcher.focus()
        page.keyboard.press("Enter")  # opens from the keyboard too
        assert page.locator(".cr-panel").is_visible()
        assert launcher.get_attribute("aria-expanded") == "true"
        assert page.evaluate("() => document.activeElement.className") == "cr-input"
    finally:
        context.close()


def test_widget_by_keyboard_alone_with_aria_labels(browser, live_server):
    """Tab to the input, type, Enter; Shift+Tab back to a card's "Not for me", Enter: the card
    is replaced. Every control has a name a screen reader can say."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    foreign = watch_requests(page, live_server.base)
    try:
        page.goto(live_server.base + "/", timeout=60_000)
        page.wait_for_selector(".cr-bot .cr-bubble", timeout=120_000)
        wait_idle(page)
        assert page.get_attribute(".cr-log", "role") == "log"
        assert page.get_attribute(".cr-log", "aria-live") == "polite"
        assert page.get_attribute(".cr-input", "aria-label") == "Your message"
        assert page.get_attribute(".cr-panel", "aria-label") == "convrec chat"
        assert page.get_attribute(".cr-chips", "aria-label") == "Suggested replies"

        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        for _ in range(30):  # Tab through the page until the message box has the focus
            if page.evaluate("() => document.activeElement.className") == "cr-input":
                break
            page.keyboard.press("Tab")
        else:
            raise AssertionError("the message box cannot be reached with Tab")
        page.keyboard.type("a comedy from the 80s")
        page.keyboard.press("Enter")
        page.wait_for_selector(".cr-card", timeout=120_000)
        wait_idle(page)
        cards = page.locator(".cr-card")
        titles = card_titles(page)
        for i, title in enumerate(titles):
            card = cards.nth(i)
            assert card.get_attribute("aria-label").startswith(title)
            labels = card.locator("button").evaluate_all(
                "els => els.map(e => e.getAttribute('aria-label'))")
            assert labels == [f"About {title}", f"Love it: {title}", f"Seen it: {title}",
                              f"Not for me: {title}"]

        # from the message box, backwards: the "More" chip, then the last card's "Not for me"
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("() => document.activeElement.textContent") == "More"
        page.keyboard.press("Shift+Tab")
        focused = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
        assert focused == f"Not for me: {titles[2]}"
        page.keyboard.press("Enter")
        wait_idle(page)
        after = card_titles(page)
        assert after[:2] == titles[:2] and after[2] != titles[2]
        settled(page)
        page.screenshot(path=str(ARTIFACTS / "widget-keyboard.png"))
        assert not foreign, f"requests to other hosts: {foreign}"
    finally:
        context.close()


def test_api_docs_page_lists_every_endpoint(browser, live_server):
    """/docs in the browser: one section per operation of /openapi.json, request bodies
    spelled out, no script errors, nothing from another host (its CSP would block it anyway)."""
    spec = httpx.get(live_server.base + "/openapi.json", timeout=30).json()
    operations = sum(len(methods) for methods in spec["paths"].values())
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    foreign = watch_requests(page, live_server.base)
    try:
        page.goto(live_server.base + "/docs", timeout=60_000)
        page.wait_for_selector("main section", timeout=30_000)
        assert page.locator("main section").count() == operations
        message = page.locator("#post--api-message")
        assert message.locator(".path").inner_text() == "/api/message"
        body = message.locator("pre").first.inner_text()
        assert '"session": string' in body and '"user"?: ' in body
        assert '"items": [{' in page.locator("#post--webhooks-rest-webhook").inner_text()
        page.screenshot(path=str(ARTIFACTS / "docs.png"))
        assert not errors, errors
        assert not foreign, f"requests to other hosts: {foreign}"
    finally:
        context.close()
