"""Voting over the socket: each method, tallies coalesced and exact, secret rounds."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from tests.factories import make_participant, participant_actor
from workshops.models import Vote
from workshops.services.items import propose_item

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def measures(forum, participant):
    field = forum.fields.order_by("position", "id").first()
    return [
        propose_item(
            actor=participant_actor(participant),
            forum=forum,
            field=field.pk,
            kind="measure",
            text=f"Maßnahme {n}",
        ).pk
        for n in range(4)
    ]


async def opened(console, **options):
    ack = await console.command({"type": "moderate", "action": "open_round", **options})
    assert ack["ok"], ack
    return ack["result"]["id"]


async def last_tally(client, round_id, until_totals, timeout=3):
    """Tally frames until one equals the expected totals; returns (frame, how many came)."""
    seen = 0
    while True:
        frame = await client.until("tally", timeout=timeout, round=round_id)
        seen += 1
        if frame["totals"] == until_totals:
            return frame, seen


@pytest.mark.parametrize(
    "method, value, expected",
    [
        ("support", 1, {"support": 1}),
        ("dots", 2, {"dots": 2}),
        (
            "consent",
            7,
            {"resistance": 7, "mean": 7.0, "votes": 1, "vetoes": 0, "max": 7, "outlier": False},
        ),
        ("adoption", -1, {"yes": 0, "no": 1, "abstain": 0}),
    ],
)
async def test_each_method_votes_and_everyone_gets_the_tally(
    connect, forum, participant, moderator, measures, method, value, expected
):
    _, console = await connect(forum, user=moderator)
    _, phone = await connect(forum, participant=participant)
    _, screen = await connect(forum, key=forum.screen_key)
    for c in (console, phone, screen):
        await c.until("snapshot")
    # live totals asked for; an adoption round stays secret all the same (turnout only)
    round_id = await opened(
        console, method=method, kind="measure", budget=4, per_item=2, secret=False
    )
    event = await phone.until("event", name="round.opened")
    assert event["data"]["id"] == round_id and event["data"]["items"] == measures
    ack = await phone.command(
        {"type": "vote", "round": round_id, "item": measures[0], "value": value}
    )
    assert ack["ok"], ack
    assert ack["result"]["votes"] == {str(measures[0]): value}
    if method == "dots":
        assert ack["result"]["points_left"] == 2
    for c in (console, phone, screen):
        frame = await c.until("tally", round=round_id)
        if method == "adoption" and c is not console:
            assert frame["totals"] == {}
        else:
            assert frame["totals"][str(measures[0])] == expected
        assert frame["voters"] == 1
    for c in (console, phone, screen):
        await c.close()


async def test_a_burst_of_votes_gives_few_tally_frames_and_the_exact_final_one(
    connect, forum, moderator, measures
):
    _, console = await connect(forum, user=moderator)
    await console.until("snapshot")
    round_id = await opened(console, method="support", kind="measure")
    phones = []
    for _ in range(15):
        person = await sync_to_async(make_participant)(forum.conference)
        _, phone = await connect(forum, participant=person)
        await phone.until("snapshot")
        phones.append(phone)
    acks = await asyncio.gather(
        *[
            p.command({"type": "vote", "round": round_id, "item": measures[n % 2], "value": 1})
            for n, p in enumerate(phones)
        ]
    )
    assert all(a["ok"] for a in acks)
    expected = {str(m): {"support": 0} for m in measures}
    expected[str(measures[0])] = {"support": 8}
    expected[str(measures[1])] = {"support": 7}
    frame, frames = await last_tally(console, round_id, expected)
    assert frame["voters"] == 15
    assert frames < 15  # coalesced: fewer frames than votes
    for p in phones + [console]:
        await p.close()


async def test_budget_refusal_over_the_socket_changes_nothing(
    connect, forum, participant, moderator, measures
):
    _, console = await connect(forum, user=moderator)
    _, phone = await connect(forum, participant=participant, language="en")
    await console.until("snapshot")
    await phone.until("snapshot")
    round_id = await opened(console, method="dots", kind="measure", budget=2, per_item=2)
    assert (
        await phone.command({"type": "vote", "round": round_id, "item": measures[0], "value": 2})
    )["ok"]
    ack = await phone.command({"type": "vote", "round": round_id, "item": measures[1], "value": 1})
    assert ack["ok"] is False and ack["error"]["code"] == "budget"
    assert ack["error"]["message"] == "Not enough points left: you have 0 of 2."
    assert await sync_to_async(Vote.objects.count)() == 1
    await console.close()
    await phone.close()


async def test_secret_round_tallies_reach_only_moderators_until_it_closes(
    connect, forum, participant, moderator, measures
):
    """Secret by default (the frame does not say): phones get the turnout only, the
    totals once the round closes."""
    _, console = await connect(forum, user=moderator)
    _, phone = await connect(forum, participant=participant)
    await console.until("snapshot")
    await phone.until("snapshot")
    round_id = await opened(console, method="support", kind="measure")
    await phone.until("event", name="round.opened")
    assert (
        await phone.command({"type": "vote", "round": round_id, "item": measures[0], "value": 1})
    )["ok"]
    assert (await console.until("tally", round=round_id))["totals"][str(measures[0])] == {
        "support": 1
    }
    await asyncio.sleep(0.4)
    frames = []
    while not await phone.ws.receive_nothing(timeout=0.3):
        frames.append(await phone.recv())
    tallies = [f for f in frames if f["type"] == "tally"]
    assert tallies and all(f["totals"] == {} and f["voters"] == 1 for f in tallies), tallies
    assert (
        await console.command({"type": "moderate", "action": "close_round", "round": round_id})
    )["ok"]
    final = await phone.until("tally", round=round_id)
    assert final["totals"][str(measures[0])] == {"support": 1}
    await console.close()
    await phone.close()


async def test_a_retried_vote_is_applied_once(connect, forum, participant, moderator, measures):
    _, console = await connect(forum, user=moderator)
    _, phone = await connect(forum, participant=participant)
    await console.until("snapshot")
    await phone.until("snapshot")
    round_id = await opened(console, method="dots", kind="measure", budget=3, per_item=1)
    frame = {"type": "vote", "round": round_id, "item": measures[0], "value": 1}
    first = await phone.command(frame, id="vote-1")
    second = await phone.command(frame, id="vote-1")
    assert first == second and first["result"]["points_left"] == 2
    await console.close()
    await phone.close()


async def test_moderators_cannot_vote_and_round_actions_need_a_moderator(
    connect, forum, participant, moderator, measures
):
    _, console = await connect(forum, user=moderator)
    _, phone = await connect(forum, participant=participant)
    await console.until("snapshot")
    await phone.until("snapshot")
    ack = await phone.command(
        {"type": "moderate", "action": "open_round", "method": "support", "kind": "measure"}
    )
    assert ack["error"]["code"] == "forbidden"
    round_id = await opened(console, method="support", kind="measure")
    ack = await console.command(
        {"type": "vote", "round": round_id, "item": measures[0], "value": 1}
    )
    assert ack["error"]["code"] == "forbidden"
    await console.close()
    await phone.close()
