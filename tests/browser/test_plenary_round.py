"""The plenary's adoption round in real Chromium: the phone's ballot and the projector
name each measure shortlisted in a workshop by its text, with its action field, forum of
origin, lead, time frame and the goal it answers; when the workshop's moderator hides
the measure, both drop its text live (workshops/visibility.py). Screenshots under
test-artifacts/."""

import json
import re
import subprocess

import pytest

from tests.browser.test_forum_session import console_for, phone, screen_for
from tests.live import PYTHON, ROOT

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"

SETUP = r"""
import json, django
django.setup()
from django.contrib.auth import get_user_model
from tests.factories import make_conference, make_field, make_forum, moderator_actor
from workshops.services.items import propose_item, shortlist_item
from workshops.services.measures import set_measure_details
conference = make_conference(slug="plenum-live", title="Plenum-Konferenz")
user = get_user_model().objects.get(username="moderation")
conference.moderators.add(user)
mod = moderator_actor(user)
fields = [make_field(conference, "Arbeit & Ausbildung"), make_field(conference, "Wohnen", 1)]
workshop = make_forum(conference, title="Fachforum Arbeit", fields=fields)
plenary = make_forum(conference, title="Plenum", fields=fields, kind="plenary")
field = fields[0].pk
need = propose_item(actor=mod, forum=workshop, field=field, kind="need",
                    text="Wenig Praktikumsplätze")
goal = propose_item(actor=mod, forum=workshop, field=field, kind="goal",
                    text="Mehr Ausbildung für Zugewanderte", refs=[need.pk])
measure = propose_item(actor=mod, forum=workshop, field=field, kind="measure",
                       text="Ausbildungsmesse mit Dolmetschern", refs=[goal.pk])
set_measure_details(actor=mod, item=measure.pk, lead="Jobcenter", timeframe="Frühjahr 2027")
shortlist_item(actor=mod, forum=workshop, item=measure.pk, shortlisted=True)
print(json.dumps({"workshop": workshop.code, "plenary": plenary.code,
                  "screen_key": plenary.screen_key, "measure": measure.pk}))
"""

EXPECTED = [
    "Ausbildungsmesse mit Dolmetschern",
    "Arbeit & Ausbildung",
    "Fachforum Arbeit",
    "Jobcenter",
    "Frühjahr 2027",
    "Mehr Ausbildung für Zugewanderte",
]


def test_the_plenary_ballot_and_projector_name_the_measure(browser, live):
    ARTIFACTS.mkdir(exist_ok=True)
    out = subprocess.run(
        [PYTHON, "-c", SETUP],
        cwd=ROOT,
        env=live["env"],
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    setup = json.loads(out.stdout.strip().splitlines()[-1])
    plenary = {"code": setup["plenary"], "screen_key": setup["screen_key"]}
    option = f'li[data-option="{setup["measure"]}"]'
    ayse = phone(browser, live, plenary["code"], "Ayşe")
    screen = screen_for(browser, live, plenary, 1920, 1080)
    console = console_for(browser, live, plenary["code"])

    console.check("#round-method-adoption")
    console.select_option("#round-kind", "measure")
    console.locator("form:has(input[value=open_round]) button[type=submit]").click()
    console.wait_for_load_state()

    line = ayse.locator(f"section.round[data-method=adoption] {option}")
    line.wait_for(timeout=10000)
    bar = screen.locator(f"[data-rounds] {option}")
    bar.filter(has_text=EXPECTED[0]).wait_for(timeout=10000)
    for page, shown in (("phone", line.inner_text()), ("screen", bar.inner_text())):
        assert [text for text in EXPECTED if text not in shown] == [], page
    line.locator("button[name=value][value='1']").click()
    line.locator("button[aria-pressed=true]").wait_for(timeout=10000)
    ayse.screenshot(path=str(ARTIFACTS / "plenary-ballot-phone.png"), full_page=True)
    screen.screenshot(path=str(ARTIFACTS / "plenary-round-screen.png"))

    # The workshop's moderator hides the measure: the room no longer reads its text.
    workshop = console_for(browser, live, setup["workshop"])
    workshop.locator(f"#item-{setup['measure']} button[name=action][value=hide]").click()
    workshop.wait_for_load_state()
    hidden = re.compile("Von der Moderation ausgeblendet")
    ayse.locator(f"section.round {option}").filter(has_text=hidden).wait_for(timeout=10000)
    screen.locator(f"[data-rounds] {option}").filter(has_text=hidden).wait_for(timeout=10000)
    for page in (ayse, screen):
        assert EXPECTED[0] not in page.locator("[data-rounds]").inner_text()
    ayse.screenshot(path=str(ARTIFACTS / "plenary-ballot-phone-hidden.png"), full_page=True)
