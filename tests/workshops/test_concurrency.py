"""Many writers on one forum at once, on the real PostgreSQL: revs stay gapless and no
acknowledged proposal is lost. (The embedded SQLite serializes writers by design.)"""

import threading

import pytest
from django.db import connection, connections

from tests.factories import make_forum, make_participant, participant_actor
from workshops.models import ForumEvent, Item
from workshops.services.items import propose_item

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of `make test` (DATABASE_URL)")


def test_concurrent_proposals_get_gapless_revs_and_none_is_lost():
    forum = make_forum()
    field = forum.fields.first()
    actors = [participant_actor(make_participant(forum.conference)) for _ in range(8)]
    per_thread = 15
    errors = []
    barrier = threading.Barrier(len(actors))

    def work(actor):
        try:
            barrier.wait()
            for n in range(per_thread):
                propose_item(
                    actor=actor, forum=forum, field=field.pk, kind="need", text=f"Bedarf {n}"
                )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    total = len(actors) * per_thread
    forum.refresh_from_db()
    assert Item.objects.filter(forum=forum).count() == total
    assert forum.rev == total
    revs = list(ForumEvent.objects.filter(forum=forum).values_list("rev", flat=True))
    assert revs == list(range(1, total + 1))


def test_one_participant_cannot_overspend_a_dots_budget_from_many_connections():
    from tests.factories import make_moderator, moderator_actor
    from workshops.exceptions import ServiceError
    from workshops.models import Ballot, Vote
    from workshops.services.rounds import open_round
    from workshops.services.votes import cast_vote

    forum = make_forum()
    field = forum.fields.first()
    author = participant_actor(make_participant(forum.conference))
    items = [
        propose_item(actor=author, forum=forum, field=field.pk, kind="measure", text=f"M {n}")
        for n in range(12)
    ]
    round_ = open_round(
        actor=moderator_actor(make_moderator(forum.conference)),
        forum=forum,
        method="dots",
        kind="measure",
        budget=5,
        per_item=2,
    )
    voter = participant_actor(make_participant(forum.conference))
    outcomes = []
    barrier = threading.Barrier(12)

    def work(item):
        try:
            barrier.wait()
            cast_vote(actor=voter, forum=forum, round=round_.pk, item=item.pk, value=2)
            outcomes.append("ok")
        except ServiceError as exc:
            outcomes.append(exc.code)
        except Exception as exc:  # noqa: BLE001
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(item,)) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    spent = sum(Vote.objects.filter(round=round_).values_list("value", flat=True))
    assert sorted(set(outcomes)) == ["budget", "ok"], outcomes
    assert outcomes.count("ok") == 2  # 2 + 2 points; a third 2 would make 6 > 5
    assert spent == 4 == Ballot.objects.get(round=round_).used


def _in_thread(work, results):
    """Run ``work`` in a thread of its own (a connection of its own); its return value or
    exception lands in ``results``."""

    def run():
        try:
            results.append(work())
        except Exception as exc:  # noqa: BLE001 - reported by the test
            results.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _meanwhile(change, then):
    """Run ``change`` in a transaction of its own and keep that open while ``then`` runs
    on another connection. Returns what each returned (or raised) and whether ``then``
    was still waiting half a second later, so waiting for the open transaction."""
    from django.db import transaction

    changed, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            result = change()
            changed.set()
            release.wait(10)
            return result

    first, second = [], []
    holder = _in_thread(hold, first)
    assert changed.wait(10), first
    waiter = _in_thread(then, second)
    waiter.join(0.5)
    waited = waiter.is_alive()
    release.set()
    holder.join()
    waiter.join()
    return first[0], second[0], waited


@pytest.fixture(params=["one round trip", "a round trip each"])
def vote_statements(request, monkeypatch):
    """The vote path's statements as sent by default (several in one execute) and as
    with server-side binding (one each)."""
    from workshops.services import votes

    if request.param == "a round trip each":
        monkeypatch.setitem(
            votes._statements,
            "postgresql",
            votes._Statements("postgresql", connection.ops.quote_name, several_at_once=False),
        )
    return request.param


def _batch_vote(voter, forum, round_id, item_id, value):
    from django.db import transaction

    from workshops.services.votes import VoteRequest, cast_votes

    with transaction.atomic():
        return cast_votes(votes=[VoteRequest(voter, forum, round_id, item_id, value)])[0]


@pytest.mark.parametrize("path", ["one", "batch"])
def test_a_vote_that_meets_a_round_being_closed_waits_and_is_refused(path, vote_statements):
    """The moderator's close has changed the round but not committed yet: a vote then
    waits for it and is refused as closed; it is not stored into the closed round."""
    from tests.factories import make_moderator, moderator_actor
    from workshops.exceptions import ServiceError
    from workshops.models import Vote
    from workshops.services.rounds import close_round, open_round
    from workshops.services.votes import cast_vote

    forum = make_forum()
    field = forum.fields.first()
    author = participant_actor(make_participant(forum.conference))
    item = propose_item(
        actor=author, forum=forum, field=field.pk, kind="measure", text="Sprachcafé"
    )
    moderator = moderator_actor(make_moderator(forum.conference))
    round_ = open_round(actor=moderator, forum=forum, method="support", kind="measure")
    voter = participant_actor(make_participant(forum.conference))

    def vote():
        if path == "one":
            return cast_vote(actor=voter, forum=forum, round=round_.pk, item=item.pk, value=1)
        return _batch_vote(voter, forum, round_.pk, item.pk, 1)

    closed, voted, waited = _meanwhile(
        lambda: close_round(actor=moderator, forum=forum, round=round_.pk), vote
    )
    assert waited, voted  # it did not go ahead on the round as it was before
    assert not isinstance(closed, Exception), closed
    assert isinstance(voted, ServiceError) and voted.code == "closed", voted
    assert not Vote.objects.filter(round=round_).exists()


def test_the_plenary_decision_counts_a_vote_committing_while_the_round_closes():
    """A yes vote is being written when the moderator closes the adoption round: the
    close waits for it, so the decision the closed round proposes (and the moderator
    confirms) is adoption, as the final tally says."""
    from tests.factories import make_moderator, moderator_actor
    from workshops.services.items import shortlist_item
    from workshops.services.rounds import close_round, open_round

    forum = make_forum()
    conference = forum.conference
    plenary = make_forum(
        conference, fields=list(forum.fields.all()), kind="plenary", title="Plenum"
    )
    moderator = moderator_actor(make_moderator(conference))
    author = participant_actor(make_participant(conference))
    measure = propose_item(
        actor=author,
        forum=forum,
        field=forum.fields.first().pk,
        kind="measure",
        text="Elterncafé in der Grundschule",
    )
    shortlist_item(actor=moderator, forum=forum, item=measure.pk, shortlisted=True)
    round_ = open_round(actor=moderator, forum=plenary, method="adoption", kind="measure")
    voter = participant_actor(make_participant(conference))

    voted, closed, waited = _meanwhile(
        lambda: _batch_vote(voter, plenary, round_.pk, measure.pk, 1),
        lambda: close_round(actor=moderator, forum=plenary, round=round_.pk),
    )
    assert waited, closed
    assert not isinstance(voted, Exception), voted
    assert not isinstance(closed, Exception), closed
    from workshops.methods import method_of
    from workshops.models import Round
    from workshops.selectors import round_totals

    assert Item.objects.get(pk=measure.pk).adopted is None  # closing proposes only
    tally = round_totals(Round.objects.get(pk=round_.pk))["totals"][str(measure.pk)]
    assert method_of("adoption").proposal(tally)[0] is True


def test_a_vote_on_a_duplicate_being_merged_waits_and_is_refused(vote_statements):
    """The moderator's merge has moved the duplicate's votes but not committed yet: a
    vote on the duplicate then waits and is refused, instead of landing on an item the
    round no longer has."""
    from tests.factories import make_moderator, moderator_actor
    from workshops.exceptions import ServiceError
    from workshops.models import Vote
    from workshops.services.items import merge_items
    from workshops.services.rounds import open_round

    forum = make_forum()
    field = forum.fields.first()
    author = participant_actor(make_participant(forum.conference))
    duplicate, target = (
        propose_item(actor=author, forum=forum, field=field.pk, kind="measure", text=text)
        for text in ("Sprachcafé", "Sprachcafé im Quartier")
    )
    moderator = moderator_actor(make_moderator(forum.conference))
    round_ = open_round(actor=moderator, forum=forum, method="support", kind="measure")
    voter = participant_actor(make_participant(forum.conference))

    merged, voted, waited = _meanwhile(
        lambda: merge_items(actor=moderator, forum=forum, item=duplicate.pk, into=target.pk),
        lambda: _batch_vote(voter, forum, round_.pk, duplicate.pk, 1),
    )
    assert waited, voted
    assert not isinstance(merged, Exception), merged
    assert isinstance(voted, ServiceError) and voted.code == "invalid", voted
    assert not Vote.objects.filter(round=round_).exists()


def _cards_scene():
    from tests.factories import make_moderator, moderator_actor
    from workshops.services.rounds import open_round

    forum = make_forum()
    author = participant_actor(make_participant(forum.conference))
    item = propose_item(
        actor=author,
        forum=forum,
        field=forum.fields.first().pk,
        kind="measure",
        text="Sprachcafé im Stadtteilzentrum",
    )
    moderator = moderator_actor(make_moderator(forum.conference))
    round_ = open_round(actor=moderator, forum=forum, method="support", kind="measure")
    return forum, item, moderator, round_, participant_actor(make_participant(forum.conference))


@pytest.mark.parametrize("path", ["one", "batch"])
def test_cards_switched_on_while_a_card_less_vote_commits_wait_for_it_and_refuse(
    path, vote_statements
):
    """A phone without a card is voting (not committed yet) when the moderator switches
    cards on: the switch waits for the vote and is refused, as with any vote before it;
    the card-less vote is never kept silently in a round that now requires cards."""
    from workshops.exceptions import ServiceError
    from workshops.models import Forum, Vote
    from workshops.services.cards import set_cards_required
    from workshops.services.votes import cast_vote

    forum, item, moderator, round_, voter = _cards_scene()

    def vote():
        if path == "one":
            return cast_vote(actor=voter, forum=forum, round=round_.pk, item=item.pk, value=1)
        return _batch_vote(voter, forum, round_.pk, item.pk, 1)

    voted, switched, waited = _meanwhile(
        vote, lambda: set_cards_required(actor=moderator, forum=forum, required=True)
    )
    assert waited and not isinstance(voted, Exception), voted
    assert isinstance(switched, ServiceError) and switched.code == "invalid", switched
    assert not Forum.objects.get(pk=forum.pk).requires_cards
    assert Vote.objects.filter(round=round_).count() == 1


@pytest.mark.parametrize("path", ["one", "batch"])
def test_a_card_less_vote_meeting_cards_being_switched_on_waits_and_is_refused(
    path, vote_statements
):
    from workshops.exceptions import ServiceError
    from workshops.models import Vote
    from workshops.services.cards import set_cards_required
    from workshops.services.votes import cast_vote

    forum, item, moderator, round_, voter = _cards_scene()

    def vote():
        if path == "one":
            return cast_vote(actor=voter, forum=forum, round=round_.pk, item=item.pk, value=1)
        return _batch_vote(voter, forum, round_.pk, item.pk, 1)

    switched, voted, waited = _meanwhile(
        lambda: set_cards_required(actor=moderator, forum=forum, required=True), vote
    )
    assert waited and not isinstance(switched, Exception), switched
    assert isinstance(voted, ServiceError), voted
    assert not Vote.objects.filter(round=round_).exists()
