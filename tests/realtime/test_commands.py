"""Socket commands applied at most once, those that queued up in one transaction
(realtime/commands.py)."""

import json
import threading

import pytest

from realtime.commands import execute_batch
from realtime.models import CommandReceipt
from realtime.protocol import parse
from tests.factories import make_participant, moderator_actor, participant_actor
from workshops.models import Ballot, Vote
from workshops.selectors import my_ballot
from workshops.services.items import propose_item
from workshops.services.rounds import open_round

pytestmark = pytest.mark.django_db


def entry(actor, forum, frame: dict) -> dict:
    return {
        "actor": actor,
        "sender": f"p:{actor.participant.pk}",
        "forum": forum,
        "command": parse(json.dumps(frame)),
        "language": "en",
    }


def vote_entry(actor, forum, round_, command_id, item, value) -> dict:
    return entry(
        actor,
        forum,
        {"type": "vote", "id": command_id, "round": round_.pk, "item": item, "value": value},
    )


def _dots_round(forum, participant, moderator, *, budget=3):
    """Three measures by ``participant`` and an open dots round on them, at most 2 per item."""
    field = forum.fields.order_by("position", "id").first()
    author = participant_actor(participant)
    items = [
        propose_item(
            actor=author, forum=forum, field=field.pk, kind="measure", text=f"Maßnahme {n}"
        ).pk
        for n in range(3)
    ]
    round_ = open_round(
        actor=moderator_actor(moderator),
        forum=forum,
        method="dots",
        items=items,
        budget=budget,
        per_item=2,
    )
    return round_, items


def test_votes_that_queued_together_each_get_their_own_answer_and_a_refusal_changes_nothing(
    forum, participant, moderator
):
    round_, items = _dots_round(forum, participant, moderator, budget=2)
    a, b = (participant_actor(make_participant(forum.conference)) for _ in range(2))

    def vote(actor, command_id, item, value):
        return vote_entry(actor, forum, round_, command_id, item, value)

    answers = execute_batch(
        [
            vote(a, "v1", items[0], 2),
            vote(b, "v1", items[1], 2),
            vote(b, "v2", items[2], 1),  # over the budget: b has spent both points
            vote(a, "v2", items[0], 1),  # a takes one point back
            vote(b, "v3", items[1], None),  # b withdraws
        ]
    )

    assert answers[0] == {"ok": True, "result": {"votes": {str(items[0]): 2}, "points_left": 0}}
    assert answers[1] == {"ok": True, "result": {"votes": {str(items[1]): 2}, "points_left": 0}}
    assert answers[2]["ok"] is False and answers[2]["error"]["code"] == "budget"
    assert answers[2]["error"]["message"] == "Not enough points left: you have 0 of 2."
    assert answers[3] == {"ok": True, "result": {"votes": {str(items[0]): 1}, "points_left": 1}}
    assert answers[4] == {"ok": True, "result": {"votes": {}, "points_left": 2}}
    # What each ack said is what is stored.
    assert answers[3]["result"] == my_ballot(round_, a.participant.pk)
    assert answers[4]["result"] == my_ballot(round_, b.participant.pk)
    assert list(
        Vote.objects.filter(round=round_).values_list("participant", "option", "value")
    ) == [(a.participant.pk, items[0], 1)]
    assert sorted(Ballot.objects.filter(round=round_).values_list("participant", "used")) == [
        (a.participant.pk, 1),
        (b.participant.pk, 0),
    ]

    # Every answer is kept, the refusal too: sent again, each gets its first answer and
    # nothing changes, even though b now has the points for v2.
    assert execute_batch([vote(b, "v2", items[2], 1), vote(a, "v1", items[0], 2)]) == [
        answers[2],
        answers[0],
    ]
    assert CommandReceipt.objects.count() == 5
    assert Vote.objects.filter(round=round_).count() == 1


def test_a_command_sent_twice_in_one_batch_is_applied_once_and_both_get_its_answer(
    forum, participant, moderator
):
    field = forum.fields.order_by("position", "id").first()
    author = participant_actor(participant)
    propose = {
        "type": "propose",
        "id": "p1",
        "field": field.pk,
        "kind": "need",
        "text": "Sprachkurse am Abend",
    }

    answers = execute_batch([entry(author, forum, propose), entry(author, forum, propose)])

    assert answers[0]["ok"] is True and answers[1] == answers[0]
    assert list(forum.items.values_list("pk", "text")) == [
        (answers[0]["result"]["id"], "Sprachkurse am Abend")
    ]
    assert CommandReceipt.objects.count() == 1


def answered_meanwhile(monkeypatch, key, write):
    """Another writer stores the receipt of ``key`` just after the batch has read its
    receipts (``write`` does it), as a second server process would."""
    from realtime import commands

    read = commands._stored_answers

    def read_then_write(keys):
        found = read(keys)
        if key in keys and len(keys) > 1:
            write()
        return found

    monkeypatch.setattr(commands, "_stored_answers", read_then_write)


def test_when_the_batch_meets_a_conflict_it_is_applied_again_command_by_command_exactly_once(
    forum, participant, moderator, monkeypatch
):
    round_, items = _dots_round(forum, participant, moderator)
    a, b = (participant_actor(make_participant(forum.conference)) for _ in range(2))

    def vote(actor, command_id, item, value):
        return vote_entry(actor, forum, round_, command_id, item, value)

    sender_b = f"p:{b.participant.pk}"
    # The conflicting receipt is written on the batch's own connection, so it goes with
    # the batch's rollback: every command then applies once, one by one.
    answered_meanwhile(
        monkeypatch,
        (sender_b, "v1"),
        lambda: CommandReceipt.objects.create(
            sender=sender_b, command_id="v1", answer={"ok": True}
        ),
    )

    answers = execute_batch(
        [vote(a, "v1", items[0], 2), vote(b, "v1", items[1], 2), vote(a, "v2", items[1], 2)]
    )

    assert answers[0] == {"ok": True, "result": {"votes": {str(items[0]): 2}, "points_left": 1}}
    assert answers[1] == {"ok": True, "result": {"votes": {str(items[1]): 2}, "points_left": 1}}
    assert answers[2]["ok"] is False and answers[2]["error"]["code"] == "budget"
    # Nothing of the first attempt is left: points spent once, each vote stored once.
    assert sorted(
        Vote.objects.filter(round=round_).values_list("participant", "option", "value")
    ) == sorted([(a.participant.pk, items[0], 2), (b.participant.pk, items[1], 2)])
    assert sorted(Ballot.objects.filter(round=round_).values_list("participant", "used")) == sorted(
        [(a.participant.pk, 2), (b.participant.pk, 2)]
    )
    assert {
        (r.command_id, r.answer["ok"]) for r in CommandReceipt.objects.filter(sender=sender_b)
    } == {("v1", True)}
    assert CommandReceipt.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_command_another_process_answered_meanwhile_gets_that_answer_and_is_not_applied_again(
    forum, participant, moderator, monkeypatch
):
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip(
            "runs in the PostgreSQL pass of `make test` (DATABASE_URL): SQLite has one writer"
        )
    round_, items = _dots_round(forum, participant, moderator)
    a, b = (participant_actor(make_participant(forum.conference)) for _ in range(2))
    sender_b = f"p:{b.participant.pk}"
    theirs = {"ok": True, "result": {"votes": {}, "points_left": 3}}

    def other_process():
        # Its own connection and transaction, committed before the batch writes.
        def commit():
            try:
                CommandReceipt.objects.create(sender=sender_b, command_id="v1", answer=theirs)
            finally:
                connections.close_all()

        thread = threading.Thread(target=commit)
        thread.start()
        thread.join()

    answered_meanwhile(monkeypatch, (sender_b, "v1"), other_process)

    answers = execute_batch(
        [
            vote_entry(a, forum, round_, "v1", items[0], 2),
            vote_entry(b, forum, round_, "v1", items[1], 2),
        ]
    )

    assert answers == [
        {"ok": True, "result": {"votes": {str(items[0]): 2}, "points_left": 1}},
        theirs,
    ]
    assert list(
        Vote.objects.filter(round=round_).values_list("participant", "option", "value")
    ) == [(a.participant.pk, items[0], 2)]
    assert list(
        Ballot.objects.filter(round=round_, used__gt=0).values_list("participant", "used")
    ) == [(a.participant.pk, 2)]


def test_when_the_database_is_away_every_command_is_unavailable_in_its_senders_language(
    forum, participant, moderator, monkeypatch
):
    from django.db import OperationalError

    from realtime import commands

    round_, items = _dots_round(forum, participant, moderator)
    a, b = (participant_actor(make_participant(forum.conference)) for _ in range(2))

    def away(keys):
        raise OperationalError("connection refused")

    monkeypatch.setattr(commands, "_stored_answers", away)
    answers = execute_batch(
        [
            vote_entry(a, forum, round_, "v1", items[0], 1),
            {**vote_entry(b, forum, round_, "v1", items[0], 1), "language": "de"},
        ]
    )

    assert [answer["error"]["code"] for answer in answers] == ["unavailable", "unavailable"]
    assert (
        answers[0]["error"]["message"]
        == "The server cannot save right now. Your entry will be sent again shortly."
    )
    assert answers[1]["error"]["message"].startswith("Der Server kann gerade nicht speichern")
    assert not Vote.objects.filter(round=round_).exists()


def test_votes_refused_in_one_batch_read_in_each_senders_language(forum, participant, moderator):
    round_, items = _dots_round(forum, participant, moderator, budget=2)
    a, b = (participant_actor(make_participant(forum.conference)) for _ in range(2))

    answers = execute_batch(
        [
            vote_entry(a, forum, round_, "v1", items[0], 2),
            {**vote_entry(b, forum, round_, "v1", items[0], 2), "language": "de"},
            vote_entry(a, forum, round_, "v2", items[1], 1),  # over the budget
            {
                **vote_entry(b, forum, round_, "v2", items[1], 1),
                "language": "de",
            },  # over the budget
            {
                **vote_entry(b, forum, round_, "v3", items[2], 3),
                "language": "de",
            },  # over the limit per item
        ]
    )

    assert [answer["ok"] for answer in answers] == [True, True, False, False, False]
    assert answers[2]["error"]["message"] == "Not enough points left: you have 0 of 2."
    assert answers[3]["error"]["message"] == "Nicht genug Punkte übrig: Sie haben 0 von 2."
    assert answers[4]["error"]["message"] == "Höchstens 2 Punkte auf einen Beitrag."
