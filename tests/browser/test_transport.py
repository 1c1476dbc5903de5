"""The live connection of the pages in real Chromium against a real Daphne: a forum too
large for one WebSocket message, and a command the server could not save yet."""

import json
import subprocess

import pytest

from tests.browser.test_forum_session import phone
from tests.factories import long_text
from tests.live import PYTHON, ROOT

pytestmark = pytest.mark.browser

LARGE_FORUM = r"""
import json, sys, django
django.setup()
from tests.factories import fill_forum, make_forum
from workshops.models import Conference
conference = Conference.objects.get(slug="live")
fields = list(conference.fields.order_by("position", "id"))
forum = make_forum(conference, title="Fachforum Groß", fields=fields)
fill_forum(forum, int(sys.argv[1]), int(sys.argv[2]))
print(json.dumps({"code": forum.code}))
"""


def test_the_phone_page_shows_every_item_of_a_forum_of_500_long_proposals(browser, live):
    out = subprocess.run(
        [PYTHON, "-c", LARGE_FORUM, "500", "500"],
        cwd=ROOT,
        env=live["env"],
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    code = json.loads(out.stdout.strip().splitlines()[-1])["code"]
    page = phone(browser, live, code, "Ayşe")  # waits until the page is live (its snapshot came)
    items = page.locator("li.item p.item-text")
    assert items.count() == 500
    assert items.nth(499).inner_text() == long_text(500).strip()
    page.context.close()


def test_a_proposal_answered_unavailable_stays_in_the_outbox_and_goes_again_with_its_id(
    browser, live
):
    """The first time the page sends the proposal, the answer is `unavailable` (what the
    server says when it cannot save); the page keeps it and sends it again by itself."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    refused, forwarded = [], []

    def route(ws):
        server = ws.connect_to_server()

        def from_page(message):
            frame = json.loads(message)
            if frame.get("type") == "propose" and not refused:
                refused.append(frame["id"])
                ws.send(
                    json.dumps(
                        {
                            "type": "ack",
                            "id": frame["id"],
                            "ok": False,
                            "error": {
                                "code": "unavailable",
                                "message": "Der Server kann gerade nicht speichern.",
                            },
                        }
                    )
                )
                return
            forwarded.append(frame)
            server.send(message)

        ws.on_message(from_page)

    context.route_web_socket("**/ws/forum/**", route)
    page = context.new_page()
    page.goto(f"{live['url']}/j/{live['code']}")
    page.locator("button[type=submit]").first.click()
    page.wait_for_url(f"**/f/{live['code']}/")
    page.wait_for_selector("html[data-live=online]")
    page.select_option("#propose-field", index=1)
    page.check("input[name=kind][value=need]")
    text = "Zweiter Versuch: Beratung in einfacher Sprache"
    page.fill("#propose-text", text)
    page.click("form[data-propose-form] button[type=submit]")
    shown = page.locator("li.item").filter(has_text=text)
    shown.wait_for(timeout=15000)
    page.wait_for_function(
        "localStorage.getItem('mitwirken.outbox.' + document.body.dataset.code) === '[]'"
    )
    assert [f["id"] for f in forwarded if f.get("type") == "propose"] == refused
    assert shown.count() == 1
    context.close()
