"""The step bar (workshops/services/steps.py): "Next" moves phase, proposals and the
round together, one transaction each; "Back" takes the last step back without ever
setting a vote aside."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from tests.factories import (
    make_forum,
    make_moderator,
    make_participant,
    moderator_actor,
    participant_actor,
)
from workshops import steps
from workshops.exceptions import ServiceError
from workshops.models import AuditEntry, Forum, ForumEvent, Item, Round
from workshops.services import forums as forum_services
from workshops.services.items import adopt_item, propose_item, shortlist_item
from workshops.services.rounds import close_round, open_round
from workshops.services.steps import advance, step_back
from workshops.services.votes import cast_vote

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def mod(moderator):
    return moderator_actor(moderator)


def field_of(forum):
    return forum.fields.order_by("position", "id").first().pk


def propose(forum, actor, kind, text):
    return propose_item(actor=actor, forum=forum, field=field_of(forum), kind=kind, text=text)


@pytest.fixture
def measures(forum, participant):
    author = participant_actor(participant)
    propose(forum, author, "need", "Kinder sprechen zu Hause kein Deutsch")
    return [
        propose(forum, author, "measure", text)
        for text in ("Lesepaten an jeder Grundschule", "Sprachcafé", "Elterncafé im Stadtteil")
    ]


def fresh(forum):
    return Forum.objects.get(pk=forum.pk)


def events_after(forum, rev):
    return list(
        ForumEvent.objects.filter(forum=forum, rev__gt=rev)
        .order_by("rev")
        .values_list("name", flat=True)
    )


def state(forum):
    forum = fresh(forum)
    return (
        forum.rev,
        forum.phase,
        forum.proposals_open,
        forum.handed_to_plenary,
        forum.step_undo,
        sorted(Round.objects.filter(forum=forum).values_list("pk", "status")),
        AuditEntry.objects.filter(forum=forum).count(),
    )


def test_a_session_from_collect_to_plenary_with_next_only(forum, mod, measures, participant):
    assert steps.current_step(forum) == "collect" and forum.proposals_open

    rev = fresh(forum).rev
    forum = advance(actor=mod, forum=forum, step="collect")
    forum = fresh(forum)
    assert (forum.phase, forum.proposals_open, steps.current_step(forum)) == (
        "discussing",
        False,
        "sort",
    )
    assert events_after(forum, rev) == ["forum.updated"]  # one event for phase and proposals
    event = ForumEvent.objects.get(forum=forum, rev=forum.rev)
    assert event.data["step"] == "sort" and event.data["proposals_open"] is False

    rev = forum.rev
    advance(actor=mod, forum=forum, step="sort")
    forum = fresh(forum)
    round_ = Round.objects.get(forum=forum)
    assert forum.phase == "voting" and round_.status == "open"
    assert (round_.method, round_.budget, round_.per_item, round_.secret) == ("dots", 3, 2, True)
    assert sorted(round_.items.values_list("pk", flat=True)) == [m.pk for m in measures]
    assert events_after(forum, rev) == ["forum.updated", "round.opened"]

    voter = participant_actor(participant)
    cast_vote(actor=voter, forum=forum, round=round_.pk, item=measures[0].pk, value=2)
    advance(actor=mod, forum=forum, step="vote")
    forum = fresh(forum)
    round_.refresh_from_db()
    assert forum.phase == "results" and round_.status == "closed"
    assert steps.current_step(forum) == "result"
    assert round_.votes.count() == 1  # the votes stay with the closed round

    advance(actor=mod, forum=forum, step="result")
    forum = fresh(forum)
    assert forum.phase == "results" and forum.handed_to_plenary
    assert steps.current_step(forum) == "plenary"
    assert ForumEvent.objects.get(forum=forum, rev=forum.rev).data["step"] == "plenary"

    with pytest.raises(ServiceError) as error:
        advance(actor=mod, forum=forum)
    assert error.value.code == "invalid" and "last step" in str(error.value.message)

    trail = list(
        AuditEntry.objects.filter(forum=forum, action="forum.step.advanced")
        .order_by("id")
        .values_list("data", flat=True)
    )
    assert [(d["from"], d["to"]) for d in trail] == [
        ("collect", "sort"),
        ("sort", "vote"),
        ("vote", "result"),
        ("result", "plenary"),
    ]
    assert trail[1]["opened"] == round_.pk and trail[2]["closed"] == [round_.pk]


def test_the_default_round_takes_the_measures_marked_for_the_plenary_when_there_are(
    forum, mod, measures
):
    shortlist_item(actor=mod, forum=forum, item=measures[2].pk, shortlisted=True)
    forum_services.set_phase(actor=mod, forum=forum, phase="discussing")
    advance(actor=mod, forum=forum)
    assert list(Round.objects.get(forum=forum).items.values_list("pk", flat=True)) == [
        measures[2].pk
    ]


def test_an_open_round_is_kept_and_no_second_one_opened(forum, mod, measures):
    own = open_round(actor=mod, forum=forum, method="support", items=[measures[0].pk])
    forum_services.set_phase(actor=mod, forum=forum, phase="discussing")
    advance(actor=mod, forum=forum, step="sort")
    assert list(Round.objects.filter(forum=forum).values_list("pk", flat=True)) == [own.pk]
    assert fresh(forum).phase == "voting"


def test_without_measures_next_asks_for_a_round_of_ones_choice_and_changes_nothing(
    forum, mod, participant
):
    propose(forum, participant_actor(participant), "need", "Zu wenige Kita-Plätze")
    forum_services.set_phase(actor=mod, forum=forum, phase="discussing")
    before = state(forum)
    with pytest.raises(ServiceError) as error:
        advance(actor=mod, forum=forum, step="sort")
    assert error.value.code == "invalid"
    assert "Open a voting round" in str(error.value.message)
    assert state(forum) == before


def test_the_plenary_has_four_steps_and_opens_no_default_round(mod):
    conference = mod_conference(mod)
    plenary = make_forum(conference, kind=Forum.Kind.PLENARY, fields=conference.fields.all())
    assert [s.name for s in steps.steps_of(plenary)] == ["collect", "sort", "vote", "result"]
    advance(actor=mod, forum=plenary)
    with pytest.raises(ServiceError) as error:
        advance(actor=mod, forum=plenary)
    assert "plenary" in str(error.value.message)
    forum_services.set_phase(actor=mod, forum=plenary, phase="results")
    with pytest.raises(ServiceError):
        advance(actor=mod, forum=plenary)  # a plenary's session ends with its result


def mod_conference(mod):
    from workshops.models import Conference

    return Conference.objects.get(moderators__pk=mod.user_id)


def test_a_second_click_on_next_does_not_move_twice(forum, mod, measures):
    advance(actor=mod, forum=forum, step="collect")
    before = state(forum)
    with pytest.raises(ServiceError) as error:
        advance(actor=mod, forum=forum, step="collect")  # the console still showed Sammeln
    assert "moved on" in str(error.value.message) and "Sort" in str(error.value.message)
    assert state(forum) == before
    with pytest.raises(ServiceError):
        advance(actor=mod, forum=forum, step="lunch")
    assert state(forum) == before


def test_only_moderators_of_the_forum_move_it(forum, participant, measures):
    stranger = moderator_actor(make_moderator(make_forum().conference))
    before = state(forum)
    for actor in (participant_actor(participant), stranger):
        for call in (advance, step_back):
            with pytest.raises(ServiceError) as error:
                call(actor=actor, forum=forum)
            assert error.value.code == "forbidden"
    assert state(forum) == before


# --- back ------------------------------------------------------------------------------


def test_back_from_sort_opens_the_proposals_again(forum, mod, measures):
    advance(actor=mod, forum=forum)
    rev = fresh(forum).rev
    step_back(actor=mod, forum=forum)
    forum = fresh(forum)
    assert (forum.phase, forum.proposals_open, forum.step_undo) == ("collecting", True, {})
    assert events_after(forum, rev) == ["forum.updated"]
    entry = AuditEntry.objects.filter(forum=forum).order_by("id").last()
    assert (entry.action, entry.data) == ("forum.step.undone", {"from": "sort", "to": "collect"})
    with pytest.raises(ServiceError) as error:  # only the last step, once
        step_back(actor=mod, forum=forum)
    assert "no step to take back" in str(error.value.message)


def test_back_from_vote_closes_the_round_it_opened_while_nobody_voted(forum, mod, measures):
    advance(actor=mod, forum=forum)
    advance(actor=mod, forum=forum)
    round_ = Round.objects.get(forum=forum)
    step_back(actor=mod, forum=forum)
    forum = fresh(forum)
    round_.refresh_from_db()
    assert forum.phase == "discussing" and not forum.proposals_open
    assert round_.status == "closed"
    # "Next" again opens a fresh round
    advance(actor=mod, forum=forum, step="sort")
    assert Round.objects.filter(forum=forum, status="open").exclude(pk=round_.pk).count() == 1


def test_back_from_vote_is_refused_once_someone_voted(forum, mod, measures, participant):
    advance(actor=mod, forum=forum)
    advance(actor=mod, forum=forum)
    round_ = Round.objects.get(forum=forum)
    cast_vote(
        actor=participant_actor(participant),
        forum=forum,
        round=round_.pk,
        item=measures[1].pk,
        value=1,
    )
    before = state(forum)
    with pytest.raises(ServiceError) as error:
        step_back(actor=mod, forum=forum)
    assert "voted" in str(error.value.message)
    assert state(forum) == before


def test_back_from_result_opens_the_same_round_again_with_its_votes(
    forum, mod, measures, participant
):
    advance(actor=mod, forum=forum)
    advance(actor=mod, forum=forum)
    round_ = Round.objects.get(forum=forum)
    voter = participant_actor(participant)
    cast_vote(actor=voter, forum=forum, round=round_.pk, item=measures[1].pk, value=2)
    advance(actor=mod, forum=forum)
    rev = fresh(forum).rev
    step_back(actor=mod, forum=forum)
    forum = fresh(forum)
    round_.refresh_from_db()
    assert forum.phase == "voting" and steps.current_step(forum) == "vote"
    assert round_.status == "open" and round_.closed_at is None
    assert round_.votes.count() == 1
    assert events_after(forum, rev) == ["forum.updated", "round.opened"]
    assert AuditEntry.objects.filter(forum=forum, action="forum.round.resumed").count() == 1
    # the person can go on voting in it, and "Next" closes it again
    cast_vote(actor=voter, forum=forum, round=round_.pk, item=measures[0].pk, value=1)
    advance(actor=mod, forum=forum, step="vote")
    round_.refresh_from_db()
    assert round_.status == "closed" and round_.votes.count() == 2


def test_back_from_the_plenary_keeps_the_result(forum, mod, measures):
    for _ in range(4):
        advance(actor=mod, forum=forum)
    step_back(actor=mod, forum=forum)
    forum = fresh(forum)
    assert forum.phase == "results" and not forum.handed_to_plenary
    assert steps.current_step(forum) == "result"


def test_back_is_refused_after_the_undo_time_and_after_other_switches(forum, mod, measures):
    advance(actor=mod, forum=forum)
    forum = fresh(forum)
    late = timezone.now() - timedelta(seconds=steps.UNDO_SECONDS + 1)
    Forum.objects.filter(pk=forum.pk).update(step_undo={**forum.step_undo, "at": late.isoformat()})
    before = state(forum)
    with pytest.raises(ServiceError) as error:
        step_back(actor=mod, forum=forum)
    assert "2 minutes" in str(error.value.message)
    assert state(forum) == before
    assert steps.undo_left(fresh(forum)) == 0

    advance(actor=mod, forum=forum)  # Abstimmen, a round opened by "Next"
    forum_services.set_phase(actor=mod, forum=forum, phase="results")  # the old switch
    before = state(forum)
    with pytest.raises(ServiceError) as error:
        step_back(actor=mod, forum=forum)
    assert "changed after the last step" in str(error.value.message)
    assert state(forum) == before


def test_a_phase_set_with_the_old_switch_moves_the_step_bar(forum, mod, measures):
    for _ in range(4):
        advance(actor=mod, forum=forum)
    forum_services.set_phase(actor=mod, forum=forum, phase="collecting")
    forum = fresh(forum)
    assert not forum.handed_to_plenary and steps.current_step(forum) == "collect"


def test_back_from_result_is_refused_when_the_round_decided_in_the_plenary(mod):
    from workshops.models import Conference

    conference = Conference.objects.get(moderators__pk=mod.user_id)
    workshop = Forum.objects.get(conference=conference)
    author = participant_actor(make_participant(conference))
    measure = propose(workshop, author, "measure", "Sprachkurse mit Kinderbetreuung")
    shortlist_item(actor=mod, forum=workshop, item=measure.pk, shortlisted=True)
    plenary = make_forum(conference, kind=Forum.Kind.PLENARY, fields=conference.fields.all())
    round_ = open_round(actor=mod, forum=plenary, method="adoption", items=[measure.pk])
    advance(actor=mod, forum=plenary, step="vote")
    round_.refresh_from_db()
    assert round_.status == "closed"
    # the result proposes; the moderator confirms the decision (no yes: rejected)
    adopt_item(actor=mod, forum=plenary, item=measure.pk, adopted=False)
    before = state(plenary)
    with pytest.raises(ServiceError) as error:
        step_back(actor=mod, forum=plenary)
    assert "decision" in str(error.value.message)
    assert state(plenary) == before
    assert Item.objects.get(pk=measure.pk).adopted is False  # and stays so


def test_back_from_result_in_the_plenary_reopens_the_round_before_a_decision(mod):
    from workshops.models import Conference

    conference = Conference.objects.get(moderators__pk=mod.user_id)
    workshop = Forum.objects.get(conference=conference)
    author = participant_actor(make_participant(conference))
    measure = propose(workshop, author, "measure", "Sprachkurse mit Kinderbetreuung")
    shortlist_item(actor=mod, forum=workshop, item=measure.pk, shortlisted=True)
    plenary = make_forum(conference, kind=Forum.Kind.PLENARY, fields=conference.fields.all())
    round_ = open_round(actor=mod, forum=plenary, method="adoption", items=[measure.pk])
    advance(actor=mod, forum=plenary, step="vote")
    step_back(actor=mod, forum=plenary)  # closed too early: nothing is decided yet
    round_.refresh_from_db()
    assert round_.status == "open"
    assert Item.objects.get(pk=measure.pk).adopted is None


def test_closing_by_hand_then_back_is_refused_not_half_done(forum, mod, measures):
    advance(actor=mod, forum=forum)
    advance(actor=mod, forum=forum)
    round_ = Round.objects.get(forum=forum)
    close_round(actor=mod, forum=forum, round=round_.pk)  # the old button: now at Ergebnis
    before = state(forum)
    with pytest.raises(ServiceError):
        step_back(actor=mod, forum=forum)
    assert state(forum) == before
