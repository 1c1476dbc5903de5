"""The public status page in real Chromium, under the page's real Content-Security-Policy:
a filter applies at once (no reload), the address follows and the count is announced;
without JavaScript the same filter is a GET the server answers."""

import json
import subprocess

import pytest

from tests.browser.a11y import axe_violations
from tests.live import PYTHON, ROOT

pytestmark = pytest.mark.browser

SETUP = r"""
import json, django
django.setup()
from tests.workshops.export_conference import build_conference
from workshops.models import Item
built = build_conference(slug="stand")
# the plenary adopted the housing measure too (Wohnen): two action fields to filter by
Item.objects.filter(pk=built.rejected.pk).update(adopted=True)
print(json.dumps({"adopted": built.adopted.pk, "housing": built.rejected.pk,
                  "bildung": built.adopted.field_id, "wohnen": built.rejected.field_id}))
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


def test_filters_apply_at_once_and_the_count_is_announced(browser, live, scene):
    from playwright.sync_api import expect

    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="de-DE", bypass_csp=False
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    url = f"{live['url']}/c/stand/measures/"
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
    count = page.locator("#measures-count")
    assert count.get_attribute("role") == "status"
    expect(count).to_have_text("2 verabschiedete Maßnahmen")
    adopted = page.locator(f"#measure-{scene['adopted']}")
    housing = page.locator(f"#measure-{scene['housing']}")

    page.evaluate("window.__notReloaded = true")
    page.select_option("#filter-field", str(scene["wohnen"]))
    expect(count).to_have_text("1 von 2 verabschiedeten Maßnahmen angezeigt")
    expect(adopted).to_be_hidden()
    expect(housing).to_be_visible()
    expect(page.locator("#field-" + str(scene["bildung"]))).to_be_hidden()
    assert page.url == f"{url}?field={scene['wohnen']}"
    assert page.evaluate("window.__notReloaded") is True  # filtered in the page

    # the text search, as a person types, with the field filter taken back
    page.select_option("#filter-field", "")
    page.fill("#filter-q", "sprachcafé")
    expect(count).to_have_text("1 von 2 verabschiedeten Maßnahmen angezeigt")
    expect(adopted).to_be_visible()
    expect(housing).to_be_hidden()
    assert page.url == f"{url}?q=sprachcaf%C3%A9"
    page.fill("#filter-q", "nichts dergleichen")
    expect(count).to_have_text("0 von 2 verabschiedeten Maßnahmen angezeigt")
    expect(page.locator("[data-status-empty]")).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True

    # a filtered address opened anew holds only its measures; widening it asks the server
    page.goto(f"{url}?field={scene['wohnen']}")
    assert page.locator("article[data-measure]").count() == 1
    page.select_option("#filter-field", "")
    page.wait_for_url(url)
    expect(page.locator("article[data-measure]")).to_have_count(2)
    expect(count).to_have_text("2 verabschiedete Maßnahmen")
    assert errors == []
    context.close()


def test_without_javascript_the_filter_is_a_get(browser, live, scene):
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live['url']}/c/stand/measures/")
    page.select_option("#filter-field", str(scene["wohnen"]))
    page.get_by_role("button", name="Anzeigen").click()
    page.wait_for_load_state()
    assert f"field={scene['wohnen']}" in page.url
    assert page.locator("article[data-measure]").count() == 1
    assert page.locator("#measures-count").inner_text() == (
        "1 von 2 verabschiedeten Maßnahmen angezeigt"
    )
    context.close()
