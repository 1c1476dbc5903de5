"""A measure proposed on a phone with its details, over the socket, in real Chromium."""

import pytest

pytestmark = pytest.mark.browser


def test_a_phone_proposes_a_measure_with_its_lead_and_the_follow_up_page_shows_it(
    new_phone, console, live
):
    phone = new_phone()
    phone.select_option("#propose-field", index=1)
    phone.check("input[name=kind][value=measure]")
    phone.fill("#propose-text", "Lesepatenschaften in der Stadtbibliothek")
    phone.click("[data-measure-details] summary")
    phone.fill("#propose-lead", "Stadtbibliothek")
    phone.fill("#propose-timeframe", "ab Frühjahr 2027")
    phone.evaluate("window.__notReloaded = true")
    phone.click("form[data-propose-form] button[type=submit]")
    phone.locator("li.item").filter(has_text="Lesepatenschaften").wait_for(timeout=5000)
    assert (
        phone.evaluate("window.__notReloaded") is True
    )  # it went over the socket, not a form POST
    assert phone.input_value("#propose-lead") == ""
    console.goto(f"{live['url']}/c/live/measures/manage/")  # tests/live.py SETUP: slug "live"
    article = console.locator("article.measure").filter(has_text="Lesepatenschaften")
    assert article.locator("input[name=lead]").input_value() == "Stadtbibliothek"
    assert article.locator("input[name=timeframe]").input_value() == "ab Frühjahr 2027"
