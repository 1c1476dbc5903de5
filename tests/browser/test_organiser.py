"""The integration office sets up a conference from scratch in Chromium, against a real
Daphne, in German: the details, two action fields (one with a guiding goal and a
sub-goal), two forums with room and time (a time that ends before it starts is refused
first), and an invitation; the invited moderator opens the link in a browser of their
own, sets a password and lands in the console of their forum, and only that one.
Screenshots of each step go to test-artifacts/organiser-*.png."""

import re

import pytest

from tests.browser.a11y import axe_violations
from tests.live import ROOT, Server, base_env, prepare

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"

SETUP = r"""
import json, django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
user = get_user_model().objects.create_user("integrationsbuero", password="buero-passwort-2027")
user.user_permissions.add(Permission.objects.get(codename="organise"))
print(json.dumps({"username": "integrationsbuero", "password": "buero-passwort-2027"}))
"""


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    env = base_env(tmp_path_factory.mktemp("organiser"))
    info = prepare(env, SETUP)
    server = Server(env).start()
    info["url"] = server.url
    yield info
    server.stop()


def _shot(page, name):
    """A screenshot of the step, and no WCAG 2.1 AA violation axe-core finds on it."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"organiser-{name}.png"), full_page=True)
    assert axe_violations(page) == [], name


def _add_forum(page, title, field_index, room, starts, ends):
    page.fill("#id_new-title", title)
    page.check(f"#id_new-fields_{field_index}")
    page.fill("#id_new-room", room)
    page.fill("#id_new-starts_at", starts)
    page.fill("#id_new-ends_at", ends)
    page.click("text=Forum hinzufügen")


def test_an_organiser_sets_up_a_conference_and_a_moderator_accepts(browser, office):
    url = office["url"]
    errors = []
    context = browser.new_context(locale="de-DE", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.on("response", lambda r: r.status >= 500 and errors.append(f"{r.status} {r.url}"))
    page.goto(f"{url}/organize/")
    page.fill("#id_username", office["username"])
    page.fill("#id_password", office["password"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/organize/")
    assert "Sie organisieren noch keine Konferenz" in page.inner_text("main")

    # 1. details
    page.click("text=Neue Konferenz")
    page.fill("#id_title", "6. Integrationskonferenz Musterstadt")
    page.fill("#id_slug", "ik-musterstadt-2027")
    page.fill("#id_date", "2027-05-08")
    page.fill("#id_venue", "Rathaus, Großer Saal")
    page.fill("#id_stakeholder_groups", "Verwaltung\nMigrantenorganisation\nWohlfahrtsverband")
    _shot(page, "new")
    page.click("text=Konferenz anlegen")
    page.wait_for_url(re.compile(r".*/organize/ik-musterstadt-2027/fields/$"))
    assert "ist angelegt" in page.inner_text("main")

    # 2. action fields with a guiding goal and a sub-goal
    for title in ("Bildung, Erziehung & Sprache", "Wirtschaft & Arbeit"):
        page.fill("#id_new-title", title)
        page.click("text=Handlungsfeld hinzufügen")
        assert "Das Handlungsfeld ist hinzugefügt." in page.inner_text("main")
    first = page.locator("section.panel").first
    first.locator("input[name$='-title'][id^='id_goal-']").fill("Gleiche Bildungschancen")
    first.locator("text=Leitziel hinzufügen").click()
    first = page.locator("section.panel").first
    first.locator("input[id^='id_sub-']").fill("Sprachkurse mit Kinderbetreuung")
    first.locator("text=Teilziel hinzufügen").click()
    text = page.inner_text("main")
    assert "Leitziel 1: Gleiche Bildungschancen" in text
    assert "Teilziel 1: Sprachkurse mit Kinderbetreuung" in text
    _shot(page, "fields")

    # 3. forums: the wrong time first, refused with a message
    page.click("text=Weiter: Foren")
    _add_forum(page, "Fachforum 1: Sprache", 0, "Raum 2.14", "15:30", "14:00")
    assert "Das Forum endet um 14:00, bevor es um 15:30 beginnt." in page.inner_text("main")
    page.fill("#id_new-starts_at", "14:00")
    page.fill("#id_new-ends_at", "15:30")
    page.click("text=Forum hinzufügen")
    assert "Fachforum 1: Sprache ist gespeichert" in page.inner_text("main")
    _add_forum(page, "Fachforum 2: Arbeit", 1, "Raum 3.01", "14:00", "15:30")
    text = page.inner_text("main")
    codes = re.findall(r"Zugangscode: ([A-Z2-9]{6})", text)
    assert len(codes) == 2 and codes[0] != codes[1]
    assert "Raum 3.01" in text and "14:00–15:30" in text
    _shot(page, "forums")

    # 4. moderators: an invitation for Fachforum 2
    page.click("text=Weiter: Moderation")
    page.fill("#id_name", "Lea Yılmaz")
    page.fill("#id_email", "lea@beispiel.example")
    page.locator("label", has_text="Fachforum 2: Arbeit").click()
    page.click("text=Einladung senden")
    assert "Die Einladung ging per E-Mail an lea@beispiel.example." in page.inner_text("main")
    link = page.input_value("#invitation-link")
    assert link.startswith(f"{url}/invitation/")
    _shot(page, "moderators")

    # the moderator, in a browser of their own
    own = browser.new_context(locale="de-DE", viewport={"width": 1366, "height": 900})
    moderator = own.new_page()
    moderator.on("response", lambda r: r.status >= 500 and errors.append(f"{r.status} {r.url}"))
    moderator.goto(link)
    assert "Willkommen, Lea Yılmaz" in moderator.inner_text("main")
    _shot(moderator, "invitation")
    assert "Fachforum 2: Arbeit, Raum 3.01, 14:00–15:30" in moderator.inner_text("main")
    moderator.fill("#id_password1", "Sonnenblume-Rathaus-7")
    moderator.fill("#id_password2", "Sonnenblume-Rathaus-7")
    moderator.click("text=Einladung annehmen")
    moderator.wait_for_url(re.compile(rf".*/f/{codes[1]}/moderate/$"))
    assert "Fachforum 2: Arbeit" in moderator.inner_text("body")
    # the other forum's console is not theirs
    response = moderator.goto(f"{url}/f/{codes[0]}/moderate/")
    assert response.status == 403
    # the link worked once
    response = moderator.goto(link)
    assert response.status == 410
    own.close()

    page.reload()
    assert "angenommen" in page.inner_text("main")
    page.goto(f"{url}/organize/")
    assert "6. Integrationskonferenz Musterstadt" in page.inner_text("main")
    assert "in Vorbereitung" in page.inner_text("main")
    _shot(page, "home")
    context.close()
    assert errors == []
