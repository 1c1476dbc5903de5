"""A conference as the people in the room live it, through the pages only, in Chromium
against a real Daphne on default settings: a moderator, the projector at 1920×1080, five
phones in German, Turkish and Arabic. A need, a goal answering it and two measures
answering the goal; a dot-voting round on the phones' ballots; the ranking; the winner
shortlisted; the plenary's adoption round on four phones; the results published; the
exports downloaded by someone without an account.

It checks what a person checks: every ballot line and every result names its item's
text, the projector's badges are legible (contrast computed from the computed styles),
the results equal the votes cast, and no page shows a JavaScript error, a CSP violation
or a server error. Screenshots of each step go to test-artifacts/journey-*.png."""

import json
import re

import pytest

from tests.live import ROOT, Server, base_env, prepare

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"

SETUP = r"""
import json, django
django.setup()
from tests.factories import make_conference, make_field, make_forum, make_moderator
conference = make_conference(slug="journey", title="5. Integrationskonferenz",
                             languages=["de", "en", "tr", "ar"])
bildung = make_field(conference, "Bildung, Erziehung & Sprache")
bildung.description = "Gleiche Chancen von der Kita bis zum Beruf."
bildung.save()
wohnen = make_field(conference, "Wohnen", 1)
forum = make_forum(conference, title="Fachforum Sprache und Bildung", fields=[bildung])
plenary = make_forum(conference, title="Plenum", kind="plenary", fields=[bildung, wohnen])
make_moderator(conference, username="journey", password="journey-passwort-1")
print(json.dumps({"forum": forum.code, "plenary": plenary.code,
                  "screen_key": forum.screen_key, "plenary_key": plenary.screen_key}))
"""

NEED = "Es fehlen Sprachkurse mit Kinderbetreuung"
GOAL = "Jede Mutter kann einen Sprachkurs besuchen"
MEASURE_A = "Sprachkurse am Vormittag mit Kita-Betreuung"
MEASURE_B = "دورات لغة في المساجد والمراكز الثقافية"  # Arabic, from Fadi's phone
LEAD = "Volkshochschule"  # who leads measure B, and by when (the plenary shows both)
TIMEFRAME = "bis Sommer 2027"


def contrast_script():
    """The WCAG contrast of each badge's text against the first opaque background
    behind it, from the computed styles."""
    return """(selector) => {
      const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
      const lum = ([r, g, b]) => {
        const c = [r, g, b].map((v) => { v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
      };
      const background = (el) => {
        for (let e = el; e; e = e.parentElement) {
          const c = rgb(getComputedStyle(e).backgroundColor);
          if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
        }
        return [255, 255, 255];
      };
      return [...document.querySelectorAll(selector)].filter((el) => el.offsetParent !== null)
          .map((el) => {
        const a = lum(rgb(getComputedStyle(el).color).slice(0, 3)), b = lum(background(el));
        return [el.textContent.trim(), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
      });
    }"""


class Room:
    """The contexts of one test, each watched for JavaScript errors, CSP violations and
    server errors."""

    def __init__(self, browser, url):
        self.browser, self.url = browser, url
        self.problems: list[str] = []
        self.contexts = []

    def page(self, width=390, height=844, locale="de-DE"):
        context = self.browser.new_context(
            viewport={"width": width, "height": height}, locale=locale, bypass_csp=False
        )
        self.contexts.append(context)
        return self.watch(context.new_page())

    def watch(self, page):
        page.on("pageerror", lambda error: self.problems.append(f"JavaScript error: {error}"))
        page.on(
            "console",
            lambda m: (
                self.problems.append(f"{m.text} ({m.location.get('url')})")
                if "Content Security Policy" in m.text
                or m.type == "error"
                and "WebSocket" not in m.text
                else None
            ),
        )
        page.on(
            "response",
            lambda r: self.problems.append(f"{r.status} {r.url}") if r.status >= 500 else None,
        )
        return page

    def phone(self, code, name, language, locale):
        page = self.page(locale=locale)
        page.goto(f"{self.url}/j/{code}")
        page.fill("#join-name", name)
        page.select_option("#join-language", language)
        page.locator("form.join-form button[type=submit]").last.click()
        page.wait_for_url(f"**/f/{code}/")
        page.wait_for_selector("html[data-live=online]")
        return page

    def join(self, page, code):
        """A phone already in the conference opens another forum (the plenary)."""
        page.goto(f"{self.url}/j/{code}")
        page.locator("form.join-form button[type=submit]").last.click()
        page.wait_for_url(f"**/f/{code}/")
        page.wait_for_selector("html[data-live=online]")

    def close(self):
        for context in self.contexts:
            context.close()


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"), full_page=True)


def foreign_words(page) -> list[str]:
    """Latin-script text a right-to-left page shows outside an isolate (bdi, dir=auto):
    on an Arabic page, either an untranslated label or a person's or the city's text
    left to turn the line around. The product's name is the one expected.

    Not the live region (data-announcer): it is spoken, never shown, so it has no line to
    turn around, and it holds the last batch of announcements, whose people's texts
    depend on where the batch's 2.5 s happened to fall (a measure arriving just before
    one's own proposal is announced with it)."""
    return page.evaluate("""() => {
      const out = [];
      const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const text = n.textContent.trim(), el = n.parentElement;
        if (!/[A-Za-zÄÖÜäöüß]/.test(text) || !el || el.offsetParent === null) continue;
        if (el.closest("bdi, [dir=auto], [dir=ltr], option, select, [data-announcer]")) continue;
        out.push(text.slice(0, 60));
      }
      return out;
    }""")


def wall_item(page, text):
    return page.locator("li.item").filter(has=page.locator(".item-text", has_text=text))


def propose(page, kind, text, refs=()):
    page.select_option(
        "#propose-field", index=0 if page.locator("#propose-field option").count() == 1 else 1
    )
    page.check(f"input[name=kind][value={kind}]")
    if refs and page.locator("details[data-answers]").get_attribute("open") is None:
        page.click("details[data-answers] > summary")
    for ref in refs:
        page.check(f"fieldset[data-refs-for={kind}] input[name=refs][value='{ref}']")
    page.fill("#propose-text", text)
    page.click("form[data-propose-form] button[type=submit]")
    wall_item(page, text).wait_for()


def add_details(room, console, url, text, details):
    """The staff fill in a measure's planning details on the measures page (participants
    are not asked for them on the phone), in a tab of the moderator's browser."""
    office = room.watch(console.context.new_page())
    office.goto(f"{url}/c/journey/measures/manage/")
    article = office.locator("article.measure").filter(has_text=text)
    article.locator("details > summary").last.click()
    for name, value in details.items():
        article.locator(f"input[name={name}]").fill(value)
    article.locator("form:has(input[name=action][value=details]) button").click()
    office.wait_for_load_state()
    article = office.locator("article.measure").filter(has_text=text)
    for name, value in details.items():
        assert article.locator(f"input[name={name}]").input_value() == value
    office.close()


def item_id(page, text) -> int:
    return int(wall_item(page, text).first.get_attribute("data-item-id"))


def give_points(page, option, times):
    for _ in range(times):
        line = page.locator(f"section.round[data-method=dots] li[data-option='{option}']")
        before = int(line.locator("output.dots").inner_text())
        line.locator("button[name=value]").nth(1).click()
        line.locator("output.dots", has_text=str(before + 1)).wait_for()


@pytest.fixture(scope="module")
def journey_server(tmp_path_factory):
    """A server of its own, on default settings, with an empty conference."""
    env = base_env(tmp_path_factory.mktemp("journey"))
    info = prepare(env, SETUP)
    server = Server(env).start()
    info["url"] = server.url
    yield info
    server.stop()


def test_a_conference_from_the_first_proposal_to_the_published_documents(browser, journey_server):
    info, url = journey_server, journey_server["url"]
    room = Room(browser, url)
    try:
        run_the_day(room, info, url)
    finally:
        room.close()
    assert room.problems == []


def run_the_day(room, info, url):
    code, plenary = info["forum"], info["plenary"]
    console = room.page(1366, 900)
    console.goto(f"{url}/f/{code}/moderate/")
    console.fill("#id_username", "journey")
    console.fill("#id_password", "journey-passwort-1")
    console.click("button[type=submit]")
    console.wait_for_url(re.compile(r".*/moderate/$"))
    console.wait_for_selector("html[data-live=online]")
    screen = room.page(1920, 1080)
    screen.goto(f"{url}/f/{code}/screen/?key={info['screen_key']}")
    screen.wait_for_selector("html[data-live=online]")
    assert screen.locator("[data-pause-live]:visible").count() == 0  # no audience control

    ben = room.phone(code, "Ben", "de", "de-DE")
    carla = room.phone(code, "Carla", "de", "de-DE")
    ayse = room.phone(code, "Ayşe", "tr", "tr-TR")
    dilan = room.phone(code, "Dilan", "tr", "tr-TR")
    fadi = room.phone(code, "فادي", "ar", "ar")
    phones = [ben, carla, ayse, dilan, fadi]
    assert fadi.locator("html").get_attribute("dir") == "rtl"
    # the conference's title is isolated: ".5 Integrationskonferenz" would be the bug
    assert fadi.locator(".eyebrow bdi", has_text="5. Integrationskonferenz").count() == 1
    assert ben.locator("h1").count() == 1
    assert "Gleiche Chancen von der Kita bis zum Beruf." in ben.locator("body").inner_text()

    # 1. A need, a goal answering it, two measures answering the goal.
    propose(ben, "need", NEED)
    # the thanks a person sees (the ack may come after the wall's event has drawn the item)
    ben.locator("[data-toast]").wait_for(state="visible")
    assert "Danke" in ben.locator("[data-toast]").inner_text()
    need = item_id(ben, NEED)
    ayse.check("input[name=kind][value=need]")
    assert ayse.locator("fieldset[data-refs-for=goal]").is_hidden()
    assert ayse.locator("fieldset[data-refs-for=measure]").is_hidden()
    propose(ayse, "goal", GOAL, refs=[need])
    goal = item_id(ayse, GOAL)
    propose(carla, "measure", MEASURE_A, refs=[goal])
    propose(fadi, "measure", MEASURE_B, refs=[goal])
    add_details(room, console, url, MEASURE_B, {"lead": LEAD, "timeframe": TIMEFRAME})
    a, b = item_id(carla, MEASURE_A), item_id(fadi, MEASURE_B)
    for page in (*phones, screen):
        for text in (NEED, GOAL, MEASURE_A, MEASURE_B):
            wall_item(page, text).wait_for()
    shot(ben, "1-phone-wall")
    shot(screen, "1-screen-wall")

    # 2. A dot-voting round on the two measures: 3 points, at most 2 on one. The
    # moderator sees both measures offered on the console before choosing them.
    for option in (a, b):
        console.locator(f"#round-item-{option}").wait_for(state="attached")
    details = console.locator("#open-round-form")
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()
    console.check("#round-method-dots")
    console.check(f"#round-item-{a}")
    console.check(f"#round-item-{b}")
    console.check("#round-secret-live")  # the room watches the totals move
    console.fill("#round-budget", "3")
    console.fill("#round-per-item", "2")
    console.locator("form:has(input[value=open_round]) button[type=submit]").click()
    console.wait_for_load_state()
    for page in phones:
        ballot = page.locator("section.round[data-method=dots]")
        ballot.wait_for(timeout=10000)
        # every ballot line names its own item, and labels one's points apart from the room's
        lines = ballot.locator("li[data-option]")
        assert lines.count() == 2
        for option, text in ((a, MEASURE_A), (b, MEASURE_B)):
            line = ballot.locator(f"li[data-option='{option}']")
            assert line.locator(".item-text").first.inner_text().strip() == text
        if page is ben:
            shown = ballot.inner_text()
            assert "Ihre Punkte" in shown and "Im Raum" in shown, shown
    votes = {ben: (2, 1), carla: (2, 0), ayse: (1, 2), dilan: (1, 1), fadi: (0, 2)}
    for page, (on_a, on_b) in votes.items():
        give_points(page, a, on_a)
        give_points(page, b, on_b)
    # the limits shown and enforced: Carla's third point on A is refused with a reason
    plus = carla.locator(f"section.round li[data-option='{a}'] button[name=value]").nth(1)
    assert plus.is_disabled()
    assert (
        carla.locator(f"section.round li[data-option='{a}'] [data-vote-reason]")
        .inner_text()
        .strip()
    )
    expected = {a: sum(v[0] for v in votes.values()), b: sum(v[1] for v in votes.values())}  # 6, 6
    assert expected == {a: 6, b: 6}
    give_points(carla, b, 1)  # her last point decides: A 6, B 7
    expected[b] += 1
    # her budget is spent: the other "+" is off too, saying why; "0 / 3" left
    ballot = carla.locator("section.round[data-method=dots]")
    assert ballot.locator(f"li[data-option='{b}'] button[name=value]").nth(1).is_disabled()
    assert (
        "Alle Ihre Punkte sind vergeben"
        in ballot.locator(f"li[data-option='{b}'] [data-vote-reason]").inner_text()
    )
    # the room's totals on the phones and the projector's live bars reach the votes cast
    for page in (carla, fadi, screen):
        for option in (a, b):
            page.locator(
                f"li[data-option='{option}']",
                has_text=re.compile(rf"Punkte: {expected[option]}\b|النقاط: {expected[option]}\b"),
            ).first.wait_for(timeout=10000)
    shot(carla, "2-phone-dot-ballot")
    shot(fadi, "2-phone-dot-ballot-ar")
    assert foreign_words(fadi) == ["Mitwirken"]  # with the measure's details still open
    shot(screen, "2-screen-voting")

    # 3. Close: the ranking on every phone, the console and the projector equals the votes.
    console.locator("section.round[data-method=dots] button[value=close_round]").click()
    console.wait_for_load_state()
    for page in phones:
        ranking = page.locator("section.round-closed[data-method=dots] ol.ranking > li")
        ranking.first.wait_for(timeout=10000)
        assert ranking.nth(0).get_attribute("data-option") == str(b)
        assert str(expected[b]) in ranking.nth(0).locator("[data-tally]").inner_text()
        assert MEASURE_B in ranking.nth(0).inner_text()
        assert MEASURE_A in ranking.nth(1).inner_text()
    screen_rank = screen.locator(".screen-results ol > li, .screen-results li[data-option]")
    screen_rank.first.wait_for()
    assert screen_rank.count() == 2
    for n, (option, text) in enumerate(((b, MEASURE_B), (a, MEASURE_A))):
        shown = screen_rank.nth(n).inner_text()
        assert text in shown and f"{n + 1}." in shown and f"Punkte: {expected[option]}" in shown, (
            shown
        )
    console_rank = console.locator("section.round-closed[data-method=dots] ol.ranking > li")
    console_rank.first.wait_for()
    for n, (option, text) in enumerate(((b, MEASURE_B), (a, MEASURE_A))):
        shown = console_rank.nth(n).inner_text()
        assert text in shown and f"Punkte: {expected[option]}" in shown, shown
    shot(screen, "3-screen-ranking")
    shot(fadi, "3-phone-ranking-ar")
    shot(dilan, "3-phone-ranking-tr")

    # 4. The winner goes to the plenary, from the ranking.
    closed = console.locator("section.round-closed[data-method=dots]")
    closed.locator(f"li[data-option='{b}'] [data-shortlist]").click()
    console.wait_for_load_state()
    for page in (ben, screen):
        wall_item(page, MEASURE_B).locator(".badge").first.wait_for(timeout=10000)
    badges = screen.evaluate(contrast_script(), ".badge")
    assert badges, "the projector shows the shortlisted item's badge"
    assert all(ratio >= 4.5 for _, ratio in badges), badges
    shot(console, "4-console-ranking")
    shot(screen, "4-screen-badges")

    # 5. The plenary adopts it on four phones.
    plenary_console = room.watch(console.context.new_page())
    plenary_console.goto(f"{url}/f/{plenary}/moderate/")
    plenary_console.wait_for_selector("html[data-live=online]")
    plenary_screen = room.page(1920, 1080)
    plenary_screen.goto(f"{url}/f/{plenary}/screen/?key={info['plenary_key']}")
    plenary_screen.wait_for_selector("html[data-live=online]")
    voters = [ben, carla, ayse, fadi]
    for page in voters:
        room.join(page, plenary)
    details = plenary_console.locator("#open-round-form")
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()
    plenary_console.check("#round-method-adoption")
    plenary_console.select_option("#round-kind", "measure")
    plenary_console.locator("form:has(input[value=open_round]) button[type=submit]").click()
    plenary_console.wait_for_load_state()
    for page in voters:
        line = page.locator(f"section.round[data-method=adoption] li[data-option='{b}']")
        line.wait_for(timeout=10000)
        shown = line.inner_text()
        assert MEASURE_B in shown, shown  # the ballot says which measure is adopted
        assert (
            "Fachforum Sprache und Bildung" in shown and "Bildung, Erziehung & Sprache" in shown
        ), shown
        assert LEAD in shown and TIMEFRAME in shown and GOAL in shown, shown
    shown = plenary_console.locator("section.round[data-method=adoption]").inner_text()
    assert MEASURE_B in shown and LEAD in shown and "Fachforum Sprache und Bildung" in shown, shown
    bar = plenary_screen.locator(".screen-results li", has_text=MEASURE_B).first
    bar.wait_for(timeout=10000)
    assert LEAD in bar.inner_text() and "Fachforum Sprache und Bildung" in bar.inner_text()
    shot(fadi, "5-phone-plenary-ballot")
    assert foreign_words(fadi) == ["Mitwirken"]
    shot(ben, "5-phone-plenary-ballot-de")
    shot(plenary_console, "5-console-plenary-round")
    for page, value in zip(voters, ["1", "1", "1", "-1"], strict=True):
        button = page.locator(
            f"section.round[data-method=adoption] li[data-option='{b}'] "
            f"button[name=value][value='{value}']"
        )
        button.click()
        page.locator(
            f"section.round[data-method=adoption] li[data-option='{b}'] "
            f"button[name=value][value='{value}'][aria-pressed=true]"
        ).wait_for()
    plenary_console.locator("section.round[data-method=adoption] button[value=close_round]").click()
    plenary_console.wait_for_load_state()
    result = plenary_screen.locator(".screen-results")
    result.wait_for()
    result.locator("li", has_text=MEASURE_B).first.wait_for(timeout=10000)
    tally = result.locator("li", has_text=MEASURE_B).first.locator("[data-tally], .tally")
    tally.filter(has_text="Ja 3").first.wait_for(timeout=10000)
    assert "Nein 1" in tally.first.inner_text() and "Enthaltung 0" in tally.first.inner_text()
    shot(plenary_screen, "5-screen-plenary-result")
    badges = plenary_screen.evaluate(contrast_script(), ".badge")
    assert all(ratio >= 4.5 for _, ratio in badges), badges
    for page in voters:
        closed = page.locator("section.round-closed[data-method=adoption]")
        closed.wait_for(timeout=10000)
        assert MEASURE_B in closed.inner_text()
    if plenary_console.locator(f"#item-{b} button[value=adopt]").count():
        plenary_console.locator(f"#item-{b} button[value=adopt]").first.click()
        plenary_console.wait_for_load_state()

    # 6. The results are published; someone without an account downloads the documents.
    console.goto(f"{url}/c/journey/export/")
    console.locator("button[name=published][value='1']").click()
    console.wait_for_load_state()
    assert console.locator("a[href$='/moderate/']").count() >= 1  # the way back to the console
    shot(console, "6-exports-page")
    anonymous = room.browser.new_context()
    room.contexts.append(anonymous)
    for kind in ("measures", "documentation"):
        for fmt in ("xlsx", "docx", "pdf", "csv", "json"):
            response = anonymous.request.get(f"{url}/c/journey/export/{kind}.{fmt}")
            assert response.status == 200, (kind, fmt, response.status)
            assert len(response.body()) > 200, (kind, fmt)
            (ARTIFACTS / f"journey-{kind}.{fmt}").write_bytes(response.body())  # to print
    measures = anonymous.request.get(f"{url}/c/journey/export/measures.json").json()
    assert MEASURE_B in json.dumps(measures, ensure_ascii=False)
    status = room.page()
    status.goto(f"{url}/c/journey/measures/")
    assert MEASURE_B in status.locator("body").inner_text()
    shot(status, "6-status-page")
