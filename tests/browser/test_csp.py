"""Every page under the real Content-Security-Policy in Chromium: no violation, and the
live connection comes up. And a server restart (SIGTERM, close code 1012) brings the
page back online by itself."""

import signal

import pytest

from tests.live import Server, base_env, prepare

pytestmark = pytest.mark.browser


def watch_violations(page):
    seen = []
    page.on(
        "console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None
    )
    return seen


def test_every_page_works_under_the_csp(browser, live):
    context = browser.new_context(bypass_csp=False)
    page = context.new_page()
    violations = watch_violations(page)
    page.goto(f"{live['url']}/")
    page.goto(f"{live['url']}/j/{live['code']}")
    page.locator("button[type=submit]").first.click()
    page.wait_for_url(f"**/f/{live['code']}/")
    page.wait_for_selector("html[data-live=online]")  # module scripts and the WebSocket allowed
    page.goto(f"{live['url']}/f/{live['code']}/screen/?key={live['screen_key']}")
    page.wait_for_selector("html[data-live=online]")
    page.goto(f"{live['url']}/accounts/login/")
    page.fill("#id_username", live["username"])
    page.fill("#id_password", live["password"])
    page.click("button[type=submit]")
    page.goto(f"{live['url']}/f/{live['code']}/moderate/")
    page.wait_for_selector("html[data-live=online]")
    context.close()
    assert violations == []


def test_a_restarted_server_brings_the_phone_back_online_by_itself(browser, tmp_path):
    env = base_env(tmp_path)
    info = prepare(env)
    server = Server(env).start()
    restarted = Server(env, port=server.port)  # same port, as systemd restarts it
    context = browser.new_context(bypass_csp=False)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/j/{info['code']}")
        page.locator("button[type=submit]").first.click()
        page.wait_for_selector("html[data-live=online]")
        server.process.send_signal(signal.SIGTERM)
        # the 1012 close frame arrives at once: the page knows it is offline
        page.wait_for_selector(
            "html[data-live=offline], html[data-live=reconnecting]", timeout=5000
        )
        server.process.wait(timeout=15)
        restarted.start()
        page.wait_for_selector("html[data-live=online]", timeout=15000)
    finally:
        context.close()
        server.stop()
        restarted.stop()
