from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps calling home, which a closed network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    found = os.environ.get("XIEZUO_CHROMIUM") or shutil.which("chromium")
    return found or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)


@pytest.fixture
def browser_page() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        message = "no chromium found (apt-get install chromium): browser tests need a real browser"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # around it are ordinary blocking calls, which Django only allows with this switch.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            artifacts = os.environ.get("XIEZUO_SCREENSHOTS")
            if artifacts:
                os.makedirs(artifacts, exist_ok=True)
                page.screenshot(path=os.path.join(artifacts, "last-page.png"), full_page=True)
            # Leave the app before closing: a page that polls (an import's progress, a proposal
            # being solved) would otherwise keep the live server's threads, and their database
            # connections, busy past the test — PostgreSQL then cannot drop the test database.
            page.goto("about:blank")
            # Playwright's loop gives the test's own ORM calls a context of their own, whose
            # connection Django's teardown would never see: close it from that same context.
            from django.db import connections

            connections.close_all()
            context.close()
            browser.close()
