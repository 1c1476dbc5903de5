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
                propose_item(actor=actor, forum=forum, field=field.pk, kind="need", text=f"Bedarf {n}")
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
    from workshops.models import Ballot, Vote
    from workshops.services.rounds import open_round
    from workshops.services.votes import cast_vote
    from tests.factories import make_moderator, moderator_actor
    from workshops.exceptions import ServiceError

    forum = make_forum()
    field = forum.fields.first()
    author = participant_actor(make_participant(forum.conference))
    items = [propose_item(actor=author, forum=forum, field=field.pk, kind="measure", text=f"M {n}") for n in range(12)]
    round_ = open_round(actor=moderator_actor(make_moderator(forum.conference)), forum=forum,
                        method="dots", kind="measure", budget=5, per_item=2)
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


@pytest.fixture(params=["one round trip", "a round trip each"])
def vote_statements(request, monkeypatch):
    """The vote path's statements as sent by default (several in one execute) and as
    with server-side binding (one each)."""
    from workshops.services import votes

    if request.param == "a round trip each":
        monkeypatch.setitem(votes._statements, "postgresql",
                            votes._Statements("postgresql", connection.ops.quote_name, several_at_once=False))
    return request.param


@pytest.mark.parametrize("path", ["one", "batch"])
def test_a_vote_that_meets_a_round_being_closed_waits_and_is_refused(path, vote_statements):
    """The moderator's close has changed the round but not committed yet: a vote then
    waits for it and is refused as closed; it is not stored into the closed round."""
    from django.db import transaction

    from tests.factories import make_moderator, moderator_actor
    from workshops.exceptions import ServiceError
    from workshops.models import Vote
    from workshops.services.rounds import close_round, open_round
    from workshops.services.votes import VoteRequest, cast_vote, cast_votes

    forum = make_forum()
    field = forum.fields.first()
    author = participant_actor(make_participant(forum.conference))
    item = propose_item(actor=author, forum=forum, field=field.pk, kind="measure", text="Sprachcafé")
    moderator = moderator_actor(make_moderator(forum.conference))
    round_ = open_round(actor=moderator, forum=forum, method="support", kind="measure")
    voter = participant_actor(make_participant(forum.conference))
    closed, release = threading.Event(), threading.Event()

    def close():
        with transaction.atomic():
            close_round(actor=moderator, forum=forum, round=round_.pk)
            closed.set()
            release.wait(10)

    def vote():
        if path == "one":
            return cast_vote(actor=voter, forum=forum, round=round_.pk, item=item.pk, value=1)
        with transaction.atomic():
            return cast_votes(votes=[VoteRequest(voter, forum, round_.pk, item.pk, 1)])[0]

    closing, voting = [], []
    closer = _in_thread(close, closing)
    assert closed.wait(10)
    voter_thread = _in_thread(vote, voting)
    voter_thread.join(0.5)
    still_waiting = voter_thread.is_alive()
    release.set()
    closer.join()
    voter_thread.join()
    assert still_waiting, voting  # it did not go ahead on the round as it was before
    assert closing == [closing[0]] and not isinstance(closing[0], Exception), closing
    assert isinstance(voting[0], ServiceError) and voting[0].code == "closed", voting
    assert not Vote.objects.filter(round=round_).exists()


def test_the_plenary_decision_counts_a_vote_committing_while_the_round_closes():
    """A yes vote is being written when the moderator closes the adoption round: the
    close waits for it, so the measure is adopted, as the final tally says."""
    from django.db import transaction

    from tests.factories import make_moderator, moderator_actor
    from workshops.models import Item as ItemModel
    from workshops.services.items import shortlist_item
    from workshops.services.rounds import close_round, open_round
    from workshops.services.votes import VoteRequest, cast_votes

    forum = make_forum()
    conference = forum.conference
    plenary = make_forum(conference, fields=list(forum.fields.all()), kind="plenary", title="Plenum")
    moderator = moderator_actor(make_moderator(conference))
    author = participant_actor(make_participant(conference))
    measure = propose_item(actor=author, forum=forum, field=forum.fields.first().pk, kind="measure",
                           text="Elterncafé in der Grundschule")
    shortlist_item(actor=moderator, forum=forum, item=measure.pk, shortlisted=True)
    round_ = open_round(actor=moderator, forum=plenary, method="adoption", kind="measure")
    voter = participant_actor(make_participant(conference))
    written, release = threading.Event(), threading.Event()

    def vote():
        with transaction.atomic():
            result = cast_votes(votes=[VoteRequest(voter, plenary, round_.pk, measure.pk, 1)])[0]
            written.set()
            release.wait(10)
            return result

    voting, closing = [], []
    voter_thread = _in_thread(vote, voting)
    assert written.wait(10)
    closer = _in_thread(lambda: close_round(actor=moderator, forum=plenary, round=round_.pk), closing)
    closer.join(0.5)
    still_waiting = closer.is_alive()
    release.set()
    voter_thread.join()
    closer.join()
    assert still_waiting, closing
    assert not isinstance(voting[0], Exception), voting
    assert not isinstance(closing[0], Exception), closing
    assert ItemModel.objects.get(pk=measure.pk).adopted is True


def test_a_vote_on_a_duplicate_being_merged_waits_and_is_refused(vote_statements):
    """The moderator's merge has moved the duplicate's votes but not committed yet: a
    vote on the duplicate then waits and is refused, instead of landing on an item the
    round no longer has."""
    from django.db import transaction

    from tests.factories import make_moderator, moderator_actor
    from workshops.exceptions import ServiceError
    from workshops.models import Vote
    from workshops.services.items import merge_items
    from workshops.services.rounds import open_round
    from workshops.services.votes import VoteRequest, cast_votes

    forum = make_forum()
    field = forum.fields.first()
    author = participant_actor(make_participant(forum.conference))
    duplicate, target = (propose_item(actor=author, forum=forum, field=field.pk, kind="measure", text=text)
                         for text in ("Sprachcafé", "Sprachcafé im Quartier"))
    moderator = moderator_actor(make_moderator(forum.conference))
    round_ = open_round(actor=moderator, forum=forum, method="support", kind="measure")
    voter = participant_actor(make_participant(forum.conference))
    merged, release = threading.Event(), threading.Event()

    def merge():
        with transaction.atomic():
            merge_items(actor=moderator, forum=forum, item=duplicate.pk, into=target.pk)
            merged.set()
            release.wait(10)

    def vote():
        with transaction.atomic():
            return cast_votes(votes=[VoteRequest(voter, forum, round_.pk, duplicate.pk, 1)])[0]

    merging, voting = [], []
    merger = _in_thread(merge, merging)
    assert merged.wait(10)
    voter_thread = _in_thread(vote, voting)
    voter_thread.join(0.5)
    still_waiting = voter_thread.is_alive()
    release.set()
    merger.join()
    voter_thread.join()
    assert still_waiting, voting
    assert not isinstance(merging[0], Exception), merging
    assert isinstance(voting[0], ServiceError) and voting[0].code == "invalid", voting
    assert not Vote.objects.filter(round=round_).exists()
