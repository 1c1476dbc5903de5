"""A whole forum as a moderator runs it, in real Chromium against a real Daphne: open
proposals, two phones propose, merge the suggested duplicate, open a dots round, the
phones vote, close, shortlist; checking what the phones and the screen show at each
step. Then the screen with 40 items at 1920×1080 and 1280×720: screenshots under
test-artifacts/, the QR code and the code visible, nothing outside the viewport."""

import json
import re
import subprocess

import pytest

from tests.live import PYTHON, ROOT

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"

NEW_FORUM = r"""
import json, sys, django
django.setup()
from tests.factories import make_forum, moderator_actor
from workshops.models import Conference
from workshops.services import forums as forum_services
from workshops.services.items import propose_item
spec = json.loads(sys.argv[1])
conference = Conference.objects.get(slug="live")
fields = list(conference.fields.order_by("position", "id"))
forum = make_forum(conference, title=spec["title"], fields=fields)
mod = moderator_actor(conference.moderators.get())
for n, (kind, text) in enumerate(spec.get("items", [])):
    propose_item(actor=mod, forum=forum, field=fields[n % len(fields)].pk, kind=kind, text=text)
if spec.get("announcement"):
    forum_services.announce(actor=mod, forum=forum, text=spec["announcement"])
if spec.get("timer"):
    forum_services.start_timer(actor=mod, forum=forum, seconds=spec["timer"])
if spec.get("round"):
    from workshops.services.rounds import open_round
    open_round(actor=mod, forum=forum, method=spec["round"])
print(json.dumps({"code": forum.code, "screen_key": forum.screen_key}))
"""


def new_forum(live, **spec) -> dict:
    """A forum of its own in the live server's database (the other browser tests share
    the fixture's forum; this one changes its phase)."""
    out = subprocess.run(
        [PYTHON, "-c", NEW_FORUM, json.dumps(spec)],
        cwd=ROOT,
        env=live["env"],
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def phone(browser, live, code, name):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{live['url']}/j/{code}")
    page.fill("#join-name", name)
    page.locator("button[type=submit]").first.click()
    page.wait_for_url(f"**/f/{code}/")
    page.wait_for_selector("html[data-live=online]")
    return page


def console_for(browser, live, code):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{live['url']}/f/{code}/moderate/")
    page.fill("#id_username", live["username"])
    page.fill("#id_password", live["password"])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/moderate/$"))
    page.wait_for_selector("html[data-live=online]")
    return page


def screen_for(browser, live, forum, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{live['url']}/f/{forum['code']}/screen/?key={forum['screen_key']}")
    page.wait_for_selector("html[data-live=online]")
    return page


def wall_item(page, text):
    return page.locator("li.item").filter(has=page.locator("p.item-text", has_text=text))


def propose(page, text, kind):
    page.select_option("#propose-field", index=1)
    page.check(f"input[name=kind][value={kind}]")
    page.fill("#propose-text", text)
    page.click("form[data-propose-form] button[type=submit]")
    wall_item(page, text).wait_for()


def item_id(page, text) -> int:
    return int(wall_item(page, text).first.get_attribute("data-item-id"))


def test_a_whole_forum_session(browser, live):
    ARTIFACTS.mkdir(exist_ok=True)
    forum = new_forum(live, title="Fachforum Sitzung")
    code = forum["code"]
    console = console_for(browser, live, code)
    screen = screen_for(browser, live, forum, 1920, 1080)
    # 1. proposals: closed first, then opened; the phones follow without reloading
    console.click("[data-proposals-form] button")  # close
    console.wait_for_selector("[data-proposals-form] button[value='1']")
    ayse, ben = phone(browser, live, code, "Ayşe"), phone(browser, live, code, "Ben")
    for page in (ayse, ben):
        assert page.locator("[data-closed-notice]").is_visible()
        assert page.locator("[data-task]").inner_text().startswith("Jetzt: Vorschläge sammeln")
        page.evaluate("window.__notReloaded = true")
    console.click("[data-proposals-form] button")  # open
    for page in (ayse, ben):
        page.locator("form[data-propose-form]").wait_for(state="visible")

    # 2. two phones propose; while Ben types his, the phone shows Ayşe's as already there
    propose(ayse, "Sprachkurse mit Kinderbetreuung", "need")
    ben.select_option("#propose-field", index=1)
    ben.check("input[name=kind][value=need]")
    ben.locator("#propose-text").press_sequentially("Deutschkurs + Kita-Platz", delay=10)
    similar = ben.locator("[data-similar]")
    similar.wait_for(state="visible")
    assert "Das gibt es schon" in similar.inner_text()
    assert "Sprachkurse mit Kinderbetreuung" in similar.inner_text()
    assert similar.locator("button").count() == 0  # no support round open: nothing to support
    ben.click("form[data-propose-form] button[type=submit]")
    wall_item(ben, "Deutschkurs + Kita-Platz").wait_for()
    propose(ayse, "Lotsenprojekt für Behördengänge", "measure")
    propose(ben, "Elterncafé an Grundschulen", "measure")
    first, duplicate = item_id(ayse, "Sprachkurse"), item_id(ayse, "Deutschkurs + Kita-Platz")
    lotsen, cafe = item_id(ayse, "Lotsenprojekt"), item_id(ayse, "Elterncafé")
    for text in (
        "Sprachkurse mit Kinderbetreuung",
        "Deutschkurs + Kita-Platz",
        "Elterncafé an Grundschulen",
    ):
        wall_item(screen, text).wait_for()

    # 3. the console suggests the duplicate; one click merges it, live over the socket
    suggested = console.locator(f"#item-{first} [data-suggested-merge]")
    suggested.wait_for(timeout=10000)
    assert suggested.inner_text() == f"#{duplicate} mit #{first} zusammenführen"
    console.evaluate("window.__consoleNotReloaded = true")
    suggested.click()
    for page in (ayse, ben, screen):
        wall_item(page, "Deutschkurs + Kita-Platz").wait_for(state="detached")
    console.locator(f"#item-{duplicate}.is-merged").wait_for()
    assert console.evaluate("window.__consoleNotReloaded") is True
    assert console.locator("[data-suggested-merge]").count() == 0

    # the console counts the two phones and itself
    console.locator("[data-online]", has_text="3").wait_for(timeout=5000)

    # 4. a support round on the needs: Ben, typing a similar need, supports it instead
    console.check("#round-method-support")
    console.select_option("#round-kind", "need")
    console.check("#round-secret-live")
    console.locator("form:has(input[value=open_round]) button[type=submit]").click()
    console.wait_for_load_state()
    ben.locator("section.round[data-method=support]").wait_for(timeout=10000)
    ben.locator("#propose-text").fill("")
    ben.check("input[name=kind][value=need]")
    ben.locator("#propose-text").press_sequentially("Kitaplätze und Sprachkurse", delay=10)
    instead = ben.locator(f"[data-similar] li[data-similar-item='{first}'] button")
    instead.wait_for()
    assert instead.inner_text() == "Stattdessen diesen unterstützen"
    instead.click()
    ben.locator("[data-similar]", has_text="Sie unterstützen ihn jetzt").wait_for()
    assert ben.locator("#propose-text").input_value() == ""
    supported = ben.locator(
        f"section.round[data-method=support] li[data-option='{first}'] button[name=value]"
    )
    assert supported.get_attribute("aria-pressed") == "true"  # his ballot shows it at once
    ayse.locator(
        f"section.round[data-method=support] li[data-option='{first}'] [data-tally]", has_text="1"
    ).wait_for(timeout=10000)
    console.locator("section.round[data-method=support] button[value=close_round]").click()
    console.wait_for_load_state()
    ayse.locator("section.round-closed[data-method=support]").wait_for(timeout=10000)

    # 5. a dots round on the two measures; the phones show the ballot, the screen bars
    console.locator("#open-round-form > summary").click()
    console.check("#round-method-dots")
    console.check(f"#round-item-{lotsen}")
    console.check(f"#round-item-{cafe}")
    console.check("#round-secret-live")  # the screen's bars move with the votes
    console.fill("#round-budget", "3")
    console.fill("#round-per-item", "2")
    console.locator("form:has(input[value=open_round]) button[type=submit]").click()
    console.wait_for_load_state()
    for page in (ayse, ben):
        ballot = page.locator("section.round[data-method=dots]")
        ballot.wait_for(timeout=10000)
        assert ballot.locator("li[data-option]").count() == 2
        page.locator("[data-task]", has_text="Jetzt: Abstimmen").wait_for()
    screen.locator(".screen-results[data-method=dots]").wait_for()
    screen.wait_for_function(
        "!document.querySelector('.screen-wall .field') || "
        "document.querySelector('.screen-wall .field').offsetParent === null"
    )

    screen.screenshot(path=str(ARTIFACTS / "screen-voting-1920x1080.png"))

    # 6. the phones vote
    def plus(page, option):
        return page.locator(f"section.round li[data-option='{option}'] button[name=value]").nth(1)

    plus(ayse, lotsen).click()
    ayse.wait_for_function(
        "document.querySelector('section.round [data-points-left]').textContent === '2'"
    )
    plus(ayse, lotsen).click()
    ayse.wait_for_function(
        "document.querySelector('section.round [data-points-left]').textContent === '1'"
    )
    plus(ben, lotsen).click()
    ben.wait_for_function(
        "document.querySelector('section.round [data-points-left]').textContent === '2'"
    )
    plus(ben, cafe).click()
    ben.wait_for_function(
        "document.querySelector('section.round [data-points-left]').textContent === '1'"
    )
    # live bars on the screen: the leader is full width, the other a third of it
    screen.wait_for_function(
        f"(() => {{ const w = (id) => document.querySelector("
        f"`.screen-results li[data-option='${{id}}'] [data-bar]`).style.width;"
        f" return w({lotsen}) === '100%' && w({cafe}) === '33%'; }})()",
        timeout=10000,
    )

    # 7. close: the phones show the ranking, the proposal form steps aside
    console.locator("section.round[data-method=dots] button[value=close_round]").click()
    console.wait_for_load_state()
    for page in (ayse, ben):
        result = page.locator("section.round-closed[data-method=dots]")
        result.wait_for(timeout=10000)
        ranking = result.locator("ol.ranking > li")
        assert ranking.nth(0).get_attribute("data-option") == str(lotsen)
        assert "3" in ranking.nth(0).locator("[data-tally]").inner_text()
        page.locator("[data-task]", has_text="Jetzt: Ergebnis").wait_for()
        page.locator("section.propose").wait_for(state="hidden")
        assert page.evaluate("window.__notReloaded") is True
    screen.locator(".screen-results h2", has_text="Ergebnis").wait_for()

    # 8. shortlist the winner for the plenary; the phones see it marked
    console.locator(f"#item-{lotsen} button[value=shortlist]").click()
    console.wait_for_load_state()
    for page in (ayse, ben):
        wall_item(page, "Lotsenprojekt").locator(".badge", has_text="Plenum").wait_for()

    # 9. a countdown and an announcement on phones and the screen
    console.fill("#announce-text", "Danke! Pause bis 15:30")
    console.locator(".announce-form button[type=submit]").click()
    console.fill("#timer-minutes", "2")
    console.locator(".timer-form button[type=submit]").click()
    for page in (ayse, ben, screen):
        page.locator("[data-announcement]", has_text="Danke! Pause bis 15:30").wait_for()
        page.locator("[data-timer]", has_text=re.compile(r"[12]:[0-5]\d")).wait_for()
    left = int(ayse.locator("[data-timer]").get_attribute("data-left"))
    assert 110 <= left <= 120
    for page in (ayse, ben, screen, console):
        page.context.close()


FILLER = [
    "Sprachkurse mit Kinderbetreuung am Vormittag",
    "Mehr Kita-Plätze in der Nordstadt",
    "Lotsen für Behördengänge",
    "Elterncafé an Grundschulen",
    "Bezahlbarer Wohnraum für große Familien",
    "Dolmetscherpool für Arztbesuche",
    "Anerkennung ausländischer Abschlüsse beschleunigen",
    "Interkulturelle Öffnung der Verwaltung",
    "Mehrsprachige Formulare im Bürgeramt",
    "Sportverein für Mädchen öffnen",
]


def test_the_console_keeps_a_round_set_up_but_not_opened_while_the_room_goes_on(browser, live):
    """A phone's proposal refreshes the console; the method and budget the moderator has
    picked for the next round, not yet opened, stay as they are."""
    forum = new_forum(live, title="Fachforum Vorbereitung", items=[("measure", "Lesepaten")])
    console = console_for(browser, live, forum["code"])
    ayse = phone(browser, live, forum["code"], "Ayşe")
    console.check("#round-method-dots")
    console.fill("#round-budget", "4")
    console.locator("h1").click()  # the focus leaves the form; only the changed values hold it
    console.evaluate("document.querySelector('.console-bar').dataset.before = 'refresh'")
    propose(ayse, "Sprachcafé im Stadtteilzentrum", "measure")
    wall_item(console, "Sprachcafé im Stadtteilzentrum").wait_for(timeout=5000)
    # the console's refresh has run (it replaced the parts nobody changed) ...
    console.wait_for_function(
        "!document.querySelector('.console-bar').dataset.before", timeout=5000
    )
    # ... and left the round form as the moderator set it
    assert console.is_checked("#round-method-dots")
    assert console.input_value("#round-budget") == "4"
    console.locator("form:has(input[value=open_round]) button[type=submit]").click()
    console.wait_for_load_state()
    ayse.locator("section.round[data-method=dots]").first.wait_for(timeout=10000)


def test_the_screen_fits_40_items_at_both_sizes(browser, live):
    kinds = ["need", "goal", "measure"]
    items = []
    for n in range(40):
        text = f"{FILLER[n % len(FILLER)]} ({n + 1})"
        if n % 7 == 0:  # some long ones, as people write them
            text += (
                " – damit alle Familien im Quartier wirklich erreicht werden "
                "und niemand an Sprache, Zeit oder Formularen scheitert"
            )
        items.append((kinds[n % 3], text))
    forum = new_forum(
        live,
        title="Fachforum Vierzig",
        items=items,
        announcement="Bitte bis 15:30 Uhr abstimmen",
        timer=600,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1920, 1080), (1280, 720)):
        screen = screen_for(browser, live, forum, width, height)
        screen.wait_for_function("document.querySelectorAll('.screen-wall li.item').length === 40")
        screen.wait_for_timeout(300)  # the fitting pass after the snapshot
        path = ARTIFACTS / f"screen-{width}x{height}.png"
        screen.screenshot(path=str(path))
        assert path.stat().st_size > 10000
        report = screen.evaluate("""() => {
            const inside = (el) => { const r = el.getBoundingClientRect();
                return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0
                    && r.bottom <= innerHeight + 0.5 && r.right <= innerWidth + 0.5; };
            const shown = (el) => el.offsetParent !== null;
            const items = [...document.querySelectorAll('.screen-wall li.item')];
            const visible = items.filter(shown);
            const more = [...document.querySelectorAll('.screen-wall li.more')].filter(shown)
                .reduce((n, li) => n + Number((li.textContent.match(/\\d+/) || [0])[0]), 0);
            const paged = [...document.querySelectorAll('[data-field-section][data-paged]')]
                .reduce((n, f) => n + f.querySelectorAll('li.item').length, 0);
            const qr = document.querySelector('.qr svg');
            const code = document.querySelector('.screen-code strong');
            return {
                scroll: [document.documentElement.scrollWidth,
                    document.documentElement.scrollHeight, innerWidth, innerHeight],
                visible: visible.length,
                outside: visible.filter((el) => !inside(el)).length,
                    more, paged,
                qr: inside(qr) && qr.getBoundingClientRect().width,
                    qrDark: qr.querySelectorAll('path').length,
                code: inside(code) && code.textContent.trim(),
                url: inside(document.querySelector('.screen-url')),
                announcement: inside(document.querySelector('[data-announcement]')),
                timer: inside(document.querySelector('[data-timer]'))
                    && document.querySelector('[data-timer]').textContent,
            };
        }""")
        sw, sh, w, h = report["scroll"]
        assert sw <= w and sh <= h, report  # no scrolling
        assert report["outside"] == 0, report
        # every item is on the screen, counted in a "+ N more", or on the next page
        assert report["visible"] + report["more"] + report["paged"] == 40, report
        assert report["visible"] >= 12, report  # condensed, not emptied
        assert report["qr"] and report["qr"] >= min(200, 0.15 * width) and report["qrDark"] >= 1, (
            report
        )
        assert report["code"] == forum["code"], report
        assert report["url"] and report["announcement"], report
        assert re.match(r"Noch: (10:00|9:[0-5]\d)", report["timer"]), report
        screen.context.close()


def test_the_screen_fits_a_round_on_40_items(browser, live):
    items = [
        (("need", "goal", "measure")[n % 3], f"{FILLER[n % len(FILLER)]} ({n + 1})")
        for n in range(40)
    ]
    forum = new_forum(live, title="Fachforum Vierzig Runde", items=items, round="support")
    ARTIFACTS.mkdir(exist_ok=True)
    screen = screen_for(browser, live, forum, 1280, 720)
    screen.wait_for_function(
        "document.querySelectorAll('.screen-results li[data-option]').length === 40"
    )
    screen.wait_for_timeout(300)
    screen.screenshot(path=str(ARTIFACTS / "screen-round-1280x720.png"))
    report = screen.evaluate("""() => {
        const shown = (el) => el.offsetParent !== null;
        const bars = [...document.querySelectorAll('.screen-results li[data-option]')]
            .filter(shown);
        const outside = bars.filter((el) => { const r = el.getBoundingClientRect();
            return r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5
                || r.top < 0; }).length;
        const more = [...document.querySelectorAll('.screen-results li.more')].filter(shown)
            .reduce((n, li) => n + Number((li.textContent.match(/\\d+/) || [0])[0]), 0);
        return {bars: bars.length, outside, more,
            wall: [...document.querySelectorAll('.screen-wall .field')].filter(shown).length,
                scroll: [document.documentElement.scrollHeight, innerHeight]};
    }""")
    assert report["scroll"][0] <= report["scroll"][1], report
    assert (
        report["outside"] == 0 and report["bars"] + report["more"] == 40 and report["bars"] >= 12
    ), report
    assert report["wall"] == 0, report  # while the room votes, the bars take the wall's place
    assert screen.locator(".screen-code strong").inner_text() == forum["code"]
    screen.context.close()
