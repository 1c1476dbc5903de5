"""A forum session from Sammeln to Plenum with the step bar's "Weiter" only, in real
Chromium against a real Daphne: a phone proposes while the room collects, is told it
cannot while the room sorts, gets the ballot and votes, sees the result; the projector
follows each step; one step is taken back; the console's live part with the step bar
fits 1366×768 at every step. Screenshots of each step under test-artifacts/."""

import json
import re
import subprocess

import pytest

from tests.live import PYTHON, ROOT

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
WIDTH, HEIGHT = 1366, 768

SETUP = r"""
import json, django
django.setup()
from tests.factories import make_conference, make_field, make_forum, make_moderator, moderator_actor
from workshops.services.items import propose_item

conference = make_conference(slug="schritte", title="Integrationskonferenz 2026")
fields = [make_field(conference, "Bildung, Erziehung & Sprache")]
user = make_moderator(conference, username="schritt-mod", password="schritt-test-passwort-1")
forum = make_forum(conference, title="Fachforum Sprache", fields=fields)
mod = moderator_actor(user)
for text in ("Lesepaten an jeder Grundschule", "Sprachcafé in der Bibliothek"):
    propose_item(actor=mod, forum=forum, field=fields[0].pk, kind="measure", text=text)
print(json.dumps({"code": forum.code, "key": forum.screen_key}))
"""


@pytest.fixture(scope="module")
def site(live):
    out = subprocess.run(
        [PYTHON, "-c", SETUP],
        cwd=ROOT,
        env=live["env"],
        check=True,
        timeout=90,
        capture_output=True,
        text=True,
    )
    info = json.loads(out.stdout.strip().splitlines()[-1])
    info["url"] = live["url"]
    ARTIFACTS.mkdir(exist_ok=True)
    return info


def open_console(browser, site):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{site['url']}/f/{site['code']}/moderate/")
    page.fill("#id_username", "schritt-mod")
    page.fill("#id_password", "schritt-test-passwort-1")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/moderate/$"))
    page.wait_for_selector("html[data-live=online]")
    return page


def open_phone(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{site['url']}/j/{site['code']}")
    page.locator("button[type=submit]").first.click()
    page.wait_for_url(f"**/f/{site['code']}/")
    page.wait_for_selector("html[data-live=online]")
    return page


def open_screen(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{site['url']}/f/{site['code']}/screen/?key={site['key']}")
    page.wait_for_selector("html[data-live=online]")
    return page


def current_step(console) -> str:
    return console.locator("[data-steps] [aria-current=step]").inner_text().strip()


def wait_for_step(console, label: str) -> None:
    console.locator("[data-steps] [aria-current=step]", has_text=label).wait_for(timeout=10000)


def fits(console) -> None:
    """The live part, step bar first, on one laptop screen without scrolling."""
    where = console.locator("#live").evaluate(
        """(el) => ({bottom: el.getBoundingClientRect().bottom, scrollY: window.scrollY,
                    bar: document.querySelector('[data-steps]').getBoundingClientRect()})"""
    )
    assert where["scrollY"] == 0 and where["bottom"] <= HEIGHT, where
    assert 0 <= where["bar"]["top"] and where["bar"]["bottom"] <= HEIGHT, where
    button = console.locator("[data-step-next]")
    if button.count():
        box = button.bounding_box()
        assert box["y"] + box["height"] <= HEIGHT and box["height"] >= 44, box


def weiter(console, to: str) -> None:
    button = console.locator("[data-step-next]")
    assert re.search(rf"Weiter: {to}", button.inner_text()), button.inner_text()
    button.click()
    wait_for_step(console, to)
    fits(console)


def shots(name, console, phone, screen) -> None:
    console.screenshot(path=str(ARTIFACTS / f"steps-{name}-console.png"))
    phone.screenshot(path=str(ARTIFACTS / f"steps-{name}-phone.png"), full_page=True)
    screen.screenshot(path=str(ARTIFACTS / f"steps-{name}-screen.png"))


def test_a_session_from_collecting_to_the_plenary_with_next_only(browser, site):
    console = open_console(browser, site)
    phone = open_phone(browser, site)
    screen = open_screen(browser, site)
    steps = console.locator("[data-steps] li")
    assert [s.strip() for s in steps.all_inner_texts()] == [
        "Sammeln",
        "Sortieren",
        "Abstimmen",
        "Ergebnis",
        "Plenum",
    ]
    assert current_step(console) == "Sammeln"
    fits(console)
    # "Vorschläge schließen" is a switch among others now, not the main button
    assert "primary" not in (
        console.locator("[data-proposals-form] button").get_attribute("class") or ""
    )

    # Sammeln: the phone proposes, the console sees it
    phone.select_option("#propose-field", label="Bildung, Erziehung & Sprache")
    phone.check("input[name=kind][value=measure]")
    phone.fill("#propose-text", "Nachtbus zum Sprachkurs")
    phone.click("form[data-propose-form] button[type=submit]")
    console.locator("[data-newest] li.newest-item", has_text="Nachtbus zum Sprachkurs").wait_for(
        timeout=10000
    )
    console.locator("[data-online]", has_text=re.compile(r"^[1-9]\d*$")).wait_for(timeout=10000)
    shots("1-sammeln", console, phone, screen)

    # Sortieren: proposals close on the phone, which says so
    weiter(console, "Sortieren")
    phone.locator("[data-closed-notice]").wait_for(state="visible", timeout=10000)
    assert phone.locator("form[data-propose-form]").is_hidden()
    screen.locator(".screen-wall[data-phase=discussing]").wait_for(timeout=10000)
    assert "Sortieren" in console.locator("[data-steps] [data-step=sort]").inner_text()

    # one step back, and the phone may propose again; then on again
    undo = console.locator("[data-step-undo] button")
    assert "Zurück zu „Sammeln“" in undo.inner_text()
    undo.click()
    wait_for_step(console, "Sammeln")
    phone.locator("form[data-propose-form]").wait_for(state="visible", timeout=10000)
    assert phone.locator("[data-closed-notice]").is_hidden()
    weiter(console, "Sortieren")
    phone.locator("[data-closed-notice]").wait_for(state="visible", timeout=10000)
    shots("2-sortieren", console, phone, screen)

    # Abstimmen: "Weiter" opened "Punkte verteilen" on the three measures; the phone votes
    hint = console.locator("#step-next-hint").inner_text()
    assert "Punkte verteilen" in hint and "3 Maßnahmen" in hint, hint
    weiter(console, "Abstimmen")
    ballot = phone.locator("section.round[data-method=dots]:not(.round-closed)")
    ballot.wait_for(timeout=10000)
    assert ballot.locator("li[data-option]").count() == 3
    option = ballot.locator("li[data-option]").filter(has_text="Nachtbus zum Sprachkurs")
    option.locator("button[name=value]").nth(1).click()
    phone.wait_for_function(
        "document.querySelector('section.round [data-points-left]').textContent === '2'"
    )
    # the console's glance: one of the people online has voted
    turnout = console.locator("[data-steps] [data-turnout-of]")
    turnout.locator("[data-voters='1']").wait_for(timeout=10000)
    assert re.search(r"^1 von \d+ haben abgestimmt$", turnout.inner_text().strip())
    assert console.locator("[data-steps] [data-turnout-plain]").is_hidden()
    screen.locator(".screen-wall[data-phase=voting] .screen-results").wait_for(timeout=10000)
    fits(console)
    shots("3-abstimmen", console, phone, screen)

    # Ergebnis: the round closes, the phone and the projector show the ranking
    weiter(console, "Ergebnis")
    result = phone.locator("section.round-closed[data-method=dots]")
    result.wait_for(timeout=10000)
    first = result.locator("ol.ranking > li").first
    assert re.search(r"Nachtbus zum Sprachkurs – Punkte: 1$", first.inner_text())
    screen.locator(".screen-results h2", has_text="Ergebnis").wait_for(timeout=10000)
    assert "Nachtbus zum Sprachkurs" in screen.locator(".screen-results li").first.inner_text()
    assert "Noch nichts fürs Plenum vorgemerkt" in console.locator(".step-plenary").inner_text()
    # the moderator marks the winner for the plenary, next to the ranking
    console.locator("[data-rounds] li[data-option]", has_text="Nachtbus zum Sprachkurs").locator(
        "button[data-shortlist]"
    ).click()
    console.wait_for_load_state()
    console.locator(".step-plenary", has_text="Nachtbus zum Sprachkurs").wait_for(timeout=10000)
    console.wait_for_selector("html[data-live=online]")
    shots("4-ergebnis", console, phone, screen)

    # Plenum: the last step; the console shows what goes to the plenary
    weiter(console, "Plenum")
    assert console.locator("[data-step-next]").count() == 0
    assert "Ins Plenum (1):" in console.locator(".step-plenary").inner_text()
    assert phone.locator("section.round-closed[data-method=dots]").is_visible()
    # the phone's status line says where the result went, live
    phone.locator(
        "[data-task]", has_text="Die hier gewählten Maßnahmen gehen ins Plenum."
    ).wait_for(timeout=10000)
    shots("5-plenum", console, phone, screen)
    for page in (console, phone, screen):
        page.context.close()
