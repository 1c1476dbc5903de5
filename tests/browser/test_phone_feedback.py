"""The phone answers "what do I do now, and did it work?", in real Chromium against a
real Daphne: the status line follows the phase and the open round without a reload; a
chosen answer looks chosen and says "✓ gezählt" once the server has it, also after a
reload; a refused vote says why; one's own proposals say "Ihr Beitrag" and nobody else's
do; ballots, results and the projector number the options as the wall does; pausing
live updates sits in the "Mehr" menu. The moderator acts through the socket's
``moderate`` frames (docs/protocol.md), as any client may."""

import re
import uuid

import pytest

from tests.browser.test_forum_session import ARTIFACTS, new_forum, phone

pytestmark = pytest.mark.browser

# A moderator's command over its own socket; resolves with the ack.
MODERATE = """async ([code, frame]) => {
  const ws = new WebSocket(`ws://${location.host}/ws/forum/${code}/`);
  return await new Promise((resolve, reject) => {
    ws.onerror = () => reject(new Error("socket refused"));
    ws.onopen = () => ws.send(JSON.stringify(frame));
    ws.onmessage = (m) => {
      const f = JSON.parse(m.data);
      if (f.type === "ack" && f.id === frame.id) { ws.close(); resolve(f); }
    };
  });
}"""


@pytest.fixture
def moderator(browser, live):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live['url']}/accounts/login/")
    page.fill("#id_username", live["username"])
    page.fill("#id_password", live["password"])
    page.click("button[type=submit]")
    page.wait_for_load_state()

    def act(code, action, **fields):
        frame = {"type": "moderate", "id": uuid.uuid4().hex, "action": action, **fields}
        ack = page.evaluate(MODERATE, [code, frame])
        assert ack["ok"], ack
        return ack.get("result")

    yield act
    context.close()


def task(page, text):
    page.locator("[data-task]", has_text=text).wait_for(timeout=10000)


def test_the_phone_says_what_to_do_and_that_it_worked(browser, live, moderator):
    forum = new_forum(
        live, title="Fachforum Rückmeldung", items=[["measure", "Lotsen"], ["measure", "Café"]]
    )
    code = forum["code"]
    page = phone(browser, live, code, "Ayşe")
    wall = {
        text: int(page.locator("li.item", has_text=text).get_attribute("data-item-id"))
        for text in ("Lotsen", "Café")
    }

    # the first screen: the task, the title once, live updates paused only from the menu
    task(page, "Jetzt: Vorschläge sammeln – Schreiben Sie, was fehlt.")
    assert page.locator("h1").count() == 1
    assert page.locator("[data-task]").bounding_box()["y"] < 300
    pause = page.locator("details[data-more-menu] [data-pause-live]")
    assert pause.count() == 1 and not pause.is_visible()
    page.locator("details[data-more-menu] > summary").click()
    assert pause.is_visible()
    page.locator("details[data-more-menu] > summary").click()

    # one's own proposal is marked at once, nobody else's; and after a reload
    field = page.locator("#propose-field option:not([value=''])").first.get_attribute("value")
    page.select_option("#propose-field", field)
    page.check("input[name=kind][value=need]")
    page.fill("#propose-text", "Kinderbetreuung während der Kurse")
    page.locator("form[data-propose-form] button[type=submit]").click()
    own = page.locator("li.item", has_text="Kinderbetreuung")
    own.locator(".badge-own", has_text="Ihr Beitrag").wait_for(timeout=10000)
    mine = int(own.get_attribute("data-item-id"))
    assert page.locator("li.item", has_text="Lotsen").locator(".badge-own").count() == 0
    assert page.locator("[data-own-list] a").all_inner_texts() == [f"#{mine}"]
    page.reload()
    assert page.locator(f"#item-{mine} .badge-own").inner_text() == "Ihr Beitrag"
    assert page.locator(".badge-own").count() == 1

    # the phase moves: the line follows without a reload
    page.evaluate("window.__notReloaded = true")
    moderator(code, "phase", phase="discussing")
    task(page, "Jetzt: Diskussion")

    # a ballot: the task, the wall's numbers, a chosen answer that stays chosen
    moderator(code, "phase", phase="voting")
    task(page, "Die Abstimmung beginnt gleich.")
    adoption = moderator(code, "open_round", method="adoption", items=list(wall.values()))["id"]
    task(page, "Jetzt: Abstimmen – Ja, Nein oder Enthaltung zu jeder Maßnahme.")
    ballot = page.locator(f"section.round[data-round='{adoption}']")
    numbers = ballot.locator("li[data-option] .item-number").all_inner_texts()
    assert numbers == [f"#{wall['Lotsen']}", f"#{wall['Café']}"]
    for text, item in wall.items():
        assert page.locator(f"#item-{item} .item-number").inner_text() == f"#{item}"
        assert text in ballot.locator(f"li[data-option='{item}']").inner_text()
    assert not re.search(r"^\s*1\.", ballot.locator("li[data-option]").first.inner_text())

    option = ballot.locator(f"li[data-option='{wall['Lotsen']}']")
    yes = option.locator("button[name=value][value='1']")
    yes.click()
    option.locator("[data-vote-state]", has_text="✓ gezählt").wait_for(timeout=10000)
    assert yes.get_attribute("aria-pressed") == "true"
    assert option.locator("button[aria-pressed=true]").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone-ballot-counted-390x844.png"))
    assert page.evaluate("window.__notReloaded") is True
    page.reload()
    option = page.locator(f"section.round li[data-option='{wall['Lotsen']}']")
    assert option.locator("button[value='1']").get_attribute("aria-pressed") == "true"
    assert option.locator("[data-vote-state]").inner_text() == "✓ gezählt"
    other = page.locator(f"section.round li[data-option='{wall['Café']}'] [data-vote-state]")
    assert other.inner_text() == ""
    page.evaluate("window.__notReloaded = true")

    # a vote the server refuses says why and changes nothing (the round closed meanwhile,
    # while this phone's live updates were paused)
    page.wait_for_selector("html[data-live=online]")
    page.locator("details[data-more-menu] > summary").click()
    page.locator("[data-pause-live]").click()
    moderator(code, "close_round", round=adoption)
    option.locator("button[name=value][value='-1']").click()
    refused = option.locator("[data-vote-state].is-refused")
    refused.wait_for(timeout=10000)
    assert "✓" not in refused.inner_text() and refused.inner_text().strip()
    assert option.locator("button[value='1']").get_attribute("aria-pressed") == "true"
    page.locator("[data-pause-live]").click()

    # dots: the points left in the line, and in view while scrolling the ballot
    dots = moderator(
        code, "open_round", method="dots", items=list(wall.values()), budget=3, per_item=2
    )["id"]
    task(page, "Jetzt: Abstimmen – Sie haben noch 3 Punkte.")
    section = page.locator(f"section.round[data-round='{dots}']")
    points = section.locator(".points-left")
    assert points.evaluate("el => getComputedStyle(el).position") == "sticky"
    section.locator(f"li[data-option='{wall['Café']}'] button[name=value]").nth(1).click()
    task(page, "Sie haben noch 2 Punkte.")
    assert section.locator("[data-points-left]").inner_text() == "2"
    section.locator("li[data-option]").last.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "phone-dots-points-in-view-390x844.png"))

    # the result: the line, and the phone's and the projector's results by the wall's numbers
    moderator(code, "close_round", round=dots)
    moderator(code, "phase", phase="results")
    task(page, "Jetzt: Ergebnis")
    result = page.locator(f"section.round-closed[data-round='{dots}']")
    result.wait_for(timeout=10000)
    assert result.locator("li[data-option] .item-number").first.inner_text() == (f"#{wall['Café']}")
    screen = page.request.get(f"{live['url']}/f/{code}/screen/?key={forum['screen_key']}").text()
    number = f'<span class="item-number">#{wall["Café"]}</span>'
    assert re.search(number + r'\s*<bdi class="item-text" dir="auto">Café</bdi>', screen)
    assert page.evaluate("window.__notReloaded") is True
    page.context.close()
