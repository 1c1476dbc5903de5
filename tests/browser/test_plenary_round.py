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


TOP_SETUP = r"""
import json, django
django.setup()
from django.contrib.auth import get_user_model
from tests.factories import (make_conference, make_field, make_forum, make_participant,
                             moderator_actor, participant_actor)
from workshops.services.items import propose_item
from workshops.services.rounds import close_round, open_round
from workshops.services.votes import cast_vote
conference = make_conference(slug="plenum-beschluss", title="Beschluss-Konferenz")
user = get_user_model().objects.get(username="moderation")
conference.moderators.add(user)
mod = moderator_actor(user)
field = make_field(conference, "Bildung")
workshop = make_forum(conference, title="Fachforum Bildung", fields=[field])
plenary = make_forum(conference, title="Plenum", fields=[field], kind="plenary")
texts = ["Elterncafé", "Sprachkurse mit Kinderbetreuung", "Lernpatenschaften"]
measures = [propose_item(actor=mod, forum=workshop, field=field.pk, kind="measure", text=t)
            for t in texts]
dots = open_round(actor=mod, forum=workshop, method="dots", kind="measure", budget=3,
                  per_item=1)
people = [participant_actor(make_participant(conference)) for _ in range(3)]
for measure, n in zip(measures, [1, 3, 2]):  # the second first, the third second
    for person in people[:n]:
        cast_vote(actor=person, forum=workshop, round=dots.pk, item=measure.pk, value=1)
close_round(actor=mod, forum=workshop, round=dots.pk)
print(json.dumps({"workshop": workshop.code, "plenary": plenary.code,
                  "screen_key": plenary.screen_key, "round": dots.pk,
                  "measures": [m.pk for m in measures]}))
"""

VOTE_SETUP = r"""
import json, sys, django
django.setup()
from tests.factories import make_participant, participant_actor
from workshops.models import Forum, Round
from workshops.services.votes import cast_vote
plenary = Forum.objects.get(code=sys.argv[1])
round_ = Round.objects.get(forum=plenary, status="open")
first, second = json.loads(sys.argv[2])
# the first: 3 yes, 1 no (75 %); the second: 2 yes, 3 no (40 %)
for yes_first, value_second in [(1, 1), (1, 1), (1, -1), (-1, -1), (None, -1)]:
    person = participant_actor(make_participant(plenary.conference))
    if yes_first is not None:
        cast_vote(actor=person, forum=plenary, round=round_.pk, item=first, value=yes_first)
    cast_vote(actor=person, forum=plenary, round=round_.pk, item=second, value=value_second)
print(round_.pk)
"""


def _run(live, script, *args):
    out = subprocess.run(
        [PYTHON, "-c", script, *args],
        cwd=ROOT,
        env=live["env"],
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def test_top_two_go_to_the_plenary_which_confirms_the_proposed_decision(browser, live):
    """The workshop's moderator sends the top two of a closed dot vote to the plenary in
    one step; the plenary votes; closing its adoption round proposes "Angenommen – 75 %
    Ja, einfache Mehrheit" with the rule, nothing is adopted until the moderator
    confirms; then the phone and the projector show the measure adopted."""
    ARTIFACTS.mkdir(exist_ok=True)
    setup = json.loads(_run(live, TOP_SETUP))
    low, first, second = setup["measures"]
    workshop = console_for(browser, live, setup["workshop"])
    ranking = workshop.locator(f"#round-{setup['round']}")
    ranking.locator(f"#top-count-{setup['round']}").fill("2")
    ranking.locator("button[data-top]").click()
    workshop.wait_for_load_state()
    ranking = workshop.locator(f"#round-{setup['round']}")
    pressed = ranking.locator("button[data-shortlist][aria-pressed=true]")
    pressed.nth(1).wait_for(timeout=10000)
    assert pressed.count() == 2
    for item, shortlisted in ((first, "true"), (second, "true"), (low, "false")):
        button = ranking.locator(f"li[data-option='{item}'] button[data-shortlist]")
        assert button.get_attribute("aria-pressed") == shortlisted, item
    ranking.screenshot(path=str(ARTIFACTS / "console-top-two-to-the-plenary.png"))

    plenary = {"code": setup["plenary"], "screen_key": setup["screen_key"]}
    ayse = phone(browser, live, plenary["code"], "Ayşe")
    screen = screen_for(browser, live, plenary, 1920, 1080)
    console = console_for(browser, live, plenary["code"])
    details = console.locator("#open-round-form")
    if details.count() and details.get_attribute("open") is None:
        details.locator("summary").first.click()
    console.check("#round-method-adoption")
    console.select_option("#round-kind", "measure")
    console.locator("form:has(input[value=open_round]) button[type=submit]").click()
    console.wait_for_load_state()
    round_id = _run(live, VOTE_SETUP, plenary["code"], json.dumps([first, second]))
    round_ = console.locator(f"#round-{round_id}")
    round_.wait_for(timeout=10000)
    # while the round runs, the decision cannot be recorded
    assert round_.locator("[data-confirm]").count() == 0
    round_.locator("button[value=close_round]").click()
    console.wait_for_load_state()

    round_ = console.locator(f"#round-{round_id}")
    line = round_.locator(f"li[data-option='{first}']")
    proposal = line.locator("[data-proposal]")
    proposal.wait_for(timeout=10000)
    assert proposal.inner_text() == "Angenommen – 75 % Ja, einfache Mehrheit"
    assert (
        round_.locator(f"li[data-option='{second}'] [data-proposal]").inner_text()
        == "Abgelehnt – 40 % Ja, einfache Mehrheit"
    )
    assert "Enthaltungen zählen nicht" in round_.inner_text()  # the rule, in words
    # closing proposed; nothing is adopted yet
    wall_first = ayse.locator(f"li.item[data-item-id='{first}']")
    assert "verabschiedet" not in wall_first.inner_text()
    console.screenshot(path=str(ARTIFACTS / "console-adoption-proposed.png"), full_page=True)
    line.locator("button[data-confirm]").click()
    console.wait_for_load_state()
    recorded = console.locator(f"#round-{round_id} li[data-option='{first}'] [data-recorded]")
    recorded.wait_for(timeout=10000)
    assert "Beschlossen: angenommen" in recorded.inner_text()

    # the phone's wall and the projector show the decision and the result
    wall_first.filter(has_text="✓ verabschiedet").wait_for(timeout=10000)
    screen.locator(f"li.item[data-item-id='{first}']").filter(has_text="✓ verabschiedet").wait_for(
        timeout=10000
    )
    result = screen.locator(".screen-results li", has_text="Sprachkurse mit Kinderbetreuung")
    result.first.locator("[data-tally]").filter(has_text="Ja 3").wait_for(timeout=10000)
    ayse.screenshot(path=str(ARTIFACTS / "plenary-phone-adopted.png"), full_page=True)
    screen.screenshot(path=str(ARTIFACTS / "plenary-screen-adopted.png"))
