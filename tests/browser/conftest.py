import os

import pytest

from tests.live import Server, base_env, prepare, require

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    """A real Daphne serving a fresh SQLite database with one conference."""
    env = base_env(tmp_path_factory.mktemp("live"))
    info = prepare(env)
    server = Server(env).start()
    info["url"] = server.url
    info["env"] = env  # to set up more forums in the server's database (test_forum_session.py)
    yield info
    server.stop()


@pytest.fixture(scope="module")
def browser():
    # Per module, not per session: Playwright's sync API keeps its event loop running in
    # the main thread until it stops, and asyncio tests collected after the browser tests
    # (tests/realtime/test_hub_pace.py) cannot start their own loop while it runs.
    require(
        "Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} is missing (apt-get install chromium)"
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        original = browser.new_context

        def new_context(**kwargs):
            # Playwright's wait_for_function evaluates strings, which the CSP forbids;
            # test_csp.py opens every page under the real policy (bypass_csp=False).
            kwargs.setdefault("bypass_csp", True)
            return original(**kwargs)

        browser.new_context = new_context
        yield browser
        browser.close()


@pytest.fixture
def new_phone(browser, live):
    """Open a fresh browser context (its own cookies) that has joined the live forum."""
    contexts = []

    def _new(name=""):
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live['url']}/j/{live['code']}")
        if name:
            page.fill("#join-name", name)
        page.locator("button[type=submit]").first.click()
        page.wait_for_url(f"**/f/{live['code']}/")
        page.wait_for_selector("html[data-live=online]")
        return page

    yield _new
    for context in contexts:
        context.close()


@pytest.fixture
def console(browser, live):
    """The moderator's console, logged in through the login page."""
    import re

    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live['url']}/f/{live['code']}/moderate/")
    page.fill("#id_username", live["username"])
    page.fill("#id_password", live["password"])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/moderate/$"))
    yield page
    context.close()
