"""The console made for the room, in real Chromium against a real Daphne at a laptop's
1366×768: with a realistic forum (30 contributions with a likely duplicate, a dots round
running with votes, an announcement, a countdown) the live controls fit the screen
without scrolling; the rest (opening a round, the item list, joining and exports) is
one anchor away and its forms still work; the keyboard shortcuts are listed on the page,
named in aria-keyshortcuts, work, and stay quiet while the moderator types.
Screenshots under test-artifacts/."""

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
from tests.factories import (make_conference, make_field, make_forum, make_moderator,
                             make_participant, moderator_actor, participant_actor)
from workshops.services import forums as forum_services
from workshops.services.items import propose_item
from workshops.services.rounds import open_round
from workshops.services.votes import cast_vote

conference = make_conference(slug="saal", title="Integrationskonferenz 2026")
fields = [make_field(conference, "Bildung, Erziehung & Sprache"),
          make_field(conference, "Arbeit & Ausbildung", 1)]
user = make_moderator(conference, username="saal-mod", password="saal-test-passwort-1")
mod = moderator_actor(user)
forum = make_forum(conference, title="Fachforum Bildung und Arbeit", fields=fields)
texts = {
    "need": ["Kinder sprechen zu Hause kein Deutsch", "Zu wenige Kita-Plätze im Stadtteil",
             "Eltern verstehen die Elternbriefe nicht", "Lange Wartezeiten auf Sprachkurse",
             "Abschlüsse aus dem Ausland werden nicht anerkannt",
             "Jugendliche finden keinen Ausbildungsplatz", "Kaum Beratung in Türkisch",
             "Frauen mit Kindern kommen nicht zu den Kursen"],
    "goal": ["Alle Kinder sprechen bei der Einschulung Deutsch",
             "Jede Familie findet einen Kita-Platz in der Nähe",
             "Eltern verstehen die Schule ihrer Kinder",
             "Sprachkurse beginnen innerhalb eines Monats",
             "Ausländische Abschlüsse werden schnell anerkannt",
             "Jede und jeder Jugendliche bekommt ein Angebot",
             "Beratung in den Sprachen der Stadt",
             "Kurse passen zum Alltag mit Kindern"],
    "measure": ["Lesepaten an jeder Grundschule", "Sprachkurse mit Kinderbetreuung",
                "Elterncafé im Stadtteil", "Mehrsprachige Elternbriefe",
                "Kita-Lotsen für neue Familien", "Hausaufgabenhilfe im Jugendzentrum",
                "Anerkennungsberatung im Rathaus", "Ausbildungsmesse mit Dolmetschern",
                "Mentoring durch Azubis", "Beratung auf Türkisch und Arabisch",
                "Abendkurse für Berufstätige", "Sprachcafé in der Bibliothek",
                "Praktikumsbörse für Geflüchtete"],
}
items = []
for kind, kind_texts in texts.items():
    for n, text in enumerate(kind_texts):
        items.append(propose_item(actor=mod, forum=forum, field=fields[n % 2].pk, kind=kind,
                                  text=text))
# the newest one: nearly the second measure again (the console suggests the merge)
twin = propose_item(actor=mod, forum=forum, field=fields[1].pk, kind="measure",
                    text="Sprachkurse mit Kinderbetreuung!")
items.append(twin)
measures = [i for i in items if i.kind == "measure"][:8]
round_ = open_round(actor=mod, forum=forum, method="dots", items=[m.pk for m in measures],
                    budget=3, per_item=2, secret=False)
for k in range(12):
    person = participant_actor(make_participant(conference))
    for m in (measures[k % 8], measures[(k + 3) % 8]):
        cast_vote(actor=person, forum=forum, round=round_.pk, item=m.pk, value=1)
forum_services.set_phase(actor=mod, forum=forum, phase="voting")
forum_services.announce(actor=mod, forum=forum, text="Bitte bis 15:30 abstimmen, danach Pause.")
forum_services.start_timer(actor=mod, forum=forum, seconds=600)
print(json.dumps({"code": forum.code, "items": [i.pk for i in items], "round": round_.pk,
                  "twin": twin.pk, "original": items[17].pk, "count": len(items),
                  "screen_key": forum.screen_key}))
"""

# Everything a moderator glances at or presses while the room works.
LIVE_CONTROLS = [
    "[data-online]",
    "[data-proposals-form] button",
    "[data-phase-button=collecting]",
    "[data-phase-button=results]",
    "#timer-minutes",
    ".timer-form button[type=submit]",
    "#announce-text",
    ".announce-form button[type=submit]",
    "[data-rounds] section.round ol.ranking",
    "[data-rounds] button[value=close_round]",
    "[data-newest] li.newest-item >> nth=4",
    "[data-newest] button[value=merge]",
    "[data-shortcuts] h2",
]


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


def console(browser, site):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{site['url']}/f/{site['code']}/moderate/")
    page.fill("#id_username", "saal-mod")
    page.fill("#id_password", "saal-test-passwort-1")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/moderate/$"))
    page.wait_for_selector("html[data-live=online]")
    page.locator("[data-online]", has_text=re.compile(r"^\d+$")).wait_for(timeout=5000)
    return page


def open_proposals(page):
    """Open proposals from the console if they are closed (a test before may have)."""
    opener = page.locator("[data-proposals-form] button[value='1']")
    if opener.count():
        opener.click()
        page.wait_for_load_state()
        page.wait_for_selector("html[data-live=online]")


def phone_proposes(browser, site, kind, text):
    """A phone joins the forum and proposes; returns its browser context."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    phone = context.new_page()
    phone.goto(f"{site['url']}/j/{site['code']}")
    phone.locator("button[type=submit]").first.click()
    phone.wait_for_url(f"**/f/{site['code']}/")
    phone.select_option("#propose-field", index=1)
    phone.locator(f"input[name=kind][value={kind}]").check()
    phone.fill("#propose-text", text)
    phone.click("form[data-propose-form] button[type=submit]")
    return context


def box(page, selector):
    """Where the element is drawn, and whether its own column must scroll to show it."""
    return page.locator(selector).first.evaluate(
        """(el) => {
        const r = el.getBoundingClientRect();
        let hidden = false;
        for (let p = el.parentElement; p; p = p.parentElement) {
            const s = getComputedStyle(p);
            if (/(auto|scroll|hidden)/.test(s.overflowY) && p !== document.body
                && p !== document.documentElement) {
                const c = p.getBoundingClientRect();
                if (r.top < c.top - 1 || r.bottom > c.bottom + 1) hidden = true;
            }
        }
        return {top: r.top, bottom: r.bottom, height: r.height, hidden,
                visible: el.checkVisibility()};
    }"""
    )


def test_the_live_controls_fit_a_laptop_screen_without_scrolling(browser, site):
    page = console(browser, site)
    page.screenshot(path=str(ARTIFACTS / "console-1366x768.png"))
    live = page.locator("#live").evaluate(
        """(el) => ({bottom: el.getBoundingClientRect().bottom,
                    scrollY: window.scrollY, inner: window.innerHeight})"""
    )
    assert live["inner"] == HEIGHT and live["scrollY"] == 0
    assert live["bottom"] <= HEIGHT, live
    for selector in LIVE_CONTROLS:
        where = box(page, selector)
        assert where["visible"] and where["height"] > 0, (selector, where)
        assert 0 <= where["top"] and where["bottom"] <= HEIGHT, (selector, where)
        assert not where["hidden"], (selector, where)  # not behind its column's scroll
    # what the controls show: the state of the room, the running round, the newest first
    assert page.locator("#announce-text").input_value().startswith("Bitte bis 15:30")
    assert page.locator("[data-timer]").is_visible()
    assert page.locator("[data-rounds] h3").first.inner_text().endswith("offen")
    assert page.locator("[data-rounds] section.round ol.ranking > li").count() == 8
    newest = page.locator("[data-newest] li.newest-item")
    assert newest.count() == 5
    assert newest.first.get_attribute("data-newest-item") == str(site["twin"])
    assert f"#{site['twin']} mit #{site['original']} zusammenführen" in newest.first.inner_text()
    # the whole page is still there below, ten times the screen or so
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"live part bottom {live['bottom']:.0f} px of {HEIGHT}; whole page {height} px")
    page.context.close()


def test_every_moved_form_is_one_step_away_and_still_works(browser, site):
    page = console(browser, site)
    # the item list: one link, then the item's own form (a plain POST)
    first_need = site["items"][0]
    page.locator(".console-nav a[href='#items']").click()
    item = page.locator(f"#item-{first_need}")
    assert item.is_visible()
    item.locator("button[value=hide]").click()
    page.wait_for_load_state()
    page.locator(".message-success").wait_for()
    assert page.locator(f"#item-{first_need}").get_attribute("data-status") == "hidden"
    # the round form: one link unfolds it; a support round opens on top of the dots round
    page.goto(f"{site['url']}/f/{site['code']}/moderate/")
    page.locator(".console-nav a[data-open-details]").click()
    assert page.locator("#open-round-form").get_attribute("open") is not None
    page.check("#round-method-support")
    page.check(f"#round-item-{site['items'][-2]}")
    page.check(f"#round-item-{site['items'][-3]}")
    page.locator("form:has(input[value=open_round]) button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("[data-rounds] section.round[data-method=support]").wait_for()
    # joining, cards and exports: one link away
    page.locator(".console-nav a[href='#setup']").click()
    assert page.locator("#setup", has_text="Neuer Bildschirm-Schlüssel").is_visible() or (
        page.locator("#setup form:has(input[value=screen_key]) button").is_visible()
    )
    assert page.locator("#cards-count").is_visible()
    page.context.close()


def test_the_shortcuts_are_announced_work_and_keep_quiet_while_typing(browser, site):
    page = console(browser, site)
    shortcuts = page.locator("[data-shortcuts]")
    assert shortcuts.locator("h2").inner_text() == "Tastenkürzel"
    assert "Vorschläge" in shortcuts.inner_text()
    proposals = page.locator("[data-proposals-form] button")
    assert proposals.get_attribute("aria-keyshortcuts") == "V"
    assert page.locator("#announce-text").get_attribute("aria-keyshortcuts") == "A"
    assert (
        page.locator("[data-rounds] button[value=close_round]").first.get_attribute(
            "aria-keyshortcuts"
        )
        == "R"
    )
    before = page.locator("[data-proposals-state]").inner_text()
    # typing a "v" in the announcement is text, not the shortcut
    page.keyboard.press("a")
    assert page.evaluate("document.activeElement.id") == "announce-text"
    page.keyboard.press("End")
    page.keyboard.type(" v")
    assert page.locator("#announce-text").input_value().endswith(" v")
    assert page.locator("[data-proposals-state]").inner_text() == before
    # outside a field, "v" opens or closes the proposals (a plain form POST)
    page.locator("h1").click()
    page.locator("#announce-text").evaluate("(el) => { el.value = el.defaultValue; }")
    page.keyboard.press("v")
    page.wait_for_load_state()
    page.locator("[data-proposals-state]").filter(
        has_text=re.compile("geschlossen|offen")
    ).wait_for()
    page.wait_for_function(
        f"document.querySelector('[data-proposals-state]').textContent.trim() !== {before!r}"
    )
    # the page says what it did, and the live controls still fit below that
    assert page.locator(".message-success").is_visible()
    assert page.locator("#live").evaluate("(el) => el.getBoundingClientRect().bottom") <= HEIGHT
    # "b" jumps to the item list, "l" back to the live controls
    page.keyboard.press("b")
    page.wait_for_function("location.hash === '#items'")
    assert page.evaluate("window.scrollY") > HEIGHT
    page.keyboard.press("l")
    page.wait_for_function("location.hash === '#live' && window.scrollY < 200")
    page.context.close()


def test_a_new_contribution_appears_among_the_newest_without_a_reload(browser, site):
    page = console(browser, site)
    open_proposals(page)
    page.evaluate("window.__sameDocument = true")
    context = phone_proposes(browser, site, "need", "Kein Bus am Abend zum Sprachkurs")
    newest = page.locator("[data-newest] li.newest-item").first
    newest.filter(has_text="Kein Bus am Abend").wait_for(timeout=10000)
    assert page.evaluate("window.__sameDocument") is True  # refreshed in place
    assert page.locator("[data-newest] li.newest-item").count() == 5
    assert box(page, "[data-newest] li.newest-item >> nth=0")["bottom"] <= HEIGHT
    context.close()
    page.context.close()


def test_a_contribution_arriving_while_a_round_is_set_up_can_be_chosen(browser, site):
    """The moderator has picked a round type and ticked a measure (the form is kept as it
    is); a measure proposed meanwhile is offered in the list to tick, in its group,
    without losing those choices."""
    page = console(browser, site)
    open_proposals(page)
    page.locator(".console-nav a[data-open-details]").click()
    page.check("#round-method-dots")
    ticked = site["items"][-4]  # a measure no round has yet
    page.check(f"#round-item-{ticked}")
    context = phone_proposes(browser, site, "measure", "Nachtbus zum Abendkurs")
    offered = page.locator("#round-items li", has_text="Nachtbus zum Abendkurs")
    offered.wait_for(state="attached", timeout=10000)
    # among the measures of its action field, numbered as everywhere
    group = page.locator("#round-items [data-round-group]", has_text="Nachtbus zum Abendkurs")
    assert group.locator("legend").inner_text().endswith("Maßnahme")
    assert offered.inner_text().startswith("#")
    # the moderator's choices are still there
    assert page.locator("#round-method-dots").is_checked()
    assert page.locator(f"#round-item-{ticked}").is_checked()
    offered.locator("input[type=checkbox]").check()
    page.locator("form:has(input[value=open_round]) button[type=submit]").click()
    page.wait_for_load_state()
    opened = page.locator("[data-rounds] section.round[data-method=dots]", has_text="Nachtbus")
    opened.wait_for()
    assert opened.locator("ol.ranking > li").count() == 2
    context.close()
    page.context.close()


def test_a_dots_round_opened_by_its_card_shows_the_room_the_turnout_until_it_closes(browser, site):
    """The moderator opens a dots round in plain words: the card says what the phones
    will show, following the limits typed; the proposals are ticked. Left at its default
    ("only at the end"), a phone and the projector show how many have voted but no totals
    while the round runs, and the totals once it closes."""
    page = console(browser, site)
    page.locator(".console-nav a[data-open-details]").click()
    card = page.locator("[data-round-card=dots]")
    page.check("#round-method-dots")
    preview = card.locator("[data-card-preview]")
    assert preview.inner_text() == (
        "Auf den Handys: Jede Person verteilt 3 Punkte, höchstens 2 auf einen Vorschlag."
    )
    page.fill("#round-budget", "4")
    page.fill("#round-per-item", "1")
    assert preview.inner_text() == (
        "Auf den Handys: Jede Person verteilt 4 Punkte, höchstens 1 auf einen Vorschlag."
    )
    assert card.locator("[data-card-title]").inner_text() == (
        "Punkte verteilen: 4 Punkte pro Person, höchstens 1 pro Vorschlag"
    )
    assert page.locator("#round-secret-end").is_checked()  # the default: at the end
    first, second = site["items"][2], site["items"][3]  # two needs no round has yet
    page.check(f"#round-item-{first}")
    page.check(f"#round-item-{second}")
    page.screenshot(path=str(ARTIFACTS / "console-open-round.png"), full_page=False)
    page.locator("form:has(input[value=open_round]) button[type=submit]").click()
    page.wait_for_load_state()
    section = page.locator("[data-rounds] section.round[data-method=dots]").filter(
        has=page.locator(f"li[data-option='{first}']")
    )
    section.wait_for()
    round_id = section.get_attribute("data-round")
    assert "(verdeckt)" in section.locator("h3").inner_text()

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    phone = context.new_page()
    phone.goto(f"{site['url']}/j/{site['code']}")
    phone.locator("button[type=submit]").first.click()
    phone.wait_for_url(f"**/f/{site['code']}/")
    phone.wait_for_selector("html[data-live=online]")
    screen = context.new_page()
    screen.goto(f"{site['url']}/f/{site['code']}/screen/?key={site['screen_key']}")
    screen.wait_for_selector("html[data-live=online]")
    ballot = phone.locator(f"#round-{round_id}")
    ballot.locator(f"li[data-option='{first}'] button[name=value]").last.click()
    ballot.locator("[data-turnout]", has_text="Bisher abgestimmt: 1").wait_for(timeout=10000)
    shown = screen.locator(f"[data-rounds] [data-round='{round_id}']")
    shown.locator("[data-turnout]", has_text="Bisher abgestimmt: 1").wait_for(timeout=10000)
    for where in (ballot, shown):
        tallies = where.locator("[data-tally]").all_inner_texts()
        assert tallies and all(t.strip() == "Ergebnis nach der Runde" for t in tallies), tallies
    # the moderator sees the running totals; closing shows them to the room
    page.reload()
    page.locator(f"#round-{round_id} button[value=close_round]").click()
    page.wait_for_load_state()
    phone.locator(f"#round-{round_id}.round-closed", has_text="Punkte: 1").wait_for(timeout=10000)
    screen.locator(f"[data-round='{round_id}']", has_text="Punkte: 1").wait_for(timeout=10000)
    context.close()
    page.context.close()
