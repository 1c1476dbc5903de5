"""The console's session actions over the socket: phase, countdown, announcement;
what phones and the screen receive; refusals acked with nothing changed."""

import pytest
from asgiref.sync import sync_to_async

from tests.factories import make_forum, make_moderator
from tests.realtime.test_consumer import apply_event, propose_frame
from workshops.models import AuditEntry, Forum, ForumEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def field(forum):
    return forum.fields.order_by("position", "id").first()


@sync_to_async
def forum_row(forum):
    return Forum.objects.get(pk=forum.pk)


async def test_phase_timer_and_announcement_reach_phones_and_the_screen(
    connect, forum, participant, moderator
):
    _, console = await connect(forum, user=moderator)
    _, phone = await connect(forum, participant=participant)
    _, screen = await connect(forum, key=forum.screen_key)
    snapshot = await phone.until("snapshot")
    assert snapshot["forum"]["phase"] == "collecting"
    assert snapshot["forum"]["timer"] is None and snapshot["forum"]["announcement"] == ""
    await console.until("snapshot")
    await screen.until("snapshot")

    ack = await console.command({"type": "moderate", "action": "phase", "phase": "discussing"})
    assert ack["ok"] is True, ack
    for client in (phone, screen):
        event = await client.until("event", name="forum.updated")
        assert event["data"]["phase"] == "discussing"

    assert (await console.command({"type": "moderate", "action": "timer", "seconds": 120}))["ok"]
    for client in (phone, screen):
        timer = (await client.until("event", name="forum.updated"))["data"]["timer"]
        assert timer["seconds"] == 120 and 119 <= timer["left"] <= 120 and timer["ends_at"]

    assert (
        await console.command(
            {"type": "moderate", "action": "announce", "text": "Pause bis 15 Uhr"}
        )
    )["ok"]
    for client in (phone, screen):
        assert (await client.until("event", name="forum.updated"))["data"][
            "announcement"
        ] == "Pause bis 15 Uhr"

    assert (await console.command({"type": "moderate", "action": "timer", "seconds": None}))["ok"]
    assert (await phone.until("event", name="forum.updated"))["data"]["timer"] is None

    row = await forum_row(forum)
    assert (row.phase, row.announcement, row.timer_ends_at, row.rev) == (
        "discussing",
        "Pause bis 15 Uhr",
        None,
        4,
    )
    # a phone that connects now sees the same in its snapshot
    _, late = await connect(forum, participant=participant)
    fresh = (await late.until("snapshot"))["forum"]
    assert (fresh["phase"], fresh["announcement"], fresh["timer"]) == (
        "discussing",
        "Pause bis 15 Uhr",
        None,
    )
    for client in (console, phone, screen, late):
        await client.close()


@pytest.mark.parametrize(
    "frame, code",
    [
        ({"action": "phase", "phase": "lunch"}, "invalid"),
        ({"action": "phase"}, "invalid"),
        ({"action": "phase", "phase": 2}, "invalid"),
        ({"action": "timer", "seconds": 3}, "invalid"),
        ({"action": "timer", "seconds": 7201}, "invalid"),
        ({"action": "timer", "seconds": "60"}, "invalid"),
        ({"action": "announce", "text": "x" * 141}, "invalid"),
        ({"action": "announce"}, "invalid"),
        ({"action": "open_round", "method": "dots"}, "invalid"),  # no items in the forum
        ({"action": "merge", "item": 999999, "into": 999998}, "not_found"),
    ],
)
async def test_bad_console_frames_are_refused_and_change_nothing(
    connect, forum, moderator, frame, code
):
    _, console = await connect(forum, user=moderator)
    await console.until("snapshot")
    ack = await console.command({"type": "moderate", **frame})
    assert ack["ok"] is False and ack["error"]["code"] == code, ack
    assert ack["error"]["message"]
    row = await forum_row(forum)
    assert (row.rev, row.phase, row.announcement, row.timer_ends_at) == (0, "collecting", "", None)
    assert await sync_to_async(AuditEntry.objects.count)() == 0
    await console.close()


async def test_refusals_are_german_for_a_german_console(connect, forum, moderator):
    _, console = await connect(forum, user=moderator)
    await console.until("snapshot")
    ack = await console.command({"type": "moderate", "action": "phase", "phase": "lunch"})
    assert ack["error"]["message"].startswith("Wählen Sie eine Phase")
    await console.close()


async def test_participants_and_other_moderators_cannot_run_the_session(
    connect, forum, participant
):
    stranger = await sync_to_async(lambda: make_moderator(make_forum().conference))()
    _, phone = await connect(forum, participant=participant)
    await phone.until("snapshot")
    for frame in (
        {"action": "phase", "phase": "voting"},
        {"action": "timer", "seconds": 60},
        {"action": "announce", "text": "Hallo"},
    ):
        ack = await phone.command({"type": "moderate", **frame})
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    ok, other = await connect(forum, user=stranger)
    assert (await other.ws.receive_output(timeout=2))[
        "type"
    ] == "websocket.close"  # refused outright
    assert (await forum_row(forum)).rev == 0
    await phone.close()


async def test_suggested_merge_over_the_socket_and_rounds_move_the_phase(
    connect, forum, participant, moderator, field
):
    _, console = await connect(forum, user=moderator)
    _, phone = await connect(forum, participant=participant)
    await console.until("snapshot")
    state = await phone.until("snapshot")
    first = (await phone.command(propose_frame(field, text="Sprachkurse mit Kinderbetreuung")))[
        "result"
    ]["id"]
    second = (await phone.command(propose_frame(field, text="Deutschkurs + Kita-Platz")))["result"][
        "id"
    ]
    ack = await console.command(
        {"type": "moderate", "action": "merge", "item": second, "into": first}
    )
    assert ack["ok"] is True
    ack = await console.command(
        {"type": "moderate", "action": "open_round", "method": "support", "kind": "need"}
    )
    round_id = ack["result"]["id"]
    await console.command({"type": "moderate", "action": "announce", "text": "Bitte abstimmen"})
    await console.command({"type": "moderate", "action": "close_round", "round": round_id})
    final_rev = await sync_to_async(lambda: ForumEvent.objects.filter(forum=forum).count())()
    names = []
    while state["rev"] < final_rev:
        event = await phone.until("event")
        names.append((event["name"], event["data"].get("phase")))
        state = apply_event(state, event, "participant")
    assert ("forum.updated", "voting") in names and names[-2] == ("forum.updated", "results")
    assert [i["id"] for i in state["items"]] == [first]
    _, fresh_client = await connect(forum, participant=participant)
    fresh = await fresh_client.until("snapshot")
    # the phone's state, built from events, equals a fresh snapshot
    assert (
        state["forum"] == fresh["forum"]
        and state["items"] == fresh["items"]
        and state["rev"] == fresh["rev"]
    )
    for client in (console, phone, fresh_client):
        await client.close()


async def test_a_timer_replayed_by_sync_counts_from_now(connect, forum, participant, moderator):
    import asyncio

    _, console = await connect(forum, user=moderator)
    await console.until("snapshot")
    assert (await console.command({"type": "moderate", "action": "timer", "seconds": 60}))["ok"]
    await asyncio.sleep(2.2)
    _, phone = await connect(forum, participant=participant)
    await phone.until("snapshot")
    await phone.send({"type": "sync", "id": "s0", "rev": 0})
    replayed = await phone.until("event", name="forum.updated")
    assert 56 <= replayed["data"]["timer"]["left"] <= 58  # not the 60 it was when recorded
    stored = await sync_to_async(lambda: ForumEvent.objects.get(forum=forum, rev=1).data)()
    assert (
        stored["timer"]["left"] in (59, 60)
        and stored["timer"]["ends_at"] == replayed["data"]["timer"]["ends_at"]
    )
    for client in (console, phone):
        await client.close()


async def test_a_later_snapshot_counts_the_timer_from_now(connect, forum, participant, moderator):
    import asyncio
    import time

    _, console = await connect(forum, user=moderator)
    await console.until("snapshot")
    assert (await console.command({"type": "moderate", "action": "timer", "seconds": 60}))["ok"]
    started = time.monotonic()
    _, first = await connect(forum, participant=participant)  # fills the per-rev snapshot cache
    assert (await first.until("snapshot"))["forum"]["timer"]["left"] in (59, 60)
    await asyncio.sleep(2.2)
    _, later = await connect(forum, participant=participant)  # same rev, shared part reused
    left = (await later.until("snapshot"))["forum"]["timer"]["left"]
    # counted from now, not from when the cached part was built (a busy machine may take
    # longer than the pause itself to connect)
    assert left <= 58
    assert abs(left - (60 - (time.monotonic() - started))) <= 1.5
    for client in (console, first, later):
        await client.close()


async def test_top_n_over_the_socket_answers_with_the_measures_and_phones_hear_them(
    connect, forum, participant, moderator, field
):
    """``shortlist_top`` (docs/protocol.md): refused with ``closed`` while the round is
    open, nothing changed; once closed, the ack names the measures of the top and the
    phone's state, built from the events, shows them shortlisted as a fresh snapshot
    does."""
    _, console = await connect(forum, user=moderator)
    _, phone = await connect(forum, participant=participant)
    await console.until("snapshot")
    await phone.until("snapshot")
    ids = []
    for text in ("Sprachcafé", "Lotsenprojekt", "Elternabend"):
        ack = await phone.command(propose_frame(field, text=text, kind="measure"))
        ids.append(ack["result"]["id"])
    ack = await console.command(
        {"type": "moderate", "action": "open_round", "method": "support", "kind": "measure"}
    )
    round_id = ack["result"]["id"]
    for item in ids[1:]:
        vote = {"type": "vote", "round": round_id, "item": item, "value": 1}
        assert (await phone.command(vote))["ok"] is True
    top = {"type": "moderate", "action": "shortlist_top", "round": round_id, "count": 2}
    refused = await console.command(top)
    assert refused["ok"] is False and refused["error"]["code"] == "closed"
    await console.command({"type": "moderate", "action": "close_round", "round": round_id})
    _, watcher = await connect(forum, participant=participant)
    state = await watcher.until("snapshot")
    ack = await console.command(top)
    assert ack["ok"] is True and sorted(ack["result"]["items"]) == ids[1:]
    final_rev = await sync_to_async(lambda: ForumEvent.objects.filter(forum=forum).count())()
    while state["rev"] < final_rev:
        state = apply_event(state, await watcher.until("event"), "participant")
    shortlisted = sorted(i["id"] for i in state["items"] if i["shortlisted"])
    assert shortlisted == ids[1:]
    _, fresh_client = await connect(forum, participant=participant)
    assert (await fresh_client.until("snapshot"))["items"] == state["items"]
    audit = await sync_to_async(
        lambda: list(
            AuditEntry.objects.filter(action="forum.item.shortlisted").values_list(
                "data", flat=True
            )
        )
    )()
    assert sorted(entry["item"] for entry in audit) == ids[1:]
    for client in (console, phone, watcher, fresh_client):
        await client.close()
