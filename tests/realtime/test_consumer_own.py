"""A participant edits or withdraws their own proposal over the socket (the ``own``
command, docs/protocol.md): everyone sees the change, refusals change nothing."""
import pytest
from asgiref.sync import sync_to_async

from tests.factories import make_participant
from workshops.models import ForumEvent, Item

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def first_field(forum):
    return forum.fields.order_by("position", "id").first().pk


@sync_to_async
def stored(forum):
    return (list(Item.objects.filter(forum=forum).order_by("pk").values_list("id", "text")),
            ForumEvent.objects.filter(forum=forum).count())


async def test_the_author_edits_and_withdraws_and_the_room_follows(connect, forum, participant):
    other = await sync_to_async(make_participant)(forum.conference, display_name="Ben")
    field = await first_field(forum)
    _ok, ayse = await connect(forum, participant=participant, language="en")
    _ok, ben = await connect(forum, participant=other, language="en")
    await ayse.until("snapshot")
    await ben.until("snapshot")
    ack = await ayse.command({"type": "propose", "field": field, "kind": "need", "text": "Sprachkurse"})
    item = ack["result"]["id"]
    await ben.until("event", name="item.added")

    ack = await ayse.command({"type": "own", "action": "edit", "item": item, "text": "Abendkurse"})
    assert ack == {"type": "ack", "id": ack["id"], "ok": True}
    event = await ben.until("event", name="item.updated")
    assert event["data"]["id"] == item and event["data"]["text"] == "Abendkurse"

    # someone else's proposal: refused in the person's language, nothing changes
    before = await stored(forum)
    for frame in ({"type": "own", "action": "edit", "item": item, "text": "Meins"},
                  {"type": "own", "action": "withdraw", "item": item}):
        ack = await ben.command(frame)
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
        assert ack["error"]["message"] == "Only the person who proposed this can change it."
    assert await stored(forum) == before

    ack = await ayse.command({"type": "own", "action": "withdraw", "item": item})
    assert ack["ok"] and ack["result"] == {"id": item}
    assert (await ben.until("event", name="item.removed"))["data"] == {"id": item}
    assert (await stored(forum))[0] == []


async def test_malformed_own_commands_are_refused_before_any_service(connect, forum, participant):
    _ok, phone = await connect(forum, participant=participant, language="en")
    await phone.until("snapshot")
    for frame in ({"type": "own", "action": "delete", "item": 1},
                  {"type": "own", "action": "edit", "item": "1", "text": "x"},
                  {"type": "own", "action": "edit", "item": 1},
                  {"type": "own", "action": "withdraw"}):
        ack = await phone.command(frame)
        assert ack["ok"] is False and ack["error"]["code"] == "invalid", frame
