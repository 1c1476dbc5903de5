"""Dot voting on a phone in real Chromium: the ballot appears without reload, points
left follow every tap, the limits show as disabled buttons, the console sees the tally."""

import re

import pytest

pytestmark = pytest.mark.browser


def test_dot_voting_on_a_phone(new_phone, console):
    phone = new_phone()
    for text in ("Punkte-Maßnahme Eins", "Punkte-Maßnahme Zwei"):
        phone.select_option("#propose-field", index=1)
        phone.check("input[name=kind][value=measure]")
        phone.fill("#propose-text", text)
        phone.click("form[data-propose-form] button[type=submit]")
        phone.locator("li.item").filter(has=phone.locator("p.item-text", has_text=text)).wait_for()
    phone.evaluate("window.__notReloaded = true")

    # The round form is folded once the forum has had a round (an earlier test's): the
    # moderator unfolds it, as in the room.
    console.reload()
    if console.locator("#open-round-form").get_attribute("open") is None:
        console.locator("#open-round-form > summary").click()
    console.check("#round-method-dots")
    console.select_option("#round-kind", "measure")
    console.fill("#round-budget", "3")
    console.fill("#round-per-item", "2")
    console.locator("form:has(input[value=open_round]) button[type=submit]").click()
    console.wait_for_load_state()

    round_section = phone.locator("section.round[data-method=dots]").first
    round_section.wait_for(timeout=10000)
    assert phone.evaluate("window.__notReloaded") is True
    first = round_section.locator("li[data-option]").filter(has_text="Punkte-Maßnahme Eins")
    second = round_section.locator("li[data-option]").filter(has_text="Punkte-Maßnahme Zwei")
    plus_first = first.locator("button[name=value]").nth(1)
    plus_first.click()
    phone.wait_for_function(
        "document.querySelector('section.round [data-points-left]').textContent === '2'"
    )
    plus_first.click()
    phone.wait_for_function(
        "document.querySelector('section.round [data-points-left]').textContent === '1'"
    )
    assert plus_first.is_disabled()  # at most 2 on one item
    second.locator("button[name=value]").nth(1).click()
    phone.wait_for_function(
        "document.querySelector('section.round [data-points-left]').textContent === '0'"
    )
    assert second.locator("button[name=value]").nth(1).is_disabled()  # budget spent
    assert first.locator("output").inner_text() == "2"
    # the console's ranking follows the tally
    console.locator("section.round[data-method=dots] li", has_text="Punkte-Maßnahme Eins").filter(
        has_text=re.compile(r"(Punkte|Points): 2")
    ).wait_for(timeout=10000)
