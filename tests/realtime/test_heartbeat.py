"""An idle page hears from the server without asking: every forum without an event for
HEARTBEAT_INTERVAL seconds gets a ``heartbeat`` with its rev on every socket (the hub),
so the pages need not ping, and a page whose last event was lost still syncs."""

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async

from realtime.hub import Hub
from tests.realtime.test_hub_pace import Socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def often(settings):
    settings.HEARTBEAT_INTERVAL = 0.4


async def test_an_idle_phone_gets_the_forums_rev_without_sending_anything(
    often, connect, forum, participant
):
    _, phone = await connect(forum, participant=participant)
    snapshot = await phone.until("snapshot")
    beat = await phone.until("heartbeat", timeout=3)
    assert beat == {"type": "heartbeat", "rev": snapshot["rev"]}
    assert (
        await phone.until("heartbeat", timeout=3) == beat
    )  # and again, while the forum stays quiet


async def test_the_screen_and_the_console_hear_it_too(often, connect, forum, moderator):
    _, console = await connect(forum, user=moderator)
    _, screen = await connect(forum, key=forum.screen_key)
    for socket in (console, screen):
        await socket.until("snapshot")
        assert (await socket.until("heartbeat", timeout=3))["rev"] == 0


async def test_a_lost_broadcast_is_noticed_at_the_next_heartbeat(
    often, connect, forum, participant, moderator, monkeypatch
):
    """The broadcast of one proposal is dropped (a channel over capacity); the phone does
    nothing, and still learns the newer rev from the heartbeat, then syncs."""
    from realtime import publisher

    field = await sync_to_async(lambda: forum.fields.order_by("position", "id").first().pk)()
    _, phone = await connect(forum, participant=participant)
    snapshot = await phone.until("snapshot")
    _, console = await connect(forum, user=moderator)
    await console.until("snapshot")
    monkeypatch.setattr(publisher, "send_to_group", lambda group, message: None)
    assert (
        await console.command(
            {"type": "propose", "field": field, "kind": "need", "text": "Verloren?"}
        )
    )["ok"]
    beat = await phone.until("heartbeat", timeout=3, rev=snapshot["rev"] + 1)
    assert not [frame for frame in phone.skipped if frame["type"] == "event"]
    monkeypatch.undo()
    await phone.send({"type": "sync", "id": "s1", "rev": snapshot["rev"]})
    event = await phone.until("event")
    assert event["rev"] == beat["rev"] and event["data"]["text"] == "Verloren?"


async def test_events_put_the_heartbeat_off_and_tallies_and_presence_do_not(settings):
    settings.TALLY_INTERVAL = 0
    hub = Hub()
    hub.loop = asyncio.get_running_loop()
    hub.channel = "test"
    socket = Socket()
    hub.local[1].add(socket)
    start = time.monotonic()
    hub.spoke_at[1] = start - 20
    assert hub.quiet_forums(start - 0.1, 20) == [] and hub.quiet_forums(start, 20) == [1]
    await hub.deliver(
        {
            "type": "forum.tally",
            "forum": 1,
            "as_of": 1.0,
            "frame": {"type": "tally", "round": 7, "totals": {}, "voters": 0},
        }
    )
    await hub.deliver({"type": "forum.presence", "forum": 1, "online": 3})
    assert len(socket.frames) == 2 and hub.quiet_forums(start, 20) == [1]
    await hub.deliver(
        {
            "type": "forum.event",
            "forum": 1,
            "frame": {"type": "event", "rev": 1, "name": "forum.updated", "data": {}},
        }
    )
    assert len(socket.frames) == 3
    later = time.monotonic()
    assert hub.quiet_forums(later + 19.9, 20) == [] and hub.quiet_forums(later + 20, 20) == [1]


async def test_a_socket_still_reading_its_snapshot_gets_the_heartbeat_after_it(often, forum):
    hub = Hub()
    hub.loop = asyncio.get_running_loop()
    reading, ready = Socket(), Socket()
    reading.backlog = []
    hub.local[forum.pk].update({reading, ready})
    await hub.heartbeat([forum.pk])
    assert ready.frames == ['{"type":"heartbeat","rev":0}']
    assert reading.frames == [] and reading.backlog == [(None, '{"type":"heartbeat","rev":0}')]
