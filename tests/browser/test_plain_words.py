"""Plain words on the phone, the language chip at the top, Leichte Sprache, and names on
the projector only for those who agreed, in real Chromium against a real Daphne: once
without JavaScript (every step a plain form POST), once with it (the live phone and the
live projector)."""

import json
import subprocess

import pytest

from tests.live import PYTHON, ROOT

ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.browser

SETUP = r"""
import json, django
django.setup()
from tests.factories import make_conference, make_forum, make_participant, participant_actor
from workshops.services.items import propose_item

conference = make_conference(slug="worte", title="Konferenz der klaren Worte")
forum = make_forum(conference, title="Fachforum Sprache")
field = forum.fields.order_by("position", "id").first()
shy = make_participant(conference, display_name="Ayşe")  # did not tick the box
propose_item(actor=participant_actor(shy), forum=forum, field=field.pk, kind="need",
             text="Zu wenige Sprachkurse am Abend")
print(json.dumps({"code": forum.code, "screen_key": forum.screen_key, "field": field.pk}))
"""

NEED = "Bedarf – Was fehlt? z. B. „Es gibt zu wenige Sprachkurse am Abend“"
EASY_NEED = "Bedarf – Was fehlt? Was ist hier ein Problem? Zum Beispiel:"


@pytest.fixture(scope="module")
def room(live):
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
    return info


def words(locator) -> str:
    return " ".join(locator.inner_text().split())


def assert_chip_on_top(page, current: str):
    chip = page.locator("header.site-header details.language-chip")
    assert words(chip.locator("summary > span[lang]")) == current
    assert words(chip.locator("summary")).endswith(current)  # after "Sprache:" for screen readers
    main_top = page.locator("main").bounding_box()["y"]
    assert chip.bounding_box()["y"] + chip.bounding_box()["height"] <= main_top + 1
    assert page.locator("footer .language-switch, footer select").count() == 0


def choose_language(page, name: str):
    page.click("header details.language-chip > summary")
    page.click(f"header .language-list button:text-is('{name}')")


def test_without_javascript_the_chip_switches_language_and_leichte_sprache_switches_words(
    browser, room
):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="de-DE", java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto(f"{room['url']}/j/{room['code']}")
        assert_chip_on_top(page, "Deutsch")
        choose_language(page, "Türkçe")
        page.wait_for_selector("html[lang=tr]")
        assert_chip_on_top(page, "Türkçe")
        assert "Şimdi katıl" in page.inner_text("main")
        # right to left: the page mirrors and the open menu stays on the screen
        choose_language(page, "العربيّة")
        page.wait_for_selector("html[lang=ar][dir=rtl]")
        page.click("header details.language-chip > summary")
        menu = page.locator("header .language-switch").bounding_box()
        assert menu["x"] >= 0 and menu["x"] + menu["width"] <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "plain-words-join-ar-chip.png"))
        page.click("header .language-list button:text-is('Deutsch')")
        page.wait_for_selector("html[lang=de]")
        assert not page.is_checked("input[name=name_on_screen]")  # off unless chosen
        page.fill("#join-name", "Chiara")
        page.locator("button[type=submit]", has_text="Jetzt teilnehmen").first.click()
        page.wait_for_url(f"**/f/{room['code']}/")
        assert_chip_on_top(page, "Deutsch")
        assert words(page.locator("label.kind-need")) == NEED
        assert page.locator("label.kind-measure svg.kind-icon[aria-hidden=true]").count() == 1
        # planning fields are the office's: no lead, time frame, resources, indicator
        page.check("input[name=kind][value=measure]")
        for name in ("lead", "partners", "timeframe", "resources", "indicator"):
            assert page.locator(f"[data-propose-form] [name={name}]").count() == 0
        page.click("[data-easy-button]")
        page.wait_for_selector("[data-easy-button][aria-pressed=true]")
        assert page.locator("[data-wording=steps]").is_visible()
        assert "Wählen Sie ein Thema." in page.inner_text("[data-wording=steps]")
        assert words(page.locator("label.kind-need")).startswith(EASY_NEED)
        assert page.inner_text("label[for=propose-text]") == "Ihre Idee"
        page.locator("#propose-heading").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "plain-words-phone-leichte-sprache.png"))
        # Turkish has no Leichte Sprache: its plain words show, and no switch
        choose_language(page, "Türkçe")
        page.wait_for_selector("html[lang=tr]")
        assert page.locator("[data-easy-button]").count() == 0
        assert words(page.locator("label.kind-need")).startswith("İhtiyaç – Ne eksik?")
    finally:
        context.close()


def test_the_projector_names_only_who_agreed_and_leichte_sprache_keeps_the_typed_text(
    browser, room
):
    screen_context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="de-DE")
    screen = screen_context.new_page()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="tr-TR")
    phone = context.new_page()
    try:
        screen.goto(f"{room['url']}/f/{room['code']}/screen/?key={room['screen_key']}")
        screen.wait_for_selector("html[data-live=online]")
        shy = screen.locator("li.item", has_text="Zu wenige Sprachkurse am Abend")
        assert shy.count() == 1 and shy.locator(".item-author").count() == 0

        # the phone's language is preselected from the browser's
        phone.goto(f"{room['url']}/j/{room['code']}")
        assert phone.get_attribute("html", "lang") == "tr"
        assert phone.input_value("#join-language") == "tr"
        assert_chip_on_top(phone, "Türkçe")
        choose_language(phone, "Deutsch")
        phone.wait_for_selector("html[lang=de]")
        phone.fill("#join-name", "Boris")
        phone.check("input[name=name_on_screen]")
        phone.select_option("#join-language", "de")
        phone.locator("button[type=submit]", has_text="Jetzt teilnehmen").first.click()
        phone.wait_for_url(f"**/f/{room['code']}/")
        phone.wait_for_selector("html[data-live=online]")

        # Leichte Sprache in place: the words change, the typed text stays
        phone.select_option("#propose-field", str(room["field"]))
        phone.check("input[name=kind][value=measure]")
        phone.fill("#propose-text", "Abendkurse mit Kinderbetreuung")
        phone.evaluate("window.__notReloaded = true")
        phone.click("[data-easy-button]")
        phone.wait_for_selector("[data-easy-button][aria-pressed=true]")
        phone.locator("[data-wording=steps]").wait_for(state="visible")
        assert words(phone.locator("label.kind-need")).startswith(EASY_NEED)
        assert phone.evaluate("window.__notReloaded") is True
        assert phone.input_value("#propose-text") == "Abendkurse mit Kinderbetreuung"
        assert phone.is_checked("input[name=kind][value=measure]")
        phone.click("[data-easy-button]")  # and back
        phone.wait_for_selector("[data-easy-button][aria-pressed=false]")
        assert phone.locator("[data-wording=steps]").is_hidden()
        assert words(phone.locator("label.kind-need")) == NEED

        phone.click("form[data-propose-form] button[type=submit]")
        proud = screen.locator("li.item", has_text="Abendkurse mit Kinderbetreuung")
        proud.wait_for(timeout=5000)  # live, over the projector's socket
        assert proud.locator(".item-author").inner_text() == "Boris"
        assert shy.locator(".item-author").count() == 0
        # a fresh projector page says the same
        screen.reload()
        screen.wait_for_selector("html[data-live=online]")
        assert proud.locator(".item-author").inner_text() == "Boris"
        assert shy.locator(".item-author").count() == 0
        # the phones show both names
        own = phone.locator("li.item", has_text="Abendkurse mit Kinderbetreuung")
        own.wait_for()
        assert own.locator(".item-author").inner_text() == "Boris"
        assert (
            phone.locator("li.item", has_text="Zu wenige Sprachkurse")
            .locator(".item-author")
            .inner_text()
            == "Ayşe"
        )
    finally:
        context.close()
        screen_context.close()
