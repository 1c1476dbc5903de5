"""Votes cast together (``cast_votes``, the socket's batches) answer and store exactly what
the same votes cast one after the other (``cast_vote``) would."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    make_forum,
    make_moderator,
    make_participant,
    moderator_actor,
    participant_actor,
)
from workshops.exceptions import ServiceError
from workshops.models import PASSIVE_OPTION, Ballot, Vote
from workshops.services.items import hide_item, propose_item
from workshops.services.rounds import close_round, open_round
from workshops.services.votes import VoteRequest, cast_vote, cast_votes

ITEMS = 4
# The values of each method, drawn mostly from what is accepted so that budgets run out
# and votes change and go.
VALUES = {
    "dots": [1, 2, 1, 2, 1, 2, None, 0, 3, "x"],
    "support": [1, 1, 1, None, 0, 2, "x"],
    "consent": [0, 5, 10, 3, None, 11, -1, "x"],
    "adoption": [1, -1, 0, 1, -1, None, 2, "x"],
}


def steps(method):
    """Who votes in which round on which option: mostly two voters, the open round and
    the shown items; also the author of every item (no dots on one's own), someone of
    another conference, a closed round, another forum's round, a round that does not
    exist, the hidden item, the Passivlösung and an item of another forum."""
    return st.lists(
        st.tuples(
            st.sampled_from([1, 2, 1, 2, 1, 2, 0, 3]),  # people[1] and [2]; the author; a stranger
            st.sampled_from([0] * 9 + [1, 2, 3]),  # the open round mostly
            st.sampled_from([1, 2, 3] * 3 + [0, 4, 5]),  # shown items mostly
            st.sampled_from(VALUES[method]),
        ),
        min_size=5,
        max_size=30,
    )


def _stored(rounds):
    votes = sorted(
        Vote.objects.filter(round__in=rounds).values_list(
            "round", "participant", "option", "value", "group"
        )
    )
    ballots = sorted(
        Ballot.objects.filter(round__in=rounds, used__gt=0).values_list(
            "round", "participant", "used"
        )
    )
    return votes, ballots


def _outcome(result):
    return (
        ("refused", result.code, str(result.message))
        if isinstance(result, ServiceError)
        else ("ok", result)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("method", sorted(VALUES))
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_votes_cast_together_answer_and_store_what_one_after_the_other_would(method, data):
    sequence = data.draw(steps(method))
    forum = make_forum()
    field = forum.fields.first()
    mod = moderator_actor(make_moderator(forum.conference))
    people = [
        participant_actor(make_participant(forum.conference, group=g))
        for g in ("Verwaltung", "Politik", "")
    ]
    author = people[0]  # proposes every item: dots on them are refused for this person
    items = [
        propose_item(actor=author, forum=forum, field=field.pk, kind="goal", text=f"Ziel {n}").pk
        for n in range(ITEMS)
    ]
    round_ = open_round(
        actor=mod, forum=forum, method=method, items=items[:ITEMS], budget=3, per_item=2
    )
    closed = open_round(
        actor=mod, forum=forum, method=method, items=items[:ITEMS], budget=3, per_item=2
    )
    close_round(actor=mod, forum=forum, round=closed.pk)
    hide_item(actor=mod, forum=forum, item=items[0])
    other = make_forum(forum.conference, fields=[field])
    there = propose_item(
        actor=people[1], forum=other, field=field.pk, kind="goal", text="Ziel dort"
    ).pk
    elsewhere = open_round(actor=mod, forum=other, method="support", items=[there])
    stranger = participant_actor(make_participant(make_forum().conference))
    voters = [*people, stranger]
    rounds = [round_.pk, closed.pk, elsewhere.pk, 999_999]
    options = [*items[:ITEMS], PASSIVE_OPTION, there]
    requests = [
        VoteRequest(voters[p], forum, rounds[r], options[o], value) for p, r, o, value in sequence
    ]

    with transaction.atomic():
        one_by_one = []
        for request in requests:
            try:
                one_by_one.append(
                    _outcome(
                        cast_vote(
                            actor=request.actor,
                            forum=forum,
                            round=request.round,
                            item=request.item,
                            value=request.value,
                            savepoint=False,
                        )
                    )
                )
            except ServiceError as refusal:
                one_by_one.append(_outcome(refusal))
        stored_one_by_one = _stored(rounds)
        transaction.set_rollback(True)
    with transaction.atomic():
        together = [_outcome(result) for result in cast_votes(votes=requests)]
        stored_together = _stored(rounds)
        transaction.set_rollback(True)

    assert together == one_by_one
    assert stored_together == stored_one_by_one


def test_votes_cast_together_need_the_callers_transaction():
    # Outside a transaction a batch could be half-applied: refused before anything is read.
    with pytest.raises(transaction.TransactionManagementError):
        cast_votes(votes=[VoteRequest(None, None, 1, 1, 1)])


@pytest.mark.django_db
def test_in_a_forum_with_voting_cards_only_card_holders_votes_count_and_the_cards_are_read_once():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workshops.services.cards import issue_cards, redeem_card, set_cards_required

    forum = make_forum()
    field = forum.fields.first()
    mod = moderator_actor(make_moderator(forum.conference))
    author = participant_actor(make_participant(forum.conference))
    items = [
        propose_item(
            actor=author, forum=forum, field=field.pk, kind="measure", text=f"Maßnahme {n}"
        ).pk
        for n in range(3)
    ]
    codes = issue_cards(actor=mod, forum=forum, count=2)
    set_cards_required(actor=mod, forum=forum, required=True)
    round_ = open_round(actor=mod, forum=forum, method="adoption", kind="measure")
    holders = [participant_actor(make_participant(forum.conference)) for _ in range(2)]
    for actor, code in zip(holders, codes, strict=False):
        redeem_card(actor=actor, forum=forum, code=code)
    without = participant_actor(make_participant(forum.conference))
    requests = [
        VoteRequest(actor, forum, round_.pk, item, 1)
        for item in items
        for actor in (*holders, without)
    ]

    with transaction.atomic():
        one_by_one = []
        for request in requests:
            try:
                one_by_one.append(
                    _outcome(
                        cast_vote(
                            actor=request.actor,
                            forum=forum,
                            round=request.round,
                            item=request.item,
                            value=1,
                            savepoint=False,
                        )
                    )
                )
            except ServiceError as refusal:
                one_by_one.append(_outcome(refusal))
        transaction.set_rollback(True)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        together = [_outcome(result) for result in cast_votes(votes=requests)]
        stored = _stored([round_.pk])

    assert together == one_by_one
    assert [outcome[:2] if outcome[0] == "refused" else "ok" for outcome in together] == (
        ["ok", "ok", ("refused", "forbidden")] * 3
    )
    assert {(participant, value) for _r, participant, _o, value, _g in stored[0]} == {
        (holders[0].participant.pk, 1),
        (holders[1].participant.pk, 1),
    }
    assert len(stored[0]) == 6
    assert sum("votingcard" in q["sql"] for q in queries.captured_queries) == 1
