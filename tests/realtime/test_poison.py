"""One participant's poison costs nobody else: numbers beyond what the database holds,
control characters in ids and texts are refused at the protocol edge (`invalid`), and a
command that fails in the writer for any reason is answered alone while the rest of its
batch commits (realtime/protocol.py, realtime/commands.py). Runs on SQLite and, in the
PostgreSQL pass of `make test`, on PostgreSQL."""

import asyncio
import logging

import pytest
from asgiref.sync import sync_to_async

from realtime.commands import execute_batch
from realtime.models import CommandReceipt
from realtime.protocol import Command
from tests.factories import make_participant, participant_actor
from tests.realtime.test_commands import _dots_round, vote_entry
from workshops.models import Item, Vote

HUGE = 99999999999999999999  # 20 digits: beyond a signed 64-bit integer


def raw_entry(actor, forum, command: Command) -> dict:
    """A command as the writer gets it, built without the protocol edge: what a fault
    further in (a service, the driver) would meet."""
    return {
        "actor": actor,
        "sender": f"p:{actor.participant.pk}",
        "forum": forum,
        "command": command,
        "language": "en",
    }


@pytest.mark.django_db(transaction=True)
def test_a_command_that_fails_in_the_writer_is_answered_alone_and_the_rest_of_its_batch_commits(
    forum, participant, moderator, caplog
):
    round_, items = _dots_round(forum, participant, moderator)
    field = forum.fields.order_by("position", "id").first()
    a, b, poisoner = (participant_actor(make_participant(forum.conference)) for _ in range(3))
    need = {
        "field": field.pk,
        "kind": "need",
        "text": "Sprachcafé im Quartier",
        "refs": [],
        "details": {},
    }

    def poison(command):
        return raw_entry(poisoner, forum, command)

    batch = [
        vote_entry(a, forum, round_, "v1", items[0], 1),
        poison(Command("vote", "x1", {"round": HUGE, "item": items[0], "value": 1})),
        raw_entry(a, forum, Command("propose", "p1", need)),
        poison(Command("propose", "x2", {**need, "kind": "goal", "refs": [HUGE]})),
        vote_entry(b, forum, round_, "v1", items[1], 2),
        poison(Command("propose", "x\x003", {**need, "text": "NUL im Schlüssel"})),
        raw_entry(b, forum, Command("propose", "p1", {**need, "text": "Einfache Sprache"})),
    ]
    with caplog.at_level(logging.ERROR, logger="realtime.commands"):
        answers = execute_batch(batch)

    honest = [answers[n] for n in (0, 2, 4, 6)]
    assert all(answer["ok"] is True for answer in honest), answers
    votes = Vote.objects.filter(round=round_).values_list("participant", "option", "value")
    assert sorted(votes) == sorted(
        [(a.participant.pk, items[0], 1), (b.participant.pk, items[1], 2)]
    )
    needs = Item.objects.filter(forum=forum, kind="need").exclude(text="NUL im Schlüssel")
    assert set(needs.values_list("text", flat=True)) == {
        "Sprachcafé im Quartier",
        "Einfache Sprache",
    }
    assert not Item.objects.filter(forum=forum, kind="goal").exists()
    receipts = CommandReceipt.objects.exclude(sender=batch[1]["sender"])
    assert {(r.sender, r.command_id) for r in receipts} == {
        (sender, cid) for sender in (batch[0]["sender"], batch[4]["sender"]) for cid in ("v1", "p1")
    }
    # Each poison got an answer of its own; what failed unexpectedly is logged.
    for n in (1, 3):
        assert answers[n]["ok"] is False, answers[n]
    assert "ok" in answers[5]
    messages = [answer.get("error", {}).get("message", "") for answer in answers]
    if any("could not be saved" in message for message in messages):
        assert "command failed" in caplog.text


POISON = [
    {"type": "vote", "id": "x1", "round": HUGE, "item": 1, "value": 1},
    {"type": "vote", "id": "x2", "round": 1, "item": HUGE, "value": 1},
    {"type": "vote", "id": "x3", "round": 1, "item": 1, "value": HUGE},
    {"type": "propose", "id": "x4", "field": 1, "kind": "goal", "text": "Ziel", "refs": [HUGE]},
    {"type": "propose", "id": "x5", "field": HUGE, "kind": "need", "text": "Bedarf"},
    {"type": "propose", "id": "x\u00006", "field": 1, "kind": "need", "text": "Bedarf"},
    {"type": "propose", "id": "x7", "field": 1, "kind": "need", "text": "Be\u0000darf"},
    {
        "type": "propose",
        "id": "x8",
        "field": 1,
        "kind": "need",
        "text": "Bedarf",
        "details": {"lead": "\u0007"},
    },
    {"type": "propose", "id": "x\ud8009", "field": 1, "kind": "need", "text": "Bedarf"},
    {"type": "sync", "id": "x10", "rev": HUGE},
]


@pytest.mark.django_db(transaction=True)
async def test_poison_from_one_participant_is_refused_as_invalid_while_the_room_votes(
    connect, forum, participant, moderator
):
    round_, items = await sync_to_async(_dots_round)(forum, participant, moderator)
    field = await sync_to_async(lambda: forum.fields.order_by("position", "id").first())()
    people = [await sync_to_async(make_participant)(forum.conference) for _ in range(5)]
    phones = []
    for person in [participant, *people]:
        ok, phone = await connect(forum, participant=person)
        assert ok
        await phone.until("snapshot")
        phones.append(phone)
    poisoner, honest = phones[0], phones[1:]

    async def poison():
        answers = []
        for frame in POISON:
            await poisoner.send(frame)
        for _ in POISON:
            answers.append(await poisoner.until("ack"))
        return answers

    async def vote(phone, n):
        voted = await phone.command(
            {"type": "vote", "round": round_.pk, "item": items[n % 3], "value": 1}
        )
        proposed = await phone.command(
            {
                "type": "propose",
                "field": field.pk,
                "kind": "need",
                "text": f"Ehrlicher Vorschlag {n}",
            }
        )
        return voted, proposed

    refused, *acks = await asyncio.gather(poison(), *(vote(p, n) for n, p in enumerate(honest)))

    assert [a["error"]["code"] for a in refused] == ["invalid"] * len(POISON), refused
    assert all(a["ok"] is True for pair in acks for a in pair), acks
    assert await sync_to_async(Vote.objects.filter(round=round_).count)() == len(honest)
    texts = await sync_to_async(
        lambda: set(Item.objects.filter(forum=forum, kind="need").values_list("text", flat=True))
    )()
    assert texts == {f"Ehrlicher Vorschlag {n}" for n in range(len(honest))}
    # the poisoner's socket is still open and served
    again = {"type": "vote", "round": round_.pk, "item": items[0], "value": 1}
    assert (await poisoner.command(again))["ok"] is True
