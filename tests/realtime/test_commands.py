"""Socket commands applied at most once, those that queued up in one transaction
(realtime/commands.py)."""
import json

import pytest

from realtime.commands import execute_batch
from realtime.models import CommandReceipt
from realtime.protocol import parse
from tests.factories import make_participant, moderator_actor, participant_actor
from workshops.models import Ballot, Vote
from workshops.services.items import propose_item
from workshops.services.rounds import open_round
from workshops.services.votes import my_ballot

pytestmark = pytest.mark.django_db


def entry(actor, forum, frame: dict) -> dict:
    return {"actor": actor, "sender": f"p:{actor.participant.pk}", "forum": forum,
            "command": parse(json.dumps(frame)), "language": "en"}


def test_votes_that_queued_together_each_get_their_own_answer_and_a_refusal_changes_nothing(
        forum, participant, moderator):
    field = forum.fields.order_by("position", "id").first()
    author = participant_actor(participant)
    items = [propose_item(actor=author, forum=forum, field=field.pk, kind="measure", text=f"Maßnahme {n}").pk
             for n in range(3)]
    round_ = open_round(actor=moderator_actor(moderator), forum=forum, method="dots", items=items,
                        budget=2, per_item=2)
    a, b = (participant_actor(make_participant(forum.conference)) for _ in range(2))

    def vote(actor, command_id, item, value):
        return entry(actor, forum, {"type": "vote", "id": command_id, "round": round_.pk, "item": item,
                                    "value": value})

    answers = execute_batch([
        vote(a, "v1", items[0], 2),
        vote(b, "v1", items[1], 2),
        vote(b, "v2", items[2], 1),  # over the budget: b has spent both points
        vote(a, "v2", items[0], 1),  # a takes one point back
        vote(b, "v3", items[1], None),  # b withdraws
    ])

    assert answers[0] == {"ok": True, "result": {"votes": {str(items[0]): 2}, "points_left": 0}}
    assert answers[1] == {"ok": True, "result": {"votes": {str(items[1]): 2}, "points_left": 0}}
    assert answers[2]["ok"] is False and answers[2]["error"]["code"] == "budget"
    assert answers[2]["error"]["message"] == "Not enough points left: you have 0 of 2."
    assert answers[3] == {"ok": True, "result": {"votes": {str(items[0]): 1}, "points_left": 1}}
    assert answers[4] == {"ok": True, "result": {"votes": {}, "points_left": 2}}
    # What each ack said is what is stored.
    assert answers[3]["result"] == my_ballot(round_, a.participant.pk)
    assert answers[4]["result"] == my_ballot(round_, b.participant.pk)
    assert list(Vote.objects.filter(round=round_).values_list("participant", "option", "value")) == [
        (a.participant.pk, items[0], 1)]
    assert sorted(Ballot.objects.filter(round=round_).values_list("participant", "used")) == [
        (a.participant.pk, 1), (b.participant.pk, 0)]

    # Every answer is kept, the refusal too: sent again, each gets its first answer and
    # nothing changes, even though b now has the points for v2.
    assert execute_batch([vote(b, "v2", items[2], 1), vote(a, "v1", items[0], 2)]) == [answers[2], answers[0]]
    assert CommandReceipt.objects.count() == 5
    assert Vote.objects.filter(round=round_).count() == 1
