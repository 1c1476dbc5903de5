"""A measure proposed on a phone over the socket, its planning details (lead, time frame)
filled in afterwards by the staff on the measures page, in real Chromium: participants
are not asked for them (docs/accessibility-privacy.md, "Plain words")."""

import pytest

pytestmark = pytest.mark.browser


def test_a_phone_proposes_a_measure_and_the_staff_add_its_lead_on_the_measures_page(
    new_phone, console, live
):
    phone = new_phone()
    phone.select_option("#propose-field", index=1)
    phone.check("input[name=kind][value=measure]")
    assert phone.locator("[data-propose-form] input[name=lead]").count() == 0
    phone.fill("#propose-text", "Lesepatenschaften in der Stadtbibliothek")
    phone.evaluate("window.__notReloaded = true")
    phone.click("form[data-propose-form] button[type=submit]")
    phone.locator("li.item").filter(has_text="Lesepatenschaften").wait_for(timeout=5000)
    assert (
        phone.evaluate("window.__notReloaded") is True
    )  # it went over the socket, not a form POST
    console.goto(f"{live['url']}/c/live/measures/manage/")  # tests/live.py SETUP: slug "live"
    article = console.locator("article.measure").filter(has_text="Lesepatenschaften")
    assert article.locator("input[name=lead]").input_value() == ""
    article.locator("details > summary").last.click()
    article.locator("input[name=lead]").fill("Stadtbibliothek")
    article.locator("input[name=timeframe]").fill("ab Frühjahr 2027")
    article.locator("form:has(input[name=action][value=details]) button").click()
    console.wait_for_load_state()
    article = console.locator("article.measure").filter(has_text="Lesepatenschaften")
    assert article.locator("input[name=lead]").input_value() == "Stadtbibliothek"
    assert article.locator("input[name=timeframe]").input_value() == "ab Frühjahr 2027"
