"""Debian's Chromium driven by Playwright, on a phone-sized screen (375 × 812)."""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# CI installs Debian's chromium; only a machine without it skips these tests.
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed"
)


@pytest.fixture
def phone():
    """A browser context the size of a phone, in Chinese."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            viewport={"width": 375, "height": 812}, locale="zh-CN", is_mobile=True
        )
        context.set_default_timeout(15_000)
        # What the console reported as errors: a refused script or style shows up here.
        context.console_errors = []
        context.on(
            "console",
            lambda message: (
                context.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        yield context
        # The ORM calls a test makes while Playwright runs use a connection of their own
        # (Playwright's greenlets carry their own context); close it, or PostgreSQL
        # cannot drop the test database at the end.
        from django.db import connections

        connections.close_all()
        context.close()
        browser.close()
