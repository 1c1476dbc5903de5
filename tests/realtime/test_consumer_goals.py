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


async def test_sub_goal_events_applied_to_an_old_snapshot_equal_a_fresh_one(
    connect, forum, participant, moderator
):
    from tests.factories import moderator_actor
    from tests.realtime.test_consumer import apply_event
    from workshops.services.items import set_sub_goal

    field, eltern, _treff = await sub_goals(forum)
    _, watcher = await connect(forum, participant=participant)
    state = await watcher.until("snapshot")
    _, phone = await connect(forum, participant=participant)
    await phone.until("snapshot")
    frame = {"type": "propose", "field": field.pk, "kind": "measure", "text": "Elternlotsen"}
    item_id = (await phone.command({**frame, "sub_goal": eltern.pk}))["result"]["id"]

    @sync_to_async
    def unlink():
        set_sub_goal(
            actor=moderator_actor(moderator),
            forum=Item.objects.get(pk=item_id).forum,
            item=item_id,
            sub_goal=None,
        )

    await unlink()
    for _ in range(2):
        state = apply_event(state, await watcher.until("event"), "participant")
    _, fresh = await connect(forum, participant=participant)
    snapshot = await fresh.until("snapshot")
    assert state["items"] == snapshot["items"]
    assert [i["sub_goal"] for i in snapshot["items"]] == [None]
    for client in (watcher, phone, fresh):
        await client.close()
