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
    phone.wait_for_function("localStorage.getItem('mitwirken.outbox.' + document.body.dataset.code) === '[]'")
    phone.reload()
    for page in (phone, other, screen):
        assert item(page, "Offline geschrieben").count() == 1


def test_the_moderator_hides_an_item_and_it_disappears_from_phones_and_screen(new_phone, screen, console):
    phone = new_phone()
    propose(phone, "Bitte ausblenden: Werbung")
    item(screen, "Bitte ausblenden").wait_for(timeout=5000)

    target = console.locator("li.item").filter(has=console.locator("p.item-text", has_text="Bitte ausblenden"))
    target.locator("button[value=hide]").click()
    console.wait_for_load_state()
    for page in (phone, screen):
        item(page, "Bitte ausblenden").wait_for(state="detached", timeout=5000)
    assert "Bitte ausblenden" not in phone.content()
