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
