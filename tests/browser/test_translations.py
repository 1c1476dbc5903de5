"""A Turkish proposal gets a German version from its author, on a Turkish phone in real
Chromium; the German wall and the German ballot show it beneath the original as
"Deutsch: …" (services.versions)."""

import pytest

pytestmark = pytest.mark.browser

TURKISH = "Anneler için çocuk bakımlı akşam dil kursları"
GERMAN = "Abendliche Sprachkurse mit Kinderbetreuung für Mütter"


def _join(browser, live, language, locale):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale=locale)
    page = context.new_page()
    page.goto(f"{live['url']}/j/{live['code']}")
    page.select_option("#join-language", language)
    page.locator("button[type=submit]").first.click()
    page.wait_for_url(f"**/f/{live['code']}/")
    page.wait_for_selector("html[data-live=online]")
    return context, page


def test_a_turkish_proposal_gets_a_german_version_on_the_wall_and_the_ballot(
    browser, live, console
):
    turkish_context, turkish = _join(browser, live, "tr", "tr-TR")
    german_context, german = _join(browser, live, "de", "de-DE")
    try:
        turkish.select_option("#propose-field", index=1)
        turkish.check("input[name=kind][value=measure]")
        turkish.fill("#propose-text", TURKISH)
        turkish.click("form[data-propose-form] button[type=submit]")
        own = turkish.locator("li.item").filter(
            has=turkish.locator("p.item-text", has_text=TURKISH)
        )
        own.wait_for()

        # drawn live on her phone, with the form to add a translation ("Çeviri ekle")
        own.locator("details[data-translate] summary", has_text="Çeviri ekle").click()
        form = own.locator("details[data-translate] form")
        assert form.locator("input[name=language][value=tr]").count() == 0
        assert form.locator("input[name=language][value=de]").is_checked()
        form.locator("textarea[name=translation]").fill(GERMAN)
        form.locator("button.primary").click()
        turkish.wait_for_load_state()
        turkish.locator(".message", has_text="Çeviri kaydedildi").wait_for()

        # the German wall gets it live, beneath the original
        line = german.locator("li.item").filter(has=german.locator("p.item-text", has_text=TURKISH))
        version = line.locator(".item-version[lang=de]")
        version.wait_for(timeout=10000)
        assert version.inner_text().strip() == f"Deutsch: {GERMAN}"
        german.screenshot(path=_artifact("translation-wall-de.png"), full_page=True)

        # the ballot of a round on the measures shows it too
        console.reload()
        console.check("#round-method-support")
        console.select_option("#round-kind", "measure")
        console.locator("form:has(input[value=open_round]) button[type=submit]").click()
        console.wait_for_load_state()
        german.reload()
        option = german.locator("section.round li[data-option]").filter(has_text=TURKISH)
        option.wait_for(timeout=10000)
        assert f"Deutsch: {GERMAN}" in " ".join(option.inner_text().split())
        german.screenshot(path=_artifact("translation-ballot-de.png"), full_page=True)
    finally:
        turkish_context.close()
        german_context.close()


def _artifact(name: str) -> str:
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "test-artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / name)
