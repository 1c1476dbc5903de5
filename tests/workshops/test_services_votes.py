"""Rounds and votes: each method, every refusal, limits, and tallies equal to a recount."""

import pytest

from tests.factories import (
    make_conference,
    make_moderator,
    make_participant,
    moderator_actor,
    participant_actor,
)
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import PASSIVE_OPTION, Ballot, Forum, ForumEvent, Round, Vote
from workshops.selectors import round_totals
from workshops.services.items import hide_item, propose_item
from workshops.services.rounds import close_round, open_round, reopen_round, suggest_budget
from workshops.services.votes import cast_vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod(moderator):
    return moderator_actor(moderator)


@pytest.fixture
def items(forum, participant):
    field = forum.fields.order_by("position", "id").first()
    actor = participant_actor(participant)
    return [
        propose_item(actor=actor, forum=forum, field=field.pk, kind="measure", text=f"Maßnahme {n}")
        for n in range(6)
    ]


@pytest.fixture
def voter(forum):
    return participant_actor(make_participant(forum.conference, group="Verwaltung"))


def vote(forum, actor, round_, item, value):
    return cast_vote(
        actor=actor, forum=forum, round=round_.pk, item=getattr(item, "pk", item), value=value
    )


def votes_state(round_):
    return (
        sorted(Vote.objects.filter(round=round_).values_list("participant", "option", "value")),
        sorted(Ballot.objects.filter(round=round_).values_list("participant", "used")),
    )


def refused(code, fn, round_, **kw):
    before = votes_state(round_)
    with pytest.raises(ServiceError) as info:
        fn(**kw)
    assert info.value.code == code, info.value.message
    assert votes_state(round_) == before
    return info.value


# --- opening and closing ---------------------------------------------------------------


def test_open_round_freezes_the_items_and_records_the_event(forum, mod, items):
    round_ = open_round(actor=mod, forum=forum, method="support", items=[items[0].pk, items[1].pk])
    assert sorted(round_.items.values_list("pk", flat=True)) == [items[0].pk, items[1].pk]
    event = ForumEvent.objects.filter(forum=forum).last()
    assert event.name == "round.opened"
    assert event.data["items"] == [items[0].pk, items[1].pk] and event.data["method"] == "support"


def test_round_by_field_and_kind_takes_the_shown_items(forum, mod, items, participant):
    hide_item(actor=mod, forum=forum, item=items[5].pk)
    field = forum.fields.order_by("position", "id").first()
    round_ = open_round(actor=mod, forum=forum, method="consent", field=field.pk, kind="measure")
    assert round_.items.count() == 5
    assert str(PASSIVE_OPTION) in round_totals(round_)["totals"]


def test_dots_budget_is_suggested_and_can_be_overridden(forum, mod, items):
    round_ = open_round(actor=mod, forum=forum, method="dots", kind="measure")
    assert (
        (round_.budget, round_.per_item) == (suggest_budget(6), min(suggest_budget(6), 3)) == (2, 2)
    )
    round_ = open_round(actor=mod, forum=forum, method="dots", kind="measure", budget=5, per_item=3)
    assert (round_.budget, round_.per_item) == (5, 3)
    assert suggest_budget(1) == 1 and suggest_budget(60) == 10


@pytest.mark.parametrize(
    "kwargs",
    [
        {"method": "lottery"},
        {"method": "support", "items": [999999]},
        {"method": "support", "kind": "wish"},
        {"method": "dots", "budget": 0},
        {"method": "dots", "budget": 3, "per_item": 4},
        {"method": "support", "kind": "need"},
        {"method": "consent", "veto": 11},
    ],
    ids=["method", "unknown-item", "kind", "budget-0", "per-item-over-budget", "no-items", "veto"],
)
def test_bad_rounds_are_refused_and_nothing_opens(forum, mod, items, kwargs):
    with pytest.raises(ServiceError) as info:
        open_round(actor=mod, forum=forum, **kwargs)
    assert info.value.code == "invalid"
    assert Round.objects.count() == 0


def test_only_moderators_open_and_close(forum, mod, items, voter):
    with pytest.raises(ServiceError) as info:
        open_round(actor=voter, forum=forum, method="support", kind="measure")
    assert info.value.code == "forbidden"
    round_ = open_round(actor=mod, forum=forum, method="support", kind="measure")
    other = moderator_actor(make_moderator(make_conference()))
    for actor in (voter, other, Actor(screen=True)):
        with pytest.raises(ServiceError):
            close_round(actor=actor, forum=forum, round=round_.pk)
    close_round(actor=mod, forum=forum, round=round_.pk)
    round_.refresh_from_db()
    assert round_.status == "closed"
    with pytest.raises(ServiceError) as info:
        close_round(actor=mod, forum=forum, round=round_.pk)
    assert info.value.code == "closed"


def test_reopen_as_new_starts_afresh_with_the_same_settings(forum, mod, items, voter):
    first = open_round(
        actor=mod, forum=forum, method="dots", kind="measure", budget=4, per_item=2, secret=True
    )
    vote(forum, voter, first, items[0], 2)
    second = reopen_round(actor=mod, forum=forum, round=first.pk)
    first.refresh_from_db()
    assert first.status == "closed" and second.status == "open" and second.previous == first
    assert (second.method, second.budget, second.per_item, second.secret) == ("dots", 4, 2, True)
    assert Vote.objects.filter(round=second).count() == 0


# --- votes -----------------------------------------------------------------------------


def test_support_vote_change_and_withdraw(forum, mod, items, voter):
    round_ = open_round(actor=mod, forum=forum, method="support", kind="measure")
    me = vote(forum, voter, round_, items[0], 1)
    assert me == {"votes": {str(items[0].pk): 1}}
    vote(forum, voter, round_, items[0], 1)  # again: still one
    assert round_totals(round_)["totals"][str(items[0].pk)] == {"support": 1}
    me = vote(forum, voter, round_, items[0], None)
    assert me == {"votes": {}}
    assert round_totals(round_)["voters"] == 0


def test_dots_budget_and_per_item_hold(forum, mod, items, voter):
    round_ = open_round(actor=mod, forum=forum, method="dots", kind="measure", budget=3, per_item=2)
    assert vote(forum, voter, round_, items[0], 2)["points_left"] == 1
    refused(
        "invalid",
        cast_vote,
        round_,
        actor=voter,
        forum=forum,
        round=round_.pk,
        item=items[1].pk,
        value=3,
    )
    refused(
        "budget",
        cast_vote,
        round_,
        actor=voter,
        forum=forum,
        round=round_.pk,
        item=items[1].pk,
        value=2,
    )
    assert vote(forum, voter, round_, items[1], 1)["points_left"] == 0
    # moving a point: lower one, raise another
    assert vote(forum, voter, round_, items[0], 1)["points_left"] == 1
    assert vote(forum, voter, round_, items[2], 1)["points_left"] == 0
    assert vote(forum, voter, round_, items[2], None)["points_left"] == 1
    assert Ballot.objects.get(round=round_).used == 2


def test_dots_on_own_proposal_can_be_forbidden(forum, mod, items, participant):
    author = participant_actor(participant)
    round_ = open_round(actor=mod, forum=forum, method="dots", kind="measure", allow_own=False)
    refused(
        "invalid",
        cast_vote,
        round_,
        actor=author,
        forum=forum,
        round=round_.pk,
        item=items[0].pk,
        value=1,
    )
    allowed = open_round(actor=mod, forum=forum, method="dots", kind="measure")
    assert vote(forum, author, allowed, items[0], 1)["points_left"] == allowed.budget - 1


def test_consent_tally_has_sum_mean_votes_and_the_passive_option(forum, mod, items, voter):
    round_ = open_round(actor=mod, forum=forum, method="consent", items=[items[0].pk])
    other = participant_actor(make_participant(forum.conference))
    vote(forum, voter, round_, items[0], 3)
    vote(forum, other, round_, items[0], 8)
    vote(forum, voter, round_, PASSIVE_OPTION, 10)
    totals = round_totals(round_)
    assert totals["totals"][str(items[0].pk)] == {
        "resistance": 11,
        "mean": 5.5,
        "votes": 2,
        "vetoes": 1,
        "max": 8,
        "outlier": False,
    }
    assert totals["totals"]["0"] == {
        "resistance": 10,
        "mean": 10.0,
        "votes": 1,
        "vetoes": 1,
        "max": 10,
        "outlier": False,
    }
    assert totals["voters"] == 2
    calm = [participant_actor(make_participant(forum.conference)) for _ in range(4)]
    outlier_round = open_round(actor=mod, forum=forum, method="consent", items=[items[1].pk])
    for person, value in zip(calm, (0, 0, 1, 9), strict=False):
        vote(forum, person, outlier_round, items[1], value)
    assert (
        round_totals(outlier_round)["totals"][str(items[1].pk)]["outlier"] is True
    )  # 9 vs mean 2.5
    for bad in (-1, 11, "viel", True):
        refused(
            "invalid",
            cast_vote,
            round_,
            actor=voter,
            forum=forum,
            round=round_.pk,
            item=items[0].pk,
            value=bad,
        )


def test_adoption_counts_yes_no_abstain(forum, mod, items):
    round_ = open_round(actor=mod, forum=forum, method="adoption", items=[items[0].pk])
    for value in (1, 1, -1, 0):
        vote(forum, participant_actor(make_participant(forum.conference)), round_, items[0], value)
    assert round_totals(round_)["totals"][str(items[0].pk)] == {"yes": 2, "no": 1, "abstain": 1}
    refused(
        "invalid",
        cast_vote,
        round_,
        actor=participant_actor(make_participant(forum.conference)),
        forum=forum,
        round=round_.pk,
        item=items[0].pk,
        value=2,
    )


def test_votes_outside_an_open_round_or_its_items_are_refused(forum, mod, items, voter):
    round_ = open_round(actor=mod, forum=forum, method="support", items=[items[0].pk, items[1].pk])
    refused(
        "invalid",
        cast_vote,
        round_,
        actor=voter,
        forum=forum,
        round=round_.pk,
        item=items[2].pk,
        value=1,
    )
    refused(
        "invalid",
        cast_vote,
        round_,
        actor=voter,
        forum=forum,
        round=round_.pk,
        item=PASSIVE_OPTION,
        value=1,
    )
    refused(
        "not_found",
        cast_vote,
        round_,
        actor=voter,
        forum=forum,
        round=999999,
        item=items[0].pk,
        value=1,
    )
    hide_item(actor=mod, forum=forum, item=items[1].pk)
    refused(
        "invalid",
        cast_vote,
        round_,
        actor=voter,
        forum=forum,
        round=round_.pk,
        item=items[1].pk,
        value=1,
    )
    close_round(actor=mod, forum=forum, round=round_.pk)
    refused(
        "closed",
        cast_vote,
        round_,
        actor=voter,
        forum=forum,
        round=round_.pk,
        item=items[0].pk,
        value=1,
    )


def test_screens_moderators_and_strangers_cannot_vote(forum, mod, items):
    round_ = open_round(actor=mod, forum=forum, method="support", kind="measure")
    stranger = participant_actor(make_participant(make_conference()))
    for actor in (Actor(screen=True), mod, stranger, Actor()):
        refused(
            "forbidden",
            cast_vote,
            round_,
            actor=actor,
            forum=forum,
            round=round_.pk,
            item=items[0].pk,
            value=1,
        )


def test_votes_change_no_rev(forum, mod, items, voter):
    round_ = open_round(actor=mod, forum=forum, method="support", kind="measure")
    forum.refresh_from_db()
    rev = forum.rev
    vote(forum, voter, round_, items[0], 1)
    forum.refresh_from_db()
    assert forum.rev == rev


def test_the_group_breakdown_source_is_kept_but_never_the_voter_in_the_tally(
    forum, mod, items, voter
):
    round_ = open_round(actor=mod, forum=forum, method="support", kind="measure")
    vote(forum, voter, round_, items[0], 1)
    assert Vote.objects.get().group == "Verwaltung"
    assert "participant" not in str(round_totals(round_))


def test_snapshot_carries_rounds_tallies_and_my_ballot(forum, mod, items, voter):
    from workshops.selectors import forum_snapshot

    dots = open_round(
        actor=mod, forum=forum, method="dots", kind="measure", budget=3, per_item=2, secret=False
    )
    secret = open_round(actor=mod, forum=forum, method="support", kind="measure")  # the default
    vote(forum, voter, dots, items[0], 2)
    mine = forum_snapshot(forum, voter)
    assert [r["id"] for r in mine["rounds"]] == [dots.pk, secret.pk]
    assert mine["me"]["votes"][str(dots.pk)] == {str(items[0].pk): 2}
    assert mine["me"]["points_left"][str(dots.pk)] == 1
    assert str(secret.pk) not in mine["tallies"]  # secret: not for participants
    assert mine["tallies"][str(dots.pk)][str(items[0].pk)] == {"dots": 2}
    assert str(secret.pk) in forum_snapshot(forum, mod)["tallies"]
    close_round(actor=mod, forum=forum, round=secret.pk)
    assert str(secret.pk) in forum_snapshot(forum, voter)["tallies"]


def test_merging_moves_votes_within_the_limits_and_reports_the_rest(forum, mod, items, voter):
    from workshops.services.items import merge_items

    other = participant_actor(make_participant(forum.conference))
    dots = open_round(actor=mod, forum=forum, method="dots", kind="measure", budget=5, per_item=2)
    support = open_round(actor=mod, forum=forum, method="support", items=[items[0].pk])
    vote(forum, voter, dots, items[0], 2)  # voter on the duplicate only
    vote(forum, other, dots, items[0], 1)  # other on both: 1 + 2 > per_item 2
    vote(forum, other, dots, items[1], 2)
    vote(forum, voter, support, items[0], 1)
    kept = merge_items(actor=mod, forum=forum, item=items[0].pk, into=items[1].pk)
    assert kept.merge_report == {"moved": 2, "not_moved": 1}
    assert round_totals(dots)["totals"][str(items[1].pk)] == {"dots": 4}
    assert str(items[0].pk) not in round_totals(dots)["totals"]
    assert (
        Ballot.objects.get(round=dots, participant=other.participant).used == 2
    )  # one point given back
    # the support round did not contain the target: it does now, with the vote
    assert round_totals(support)["totals"] == {str(items[1].pk): {"support": 1}}
    assert ForumEvent.objects.filter(forum=forum, name="round.updated").count() == 2


def test_breakdown_by_group_hides_small_groups_and_marks_broad_support(forum, mod, items):
    from workshops.selectors import round_breakdown

    round_ = open_round(actor=mod, forum=forum, method="support", items=[items[0].pk, items[1].pk])
    people = {
        g: [participant_actor(make_participant(forum.conference, group=g)) for _ in range(3)]
        for g in ("Verwaltung", "Migrantenorganisation")
    }
    lonely = participant_actor(make_participant(forum.conference, group="Polizei/Sicherheit"))
    for actor in people["Verwaltung"] + people["Migrantenorganisation"][:1]:
        vote(forum, actor, round_, items[0], 1)
    for actor in people["Verwaltung"][:1]:
        vote(forum, actor, round_, items[1], 1)
    for actor in people["Migrantenorganisation"][1:]:
        vote(forum, actor, round_, items[1], 1)
    vote(forum, lonely, round_, items[1], 1)
    result = round_breakdown(round_, [items[0].pk, items[1].pk])
    assert result["groups"] == [
        "Migrantenorganisation",
        "Verwaltung",
    ]  # the lone voter's group is not shown
    assert result["by_option"][str(items[0].pk)]["Verwaltung"] == {"support": 3}
    assert result["broad"] == {str(items[0].pk): True, str(items[1].pk): True}
    second = open_round(actor=mod, forum=forum, method="support", items=[items[0].pk, items[1].pk])
    for actor in people["Verwaltung"]:
        vote(forum, actor, second, items[0], 1)
    for actor in people["Migrantenorganisation"]:
        vote(forum, actor, second, items[1], 1)
    assert round_breakdown(second, [items[0].pk, items[1].pk])["broad"] == {
        str(items[0].pk): False,
        str(items[1].pk): False,
    }


def test_a_blind_round_is_revealed_by_the_moderator(forum, mod, items, voter):
    from workshops.selectors import forum_snapshot
    from workshops.services.rounds import reveal_round

    round_ = open_round(actor=mod, forum=forum, method="dots", kind="measure", secret=True)
    vote(forum, voter, round_, items[0], 1)
    assert str(round_.pk) not in forum_snapshot(forum, voter)["tallies"]
    with pytest.raises(ServiceError):
        reveal_round(actor=voter, forum=forum, round=round_.pk)
    reveal_round(actor=mod, forum=forum, round=round_.pk)
    assert forum_snapshot(forum, voter)["tallies"][str(round_.pk)][str(items[0].pk)] == {"dots": 1}
    assert ForumEvent.objects.filter(forum=forum).last().name == "round.updated"
    with pytest.raises(ServiceError):
        reveal_round(actor=mod, forum=forum, round=round_.pk)


def test_paper_votes_show_apart_and_count_in_the_ranking(forum, mod, items, voter):
    from workshops.selectors import rounds_for_page
    from workshops.services.rounds import add_analog_count

    round_ = open_round(
        actor=mod,
        forum=forum,
        method="dots",
        items=[items[0].pk, items[1].pk],
        budget=3,
        per_item=2,
    )
    vote(forum, voter, round_, items[0], 2)
    add_analog_count(
        actor=mod,
        forum=forum,
        round=round_.pk,
        item=items[1].pk,
        count=7,
        note="Leichte-Sprache-Tisch",
    )
    tally = round_totals(round_)["totals"]
    assert tally[str(items[0].pk)] == {"dots": 2}
    assert tally[str(items[1].pk)] == {"dots": 0, "analog": {"dots": 7}}
    for bad in ({"count": 0}, {"count": 5, "item": 999999}, {"count": 5, "value": 3}):
        kwargs = {"item": items[1].pk, **bad}
        with pytest.raises(ServiceError):
            add_analog_count(actor=mod, forum=forum, round=round_.pk, **kwargs)
    with pytest.raises(ServiceError):
        add_analog_count(actor=voter, forum=forum, round=round_.pk, item=items[1].pk, count=1)
    close_round(actor=mod, forum=forum, round=round_.pk)
    ranked = [o["id"] for o in rounds_for_page(forum, mod)[0]["options"]]
    assert ranked == [items[1].pk, items[0].pk]


def test_a_vote_on_a_decision_is_not_revealed_before_it_closes(forum, mod, items, voter):
    """An adoption round shows the room its turnout while it runs and its result when it
    closes: revealing it early is refused and changes nothing; the console offers no
    button for it."""
    from workshops.selectors import forum_snapshot
    from workshops.services.rounds import reveal_round

    round_ = open_round(actor=mod, forum=forum, method="adoption", kind="measure")
    vote(forum, voter, round_, items[0], 1)
    rev = Forum.objects.get(pk=forum.pk).rev
    with pytest.raises(ServiceError) as refused:
        reveal_round(actor=mod, forum=forum, round=round_.pk)
    assert "wenn die Runde schließt" in refused.value.message
    round_.refresh_from_db()
    assert not round_.revealed and Forum.objects.get(pk=forum.pk).rev == rev
    assert str(round_.pk) not in forum_snapshot(forum, voter)["tallies"]
