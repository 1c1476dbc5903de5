"""A lead reports on its measure through its personal link, on a phone-sized screen in
real Chromium: status, progress, an update and an indicator value, and a value that is
not a number refused with a message."""

import json
import subprocess

import pytest

from tests.browser.a11y import axe_violations
from tests.live import PYTHON, ROOT

pytestmark = pytest.mark.browser

SETUP = r"""
import json, django
from decimal import Decimal
django.setup()
from tests.workshops.lead_scene import build_scene
from workshops.services.indicators import define_indicator
from django.contrib.auth import get_user_model
scene = build_scene(slug="folgen")
scene.conference.moderators.add(get_user_model().objects.get(username="moderation"))
indicator = define_indicator(actor=scene.staff, item=scene.schule, title="Schulen mit Sozialarbeit",
                             unit="Schulen", baseline=Decimal(3), target=Decimal(12))
print(json.dumps({"token": scene.jugendamt_token, "schule": scene.schule.pk, "kita": scene.kita.pk,
                  "indicator": indicator.pk, "kurse": scene.kurse.text}))
"""


@pytest.fixture(scope="module")
def scene(live):
    out = subprocess.run(
        [PYTHON, "-c", SETUP],
        cwd=ROOT,
        env=live["env"],
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_lead_updates_its_measure_on_a_phone(browser, live, scene):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="de-DE")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live['url']}/lead/{scene['token']}/")
    assert page.locator("h1").inner_text() == "Maßnahmen in Federführung von Jugendamt"
    assert scene["kurse"] not in page.content()  # another lead's measure
    # fits the screen: nothing to scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe_violations(page) == []

    article = page.locator(f"#measure-{scene['schule']}")
    article.locator("select[name=status]").select_option("in_progress")
    article.locator("input[name=progress]").fill("60")
    article.get_by_role("button", name="Stand speichern").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/lead/{scene['token']}/#measure-{scene['schule']}"), (
        page.url,
        page.locator("main").inner_text()[:500],
    )
    assert "Gespeichert." in page.locator(".messages").inner_text()
    status = article.locator(".measure-status").inner_text()
    assert "in Umsetzung" in status and "60" in status
    assert article.locator("input[name=progress]").input_value() == "60"

    article.locator("textarea[name=text]").fill("Zwei weitere Grundschulen haben begonnen.")
    article.get_by_role("button", name="Sachstand hinzufügen").click()
    page.wait_for_load_state()
    assert (
        "Zwei weitere Grundschulen haben begonnen."
        in article.locator(".updates").first.inner_text()
    )

    indicator = page.locator(f"#indicator-{scene['indicator']}")
    indicator.locator("input[name=date]").fill("2026-11-30")
    indicator.locator("input[name=value]").fill("sieben")
    indicator.get_by_role("button", name="Wert eintragen").click()
    page.wait_for_load_state()
    alert = page.locator(f"#indicator-{scene['indicator']} .error")
    assert alert.inner_text().strip().endswith("Das ist keine Zahl: sieben")
    assert (
        page.locator(f"#indicator-{scene['indicator']} input[name=value]").input_value() == "sieben"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    indicator = page.locator(f"#indicator-{scene['indicator']}")
    indicator.locator("input[name=value]").fill("7,5")
    indicator.get_by_role("button", name="Wert eintragen").click()
    page.wait_for_load_state()
    values = page.locator(f"#indicator-{scene['indicator']} .updates").inner_text()
    assert "7,50 Schulen" in values or "7.50 Schulen" in values
    assert errors == []
    context.close()


def test_the_staff_add_a_lead_and_its_link_opens_its_page(browser, live, scene):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{live['url']}/c/folgen/leads/")
    page.fill("#id_username", live["username"])
    page.fill("#id_password", live["password"])
    page.click("button[type=submit]")
    page.wait_for_url("**/c/folgen/leads/")
    page.fill("#new-lead-name", "Amt für Soziales")
    page.fill("#new-lead-email", "soziales@musterstadt.example")
    page.get_by_role("button", name="Federführung anlegen und Link ausstellen").click()
    page.wait_for_load_state()
    link = page.locator("[data-issued-link]").input_value()
    assert "/lead/" in link
    assert axe_violations(page) == []
    # assign a measure to the new lead, then open the link as the lead would
    article = page.locator(f"#measure-{scene['kita']}")
    article.locator("select[name=lead]").select_option(label="Amt für Soziales")
    article.get_by_role("button", name="Zuordnen").click()
    page.wait_for_load_state()
    assert page.locator("[data-issued-link]").count() == 0  # shown once only
    lead = browser.new_context(viewport={"width": 360, "height": 740}, locale="de-DE")
    lead_page = lead.new_page()
    lead_page.goto(link)
    assert lead_page.locator("h1").inner_text() == "Maßnahmen in Federführung von Amt für Soziales"
    assert lead_page.locator(f"#measure-{scene['kita']}").count() == 1
    assert lead_page.locator(f"#measure-{scene['schule']}").count() == 0
    lead.close()
    context.close()
