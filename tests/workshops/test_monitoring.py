"""The monitoring picture on the public status page: progress rolled up per action field
and guiding goal, indicators drawn against their targets with their figures in words;
and a carried-over measure's evaluation written back to its origin's history."""

import base64
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    make_conference,
    make_field,
    make_forum,
    make_moderator,
    make_participant,
    moderator_actor,
    participant_actor,
)
from tests.workshops.export_conference import ADOPTED_TEXT
from tests.workshops.monitoring_scene import (
    GOAL_ADULTS,
    GOAL_CHILDREN,
    GOAL_HOUSING,
    build_monitoring,
)
from workshops.models import AuditEntry, Item, MeasureUpdate
from workshops.services.measures import carry_over_measures
from workshops.services.rounds import close_round, open_round
from workshops.services.votes import cast_vote

pytestmark = pytest.mark.django_db

COLUMNS = ("planned", "in_progress", "done", "dropped", "total")


@pytest.fixture
def scene():
    return build_monitoring()


def _page(client, conference, **params) -> str:
    response = client.get(reverse("workshops:measures", args=[conference.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def _row(html: str, attribute: str) -> dict:
    """The counts of the roll-up row carrying ``attribute`` (e.g. 'data-goal="3"')."""
    row = re.search(rf"<tr[^>]*{re.escape(attribute)}[^>]*>(.*?)</tr>", html, re.S)
    assert row, attribute
    cells = dict(re.findall(r'<td data-status="(\w+)">(\d+)</td>', row.group(1)))
    return {key: int(cells[key]) for key in COLUMNS}


def _counts(planned=0, in_progress=0, done=0, dropped=0):
    total = planned + in_progress + done + dropped
    return dict(zip(COLUMNS, (planned, in_progress, done, dropped, total), strict=True))


def test_the_status_page_rolls_progress_up_per_action_field_and_guiding_goal(client, scene):
    html = _page(client, scene.built.conference)
    assert "Fortschritt auf einen Blick" in html
    bildung, wohnen, quartier = scene.built.conference.fields.order_by("position")
    # Bildung: the Sprachcafé (in progress, sub-goal of goal 2), Sprachkitas (done) and
    # Elternlotsen (planned) under goal 1, Lernpaten (dropped) under no goal
    assert _row(html, f'data-field="{bildung.pk}"') == _counts(1, 1, 1, 1)
    goal_children, goal_adults = scene.goals[GOAL_CHILDREN], scene.goals[GOAL_ADULTS]
    assert _row(html, f'data-goal="{goal_children.pk}"') == _counts(planned=1, done=1)
    assert _row(html, f'data-goal="{goal_adults.pk}"') == _counts(in_progress=1)
    assert _row(html, f'data-unlinked="{bildung.pk}"') == _counts(dropped=1)
    assert _row(html, f'data-field="{wohnen.pk}"') == _counts(in_progress=1)
    assert _row(html, f'data-goal="{scene.goals[GOAL_HOUSING].pk}"') == _counts(in_progress=1)
    assert f'data-unlinked="{wohnen.pk}"' not in html  # every measure there has a goal
    assert _row(html, f'data-field="{quartier.pk}"') == _counts(done=1)
    assert _row(html, 'class="rollup-total"') == _counts(1, 2, 2, 1)
    # goals in their field's order, numbered as the city's concept numbers them
    assert html.index(f"Leitziel 1: {GOAL_CHILDREN}") < html.index(f"Leitziel 2: {GOAL_ADULTS}")
    assert html.index(GOAL_ADULTS) < html.index(f"Leitziel 1: {GOAL_HOUSING}")
    assert '<th scope="col">eingestellt</th>' in html and '<th scope="row">' in html
    # a filter narrows the list, never the roll-up
    filtered = _page(client, scene.built.conference, status="done")
    assert _row(filtered, 'class="rollup-total"') == _counts(1, 2, 2, 1)
    assert "Mobile Wohnungsberatung" not in filtered.split("</table>")[1]
    assert "Sprachkitas ausbauen" in filtered.split("</table>")[1]


def test_a_measure_shows_its_goal_lead_and_the_origins_status(client, scene):
    html = _page(client, scene.built.conference)
    assert (
        f"Arbeitet auf das Leitziel „{GOAL_ADULTS}“ hin, Teilziel „Sprachkurse mit "
        "Kinderbetreuung in jedem Stadtteil“" in html
    )
    assert "Amt für Integration und Vielfalt" in html  # the lead organisation's name


def test_an_indicator_is_drawn_against_its_target_with_its_figures_in_words(client, scene):
    html = _page(client, scene.built.conference)
    figure = re.search(
        rf'<figure class="indicator" id="indicator-{scene.indicator.pk}">(.*?)</figure>',
        html,
        re.S,
    ).group(1)
    words = (
        "Teilnehmerinnen pro Jahr: Ausgangswert 120 Personen (1. Januar 2026); gemessen: "
        "30. Juni 2026: 150 Personen, 30. November 2026: 210 Personen; Ziel 300 Personen "
        "bis 31. Dezember 2027; 50 % des Weges vom Ausgangswert zum Ziel."
    )
    assert (
        f'alt="{words}"' in figure
        and f'<figcaption aria-hidden="true">{words}</figcaption>' in figure
    )
    uri = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', figure).group(1)
    svg = base64.b64decode(uri).decode()
    assert "<svg" in svg and "Teilnehmerinnen pro Jahr" in svg  # drawn here, text as text
    # nothing loaded from elsewhere (the namespaces are names, not requests)
    assert not re.search(r'(?:href|src)="https?:|url\((?!#)|@import', svg)
    # the same chart again comes from the cache, drawn once
    assert _page(client, scene.built.conference).count(uri) == 1


def test_the_status_page_reads_the_same_queries_however_many_measures(client, scene):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _page(client, scene.built.conference)
        return len(captured)

    before = queries()
    field = scene.built.adopted.field
    for n in range(5):
        Item.objects.create(
            forum=scene.built.forum,
            field=field,
            kind="measure",
            text=f"Weitere Maßnahme {n}",
            adopted=True,
            sub_goal=scene.built.adopted.sub_goal,
        )
    assert queries() == before


# --- carry-over: the next conference's evaluation goes back into the history ---------------


@pytest.fixture
def evaluated(scene):
    """The next conference brings the measures in and its plenary evaluates them."""
    built = scene.built
    conference = make_conference(title="6. Integrationskonferenz Musterstadt")
    bildung = make_field(conference, "Bildung, Erziehung & Sprache")
    plenary = make_forum(conference, fields=[bildung], kind="plenary", title="Plenum 2028")
    user = make_moderator(conference)
    built.conference.moderators.add(user)  # the same office runs both conferences
    mod = moderator_actor(user)
    copies = carry_over_measures(
        actor=mod, conference=conference, forum=plenary, previous=built.conference
    )
    copy = next(c for c in copies if c.origin_id == built.adopted.pk)
    round_ = open_round(actor=mod, forum=plenary, method="adoption", items=[copy.pk])
    for value in (1, 1, -1):
        voter = participant_actor(make_participant(conference))
        cast_vote(actor=voter, forum=plenary, round=round_.pk, item=copy.pk, value=value)
    close_round(actor=mod, forum=plenary, round=round_.pk)
    return {"conference": conference, "copy": copy, "round": round_, "plenary": plenary}


RESULT = (
    "Bewertet (6. Integrationskonferenz Musterstadt) – Plenum 2028, "
    "Verabschiedung (Ja / Nein / Enthaltung): ja 2 · nein 1 · Enthaltung 0 (3 per Handy abgestimmt)"
)


def test_closing_the_evaluation_round_writes_the_result_into_the_origins_history(scene, evaluated):
    round_ = evaluated["round"]
    round_.refresh_from_db()
    update = MeasureUpdate.objects.get(round=round_)
    assert update.item_id == scene.built.adopted.pk
    assert update.text == RESULT
    assert update.date == timezone.localdate(round_.closed_at)
    audit = AuditEntry.objects.get(action="forum.measure.evaluated")
    assert audit.conference_id == scene.built.conference.pk
    assert audit.data == {
        "item": scene.built.adopted.pk,
        "copy": evaluated["copy"].pk,
        "round": round_.pk,
        "update": update.pk,
    }
    # only the measure the round voted on, and only once
    assert MeasureUpdate.objects.filter(round__isnull=False).count() == 1


def test_both_status_pages_show_the_evaluation(client, scene, evaluated):
    old = _page(client, scene.built.conference)
    article = old[old.index(f'id="measure-{scene.built.adopted.pk}"') :]
    article = article[: article.index("</article>")]
    assert '<li class="evaluation"><time datetime="' in article and RESULT in article
    new = _page(client, evaluated["conference"])
    section = new[new.index('id="evaluated-heading"') :]
    assert "In dieser Konferenz bewertete Maßnahmen der vorigen Konferenz" in section
    assert ADOPTED_TEXT in section and RESULT in section
    assert "Verabschiedet: 5. Integrationskonferenz Musterstadt" in section
    assert "in Umsetzung" in section and "Fortschritt: 40 %" in section  # the origin's status


def test_a_round_set_aside_or_on_other_measures_writes_nothing_back(scene):
    built = scene.built
    conference = make_conference(title="6. Integrationskonferenz")
    forum = make_forum(conference, fields=[make_field(conference, "Bildung, Erziehung & Sprache")])
    user = make_moderator(conference)
    built.conference.moderators.add(user)
    mod = moderator_actor(user)
    copy = carry_over_measures(
        actor=mod, conference=conference, forum=forum, previous=built.conference
    )[0]
    field = forum.fields.first()
    own = Item.objects.create(forum=forum, field=field, kind="measure", text="Neue Idee")
    round_ = open_round(actor=mod, forum=forum, method="support", items=[own.pk])
    close_round(actor=mod, forum=forum, round=round_.pk)
    set_aside = open_round(actor=mod, forum=forum, method="support", items=[copy.pk])
    close_round(actor=mod, forum=forum, round=set_aside.pk, decide=False)
    assert not MeasureUpdate.objects.filter(round__isnull=False).exists()
    # a workshop's dot vote evaluates too, in points
    dots = open_round(actor=mod, forum=forum, method="dots", items=[copy.pk], budget=3)
    voter = participant_actor(make_participant(conference))
    cast_vote(actor=voter, forum=forum, round=dots.pk, item=copy.pk, value=2)
    close_round(actor=mod, forum=forum, round=dots.pk)
    update = MeasureUpdate.objects.get(round=dots)
    assert update.item_id == built.adopted.pk and ": 2 Punkte (1 per Handy abgestimmt)" in (
        update.text
    )
