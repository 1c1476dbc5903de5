"""The phone as a participant sees it, in real Chromium against a real Daphne: a visible
thanks after proposing and one's own item marked and editable; the proposal form shows
only what fits the chosen kind (also without JavaScript); dot ballots label one's own
points and the room's total and say why "+" is off; user- and city-written titles keep
their own direction in an Arabic page. Screenshots go to test-artifacts/."""

import json
import re
import subprocess
import time

import pytest

from tests.live import PYTHON, ROOT

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"

SETUP = r"""
import json, sys, django
django.setup()
from django.contrib.auth import get_user_model
from tests.factories import make_conference, make_field, make_forum, moderator_actor
from workshops.models import Forum, Item
from workshops.services.items import propose_item
from workshops.services.rounds import open_round
spec = json.loads(sys.argv[1])
if spec.get("round_on"):  # a round that holds an item of an existing forum
    forum = Forum.objects.get(code=spec["code"])
    mod = moderator_actor(forum.conference.moderators.get())
    open_round(actor=mod, forum=forum, method="support", items=[spec["round_on"]])
    print(json.dumps({}))
    sys.exit()
import secrets
conference = make_conference(slug="phone-" + secrets.token_hex(4), title="5. Integrationskonferenz",
                             languages=["de", "ar", "tr"])
conference.moderators.add(get_user_model().objects.get(username="moderation"))
fields = [make_field(conference, "Bildung, Erziehung & Sprache"),
          make_field(conference, "2. Wohnen", 1)]
forum = make_forum(conference, title="Fachforum 1: Sprache", fields=fields)
mod = moderator_actor(conference.moderators.get())
ids = []
for kind, text in spec.get("items", []):
    ids.append(propose_item(actor=mod, forum=forum, field=fields[0].pk, kind=kind, text=text).pk)
if spec.get("dots"):
    budget, per_item = spec["dots"]
    open_round(actor=mod, forum=forum, method="dots", items=ids, budget=budget, per_item=per_item,
               secret=False)  # the room's totals live
print(json.dumps({"code": forum.code, "ids": ids}))
"""


def setup(live, **spec) -> dict:
    out = subprocess.run(
        [PYTHON, "-c", SETUP, json.dumps(spec)],
        cwd=ROOT,
        env=live["env"],
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def phones(browser, live):
    """Open phones that joined a forum; every page's JavaScript errors are collected."""
    contexts, errors = [], []

    def _open(code, name, *, javascript=True, locale="de-DE", language=None):
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, locale=locale, java_script_enabled=javascript
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live['url']}/j/{code}")
        page.fill("#join-name", name)
        if language:
            page.select_option("#join-language", language)
        page.locator("button[type=submit]").first.click()
        page.wait_for_url(f"**/f/{code}/")
        if javascript:
            page.wait_for_selector("html[data-live=online]")
        return page

    yield _open
    for context in contexts:
        context.close()
    assert errors == []


def item(page, text):
    return page.locator("li.item").filter(has=page.locator("p.item-text", has_text=text))


def in_view(locator) -> bool:
    return locator.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }"
    )


def fill_proposal(page, text, kind, refs=()):
    page.select_option("#propose-field", index=1)
    page.check(f"input[name=kind][value={kind}]")
    page.fill("#propose-text", text)
    for ref in refs:
        page.check(f"input[name=refs][value='{ref}']")
    page.click("form[data-propose-form] button[type=submit]")


def test_a_proposal_is_thanked_visibly_marked_as_ones_own_and_can_be_changed(phones, live):
    ARTIFACTS.mkdir(exist_ok=True)
    forum = setup(live, items=[["need", f"Bedarf {n}"] for n in range(8)])
    ayse, ben = phones(forum["code"], "Ayşe"), phones(forum["code"], "Ben")

    fill_proposal(ayse, "Sprachkurse mit Kinderbetreuung", "need")
    toast = ayse.locator("[data-toast]")
    toast.wait_for(state="visible")
    assert toast.inner_text().startswith("Danke, Ihr Vorschlag ist an der Pinnwand.")
    mine = item(ayse, "Sprachkurse mit Kinderbetreuung")
    mine.wait_for()
    assert "Ihr Beitrag" in mine.inner_text()
    assert "just-added" in mine.get_attribute("class")
    ayse.wait_for_timeout(400)  # the scroll into view
    assert in_view(mine)
    ayse.screenshot(path=str(ARTIFACTS / "phone-after-proposing.png"))
    time.sleep(2.5)  # not wiped by the connection status at once
    assert toast.is_visible() and "Danke" in toast.inner_text()
    assert "Danke" not in ayse.locator("[data-connection]").inner_text()

    theirs = item(ben, "Sprachkurse mit Kinderbetreuung")
    theirs.wait_for()
    assert "Ihr Beitrag" not in theirs.inner_text()
    assert theirs.locator("[data-own-form]").count() == 0

    # edit: the other phone follows
    mine.locator("details.own-actions > summary").click()
    mine.locator("textarea[name=text]").fill("Sprachkurse am Abend, mit Kinderbetreuung")
    mine.locator("button[value=edit]").click()
    item(ben, "Sprachkurse am Abend").wait_for()
    assert "Ihr Vorschlag ist geändert." in toast.inner_text()
    edited = item(ayse, "Sprachkurse am Abend")
    assert "Ihr Beitrag" in edited.inner_text()

    # withdraw a second one: gone on both phones
    fill_proposal(ayse, "Ein Versehen", "need")
    item(ben, "Ein Versehen").wait_for()
    mistake = item(ayse, "Ein Versehen")
    mistake.locator("details.own-actions > summary").click()
    mistake.locator("button[value=withdraw]").click()
    item(ben, "Ein Versehen").wait_for(state="detached")
    mistake.wait_for(state="detached")
    assert "Ihr Vorschlag ist zurückgezogen." in toast.inner_text()

    # a round holds the first one: the form goes at once, and after a reload too
    setup(live, code=forum["code"], round_on=int(edited.get_attribute("data-item-id")))
    edited.locator("[data-own-form]").wait_for(state="detached")
    assert "Ihr Beitrag" in edited.inner_text()
    ayse.reload()
    ayse.wait_for_selector("html[data-live=online]")
    edited = item(ayse, "Sprachkurse am Abend")
    assert "Ihr Beitrag" in edited.inner_text() and edited.locator("[data-own-form]").count() == 0


def visible_parts(page) -> dict:
    return {
        name: page.locator(selector).is_visible()
        for name, selector in (
            ("answers", "[data-answers]"),
            ("needs", "[data-refs-for=goal]"),
            ("goals", "[data-refs-for=measure]"),
        )
    }


@pytest.mark.parametrize("javascript", [False, True], ids=["without-javascript", "with-javascript"])
def test_the_form_shows_only_what_fits_the_chosen_kind(phones, live, javascript):
    forum = setup(
        live, items=[["need", "Kinderbetreuung fehlt"], ["goal", "Alle Eltern sprechen Deutsch"]]
    )
    page = phones(forum["code"], "Ayşe", javascript=javascript)
    nothing = {"answers": False, "needs": False, "goals": False}
    assert visible_parts(page) == nothing
    page.check("input[name=kind][value=need]")
    assert visible_parts(page) == nothing
    page.check("input[name=kind][value=goal]")
    assert visible_parts(page) == {**nothing, "answers": True}
    page.locator("[data-answers] > summary").click()
    assert visible_parts(page) == {**nothing, "answers": True, "needs": True}
    page.check("input[name=kind][value=measure]")
    assert visible_parts(page) == {"answers": True, "needs": False, "goals": True}
    # a measure's planning details are the staff's, not asked here
    assert page.locator("[data-propose-form] input[name=lead]").count() == 0
    if javascript:
        return
    # without JavaScript the plain form lands on the new item, highlighted, the thanks in view
    need = forum["ids"][0]
    page.check("input[name=kind][value=goal]")
    page.select_option("#propose-field", index=1)
    page.fill("#propose-text", "Jedes Kind spricht bei der Einschulung Deutsch")
    page.check(f"[data-refs-for=goal] input[value='{need}']")
    page.click("form[data-propose-form] button[type=submit]")
    page.wait_for_url(re.compile(r".*#item-\d+$"))
    mine = page.locator(":target")
    assert "Jedes Kind spricht" in mine.inner_text() and "Ihr Beitrag" in mine.inner_text()
    assert in_view(page.locator(".message-success")) and in_view(mine)
    # and the plain forms change and withdraw it
    mine.locator("details.own-actions > summary").click()
    mine.locator("textarea[name=text]").fill("Jedes Kind spricht Deutsch")
    mine.locator("button[value=edit]").click()
    assert "Ihr Vorschlag ist geändert." in page.locator(".messages").inner_text()
    mine = page.locator(":target")
    assert mine.locator("p.item-text").inner_text() == "Jedes Kind spricht Deutsch"
    mine.locator("details.own-actions > summary").click()
    mine.locator("button[value=withdraw]").click()
    assert "Ihr Vorschlag ist zurückgezogen." in page.locator(".messages").inner_text()
    assert item(page, "Jedes Kind spricht").count() == 0


def test_a_dot_ballot_labels_both_numbers_and_says_why_plus_is_off(phones, live):
    ARTIFACTS.mkdir(exist_ok=True)
    forum = setup(
        live,
        items=[["measure", "Sprachcafé"], ["measure", "Elternlotsen"], ["measure", "Kita-Plätze"]],
        dots=[3, 2],
    )
    page = phones(forum["code"], "Ayşe")
    ballot = page.locator("section.round[data-method=dots]")
    lines = [ballot.locator(f"li[data-option='{i}']") for i in forum["ids"]]
    for line in lines:
        text = line.inner_text()
        assert "Ihre Punkte" in text and "Im Raum:" in text and "Punkte: 0" in text
    first, second, third = lines

    def plus(line):
        return line.locator("button[aria-label='Ein Punkt mehr']")

    plus(first).click()
    first.locator("output.dots").filter(has_text="1").wait_for()
    plus(first).click()
    first.locator("output.dots").filter(has_text="2").wait_for()
    assert plus(first).is_disabled()
    assert (
        first.locator("[data-vote-reason]").inner_text()
        == "Höchstens 2 Punkte für einen Vorschlag."
    )
    assert second.locator("[data-vote-reason]").inner_text() == ""
    plus(second).click()
    page.locator("[data-points-left]").filter(has_text="0").wait_for()
    for line in (second, third):
        assert plus(line).is_disabled()
        assert (
            line.locator("[data-vote-reason]")
            .inner_text()
            .startswith("Alle Ihre Punkte sind vergeben.")
        )
    first.locator("[data-tally]").filter(
        has_text="Punkte: 2"
    ).wait_for()  # the room's total follows
    page.screenshot(path=str(ARTIFACTS / "phone-dot-ballot.png"), full_page=True)
    page.reload()  # the server-rendered ballot says the same
    assert (
        page.locator(f"li[data-option='{forum['ids'][0]}'] [data-vote-reason]").inner_text()
        == "Höchstens 2 Punkte für einen Vorschlag."
    )
    assert (
        page.locator(f"li[data-option='{forum['ids'][2]}'] [data-vote-reason]")
        .inner_text()
        .startswith("Alle Ihre Punkte sind vergeben.")
    )


ORDER = """(el, parts) => {
  // where each part's first character is drawn, left to right
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let node, text = "";
  const nodes = [];
  while ((node = walker.nextNode())) { nodes.push([node, text.length]); text += node.data; }
  return parts.map((part) => {
    const at = text.indexOf(part);
    const [hit, start] = nodes.filter(([n, s]) => s <= at).pop();
    const range = document.createRange();
    range.setStart(hit, at - start);
    range.setEnd(hit, at - start + 1);
    return range.getBoundingClientRect().left;
  });
}"""


def test_an_arabic_page_shows_german_titles_in_their_own_order_and_once(phones, live):
    forum = setup(live, items=[["need", "5. Sprachkurse"]])
    page = phones(forum["code"], "Leyla", locale="ar", language="ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    # "5. Integrationskonferenz", not ".5 Integrationskonferenz"
    five, dot = page.locator(".eyebrow").evaluate(ORDER, ["5", "."])
    assert five < dot
    one, colon = page.locator("h1").evaluate(ORDER, ["1", ":"])
    assert one < colon  # "Fachforum 1: Sprache"
    two, point = page.locator("[data-field-section] h2").nth(1).evaluate(ORDER, ["2", "."])
    assert two < point  # the field "2. Wohnen"
    # the forum title once at the top: in the heading, not again in the header
    assert "Fachforum 1: Sprache" not in page.locator("header").inner_text()
    assert page.locator("main").inner_text().count("Fachforum 1: Sprache") == 1
    # JavaScript-drawn items keep their direction too
    five, dot = item(page, "Sprachkurse").locator("p.item-text").evaluate(ORDER, ["5", "."])
    assert five < dot
