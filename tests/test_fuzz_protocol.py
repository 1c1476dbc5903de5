"""Property-based fuzzing of every client frame type (docs/protocol.md): through ``parse`` and
through the real consumer. Whatever arrives, the server answers with a protocol error
code (never a server error), a refusal changes nothing, and the connection stays open."""

import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realtime.protocol import ProtocolError, parse
from tests.factories import make_dots_round_forum
from tests.realtime.conftest import open_socket, participant_cookie, user_cookie
from workshops.commands import ACTIONS
from workshops.models import Forum, Item, Round, Vote

ERROR_CODES = {"invalid", "forbidden", "closed", "not_found", "budget", "rate_limited", "too_large"}

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)
small_ids = st.integers(min_value=-2, max_value=8)
hostile_text = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "\u202egnp.exe",
        "a\u200bb\u200d",
        "👩🏽‍🏫🇩🇪",
        "x" * 2_000,
        "nul\x00byte",
        " ",
        "",
    ]
)
value = small_ids | json_values | hostile_text

FIELDS = {
    "propose": ["field", "kind", "text", "refs"],
    "vote": ["round", "item", "value"],
    "sync": ["rev"],
    "ping": [],
    "moderate": [
        "action",
        "item",
        "into",
        "text",
        "open",
        "method",
        "items",
        "field",
        "kind",
        "budget",
        "per_item",
        "secret",
        "allow_own",
        "veto",
        "round",
        "count",
        "value",
        "note",
        "shortlisted",
        "adopted",
        "phase",
        "seconds",
        "minutes",
        "required",
        "restart",
    ],
}


def frame_of(kind):
    optional = {name: value for name in FIELDS[kind]}
    if kind == "moderate":
        optional["action"] = st.sampled_from(sorted(ACTIONS)) | st.text(max_size=12)
    if kind == "propose":
        optional["kind"] = st.sampled_from(["need", "goal", "measure"]) | value
    return st.fixed_dictionaries(
        {"type": st.just(kind)},
        optional={"id": st.text(min_size=0, max_size=70) | json_values, **optional},
    )


frames = st.one_of(*(frame_of(kind) for kind in FIELDS), st.fixed_dictionaries({"type": value}))
raw_texts = frames.map(json.dumps) | st.text(max_size=200) | json_values.map(json.dumps)


@settings(max_examples=800, deadline=None)
@given(raw_texts)
def test_parse_accepts_or_refuses_with_a_protocol_code(text):
    try:
        command = parse(text)
    except ProtocolError as error:
        assert error.code == "invalid"
        assert str(error.message)
        return
    assert command.type in FIELDS
    if command.type != "ping":
        assert isinstance(command.id, str) and 1 <= len(command.id) <= 64


def fingerprint(forum_id):
    forum = Forum.objects.get(pk=forum_id)
    return (
        forum.rev,
        forum.proposals_open,
        forum.phase,
        forum.timer_ends_at,
        forum.announcement,
        sorted(
            Item.objects.filter(forum=forum).values_list(
                "id", "text", "status", "shortlisted", "adopted"
            )
        ),
        sorted(Round.objects.filter(forum=forum).values_list("id", "status")),
        sorted(
            Vote.objects.filter(round__forum=forum).values_list("participant_id", "option", "value")
        ),
    )


@pytest.fixture
def world(transactional_db):
    return make_dots_round_forum()


async def exercise(world, cookie, sent):
    from realtime.consumer import process_caches

    forum = world["forum"]
    # each example is a person's first socket, not their 500th frame
    process_caches.budgets.buckets.clear()
    connected, client = await open_socket(forum.code, cookie=cookie)
    assert connected
    await client.until("snapshot")
    try:
        for frame in sent:
            before = await sync_to_async(fingerprint)(forum.pk)
            await client.ws.send_to(text_data=json.dumps(frame))
            while True:  # events, tallies and presence may come first
                answer = await client.recv(5)
                if answer["type"] in ("ack", "pong"):
                    break
            # A ping answered `rate_limited` (a ping takes from the budget like any frame).
            code = answer.get("error", {}).get("code")
            limited = answer["type"] == "ack" and code == "rate_limited"
            pong = frame.get("type") == "ping" and not limited
            assert answer["type"] == ("pong" if pong else "ack"), (frame, answer)
            if answer["type"] == "ack" and not answer["ok"]:
                assert answer["error"]["code"] in ERROR_CODES, answer
                assert answer["error"]["message"]
                assert await sync_to_async(fingerprint)(forum.pk) == before, (frame, answer)
        # still open and answering (a pong, or `rate_limited` after a flood)
        await client.send({"type": "ping"})
        while True:
            answer = await client.recv(5)
            if answer["type"] == "pong" or (answer["type"] == "ack" and answer["id"] is None):
                break
        assert answer["type"] == "pong" or answer["error"]["code"] == "rate_limited", answer
    finally:
        await client.close()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sent=st.lists(frames, min_size=1, max_size=12))
def test_any_frame_from_a_participant_is_answered_and_refusals_change_nothing(world, sent):
    cookie = participant_cookie(world["participant"])
    async_to_sync(exercise)(world, cookie, sent)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sent=st.lists(frame_of("moderate") | frame_of("propose"), min_size=1, max_size=12))
def test_any_frame_from_a_moderator_is_answered_and_refusals_change_nothing(world, sent):
    cookie = user_cookie(world["moderator"])
    async_to_sync(exercise)(world, cookie, sent)


@pytest.mark.parametrize("command", ["vote", "own"])
def test_an_item_id_is_any_row_id_in_every_frame(command):
    """Item ids go to the largest 64-bit integer in every frame alike: a large database's
    item is not refused by one command and accepted by another."""
    frame = {"type": command, "id": "c-1", "item": 2**40, "action": "withdraw", "value": 1}
    if command == "vote":
        frame["round"] = 1
    assert parse(json.dumps(frame)).fields["item"] == 2**40
    frame["item"] = 2**63
    with pytest.raises(ProtocolError) as refused:
        parse(json.dumps(frame))
    assert refused.value.code == "invalid"
