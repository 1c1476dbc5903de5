"""While a person types, the phone asks for similar items sparingly (static/js/similar.js):
once per pause, never twice for the same text; in real Chromium against a real Daphne."""

import pytest

from tests.browser.test_phone import setup

pytestmark = pytest.mark.browser


def test_the_phone_asks_once_per_pause_and_not_again_for_the_same_text(browser, live):
    forum = setup(live, items=[("need", "Sprachkurse mit Kinderbetreuung")])
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{live['url']}/j/{forum['code']}")
    page.fill("#join-name", "Ben")
    page.locator("button[type=submit]").first.click()
    page.wait_for_selector("html[data-live=online]")
    asked = []
    page.on("request", lambda request: "/similar?" in request.url and asked.append(request.url))
    page.check("input[name=kind][value=need]")
    # typed steadily (no pause of 700 ms): one question, when the typing stops
    text = page.locator("#propose-text")
    text.press_sequentially("Deutschkurs + Kita-Platz am Vormittag", delay=40)
    similar = page.locator("[data-similar]")
    similar.wait_for(state="visible")
    assert "Sprachkurse mit Kinderbetreuung" in similar.inner_text()
    assert len(asked) == 1
    # a space typed and taken back: the same text, nothing asked
    text.press("End")
    text.press_sequentially("  ", delay=40)
    text.press("Backspace")
    page.wait_for_timeout(1500)
    assert len(asked) == 1
    # another text after a pause: asked again
    text.press_sequentially(" und Abendkurse", delay=40)
    page.wait_for_timeout(1500)
    assert len(asked) == 2 and similar.is_visible()
    context.close()
