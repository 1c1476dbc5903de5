"""The way to the plenary: forums shortlist measures, the plenary shows them with what
they answer, and its adoption round decides."""

import pytest

from tests.factories import (
    make_forum,
    make_moderator,
    make_participant,
    moderator_actor,
    participant_actor,
)
from workshops.exceptions import ServiceError
from workshops.models import ForumEvent, Item
from workshops.selectors import forum_snapshot
from workshops.services.items import adopt_item, propose_item, shortlist_item
from workshops.services.rounds import add_analog_count, close_round, open_round
from workshops.services.votes import cast_vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(forum):
    conference = forum.conference
    plenary = make_forum(
        conference, fields=list(forum.fields.all()), kind="plenary", title="Plenum"
    )
    mod = moderator_actor(make_moderator(conference))
    author = participant_actor(make_participant(conference))
    field = forum.fields.order_by("position", "id").first().pk
    need = propose_item(
        actor=author, forum=forum, field=field, kind="need", text="Kein Kurs mit Kinderbetreuung"
    )
    goal = propose_item(
        actor=author,
        forum=forum,
        field=field,
        kind="goal",
        text="Kurse in jedem Stadtteil",
        refs=[need.pk],
    )
    measures = [
        propose_item(
            actor=author,
            forum=forum,
            field=field,
            kind="measure",
            text=f"Maßnahme {n}",
            refs=[goal.pk],
        )
        for n in range(3)
    ]
    return plenary, mod, need, goal, measures


def test_shortlisted_measures_show_in_the_plenary_with_goal_and_need(forum, setup):
    plenary, mod, need, goal, measures = setup
    assert forum_snapshot(plenary, mod)["items"] == []
    shortlist_item(actor=mod, forum=forum, item=measures[0].pk, shortlisted=True)
    shown = {i["id"] for i in forum_snapshot(plenary, mod)["items"]}
    assert shown == {measures[0].pk, goal.pk, need.pk}
    event = ForumEvent.objects.filter(forum=forum).last()
    assert (event.name, event.data["id"], event.data["shortlisted"]) == (
        "item.updated",
        measures[0].pk,
        True,
    )
    entered = [
        (e.name, e.data["id"]) for e in ForumEvent.objects.filter(forum=plenary).order_by("rev")
    ]
    assert entered == [
        ("item.added", need.pk),
        ("item.added", goal.pk),
        ("item.added", measures[0].pk),
    ]
    shortlist_item(actor=mod, forum=forum, item=measures[0].pk, shortlisted=False)
    assert forum_snapshot(plenary, mod)["items"] == []


def test_only_shown_measures_of_the_forum_are_shortlisted_by_its_moderators(forum, setup):
    plenary, mod, need, goal, measures = setup
    with pytest.raises(ServiceError):
        shortlist_item(actor=mod, forum=forum, item=goal.pk, shortlisted=True)
    with pytest.raises(ServiceError) as info:
        shortlist_item(
            actor=participant_actor(make_participant(forum.conference)),
            forum=forum,
            item=measures[0].pk,
            shortlisted=True,
        )
    assert info.value.code == "forbidden"
    assert not Item.objects.filter(shortlisted=True).exists()


def test_the_plenary_adoption_round_decides(forum, setup):
    plenary, mod, need, goal, measures = setup
    for m in measures[:2]:
        shortlist_item(actor=mod, forum=forum, item=m.pk, shortlisted=True)
    round_ = open_round(actor=mod, forum=plenary, method="adoption", kind="measure")
    assert sorted(round_.items.values_list("pk", flat=True)) == [measures[0].pk, measures[1].pk]
    people = [participant_actor(make_participant(forum.conference)) for _ in range(3)]
    for person in people:
        cast_vote(actor=person, forum=plenary, round=round_.pk, item=measures[0].pk, value=1)
        cast_vote(actor=person, forum=plenary, round=round_.pk, item=measures[1].pk, value=1)
    add_analog_count(
        actor=mod, forum=plenary, round=round_.pk, item=measures[1].pk, value=-1, count=4
    )  # the paper table said no
    close_round(actor=mod, forum=plenary, round=round_.pk)
    measures[0].refresh_from_db()
    measures[1].refresh_from_db()
    assert (measures[0].adopted, measures[1].adopted) == (True, False)
    last = ForumEvent.objects.filter(forum=forum, name="item.updated").last()
    assert last.data["adopted"] in (True, False)
    # the moderator can correct the plenary's record
    adopt_item(actor=mod, forum=plenary, item=measures[1].pk, adopted=True)
    measures[1].refresh_from_db()
    assert measures[1].adopted is True
    with pytest.raises(ServiceError):
        adopt_item(
            actor=mod, forum=plenary, item=measures[2].pk, adopted=True
        )  # not in the plenary's pool


def test_plenary_events_applied_to_an_old_snapshot_equal_a_fresh_one(forum, setup):
    from tests.realtime.test_consumer import apply_event
    from workshops.services.items import edit_item, hide_item, restore_item

    plenary, mod, need, goal, measures = setup
    watcher = participant_actor(make_participant(forum.conference))
    plenary.refresh_from_db()
    state = forum_snapshot(plenary, watcher)

    def replay():
        nonlocal state
        for e in ForumEvent.objects.filter(forum=plenary, rev__gt=state["rev"]).order_by("rev"):
            state = apply_event(
                state, {"rev": e.rev, "name": e.name, "data": e.data}, "participant"
            )
        plenary.refresh_from_db()
        fresh = forum_snapshot(plenary, watcher)
        assert state["items"] == fresh["items"]
        return [i["id"] for i in fresh["items"]]

    shortlist_item(actor=mod, forum=forum, item=measures[0].pk, shortlisted=True)
    assert replay() == [need.pk, goal.pk, measures[0].pk]
    edit_item(actor=mod, forum=forum, item=goal.pk, text="Kurse mit Betreuung in jedem Stadtteil")
    edit_item(actor=mod, forum=forum, item=measures[1].pk, text="nicht im Plenum")
    assert replay() == [need.pk, goal.pk, measures[0].pk]
    hide_item(actor=mod, forum=forum, item=measures[0].pk)  # goal and need leave with it
    assert replay() == []
    restore_item(actor=mod, forum=forum, item=measures[0].pk)
    assert replay() == [need.pk, goal.pk, measures[0].pk]
    shortlist_item(actor=mod, forum=forum, item=measures[0].pk, shortlisted=False)
    assert replay() == []


def _option_line(html: str, item_id: int) -> str:
    """What a page shows on the line of one round option, as a person reads it."""
    import html as html_lib
    import re

    line = html.split(f'data-option="{item_id}"', 1)[1].split("</li>", 1)[0]
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", line))


def test_every_display_of_a_plenary_round_names_the_workshop_measure_and_where_it_comes_from(
    client, forum, setup
):
    from workshops.actors import Actor
    from workshops.services.measures import set_measure_details

    plenary, mod, _need, goal, measures = setup
    measure = measures[0]
    set_measure_details(
        actor=mod, item=measure.pk, lead="Volkshochschule", timeframe="bis Herbst 2027"
    )
    shortlist_item(actor=mod, forum=forum, item=measure.pk, shortlisted=True)
    round_ = open_round(actor=mod, forum=plenary, method="adoption", kind="measure")
    field = measure.field.title
    expected = ["Maßnahme 0", field, forum.title, "Volkshochschule", "bis Herbst 2027", goal.text]

    label = forum_snapshot(plenary, Actor(screen=True))["rounds"][0]["labels"][str(measure.pk)]
    assert label["text"] == "Maßnahme 0"
    assert label["details"] == {
        "field": field,
        "forum": forum.title,
        "lead": "Volkshochschule",
        "timeframe": "bis Herbst 2027",
        "answers": [goal.text],
    }

    def pages():
        screen = f"/f/{plenary.code}/screen/?key={plenary.screen_key}"
        shown = {"screen": client.get(screen).content.decode()}
        client.post(f"/j/{plenary.code}", {"name": "Ayşe"})
        shown["phone"] = client.get(f"/f/{plenary.code}/").content.decode()
        client.logout()
        client.force_login(mod.user)
        shown["console"] = client.get(f"/f/{plenary.code}/moderate/").content.decode()
        client.logout()
        return shown

    for page, html in pages().items():  # the ballot, the console, the projector
        line = _option_line(html, measure.pk)
        assert [text for text in expected if text not in line] == [], page
    voter = participant_actor(make_participant(forum.conference))
    cast_vote(actor=voter, forum=plenary, round=round_.pk, item=measure.pk, value=1)
    close_round(actor=mod, forum=plenary, round=round_.pk)
    for page, html in pages().items():  # the results
        line = _option_line(html, measure.pk)
        assert [text for text in expected if text not in line] == [], page


def test_the_documentation_names_a_plenary_rounds_items_by_their_text(client, forum, setup):
    import io

    import docx

    plenary, mod, _need, _goal, measures = setup
    for measure in measures[:2]:
        shortlist_item(actor=mod, forum=forum, item=measure.pk, shortlisted=True)
    round_ = open_round(actor=mod, forum=plenary, method="adoption", kind="measure")
    close_round(actor=mod, forum=plenary, round=round_.pk)
    client.force_login(mod.user)
    url = f"/c/{forum.conference.slug}/export/documentation"
    report = client.get(f"{url}.json").json()
    rounds = next(f for f in report["forums"] if f["id"] == plenary.pk)["rounds"]
    assert rounds[0]["texts"] == {
        str(measures[0].pk): "Maßnahme 0",
        str(measures[1].pk): "Maßnahme 1",
    }
    document = docx.Document(io.BytesIO(client.get(f"{url}.docx").content))
    lines = [p.text.strip() for p in document.paragraphs]
    assert f"#{measures[0].pk} Maßnahme 0" in lines and f"#{measures[1].pk} Maßnahme 1" in lines
