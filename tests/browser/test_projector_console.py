"""The projector as the back row sees it and the console as a moderator uses it, in real
Chromium against a real Daphne: badges legible on the dark screen (contrast computed
from the computed styles), no control for the audience, results ranked and read top to
bottom; the console keeps the count of people online across its reloads, shortlists
from a closed round's ranking, sets a consent round's veto threshold, warns at an
adoption round without voting cards; publishing says what it did and the exports page
leads back to the console; the action field's description is on the phone and the
screen. Screenshots under test-artifacts/."""

import json
import re
import subprocess

import pytest

from tests.live import PYTHON, ROOT

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
DESCRIPTION = "Kita, Schule und Sprachkurse: damit alle Kinder von Anfang an gut Deutsch lernen."
MEASURES = [
    "Lesepaten an jeder Grundschule",
    "Sprachkurse mit Kinderbetreuung",
    "Elterncafé im Stadtteil",
    "Mehrsprachige Elternbriefe",
    "Kita-Lotsen für neue Familien",
    "Hausaufgabenhilfe im Jugendzentrum",
]

SETUP = r"""
import json, sys, django
django.setup()
from tests.factories import (make_conference, make_field, make_forum, make_moderator,
                             make_participant, moderator_actor, participant_actor)
from workshops.services.forums import set_phase
from workshops.services.items import adopt_item, propose_item, shortlist_item
from workshops.services.rounds import close_round, open_round
from workshops.services.votes import cast_vote

description, measures = json.loads(sys.argv[1])
conference = make_conference(slug="beamer", title="Beamer-Konferenz",
                             languages=["de", "en", "tr", "ar"])
education = make_field(conference, "Bildung, Erziehung & Sprache")
education.description = description
education.save()
housing = make_field(conference, "Wohnen", 1)
user = make_moderator(conference, username="beamer-mod", password="beamer-test-passwort-1")
mod = moderator_actor(user)
workshop = make_forum(conference, title="Fachforum Bildung", fields=[education, housing])
def propose(kind, text, refs=()):
    return propose_item(actor=mod, forum=workshop, field=education.pk, kind=kind, text=text,
                        refs=list(refs))
need = propose("need", "Kinder sprechen zu Hause kein Deutsch")
goal = propose("goal", "Alle Kinder sprechen bei der Einschulung Deutsch", [need.pk])
items = [propose("measure", text, [goal.pk]) for text in measures]
# a support round: the first measure has six supporters, the last one
round_ = open_round(actor=mod, forum=workshop, method="support", kind="measure")
for k in range(6):
    group = ("Verwaltung", "Wohlfahrtsverband")[k // 3]
    person = participant_actor(make_participant(conference, group=group))
    for item in items[: 6 - k]:
        cast_vote(actor=person, forum=workshop, round=round_.pk, item=item.pk, value=1)
close_round(actor=mod, forum=workshop, round=round_.pk)
for item in items[:3]:
    shortlist_item(actor=mod, forum=workshop, item=item.pk, shortlisted=True)
# the plenary: one measure adopted, one rejected, one still open in an adoption round
# without voting cards, with a vote already cast
plenary = make_forum(conference, title="Plenum", kind="plenary", fields=[education, housing])
adopt_item(actor=mod, forum=plenary, item=items[1].pk, adopted=True)
adopt_item(actor=mod, forum=plenary, item=items[2].pk, adopted=False)
adoption = open_round(actor=mod, forum=plenary, method="adoption", items=[items[0].pk])
cast_vote(actor=participant_actor(make_participant(conference)), forum=plenary, round=adoption.pk,
          item=items[0].pk, value=1)
set_phase(actor=mod, forum=plenary, phase="discussing")
# a third forum for the console's own forms
spare = make_forum(conference, title="Fachforum Wohnen", fields=[housing])
for text in ("Wohnungstausch-Börse", "Mietberatung in mehreren Sprachen"):
    propose_item(actor=mod, forum=spare, field=housing.pk, kind="measure", text=text)
print(json.dumps({
    "workshop": {"code": workshop.code, "screen_key": workshop.screen_key},
    "plenary": {"code": plenary.code, "screen_key": plenary.screen_key},
    "spare": {"code": spare.code, "screen_key": spare.screen_key},
    "items": [i.pk for i in items], "round": round_.pk, "adoption": adoption.pk,
}))
"""

# WCAG 2.x contrast of each element's text against the background it is drawn on
# (the nearest backgrounds up the tree, blended), from Chromium's computed styles.
CONTRAST = """(els) => {
  const parse = (c) => { const p = c.match(/[\\d.]+/g).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const over = (top, bottom) => ({r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a), b: top.b * top.a + bottom.b * (1 - top.a), a: 1});
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.a > 0) layers.push(c);
      if (c.a >= 1) break;
    }
    const white = {r: 255, g: 255, b: 255, a: 1};
    return layers.reverse().reduce((bottom, top) => over(top, bottom), white);
  };
  const lum = (c) => { const f = (v) => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  return els.filter((el) => el.offsetParent !== null).map((el) => {
    const bg = background(el);
    const fg = over(parse(getComputedStyle(el).color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    return {text: el.textContent.trim(), ratio: Math.round(100 * (hi + 0.05) / (lo + 0.05)) / 100};
  });
}"""


@pytest.fixture(scope="module")
def site(live):
    out = subprocess.run(
        [PYTHON, "-c", SETUP, json.dumps([DESCRIPTION, MEASURES])],
        cwd=ROOT,
        env=live["env"],
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    info = json.loads(out.stdout.strip().splitlines()[-1])
    info["url"] = live["url"]
    ARTIFACTS.mkdir(exist_ok=True)
    return info


def screen(browser, site, forum):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{site['url']}/f/{site[forum]['code']}/screen/?key={site[forum]['screen_key']}")
    page.wait_for_selector("html[data-live=online]")
    page.wait_for_timeout(300)  # the fitting pass after the snapshot
    return page


def console(browser, site, forum):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{site['url']}/f/{site[forum]['code']}/moderate/")
    page.fill("#id_username", "beamer-mod")
    page.fill("#id_password", "beamer-test-passwort-1")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/moderate/$"))
    page.wait_for_selector("html[data-live=online]")
    return page


def test_the_projector_badges_are_legible_from_the_back_row(browser, site):
    seen = {}
    for forum in ("plenary", "workshop"):
        page = screen(browser, site, forum)
        page.screenshot(path=str(ARTIFACTS / f"projector-badges-{forum}-1920x1080.png"))
        for badge in page.eval_on_selector_all(".badge", CONTRAST):
            seen.setdefault(badge["text"], []).append(badge["ratio"])
        page.context.close()
    assert {"fürs Plenum", "✓ verabschiedet", "✗ nicht verabschiedet"} <= set(seen), seen
    assert any(text.startswith("✓ breite Unterstützung") for text in seen), seen
    too_faint = {text: ratios for text, ratios in seen.items() if min(ratios) < 7}
    assert not too_faint, too_faint


def test_the_projector_has_no_control_for_the_audience(browser, site):
    page = screen(browser, site, "workshop")
    assert page.locator("[data-pause-live]").count() == 0
    assert page.get_by_text("Live-Aktualisierung anhalten").count() == 0
    assert page.locator(".screen-layout button:visible").count() == 0
    page.context.close()


def test_the_projector_ranks_results_and_reads_them_top_to_bottom(browser, site):
    page = screen(browser, site, "workshop")
    rows = page.eval_on_selector_all(
        ".screen-results li[data-option]",
        """(lis) => lis.map(li => {
        const r = li.getBoundingClientRect();
        const rank = li.querySelector('.rank');
        return {rank: rank && rank.offsetParent !== null ? rank.textContent.trim() : null,
                text: li.querySelector('.item-text').textContent.trim(),
                left: Math.round(r.left), top: r.top};
    })""",
    )
    page.screenshot(path=str(ARTIFACTS / "projector-results-ranked-1920x1080.png"))
    page.context.close()
    assert [r["text"] for r in rows] == MEASURES  # best first
    assert [r["rank"] for r in rows] == ["1.", "2.", "3.", "4.", "5.", "6."]
    # reading order: down the first column, then down the next (never across a row)
    by_column = sorted(rows, key=lambda r: (r["left"], r["top"]))
    assert [r["rank"] for r in by_column] == [r["rank"] for r in rows], rows


def test_the_action_fields_description_is_on_the_phone_and_the_screen(browser, site):
    page = screen(browser, site, "workshop")
    assert page.locator(".field-description", has_text=DESCRIPTION).first.is_visible()
    page.context.close()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    phone = context.new_page()
    phone.goto(f"{site['url']}/j/{site['workshop']['code']}")
    phone.locator("button[type=submit]").first.click()
    phone.wait_for_url(f"**/f/{site['workshop']['code']}/")
    phone.wait_for_selector("html[data-live=online]")
    heading = phone.locator("h2", has_text="Bildung, Erziehung")
    field = phone.locator("[data-field-section]", has=heading)
    described = field.locator(".field-description")
    assert described.is_visible() and described.inner_text() == DESCRIPTION
    assert described.get_attribute("dir") == "auto"
    context.close()


def test_the_console_keeps_the_count_online_across_its_reloads(browser, site):
    page = console(browser, site, "spare")
    page.locator("[data-online]", has_text=re.compile(r"^\d+$")).wait_for(timeout=5000)
    before = page.locator("[data-online]").inner_text()
    # what the page shows the moment it is there, before its socket could say anything
    page.add_init_script("""document.addEventListener('DOMContentLoaded', () => {
        window.__onlineAtLoad = document.querySelector('[data-online]').textContent; });""")
    page.locator("[data-proposals-form] button").click()  # a plain form POST: the page reloads
    page.wait_for_load_state()
    page.wait_for_function("window.__onlineAtLoad !== undefined")
    assert page.evaluate("window.__onlineAtLoad") == before
    page.context.close()


def test_the_console_sets_a_consent_rounds_veto_threshold(browser, site):
    page = console(browser, site, "spare")
    page.check("#round-method-consent")
    page.fill("#round-veto", "6")
    page.locator("form:has(input[value=open_round]) button[type=submit]").click()
    page.wait_for_load_state()
    round_ = page.locator("section.round[data-method=consent]")
    round_.wait_for()
    assert "Veto ab einem Widerstand von 6." in round_.locator(".hint").first.inner_text()
    page.context.close()


def test_the_console_shortlists_from_a_closed_rounds_ranking(browser, site):
    page = console(browser, site, "workshop")
    ranking = page.locator(f"#round-{site['round']} ol.ranking > li")
    fourth = ranking.nth(3)
    assert fourth.get_attribute("data-option") == str(site["items"][3])
    button = fourth.locator("button[data-shortlist]")
    assert button.get_attribute("aria-pressed") == "false"
    assert ranking.nth(0).locator("button[data-shortlist]").get_attribute("aria-pressed") == "true"
    button.click()
    page.wait_for_load_state()
    page.locator(".message-success", has_text="Die Maßnahme geht ins Plenum.").wait_for()
    fourth = page.locator(f"#round-{site['round']} ol.ranking > li").nth(3)
    assert fourth.locator("button[data-shortlist]").get_attribute("aria-pressed") == "true"
    page.locator(f"#item-{site['items'][3]} .badge", has_text="fürs Plenum").wait_for()
    page.context.close()


def test_the_console_warns_at_an_adoption_round_without_cards_and_offers_them(browser, site):
    page = console(browser, site, "plenary")
    round_ = page.locator(f"#round-{site['adoption']}")
    warning = round_.locator(".round-warning")
    assert warning.is_visible()
    assert "ohne Stimmkarten" in warning.inner_text()
    assert "schlägt die Beschlüsse des Plenums vor" in warning.inner_text()
    round_.screenshot(path=str(ARTIFACTS / "console-rounds-adoption-without-cards.png"))
    # the toggle alone is refused with the reason: the card-less vote would count
    page.locator("form:has(input[value=cards_required]) button[aria-pressed]").click()
    page.wait_for_load_state()
    page.locator(".message-error", has_text="ohne Karte").wait_for()
    still_open = page.locator(f"#round-{site['adoption']}").get_attribute("class")
    assert still_open == "round"
    page.locator(f"#round-{site['adoption']} .round-warning button").click()
    page.wait_for_load_state()
    page.locator(".message-success", has_text="nicht").wait_for()
    assert page.locator(".round-warning").count() == 0
    assert "round-closed" in page.locator(f"#round-{site['adoption']}").get_attribute("class")
    page.locator("[data-rounds]").screenshot(path=str(ARTIFACTS / "console-rounds-with-cards.png"))
    page.context.close()


def test_publishing_says_what_happened_and_the_exports_lead_back_to_the_console(browser, site):
    page = console(browser, site, "workshop")
    page.goto(f"{site['url']}/c/beamer/export/")
    page.locator("button[name=published][value='1']").click()
    page.wait_for_load_state()
    message = page.locator(".message-success").inner_text()
    assert message.startswith("Ergebnisse veröffentlicht"), message
    assert "1 verabschiedete Maßnahme" in message, message
    back = page.locator("a[data-console-link]", has_text="Fachforum Bildung")
    back.click()
    page.wait_for_url(f"**/f/{site['workshop']['code']}/moderate/")
    page.context.close()


def test_the_console_blacks_out_the_projector_and_previews_it(browser, site):
    """ "Leinwand schwarz" from the console: the projector turns black at once and shows
    again; the console's small preview shows what the projector shows, black included."""
    board = screen(browser, site, "workshop")
    page = console(browser, site, "workshop")
    page.locator("[data-screen-preview] summary").click()
    preview = page.frame_locator("[data-screen-preview] iframe")
    preview.locator("html[data-live=online]").wait_for(timeout=10000)
    assert preview.locator(".screen-code strong").inner_text() == site["workshop"]["code"]
    button = page.locator("[data-blank-button]")
    assert button.inner_text().strip() == "Leinwand schwarz"
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    board.locator("[data-blank-cover]").wait_for(state="visible", timeout=5000)
    preview.locator("[data-blank-cover]").wait_for(state="visible", timeout=5000)
    # nothing of the wall shows through the middle of the screen
    covered = board.evaluate(
        "() => document.elementFromPoint(960, 540).closest('[data-blank-cover]') !== null"
    )
    assert covered
    board.screenshot(path=str(ARTIFACTS / "projector-black-1920x1080.png"))
    page.wait_for_function(
        "document.querySelector('[data-blank-button]').getAttribute('aria-pressed') === 'true'"
    )
    page.keyboard.press("s")  # the key does the same
    board.locator("[data-blank-cover]").wait_for(state="hidden", timeout=5000)
    assert board.locator(".screen-code strong").is_visible()
    board.context.close()
    page.context.close()
