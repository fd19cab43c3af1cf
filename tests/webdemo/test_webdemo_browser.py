"""The web demo in a real headless Chromium, driven by Playwright: type, send, tap, see answers.

Chromium comes from the system (Debian's ``chromium`` package, which CI installs), never from
``playwright install``: ``POLYCHAT_CHROMIUM`` names the binary, else ``chromium`` on the PATH. Without
one the test is skipped, unless ``POLYCHAT_REQUIRE_CHROMIUM=1`` (as in CI) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from polychat._webdemo import DemoServer, DemoSession

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
"""Flags that keep Chromium off the network (it would hang on connections a closed machine
cannot make) and runnable as root in a container."""


def _chromium() -> str:
    path = os.environ.get("POLYCHAT_CHROMIUM") or shutil.which("chromium")
    problem = None
    if not path or not os.path.exists(path):
        problem = "no chromium binary (install Debian's chromium or set POLYCHAT_CHROMIUM)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = "playwright is not installed (pip install -e '.[dev]')"
    if problem:
        if os.environ.get("POLYCHAT_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"POLYCHAT_REQUIRE_CHROMIUM=1 but {problem}")
        pytest.skip(problem)
    assert path is not None
    return path


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with DemoSession() as session:
        server = DemoServer(session, 0).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                                     args=CHROMIUM_ARGS, timeout=60_000)
                try:
                    tab = browser.new_page(viewport={"width": 1280, "height": 900})
                    tab.set_default_timeout(20_000)
                    errors: list[str] = []
                    tab.on("pageerror", lambda error: errors.append(str(error)))
                    tab.goto(server.url)
                    yield tab
                    assert errors == [], errors
                finally:
                    browser.close()
        finally:
            server.close()


def _send(pane: Any, text: str) -> None:
    pane.get_by_role("textbox").fill(text)
    pane.get_by_role("button", name="Send", exact=True).click()


def test_whatsapp_pane_sends_taps_and_draws_the_answers(page: Any) -> None:
    from playwright.sync_api import expect

    whatsapp = page.get_by_role("region", name="WhatsApp")
    expect(whatsapp.get_by_role("textbox", name="Message on WhatsApp")).to_be_visible()
    _send(whatsapp, "hi")
    expect(whatsapp.get_by_text("Hi Ada! Welcome to Lucky Shrub.")).to_be_visible()
    browse = whatsapp.get_by_role("button", name="Browse products")
    expect(browse).to_be_visible()
    expect(whatsapp.get_by_role("button", name="Track an order")).to_be_visible()
    browse.click()
    # a list message: its "view options" button opens a sheet of rows
    whatsapp.get_by_role("button", name="See products").click()
    sheet = whatsapp.get_by_role("dialog", name="See products")
    expect(sheet).to_be_visible()
    sheet.get_by_role("button", name="Shrub mug").click()
    expect(sheet).to_be_hidden()
    expect(whatsapp.get_by_text("Add the Shrub mug to your basket?")).to_be_visible()
    whatsapp.get_by_role("button", name="Add to basket").click()
    expect(whatsapp.get_by_text("Added! Anything else?")).to_be_visible()
    # WhatsApp has no quick replies: the bot's ones became buttons, and the page says so
    expect(whatsapp.get_by_text("degraded: quick_replies.as_buttons")).to_be_visible()
    # the other panes did not move
    expect(page.get_by_role("region", name="Messenger").get_by_text("Say hi")).to_be_visible()


def test_messenger_pane_draws_buttons_carousels_and_quick_replies(page: Any) -> None:
    from playwright.sync_api import expect

    messenger = page.get_by_role("region", name="Messenger")
    _send(messenger, "hi")
    messenger.get_by_role("button", name="Browse products").click()
    carousel = messenger.get_by_role("group", name="Carousel")
    expect(carousel).to_be_visible()
    carousel.get_by_role("button", name="Shrub tee").click()
    messenger.get_by_role("button", name="Add to basket").click()
    chips = messenger.get_by_role("group", name="Quick replies")
    expect(chips.get_by_role("button", name="Track an order")).to_be_visible()
    chips.get_by_role("button", name="Track an order").click()
    expect(messenger.get_by_text("what is your order number?")).to_be_visible()
    expect(chips).to_have_count(0)  # quick replies go once answered, as in Messenger
    _send(messenger, "A1001")
    expect(messenger.get_by_text("Order A1001 is shipped on Monday")).to_be_visible()


def test_apple_pane_time_picker_and_photo(page: Any) -> None:
    from playwright.sync_api import expect

    apple = page.get_by_role("region", name="Apple Messages")
    _send(apple, "hi")
    apple.get_by_role("button", name="Book a delivery").click()
    expect(apple.get_by_text("When should we deliver?")).to_be_visible()
    apple.get_by_role("button", name="Choose a time").click()
    sheet = apple.get_by_role("dialog", name="When should we deliver?")
    expect(sheet.get_by_text("Times in UTC+01:00")).to_be_visible()
    sheet.get_by_role("button", name="Fri 16 Jan 2026 12:00–13:00").click()
    expect(apple.get_by_text("Booked: Fri 16 Jan 2026 12:00–13:00. See you then!")).to_be_visible()
    apple.get_by_role("button", name="Send a photo").click()
    expect(apple.get_by_text("we got your photo")).to_be_visible()
    expect(apple.get_by_text("degraded: reaction.dropped")).to_be_visible()


def test_start_over_clears_every_pane(page: Any) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Start over").click()
    for name in ("WhatsApp", "Messenger", "Apple Messages"):
        expect(page.get_by_role("region", name=name).get_by_text("Say hi")).to_be_visible()
    expect(page.get_by_text("0 messages sent")).to_be_visible()
