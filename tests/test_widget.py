"""The chat widget in a real headless Chromium against the real server: what a person sees.

Cards appear with a reason; "Not for me" swaps that card for a new one and the movie never shows
again; a reload brings the conversation back. Screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
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
    from playwright.sync_api import sync_playwright

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


def test_widget_cards_reject_and_reload(browser, live_server):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(live_server.base + "/", timeout=60_000)
        page.wait_for_selector(".cr-bot .cr-bubble", timeout=120_000)  # the greeting
        wait_idle(page)
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
        page.screenshot(path=str(ARTIFACTS / "widget.png"))

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
        page.screenshot(path=str(ARTIFACTS / "widget-later.png"))
        assert not errors, errors
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
        page.screenshot(path=str(ARTIFACTS / "widget-desktop.png"))

        # a host page of its own, with the one-line embed: a launcher that opens the chat
        page.set_content(f'<html><body><h1>My movie blog</h1><script src="{live_server.base}'
                         f'/widget.js"></script></body></html>')
        page.wait_for_selector(".cr-launcher", timeout=30_000)
        assert not page.locator(".cr-panel").is_visible()
        page.locator(".cr-launcher").click()
        assert page.locator(".cr-panel").is_visible()
    finally:
        context.close()
