"""The way to the plenary: forums shortlist measures (one by one, or the top of a closed
ranking), the plenary shows them with what they answer, and its adoption round proposes
the decisions the moderator confirms."""

import pytest
from django.utils import translation

from tests.factories import (
    make_forum,
    make_moderator,
    make_participant,
    moderator_actor,
    participant_actor,
)
from workshops.exceptions import ServiceError
from workshops.methods import method_of
from workshops.models import AuditEntry, ForumEvent, Item
from workshops.selectors import forum_snapshot, round_totals
from workshops.services.items import adopt_item, propose_item, shortlist_item, shortlist_top
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
    # while the plenary votes, no decision can be recorded
    with pytest.raises(ServiceError) as refused:
        adopt_item(actor=mod, forum=plenary, item=measures[0].pk, adopted=True)
    assert refused.value.code == "closed"
    assert "Das Plenum stimmt über diese Maßnahme noch ab" in str(refused.value.message)
    measures[0].refresh_from_db()
    assert measures[0].adopted is None
    assert not AuditEntry.objects.filter(action="forum.item.adopted").exists()

    close_round(actor=mod, forum=plenary, round=round_.pk)
    measures[0].refresh_from_db()
    measures[1].refresh_from_db()
    # closing proposes, it does not decide
    assert (measures[0].adopted, measures[1].adopted) == (None, None)
    adoption = method_of("adoption")
    totals = round_totals(round_)["totals"]
    proposals = [adoption.proposal(totals[str(m.pk)]) for m in measures[:2]]
    with translation.override("de"):
        texts = [adoption.proposal(totals[str(m.pk)])[1] for m in measures[:2]]
    assert proposals[0][0] is True and proposals[1][0] is False
    assert texts == [
        "Angenommen – 100 % Ja, einfache Mehrheit",
        "Abgelehnt – 43 % Ja, einfache Mehrheit",  # 3 yes, 4 no on paper
    ]
    # the moderator confirms what the vote proposes
    for measure, (adopted, _text) in zip(measures[:2], proposals, strict=True):
        adopt_item(actor=mod, forum=plenary, item=measure.pk, adopted=adopted)
        measure.refresh_from_db()
        assert measure.adopted is adopted
    last = ForumEvent.objects.filter(forum=forum, name="item.updated").last()
    assert last.data["adopted"] is False
    entries = AuditEntry.objects.filter(action="forum.item.adopted").order_by("id")
    assert [e.data for e in entries] == [
        {"item": measures[0].pk, "before": None, "adopted": True},
        {"item": measures[1].pk, "before": None, "adopted": False},
    ]
    # the moderator can correct the plenary's record, and that is in the log too
    adopt_item(actor=mod, forum=plenary, item=measures[1].pk, adopted=True)
    assert AuditEntry.objects.filter(action="forum.item.adopted").order_by("id").last().data == {
        "item": measures[1].pk,
        "before": False,
        "adopted": True,
    }
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


def test_an_open_adoption_round_elsewhere_holds_the_decision_too(forum, setup):
    """The refusal looks at every open adoption round on the measure, whichever forum
    holds it; a support round does not hold it."""
    plenary, mod, _need, _goal, measures = setup
    shortlist_item(actor=mod, forum=forum, item=measures[0].pk, shortlisted=True)
    open_round(actor=mod, forum=forum, method="support", items=[measures[0].pk])
    adopt_item(actor=mod, forum=plenary, item=measures[0].pk, adopted=True)  # not held
    open_round(actor=mod, forum=forum, method="adoption", items=[measures[0].pk])
    with pytest.raises(ServiceError) as refused:
        adopt_item(actor=mod, forum=plenary, item=measures[0].pk, adopted=False)
    assert refused.value.code == "closed"
    measures[0].refresh_from_db()
    assert measures[0].adopted is True


def test_a_decision_without_yes_or_no_is_no_majority():
    adoption = method_of("adoption")
    with translation.override("de"):
        assert adoption.proposal({"yes": 0, "no": 0, "abstain": 4}) == (
            False,
            "Abgelehnt – keine Ja- oder Nein-Stimmen, einfache Mehrheit",
        )
        # a tie is no majority; paper votes count with the phones
        assert adoption.proposal({"yes": 2, "no": 2, "abstain": 1}) == (
            False,
            "Abgelehnt – 50 % Ja, einfache Mehrheit",
        )
        assert adoption.proposal(
            {"yes": 2, "no": 2, "abstain": 0, "analog": {"yes": 1, "no": 0, "abstain": 0}}
        ) == (True, "Angenommen – 60 % Ja, einfache Mehrheit")


def _closed_dots_round(forum, mod, points: list[int]):
    """A closed dots round on the forum's measures, each given ``points`` by as many
    voters as needed (one point each)."""
    conference = forum.conference
    measures = list(Item.objects.filter(forum=forum, kind="measure").order_by("pk"))
    round_ = open_round(
        actor=mod,
        forum=forum,
        method="dots",
        items=[m.pk for m in measures],
        budget=len(measures),
        per_item=1,
    )
    voters = [participant_actor(make_participant(conference)) for _ in range(max(points))]
    for measure, n in zip(measures, points, strict=False):
        for voter in voters[:n]:
            cast_vote(actor=voter, forum=forum, round=round_.pk, item=measure.pk, value=1)
    close_round(actor=mod, forum=forum, round=round_.pk)
    return round_, measures


def test_top_n_sends_the_best_ranked_measures_to_the_plenary(forum, setup):
    plenary, mod, _need, _goal, _measures = setup
    round_, measures = _closed_dots_round(forum, mod, [1, 3, 2])
    top = shortlist_top(actor=mod, forum=forum, round=round_.pk, count=2)
    assert [m.pk for m in top.items] == [measures[1].pk, measures[2].pk]
    shortlisted = set(Item.objects.filter(shortlisted=True).values_list("pk", flat=True))
    assert shortlisted == {measures[1].pk, measures[2].pk}
    entries = AuditEntry.objects.filter(action="forum.item.shortlisted").order_by("id")
    assert [e.data["item"] for e in entries] == [measures[1].pk, measures[2].pk]
    assert all(e.data["round"] == round_.pk for e in entries)
    # each one reaches the plenary as a shortlist does
    pool = {i["id"] for i in forum_snapshot(plenary, mod)["items"] if i["kind"] == "measure"}
    assert pool == {measures[1].pk, measures[2].pk}
    # again: nothing changes, nothing is logged twice
    rev = ForumEvent.objects.filter(forum=forum).count()
    shortlist_top(actor=mod, forum=forum, round=round_.pk, count=2)
    assert ForumEvent.objects.filter(forum=forum).count() == rev
    assert AuditEntry.objects.filter(action="forum.item.shortlisted").count() == 2


def test_top_n_sends_every_measure_that_shares_the_last_place(forum, setup):
    _plenary, mod, _need, _goal, _measures = setup
    round_, measures = _closed_dots_round(forum, mod, [2, 3, 2])
    top = shortlist_top(actor=mod, forum=forum, round=round_.pk, count=2)
    # places 1, 2, 2: no draw decides between the two with 2 points, both go
    assert [m.pk for m in top.items] == [measures[1].pk, measures[0].pk, measures[2].pk]
    assert Item.objects.filter(shortlisted=True).count() == 3


def test_top_n_leaves_out_measures_nobody_voted_for(forum, setup):
    _plenary, mod, _need, _goal, _measures = setup
    round_, measures = _closed_dots_round(forum, mod, [0, 1, 0])
    top = shortlist_top(actor=mod, forum=forum, round=round_.pk, count=3)
    assert [m.pk for m in top.items] == [measures[1].pk]
    assert top.count == 3


@pytest.mark.parametrize("count", [0, 51])
def test_top_n_refuses_a_bad_count_and_an_open_round(forum, setup, count):
    _plenary, mod, _need, _goal, measures = setup
    open_one = open_round(actor=mod, forum=forum, method="support", kind="measure")
    cast_vote(
        actor=participant_actor(make_participant(forum.conference)),
        forum=forum,
        round=open_one.pk,
        item=measures[0].pk,
        value=1,
    )
    with pytest.raises(ServiceError) as refused:
        shortlist_top(actor=mod, forum=forum, round=open_one.pk, count=2)
    assert refused.value.code == "closed" and "noch offen" in str(refused.value.message)
    close_round(actor=mod, forum=forum, round=open_one.pk)
    before = ForumEvent.objects.filter(forum=forum).count()
    with pytest.raises(ServiceError) as refused:
        shortlist_top(actor=mod, forum=forum, round=open_one.pk, count=count)
    assert refused.value.code == "invalid"
    assert ForumEvent.objects.filter(forum=forum).count() == before
    assert not Item.objects.filter(shortlisted=True).exists()
    assert not AuditEntry.objects.filter(action="forum.item.shortlisted").exists()


def test_top_n_is_for_the_forums_moderators_only(forum, setup):
    _plenary, _mod, _need, _goal, _measures = setup
    round_, _ = _closed_dots_round(forum, _mod, [1, 1, 1])
    stranger = participant_actor(make_participant(forum.conference))
    with pytest.raises(ServiceError) as refused:
        shortlist_top(actor=stranger, forum=forum, round=round_.pk, count=1)
    assert refused.value.code == "forbidden"
    assert not Item.objects.filter(shortlisted=True).exists()


def test_the_console_proposes_the_decision_and_a_form_confirms_it(client, forum, setup):
    """Without JavaScript: while the round runs the console's form is refused with the
    reason; once closed, the console shows the proposal with its rule and "Bestätigen",
    whose POST records the decision."""
    import html as html_lib

    plenary, mod, _need, _goal, measures = setup
    measure = measures[0]
    shortlist_item(actor=mod, forum=forum, item=measure.pk, shortlisted=True)
    round_ = open_round(actor=mod, forum=plenary, method="adoption", kind="measure")
    for value in (1, 1, 1, -1):
        voter = participant_actor(make_participant(forum.conference))
        cast_vote(actor=voter, forum=plenary, round=round_.pk, item=measure.pk, value=value)
    client.force_login(mod.user)
    action = f"/f/{plenary.code}/moderate/action"
    confirm = {"action": "adopt", "item": measure.pk, "adopted": "1", "back": "live"}
    page = html_lib.unescape(client.post(action, confirm, follow=True).content.decode())
    assert "Das Plenum stimmt über diese Maßnahme noch ab." in page
    assert "Bestätigen" not in page
    measure.refresh_from_db()
    assert measure.adopted is None

    close_round(actor=mod, forum=plenary, round=round_.pk)
    page = html_lib.unescape(client.get(f"/f/{plenary.code}/moderate/").content.decode())
    line = page.split(f'data-option="{measure.pk}"', 1)[1].split("</li>", 1)[0]
    assert "Angenommen – 75 % Ja, einfache Mehrheit" in line
    assert "Bestätigen" in line and "Stattdessen ablehnen" in line
    assert "Enthaltungen zählen nicht" in page
    page = html_lib.unescape(client.post(action, confirm, follow=True).content.decode())
    measure.refresh_from_db()
    assert measure.adopted is True
    line = page.split(f'data-option="{measure.pk}"', 1)[1].split("</li>", 1)[0]
    assert "Beschlossen: angenommen" in line and "Bestätigen" not in line
