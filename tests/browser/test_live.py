"""Phones, the screen and the console in real Chromium against a real Daphne."""

import pytest

pytestmark = pytest.mark.browser


def item(page, text):
    return page.locator("li.item").filter(has=page.locator("p.item-text", has_text=text))


def propose(page, text, kind="need"):
    page.select_option("#propose-field", index=1)
    page.check(f"input[name=kind][value={kind}]")
    page.fill("#propose-text", text)
    page.click("form[data-propose-form] button[type=submit]")


@pytest.fixture
def screen(browser, live):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(f"{live['url']}/f/{live['code']}/screen/?key={live['screen_key']}")
    page.wait_for_selector("html[data-live=online]")
    yield page


def test_two_phones_and_the_screen_see_a_proposal_appear_without_reload(new_phone, screen):
    ayse, ben = new_phone("Ayşe"), new_phone()
    for page in (ayse, ben, screen):
        page.evaluate("window.__notReloaded = true")
    propose(ayse, "Sprachkurse mit Kinderbetreuung")
    for page in (ayse, ben, screen):
        item(page, "Sprachkurse mit Kinderbetreuung").wait_for(timeout=5000)
        assert page.evaluate("window.__notReloaded") is True
    assert "Ayşe" in item(ben, "Sprachkurse mit Kinderbetreuung").inner_text()
    assert ayse.input_value("#propose-text") == ""


def test_a_proposal_made_offline_arrives_once_everywhere(new_phone, screen):
    phone, other = new_phone(), new_phone()
    phone.context.set_offline(True)
    phone.wait_for_selector("html[data-live=offline], html[data-live=reconnecting]", timeout=15000)
    propose(phone, "Offline geschrieben: Beratung im Quartier")
    assert "Offline" in phone.inner_text("[data-connection]")
    assert item(other, "Offline geschrieben").count() == 0
    phone.context.set_offline(False)
    for page in (phone, other, screen):
        item(page, "Offline geschrieben").wait_for(timeout=20000)
    phone.wait_for_function(
        "localStorage.getItem('mitwirken.outbox.' + document.body.dataset.code) === '[]'"
    )
    phone.reload()
    for page in (phone, other, screen):
        assert item(page, "Offline geschrieben").count() == 1


def test_the_moderator_hides_an_item_and_it_disappears_from_phones_and_screen(
    new_phone, screen, console
):
    phone = new_phone()
    propose(phone, "Bitte ausblenden: Werbung")
    item(screen, "Bitte ausblenden").wait_for(timeout=5000)

    target = console.locator("li.item").filter(
        has=console.locator("p.item-text", has_text="Bitte ausblenden")
    )
    target.locator("button[value=hide]").click()
    console.wait_for_load_state()
    for page in (phone, screen):
        item(page, "Bitte ausblenden").wait_for(state="detached", timeout=5000)
    assert "Bitte ausblenden" not in phone.content()


def test_a_quiet_phone_sends_nothing_until_it_has_heard_nothing_for_35_seconds(browser, live):
    """The server's heartbeats keep an idle page alive and bring the rev (every 20 s and a
    quarter); the page pings only after 35 s without any frame. The page's clock is
    Playwright's, so the half minute passes at once; no frame from the server arrives
    in that time."""
    context = browser.new_context(locale="de-DE")
    context.clock.install()
    page = context.new_page()
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    page.goto(f"{live['url']}/j/{live['code']}")
    page.locator("button[type=submit]").first.click()
    page.wait_for_url(f"**/f/{live['code']}/")
    page.wait_for_selector("html[data-live=online]")
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)  # seconds
    page.wait_for_timeout(
        1500
    )  # real time: the presence frame of this phone's arrival comes and goes
    sent.clear()
    page.clock.run_for(30_000)  # three of the page's checks, 30 s after the last frame
    page.wait_for_timeout(300)
    assert sent == []
    page.clock.run_for(10_000)  # the next check: more than 35 s of silence
    page.wait_for_timeout(300)
    assert [json_type(payload) for payload in sent] == ["ping"]
    page.wait_for_selector("html[data-live=online]")
    context.close()


def json_type(payload):
    import json

    return json.loads(payload)["type"]
