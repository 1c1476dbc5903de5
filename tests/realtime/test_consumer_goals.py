"""The ``propose`` command's optional ``sub_goal`` (docs/protocol.md)."""

import pytest
from asgiref.sync import sync_to_async

from workshops.models import GuidingGoal, Item, SubGoal

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def sub_goals(forum):
    bildung, wohnen = forum.fields.order_by("position", "id")
    mine = GuidingGoal.objects.create(field=bildung, title="Gleiche Bildungschancen")
    other = GuidingGoal.objects.create(field=wohnen, title="Gute Nachbarschaft")
    return (
        bildung,
        SubGoal.objects.create(guiding_goal=mine, title="Eltern kennen das Schulsystem"),
        SubGoal.objects.create(guiding_goal=other, title="Jedes Quartier hat einen Treff"),
    )


@sync_to_async
def linked(forum):
    return list(Item.objects.filter(forum=forum).values_list("text", "sub_goal_id"))


async def test_a_proposal_names_its_sub_goal_and_everyone_sees_it(connect, forum, participant):
    field, eltern, treff = await sub_goals(forum)
    _, phone = await connect(forum, participant=participant, language="en")
    await phone.until("snapshot")
    frame = {"type": "propose", "field": field.pk, "kind": "measure", "text": "Elternlotsen"}
    ack = await phone.command({**frame, "sub_goal": eltern.pk})
    assert ack["ok"] is True
    event = await phone.until("event")
    assert (event["name"], event["data"]["sub_goal"]) == ("item.added", eltern.pk)
    refusals = [
        ({**frame, "sub_goal": treff.pk}, "This sub-goal belongs to another action field."),
        ({**frame, "kind": "need", "sub_goal": eltern.pk}, "Only goals and measures"),
        ({**frame, "sub_goal": "eltern"}, "sub_goal"),
        ({**frame, "sub_goal": 0}, "sub_goal"),
    ]
    for bad, message in refusals:
        ack = await phone.command(bad)
        assert (ack["ok"], ack["error"]["code"]) == (False, "invalid")
        assert message in ack["error"]["message"]
    ack = await phone.command({**frame, "text": "Ohne", "sub_goal": None})
    assert ack["ok"] is True
    assert await linked(forum) == [("Elternlotsen", eltern.pk), ("Ohne", None)]
    await phone.close()
