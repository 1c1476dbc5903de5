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
