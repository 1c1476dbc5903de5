"""The city's guiding goals on a phone, in real Chromium against a real Daphne: shown
folded with the field's description, a measure sent with its sub-goal over the socket,
and every wall placing it under that sub-goal at once."""

import json
import subprocess

import pytest

from tests.browser.a11y import axe_violations, login
from tests.live import PYTHON, ROOT

pytestmark = pytest.mark.browser

SETUP = r"""
import json, secrets, django
django.setup()
from django.contrib.auth import get_user_model
from tests.factories import make_conference, make_field, make_forum
from workshops.models import GuidingGoal, SubGoal
conference = make_conference(slug="ziele-" + secrets.token_hex(4), title="Integrationskonferenz")
conference.moderators.add(get_user_model().objects.get(username="moderation"))
field = make_field(conference, "Bildung, Erziehung & Sprache")
field.description = "Von der Kita bis zur Weiterbildung."
field.save()
forum = make_forum(conference, title="Fachforum Bildung", fields=[field])
goal = GuidingGoal.objects.create(field=field, title="Alle Kinder haben gleiche Bildungschancen")
first = SubGoal.objects.create(guiding_goal=goal, title="Jedes Kind spricht Deutsch", position=0)
second = SubGoal.objects.create(guiding_goal=goal, title="Eltern kennen das Schulsystem",
                         position=1)
print(json.dumps({"code": forum.code, "screen_key": forum.screen_key,
                  "sub_goals": [first.pk, second.pk]}))
"""


def setup(live) -> dict:
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


def join(browser, live, code, name):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live['url']}/j/{code}")
    page.fill("#join-name", name)
    page.locator("button[type=submit]").first.click()
    page.wait_for_url(f"**/f/{code}/")
    page.wait_for_selector("html[data-live=online]")
    return context, page, errors


def test_a_measure_sent_with_its_sub_goal_stands_under_it_on_every_wall(browser, live):
    forum = setup(live)
    first, second = forum["sub_goals"]
    ayse_context, ayse, ayse_errors = join(browser, live, forum["code"], "Ayşe")
    ben_context, ben, ben_errors = join(browser, live, forum["code"], "Ben")
    try:
        goals = ayse.locator("details[data-guiding-goals]")
        assert goals.get_attribute("open") is None  # folded: the form stays in reach
        goals.locator("summary").click()
        assert "Leitziel 1: Alle Kinder haben gleiche Bildungschancen" in goals.inner_text()
        assert "Von der Kita bis zur Weiterbildung." in goals.inner_text()

        choice = ayse.locator("#propose-sub-goal")
        assert not choice.is_visible()  # a need works towards no sub-goal
        ayse.check("input[name=kind][value=measure]")
        assert choice.is_visible()
        choice.select_option(str(second))
        ayse.fill("#propose-text", "Elternlotsen an jeder Grundschule")
        ayse.click("form[data-propose-form] button[type=submit]")

        for page in (ayse, ben):
            placed = page.locator(f"ul[data-sub-goal='{second}'] li.item")
            placed.filter(has_text="Elternlotsen an jeder Grundschule").wait_for()
            assert page.locator(f"ul[data-sub-goal='{first}'] li.item").count() == 0
        assert ayse.locator("#propose-sub-goal").input_value() == ""  # reset for the next one
        assert axe_violations(ayse) == []  # the goals open, the sub-goal choice shown
        screen = ben_context.new_page()
        screen.goto(f"{live['url']}/f/{forum['code']}/screen/?key={forum['screen_key']}")
        screen.locator(f"ul[data-sub-goal='{second}'] li.item").wait_for()
        assert "Ohne Leitziel" in screen.inner_text("body")
        assert axe_violations(screen) == []

        # the console: the measure under its sub-goal, the link corrected with the form
        console_context = browser.new_context(viewport={"width": 1280, "height": 900})
        login(console_context, {**live, "url": live["url"]})
        console = console_context.new_page()
        console.goto(f"{live['url']}/f/{forum['code']}/moderate/")
        measure = console.locator(f"ul[data-sub-goal='{second}'] li.item").first
        measure.locator("details.sub-goal > summary").click()
        assert axe_violations(console) == []
        measure.locator("select[name=sub_goal]").select_option(str(first))
        measure.locator("button[value=sub_goal]").click()
        console.wait_for_load_state()
        for page in (console, ayse):
            moved = page.locator(f"ul[data-sub-goal='{first}'] li.item")
            moved.filter(has_text="Elternlotsen an jeder Grundschule").wait_for()
        console_context.close()
        assert ayse_errors == [] and ben_errors == []
    finally:
        ayse_context.close()
        ben_context.close()
