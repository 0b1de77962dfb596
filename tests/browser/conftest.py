"""Browser fixtures: Playwright (sync API) driving the system Chromium against pytest-django's
live_server. Playwright never downloads a browser here: it is always launched from CHROMIUM_PATH.

Environment:
  CHROMIUM_PATH           the Chromium executable (default /usr/bin/chromium)
  REQUIRE_BROWSER_TESTS=1 fail, instead of skipping, when Chromium or Playwright is missing (CI)
  BROWSER_SCREENSHOT_DIR  if set, tests save full-page screenshots there (never committed)
"""

import os
from pathlib import Path

import pytest

# Belt and braces: nothing here may ever fetch a browser build.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 15_000


def _unavailable(reason):
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        pytest.fail(f"{reason} (REQUIRE_BROWSER_TESTS=1, so this is an error)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path():
    path = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM_PATH
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        _unavailable(f"Chromium not found at {path}; browser and accessibility tests skipped")
    return path


@pytest.fixture(scope="module")
def browser(chromium_path):
    """One Chromium per test module.

    Playwright's sync API keeps an asyncio event loop running in this thread for as long as it is
    started, so Django refuses every ORM call the test makes (fixtures, assertions) with
    SynchronousOnlyOperation; DJANGO_ALLOW_ASYNC_UNSAFE lets these plain synchronous tests through.
    Module scope (not session) stops Playwright, and restores the variable, as soon as the browser
    tests are done, so the rest of the suite runs with no event loop and Django's check intact.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed; browser and accessibility tests skipped")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
            try:
                yield launched
            finally:
                launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class PageProblems:
    """What went wrong in the page that the DOM doesn't show: JS errors, failed static files."""

    def __init__(self):
        self.page_errors = []
        self.static_failures = []
        self.static_loaded = []

    def on_response(self, response):
        if "/static/" not in response.url:
            return
        if response.status >= 400:
            self.static_failures.append(f"{response.status} {response.url}")
        else:
            self.static_loaded.append(response.url)

    def on_request_failed(self, request):
        if "/static/" in request.url:
            self.static_failures.append(f"failed ({request.failure}) {request.url}")

    def assert_none(self):
        assert not self.page_errors, f"JavaScript errors in the page: {self.page_errors}"
        assert not self.static_failures, f"Static files failed to load: {self.static_failures}"


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) per test, with relative URLs resolved against the
    live server."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    new_page = context.new_page()
    problems = PageProblems()
    new_page.on("pageerror", lambda error: problems.page_errors.append(str(error)))
    new_page.on("response", problems.on_response)
    new_page.on("requestfailed", problems.on_request_failed)
    new_page.problems = problems
    try:
        yield new_page
    finally:
        context.close()


@pytest.fixture
def screenshot():
    """screenshot(page, name): save a full-page PNG to BROWSER_SCREENSHOT_DIR when that is set."""
    directory = os.environ.get("BROWSER_SCREENSHOT_DIR")

    def take(page, name):
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)

    return take
