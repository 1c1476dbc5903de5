"""What one socket, one person and one forum may cost the server (docs/operations.md,
"Limits of the live channel"): every frame takes from the rate limit, pings and bad
frames too; a snapshot sent for a `sync` costs more; a forum holds a bounded number of
items; command receipts expire; proposals over HTTP have the socket's per-person limit."""

import asyncio
import datetime

import pytest
from asgiref.sync import sync_to_async
from django.test import Client as HttpClient
from django.utils import timezone

from realtime.consumer import RATE_BURST
from realtime.models import CommandReceipt
from realtime.writer import writer
from tests.factories import fill_forum, make_participant
from tests.realtime.conftest import participant_cookie
from workshops.models import Item

pytestmark = pytest.mark.django_db(transaction=True)


async def answers_to(phone, frames: list) -> list:
    """Send every frame at once, then read one answer (pong or ack) per frame."""
    for frame in frames:
        if isinstance(frame, str):
            await phone.ws.send_to(text_data=frame)
        else:
            await phone.send(frame)
    got = []
    while len(got) < len(frames):
        frame = await phone.recv(3)
        if frame["type"] == "pong":
            got.append("pong")
        elif frame["type"] == "ack":
            got.append((frame.get("error") or {}).get("code", "ok"))
        else:
            phone.skipped.append(frame)
    return got


async def two_phones(connect, forum, participant):
    phones = []
    for person in (participant, await sync_to_async(make_participant)(forum.conference)):
        ok, phone = await connect(forum, participant=person)
        assert ok
        await phone.until("snapshot")
        phones.append(phone)
    return phones


def need(forum, text):
    field = forum.fields.order_by("position", "id").first()
    return {"type": "propose", "field": field.pk, "kind": "need", "text": text}


async def test_a_flood_of_pings_is_rate_limited_and_costs_the_others_nothing(
    connect, forum, participant
):
    flooder, other = await two_phones(connect, forum, participant)
    answers = await answers_to(flooder, [{"type": "ping"}] * (RATE_BURST * 3))
    assert answers[:RATE_BURST] == ["pong"] * RATE_BURST
    assert answers.count("rate_limited") >= RATE_BURST
    proposal = await sync_to_async(need)(forum, "Trotzdem gespeichert")
    assert (await other.command(proposal))["ok"] is True


async def test_a_flood_of_bad_frames_is_rate_limited_and_the_socket_stays(
    connect, forum, participant
):
    flooder, other = await two_phones(connect, forum, participant)
    garbage = ["{not json", "[]", '{"type": "nonsense"}', '{"type": "vote"}']
    answers = await answers_to(flooder, garbage * RATE_BURST)
    assert set(answers[:RATE_BURST]) == {"invalid"}
    assert answers.count("rate_limited") >= RATE_BURST
    proposal = await sync_to_async(need)(forum, "Ein anderer Vorschlag")
    assert (await other.command(proposal))["ok"] is True
    await asyncio.sleep(1.0)  # the budget fills again: the flooder is served again
    assert await answers_to(flooder, [{"type": "ping"}]) == ["pong"]


async def test_syncs_answered_with_a_whole_snapshot_cost_more(connect, forum, participant):
    await sync_to_async(fill_forum)(forum, 50)
    phone, _ = await two_phones(connect, forum, participant)
    ahead = [{"type": "sync", "id": f"s{n}", "rev": 10**6} for n in range(8)]
    answers = await answers_to(phone, ahead)
    snapshots = [f for f in phone.skipped if f["type"] == "snapshot"]
    # a budget of 20 frames buys 4 snapshots of 5, not 20
    assert answers[:4] == ["ok"] * 4 and "rate_limited" in answers[4:]
    assert len(snapshots) == answers.count("ok") <= 5


def propose_many(forum, count):
    """``count`` proposals through the service, each an event of the forum's log."""
    from django.test.utils import override_settings

    from tests.factories import participant_actor
    from workshops.services.items import propose_item

    field = forum.fields.order_by("position", "id").first().pk
    with override_settings(PROPOSALS_PER_MINUTE=0):
        for n in range(count):
            actor = participant_actor(make_participant(forum.conference))
            propose_item(
                actor=actor,
                forum=forum,
                field=field,
                kind="need",
                text=f"Bedarf Nummer {n} mit einem längeren Text zum Nachlesen",
            )


async def test_syncs_replaying_many_events_cost_what_a_snapshot_costs(connect, forum, participant):
    """A `sync` from a rev far back replays the event log one frame per event, each read
    and passed through the visibility rule: it must not be the cheap way to make the
    server work (docs/protocol.md, "Rate limit")."""
    await sync_to_async(propose_many)(forum, 60)
    phone, _ = await two_phones(connect, forum, participant)
    behind = [{"type": "sync", "id": f"b{n}", "rev": 15} for n in range(8)]  # 45 events each
    answers = await answers_to(phone, behind)
    replays = [f for f in phone.skipped if f["type"] == "event"]
    assert answers[:4] == ["ok"] * 4 and "rate_limited" in answers[4:]
    assert len(replays) == 45 * answers.count("ok")
    # far behind: one snapshot instead of the log, costing the same
    phone.skipped.clear()
    await asyncio.sleep(RATE_BURST / 10 + 0.2)
    assert await answers_to(phone, [{"type": "sync", "id": "far", "rev": 1}]) == ["ok"]
    assert [f["type"] for f in phone.skipped if f["type"] != "presence"] == ["snapshot"]
    # a phone that missed a few events still catches up cheaply, many times over
    await asyncio.sleep(RATE_BURST / 10 + 0.2)
    near = [{"type": "sync", "id": f"n{n}", "rev": 57} for n in range(12)]
    assert await answers_to(phone, near) == ["ok"] * 12


async def test_a_forum_holds_at_most_forum_items_max_items(connect, forum, participant, settings):
    settings.FORUM_ITEMS_MAX = 30
    await sync_to_async(fill_forum)(forum, 30)
    phone, _ = await two_phones(connect, forum, participant)
    refused = await phone.command(await sync_to_async(need)(forum, "Einer zu viel"))
    assert refused["ok"] is False and refused["error"]["code"] == "closed"
    assert "30" in refused["error"]["message"]
    assert await sync_to_async(Item.objects.filter(forum=forum).count)() == 30


async def test_receipts_past_their_retention_period_are_deleted_by_the_writer(
    connect, forum, participant
):
    old = timezone.now() - datetime.timedelta(hours=49)

    @sync_to_async
    def receipts_of_yesterday():
        for n in range(5):
            CommandReceipt.objects.create(sender="p:999", command_id=f"old{n}", answer={"ok": True})
        CommandReceipt.objects.create(sender="p:999", command_id="recent", answer={"ok": True})
        CommandReceipt.objects.filter(command_id__startswith="old").update(created_at=old)

    await receipts_of_yesterday()
    writer.prune_at = 0.0  # as after a process start, or ten minutes after the last pruning
    phone, _ = await two_phones(connect, forum, participant)
    assert (await phone.command(await sync_to_async(need)(forum, "Neu")))["ok"] is True
    left = sync_to_async(
        lambda: sorted(CommandReceipt.objects.values_list("command_id", flat=True))
    )
    for _ in range(40):
        if len(await left()) == 2:
            break
        await asyncio.sleep(0.05)
    assert await left() == ["c1", "recent"]


def test_proposals_over_http_have_the_same_per_person_limit_as_over_the_socket(
    forum, participant, settings
):
    settings.PROPOSALS_PER_MINUTE = 3
    client = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    name, value = participant_cookie(participant).split("=", 1)
    client.cookies[name] = value
    field = forum.fields.order_by("position", "id").first()
    statuses = [
        client.post(
            f"/f/{forum.code}/propose", {"field": field.pk, "kind": "need", "text": f"Idee {n}"}
        ).status_code
        for n in range(5)
    ]
    assert statuses == [302, 302, 302, 400, 400]
    assert Item.objects.filter(forum=forum).count() == 3
