"""Helpers for the accessibility and privacy browser tests: a second conference in the
live server's database (all six languages), HTTP actions through a browser context's
own cookies, and the axe-core run."""

import json
import re
import subprocess

from tests.live import PYTHON, ROOT

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

SETUP = r"""
import json, django
django.setup()
from tests.factories import make_conference, make_forum, make_moderator
conference = make_conference(slug="a11y", title="Barrierefreie Konferenz",
                             languages=["de", "en", "tr", "ar", "uk", "ru"])
forum = make_forum(conference, title="Fachforum Zugang")
make_moderator(conference, username="a11y-moderation", password="a11y-test-passwort-1")
# an adopted measure towards a guiding goal, with an indicator: the status page's roll-up
# table and chart are checked too
import datetime
from workshops.models import GuidingGoal, Indicator, IndicatorValue, Item, SubGoal
field = forum.fields.order_by("position", "id").first()
goal = GuidingGoal.objects.create(field=field, title="Gleiche Bildungschancen")
sub = SubGoal.objects.create(guiding_goal=goal, title="Deutsch bei der Einschulung")
measure = Item.objects.create(forum=forum, field=field, kind="measure", text="Sprachkitas",
                              adopted=True, implementation="in_progress", progress=30,
                              sub_goal=sub)
indicator = Indicator.objects.create(item=measure, title="Kinder in Sprachkitas",
                                     unit="Kinder", baseline=40, target=120,
                                     baseline_date=datetime.date(2026, 1, 1),
                                     target_date=datetime.date(2028, 7, 31))
IndicatorValue.objects.create(indicator=indicator, date=datetime.date(2026, 9, 1), value=65)
print(json.dumps({"code": forum.code, "screen_key": forum.screen_key,
                  "fields": [f.pk for f in forum.fields.order_by("position", "id")],
                  "username": "a11y-moderation", "password": "a11y-test-passwort-1"}))
"""


def setup_conference(live) -> dict:
    out = subprocess.run(
        [PYTHON, "-c", SETUP],
        cwd=ROOT,
        env=live["env"],
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    info = json.loads(out.stdout.strip().splitlines()[-1])
    info["url"] = live["url"]
    return info


def csrf(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")


def post(context, url, form) -> None:
    """A form POST with the context's cookies (as the page's own form would send it)."""
    response = context.request.post(
        url, form={"csrfmiddlewaretoken": csrf(context), **form}, max_redirects=0
    )
    assert response.status in (200, 302, 400), (url, response.status)


def login(context, info) -> None:
    page = context.new_page()
    page.goto(f"{info['url']}/accounts/login/")
    page.fill("#id_username", info["username"])
    page.fill("#id_password", info["password"])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.close()


def open_rounds(context, info) -> list[str]:
    html = context.request.get(f"{info['url']}/f/{info['code']}/moderate/").text()
    return re.findall(r'<section class="round" id="round-(\d+)"', html)


def axe_violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results.response["violations"]
    ]
