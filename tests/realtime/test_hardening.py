"""Abuse over the socket: every moderator action refused for everyone but the forum's
moderators (a matrix), proposals per minute shared by every socket of a participant,
socket caps, and a lost broadcast recovered through the rev that rides on every pong."""

import pytest
from asgiref.sync import sync_to_async

from realtime import limits
from tests.factories import (
    make_conference,
    make_moderator,
    make_participant,
    moderator_actor,
    participant_actor,
)
from workshops.models import Forum, GuidingGoal, Item, Round, SubGoal, Vote

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stage(forum, participant, moderator):
    """An item, a second item and an open round: something for every action to act on."""
    from workshops.services.items import propose_item
    from workshops.services.rounds import open_round

    field = forum.fields.order_by("position", "id").first()
    first = propose_item(
        actor=participant_actor(participant),
        forum=forum,
        field=field.pk,
        kind="measure",
        text="Eins",
    )
    second = propose_item(
        actor=participant_actor(participant),
        forum=forum,
        field=field.pk,
        kind="measure",
        text="Zwei",
    )
    round_ = open_round(
        actor=moderator_actor(moderator), forum=forum, method="support", kind="measure"
    )
    goal = GuidingGoal.objects.create(field=field, title="Alle Kinder lernen Deutsch")
    sub_goal = SubGoal.objects.create(guiding_goal=goal, title="Sprachkurse")
    return {
        "field": field.pk,
        "item": first.pk,
        "into": second.pk,
        "round": round_.pk,
        "sub_goal": sub_goal.pk,
    }


def moderator_frames(s):
    return {
        "hide": {"item": s["item"]},
        "restore": {"item": s["item"]},
        "edit": {"item": s["item"], "text": "übernommen"},
        "merge": {"item": s["item"], "into": s["into"]},
        "proposals": {"open": False},
        "open_round": {"method": "support", "kind": "measure"},
        "close_round": {"round": s["round"]},
        "reopen_round": {"round": s["round"]},
        "reveal_round": {"round": s["round"]},
        "analog": {"round": s["round"], "item": s["item"], "count": 5},
        "shortlist": {"item": s["item"], "shortlisted": True},
        "adopt": {"item": s["item"], "adopted": True},
        "shortlist_top": {"round": s["round"], "count": 2},
        "phase": {"phase": "discussing"},
        "timer": {"seconds": 300},
        "announce": {"text": "Pause bis 15 Uhr"},
        "blank_screen": {"blank": True},
        "cards_required": {"required": True},
        "screen_key": {},
        "sub_goal": {"item": s["into"], "sub_goal": s["sub_goal"]},
        "translate": {"item": s["into"], "language": "de", "translation": "Zwei (Deutsch)"},
        "advance": {},
        "step_back": {},
    }


@sync_to_async
def fingerprint(forum):
    """Everything a moderator action could change."""
    forum = Forum.objects.get(pk=forum.pk)
    return (
        forum.rev,
        forum.proposals_open,
        forum.requires_cards,
        forum.screen_key,
        forum.phase,
        forum.timer_ends_at,
        forum.announcement,
        forum.screen_blank,
        sorted(
            Item.objects.filter(forum=forum).values_list(
                "id", "text", "status", "shortlisted", "adopted", "sub_goal", "versions"
            )
        ),
        sorted(Round.objects.filter(forum=forum).values_list("id", "status")),
        Vote.objects.filter(round__forum=forum).count(),
    )


async def test_every_moderator_action_is_refused_for_every_other_role(
    connect, forum, participant, stage, monkeypatch
):
    # one frame per action from one sender: more actions than a burst allows
    monkeypatch.setattr("realtime.consumer.RATE_BURST", 50)
    other_moderator = await sync_to_async(make_moderator)(await sync_to_async(make_conference)())
    before = await fingerprint(forum)
    frames = moderator_frames(stage)
    refused = 0
    for role, kwargs in [
        ("participant", {"participant": participant}),
        ("screen", {"key": forum.screen_key}),
    ]:
        ok, client = await connect(forum, **kwargs)
        await client.until("snapshot")
        for action, fields in frames.items():
            ack = await client.command({"type": "moderate", "action": action, **fields})
            assert ack["ok"] is False and ack["error"]["code"] == "forbidden", (role, action, ack)
            refused += 1
        await client.close()
    # Moderators of another conference and strangers do not even get a socket.
    for kwargs in [{"user": other_moderator}, {}]:
        ok, client = await connect(forum, **kwargs)
        output = await client.ws.receive_output(timeout=2)
        assert output["type"] == "websocket.close" and output["code"] == 4403
    assert await fingerprint(forum) == before
    assert refused == 2 * len(frames)


async def test_moderators_of_the_forum_may_do_each_action(
    connect, forum, moderator, stage, monkeypatch
):
    """The other side of the matrix: the same frames work for the forum's moderator."""
    monkeypatch.setattr("realtime.consumer.RATE_BURST", 50)
    ok, console = await connect(forum, user=moderator)
    await console.until("snapshot")
    answers = {}
    from workshops.commands import ACTIONS

    assert set(moderator_frames(stage)) == set(ACTIONS), (
        "a new socket action needs a row in the matrix"
    )
    for action, fields in moderator_frames(stage).items():
        answers[action] = await console.command({"type": "moderate", "action": action, **fields})
    assert answers["hide"]["ok"] and answers["restore"]["ok"] and answers["edit"]["ok"]
    assert answers["open_round"]["ok"] and answers["close_round"]["ok"], answers
    assert answers["phase"]["ok"] and answers["timer"]["ok"] and answers["announce"]["ok"], answers
    assert answers["cards_required"]["ok"] and answers["screen_key"]["ok"], answers
    assert answers["sub_goal"]["ok"], answers


async def test_proposals_per_minute_are_shared_by_every_socket_of_a_participant(
    connect, forum, participant, settings
):
    settings.PROPOSALS_PER_MINUTE = 3
    field = await sync_to_async(lambda: forum.fields.order_by("position", "id").first().pk)()
    tabs = []
    for _ in range(2):
        ok, tab = await connect(forum, participant=participant)
        await tab.until("snapshot")
        tabs.append(tab)
    answers = []
    for n in range(5):
        ack = await tabs[n % 2].command(
            {"type": "propose", "field": field, "kind": "need", "text": f"Idee {n}"}, id=f"p{n}"
        )
        answers.append(ack["ok"] or ack["error"]["code"])
    assert answers == [True, True, True, "rate_limited", "rate_limited"]
    assert await sync_to_async(Item.objects.filter(forum=forum).count)() == 3
    # someone else is not affected
    other = await sync_to_async(make_participant)(forum.conference)
    ok, phone = await connect(forum, participant=other)
    await phone.until("snapshot")
    assert (
        await phone.command({"type": "propose", "field": field, "kind": "need", "text": "Andere"})
    )["ok"]


@pytest.fixture
def fresh_counts(monkeypatch):
    """Counters of this test only (sockets of earlier tests may still be open)."""
    from collections import Counter

    monkeypatch.setattr(limits, "_by_sender", Counter())
    monkeypatch.setattr(limits, "_by_address", Counter())


async def test_sockets_per_participant_are_capped(
    connect, forum, participant, settings, fresh_counts
):
    settings.SOCKETS_PER_PARTICIPANT = 2
    opened = []
    for _ in range(2):
        ok, tab = await connect(forum, participant=participant)
        await tab.until("snapshot")
        opened.append(tab)
    ok, third = await connect(forum, participant=participant)
    output = await third.ws.receive_output(timeout=2)
    assert output["type"] == "websocket.close" and output["code"] == limits.CLOSE_TOO_MANY
    await opened[0].close()
    ok, again = await connect(forum, participant=participant)  # a closed tab frees its place
    assert (await again.until("snapshot"))["type"] == "snapshot"


async def test_sockets_per_address_are_capped(connect, forum, settings, fresh_counts):
    settings.SOCKETS_PER_ADDRESS = 2
    people = [await sync_to_async(make_participant)(forum.conference) for _ in range(3)]
    for person in people[:2]:
        ok, phone = await connect(forum, participant=person)
        await phone.until("snapshot")
    ok, third = await connect(forum, participant=people[2])
    output = await third.ws.receive_output(timeout=2)
    assert output["type"] == "websocket.close" and output["code"] == limits.CLOSE_TOO_MANY


async def test_a_lost_broadcast_is_noticed_at_the_next_pong_and_recovered_by_sync(
    connect, forum, participant, moderator, monkeypatch
):
    """channels-redis drops messages when a channel is over capacity: here the broadcast
    of one proposal is dropped on purpose. The phone's next ping brings a pong with the
    newer rev, and its sync brings the missed event."""
    from realtime import publisher

    field = await sync_to_async(lambda: forum.fields.order_by("position", "id").first().pk)()
    ok, phone = await connect(forum, participant=participant)
    snapshot = await phone.until("snapshot")
    ok, console = await connect(forum, user=moderator)
    await console.until("snapshot")
    monkeypatch.setattr(
        publisher, "send_to_group", lambda group, message: None
    )  # the layer drops it
    ack = await console.command(
        {"type": "propose", "field": field, "kind": "need", "text": "Verloren?"}
    )
    assert ack["ok"]
    await phone.nothing(0.3)
    await phone.send({"type": "ping"})
    # The hub may push a heartbeat first (after the channel layer was away), with the
    # rev it read then: the answer to the ping is the pong with the new rev.
    pong = await phone.until("pong", rev=snapshot["rev"] + 1)
    assert not [
        frame for frame in phone.skipped if frame["type"] == "event"
    ]  # no event reached the phone
    monkeypatch.undo()
    await phone.send({"type": "sync", "id": "s1", "rev": snapshot["rev"]})
    event = await phone.until("event")
    assert event["rev"] == pong["rev"] and event["data"]["text"] == "Verloren?"


def test_the_client_hears_the_rev_often_enough_to_notice_a_lost_event_within_30_seconds():
    """The server's heartbeat brings the rev to an idle page every 20 s (and a quarter);
    the page pings only when nothing came for longer than that, and gives the socket up
    after a minute of silence. The load generator's idle phones follow the same rule."""
    import re
    from pathlib import Path

    from django.conf import settings

    from bench.load import CHECK_EVERY, QUIET_LIMIT

    HEARTBEAT_INTERVAL = settings.HEARTBEAT_INTERVAL  # noqa: N806 - the setting's name

    source = (Path(__file__).resolve().parents[2] / "static/js/live.js").read_text()

    def constant(name):
        return int(re.search(rf"const {name} = (\d+);", source).group(1)) / 1000

    assert HEARTBEAT_INTERVAL * 1.25 <= 25
    assert (
        constant("QUIET_LIMIT_MS") > HEARTBEAT_INTERVAL * 1.25 + 5
    )  # no ping while heartbeats come
    assert constant("SILENCE_LIMIT_MS") >= constant("QUIET_LIMIT_MS") + constant("CHECK_EVERY_MS")
    assert (constant("CHECK_EVERY_MS"), constant("QUIET_LIMIT_MS")) == (CHECK_EVERY, QUIET_LIMIT)
    assert (
        'case "heartbeat":' in source and "frame.rev > state.rev" in source
    )  # the rev starts a sync
