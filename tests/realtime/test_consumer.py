"""The forum socket as phones, the console and the screen use it (docs/protocol.md)."""

import datetime
import json

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone

from tests.factories import make_conference, make_forum, make_moderator, make_participant
from tests.realtime.conftest import open_socket, participant_cookie
from workshops.models import ForumEvent, Item

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def field(forum):
    return forum.fields.order_by("position", "id").first()


def propose_frame(field, text="Sprachkurse mit Kinderbetreuung", kind="need", **extra):
    return {"type": "propose", "field": field.pk, "kind": kind, "text": text, **extra}


@sync_to_async
def items_of(forum):
    return list(Item.objects.filter(forum=forum).values_list("text", "status"))


# --- connecting ------------------------------------------------------------------------


async def test_participant_gets_a_snapshot_with_role_and_items(connect, forum, participant, field):
    ok, phone = await connect(forum, participant=participant)
    assert ok
    snapshot = await phone.until("snapshot")
    assert snapshot["rev"] == 0
    assert snapshot["forum"]["code"] == forum.code
    assert [f["id"] for f in snapshot["fields"]] == [
        f.pk for f in await sync_to_async(list)(forum.fields.order_by("position", "id"))
    ]
    assert snapshot["items"] == []
    assert snapshot["rounds"] == [] and snapshot["tallies"] == {}
    assert snapshot["me"]["role"] == "participant"
    await phone.close()


async def test_moderator_and_screen_roles(connect, forum, moderator):
    ok, console = await connect(forum, user=moderator)
    assert (await console.until("snapshot"))["me"]["role"] == "moderator"
    ok, screen = await connect(forum, key=forum.screen_key)
    assert (await screen.until("snapshot"))["me"]["role"] == "screen"
    await console.close()
    await screen.close()


async def test_join_code_is_case_insensitive(connect, forum, participant):
    ok, phone = await connect(forum, participant=participant, code=forum.code.lower())
    assert (await phone.until("snapshot"))["forum"]["code"] == forum.code
    await phone.close()


async def close_code(client):
    output = await client.ws.receive_output(timeout=2)
    assert output["type"] == "websocket.close"
    return output.get("code")


async def test_strangers_are_refused_with_4403(connect, forum):
    other_participant = await sync_to_async(make_participant)(
        await sync_to_async(make_conference)()
    )
    other_moderator = await sync_to_async(make_moderator)(await sync_to_async(make_conference)())
    for kwargs in [
        {},
        {"participant": other_participant},
        {"user": other_moderator},
        {"key": "falsch"},
    ]:
        ok, client = await connect(forum, **kwargs)
        assert await close_code(client) == 4403


@sync_to_async
def expire_sessions():
    from django.contrib.sessions.models import Session

    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))


async def test_an_expired_or_unknown_session_is_a_stranger(forum, participant):
    cookie = await sync_to_async(participant_cookie)(participant)
    ok, phone = await open_socket(forum.code, cookie=cookie)
    assert (await phone.until("snapshot"))["me"]["role"] == "participant"
    await phone.close()
    await expire_sessions()
    for stale in (cookie, f"{settings.SESSION_COOKIE_NAME}=kein-gueltiger-schluessel"):
        ok, phone = await open_socket(forum.code, cookie=stale)
        assert await close_code(phone) == 4403


async def test_unknown_code_is_closed_with_4404(connect, forum):
    for code in ["ZZZZZZ", "nope"]:
        ok, client = await connect(forum, code=code, key="x")
        assert await close_code(client) == 4404


@sync_to_async
def change_forum(forum, **fields):
    type(forum).objects.filter(pk=forum.pk).update(**fields)


async def test_a_new_screen_key_locks_out_the_old_one_at_once(connect, forum):
    """The second socket of a forum finds it in the process's memory; the key is still
    read from the database."""
    ok, screen = await connect(forum, key=forum.screen_key)
    assert (await screen.until("snapshot"))["me"]["role"] == "screen"
    await change_forum(forum, screen_key="neu-" + forum.screen_key)
    ok, leaked = await connect(forum, key=forum.screen_key)
    assert await close_code(leaked) == 4403
    ok, new = await connect(forum, key="neu-" + forum.screen_key)
    assert (await new.until("snapshot"))["me"]["role"] == "screen"
    await screen.close()
    await new.close()


async def test_a_later_socket_gets_the_forum_as_it_is_now(
    connect, forum, participant, moderator, field
):
    ok, first = await connect(forum, participant=participant)
    await first.until("snapshot")
    ok, console = await connect(forum, user=moderator)
    await console.until("snapshot")
    assert (await console.command(propose_frame(field)))["ok"]
    await change_forum(forum, title="Bildung am Nachmittag")
    ok, later = await connect(forum, participant=participant)
    snapshot = await later.until("snapshot")
    assert snapshot["rev"] == 1
    assert snapshot["forum"]["title"] == "Bildung am Nachmittag"
    assert [i["text"] for i in snapshot["items"]] == ["Sprachkurse mit Kinderbetreuung"]
    # and it is in the fan-out: the next change reaches it
    assert (await console.command(propose_frame(field, text="Elterncafé")))["ok"]
    assert (await later.until("event", name="item.added"))["data"]["text"] == "Elterncafé"
    for c in (first, console, later):
        await c.close()


async def test_a_code_given_to_another_forum_leads_to_that_forum(connect, forum, participant):
    ok, first = await connect(forum, participant=participant)
    await first.until("snapshot")
    code = forum.code
    await change_forum(forum, code="WQWQWQ")
    fields = await sync_to_async(list)(forum.fields.all())
    other = await sync_to_async(make_forum)(forum.conference, code=code, fields=fields)
    ok, phone = await connect(other, participant=participant)
    snapshot = await phone.until("snapshot")
    assert snapshot["forum"]["code"] == code and snapshot["forum"]["title"] == other.title
    await first.close()
    await phone.close()


async def test_a_deleted_forum_is_not_found(connect, forum, participant):
    ok, first = await connect(forum, participant=participant)
    await first.until("snapshot")
    await first.close()
    await sync_to_async(type(forum).objects.filter(pk=forum.pk).delete)()
    ok, phone = await connect(forum, participant=participant)
    assert await close_code(phone) == 4404


async def test_foreign_origin_is_refused(connect, forum, participant):
    ok, client = await connect(forum, participant=participant, origin="http://evil.example")
    assert not ok


# --- proposing and events --------------------------------------------------------------


async def test_proposal_is_acked_with_its_id_and_reaches_everyone(
    connect, forum, participant, moderator, field
):
    _, phone = await connect(forum, participant=participant)
    _, other = await connect(
        forum, participant=await sync_to_async(make_participant)(forum.conference)
    )
    _, screen = await connect(forum, key=forum.screen_key)
    for c in (phone, other, screen):
        await c.until("snapshot")
    ack = await phone.command(propose_frame(field, text="  Sprachkurse  "), id="a-1")
    assert ack["ok"] is True
    item_id = ack["result"]["id"]
    for c in (phone, other, screen):
        event = await c.until("event")
        assert (event["rev"], event["name"]) == (1, "item.added")
        assert event["data"]["id"] == item_id
        assert event["data"]["text"] == "Sprachkurse"
        assert event["data"]["status"] == "visible"
        assert set(event["data"]) >= {"id", "field", "kind", "text", "refs", "status"}
    for c in (phone, other, screen):
        await c.close()


async def test_moderator_actions_over_the_socket(connect, forum, participant, moderator, field):
    _, phone = await connect(forum, participant=participant)
    _, console = await connect(forum, user=moderator)
    await phone.until("snapshot")
    await console.until("snapshot")
    a = (await phone.command(propose_frame(field, text="A")))["result"]["id"]
    b = (await phone.command(propose_frame(field, text="B")))["result"]["id"]
    for frame, name in [
        ({"action": "hide", "item": a}, "item.hidden"),
        ({"action": "restore", "item": a}, "item.restored"),
        ({"action": "edit", "item": a, "text": "A neu"}, "item.updated"),
        ({"action": "merge", "item": b, "into": a}, "item.merged"),
        ({"action": "proposals", "open": False}, "forum.updated"),
    ]:
        ack = await console.command({"type": "moderate", **frame})
        assert ack["ok"] is True, ack
        event = await console.until("event", name=name)
        assert event["name"] == name
    assert sorted(await items_of(forum)) == [("A neu", "visible"), ("B", "merged")]
    closed = await phone.command(propose_frame(field, text="zu spät"))
    assert closed["ok"] is False and closed["error"]["code"] == "closed"
    await phone.close()
    await console.close()


async def test_participants_never_receive_the_text_of_a_hidden_item(
    connect, forum, participant, moderator, field
):
    _, phone = await connect(forum, participant=participant)
    _, console = await connect(forum, user=moderator)
    await phone.until("snapshot")
    await console.until("snapshot")
    item = (await phone.command(propose_frame(field, text="Beleidigung")))["result"]["id"]
    await phone.until("event", name="item.added")
    await console.command({"type": "moderate", "action": "hide", "item": item})
    to_phone = await phone.until("event", name="item.hidden")
    to_console = await console.until("event", name="item.hidden")
    assert to_phone["data"]["text"] == "" and to_phone["data"]["status"] == "hidden"
    assert to_console["data"]["text"] == "Beleidigung"
    await console.command(
        {"type": "moderate", "action": "edit", "item": item, "text": "Noch schlimmer"}
    )
    updated = await phone.until("event", name="item.updated")
    assert updated["data"]["text"] == ""
    # nor in a fresh snapshot
    _, late = await connect(forum, participant=participant)
    snapshot = await late.until("snapshot")
    assert snapshot["items"] == []
    for c in (phone, console, late):
        await c.close()


# --- refusals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, code",
    [
        ("not json", "invalid"),
        ("[1, 2]", "invalid"),
        ('{"type": "dance", "id": "x"}', "invalid"),
        ('{"type": "propose", "field": 1, "kind": "need", "text": "x"}', "invalid"),
        ('{"type": "propose", "id": "", "field": 1, "kind": "need", "text": "x"}', "invalid"),
        (
            json.dumps(
                {"type": "propose", "id": "x" * 65, "field": 1, "kind": "need", "text": "x"}
            ),
            "invalid",
        ),
        ('{"type": "propose", "id": "p", "field": "eins", "kind": "need", "text": "x"}', "invalid"),
        ('{"type": "propose", "id": "p", "field": 1, "kind": "need", "text": 5}', "invalid"),
        (
            '{"type": "propose", "id": "p", "field": 1, "kind": "need", "text": "x", "refs": "1"}',
            "invalid",
        ),
        ('{"type": "sync", "id": "s", "rev": -1}', "invalid"),
        ('{"type": "vote", "id": "v", "round": 1, "item": 1, "value": "viel"}', "invalid"),
        ('{"type": "moderate", "id": "m", "action": "explode"}', "invalid"),
    ],
)
async def test_bad_frames_get_an_error_ack_and_the_connection_stays_open(
    connect, forum, participant, raw, code
):
    _, phone = await connect(forum, participant=participant)
    await phone.until("snapshot")
    await phone.ws.send_to(text_data=raw)
    ack = await phone.until("ack")
    assert ack["ok"] is False
    assert ack["error"]["code"] == code
    assert ack["error"]["message"]
    await phone.send({"type": "ping"})
    assert (await phone.until("pong"))["rev"] == 0
    assert await items_of(forum) == []
    await phone.close()


async def test_domain_refusals_are_acked_with_their_codes(connect, forum, participant, field):
    _, phone = await connect(forum, participant=participant, language="en")
    await phone.until("snapshot")
    cases = [
        (propose_frame(field, text="   "), "invalid", "Please write some text."),
        (propose_frame(field, kind="wish"), "invalid", None),
        ({"type": "moderate", "action": "hide", "item": 1}, "forbidden", None),
        ({"type": "vote", "round": 99999, "item": 1, "value": 1}, "not_found", None),
    ]
    for frame, code, message in cases:
        ack = await phone.command(frame)
        assert (ack["ok"], ack["error"]["code"]) == (False, code)
        if message:
            assert ack["error"]["message"] == message
    assert await items_of(forum) == []
    await phone.close()


async def test_messages_are_in_the_participants_language(connect, forum, field):
    german = await sync_to_async(make_participant)(forum.conference, language="de")
    _, phone = await connect(forum, participant=german)
    await phone.until("snapshot")
    ack = await phone.command(propose_frame(field, text=""))
    assert ack["error"]["message"] == "Bitte schreiben Sie einen Text."
    await phone.close()


async def test_socket_messages_follow_the_pages_language_among_the_offered_ones(
    connect, forum, field
):
    # the factory's conference offers de, en, tr, ar: Turkish is used, Russian falls back to German
    for chosen, expected in (
        ("tr", "Lütfen bir metin yazın."),
        ("ru", "Bitte schreiben Sie einen Text."),
    ):
        person = await sync_to_async(make_participant)(forum.conference)
        _, phone = await connect(forum, participant=person, language=chosen)
        await phone.until("snapshot")
        ack = await phone.command(propose_frame(field, text=""))
        assert ack["error"]["message"] == expected
        await phone.close()


async def test_the_screen_can_only_watch(connect, forum, field):
    _, screen = await connect(forum, key=forum.screen_key)
    await screen.until("snapshot")
    ack = await screen.command(propose_frame(field))
    assert ack["error"]["code"] == "forbidden"
    assert await items_of(forum) == []
    await screen.close()


async def test_a_frame_over_16_kib_closes_with_1009(connect, forum, participant, field):
    _, phone = await connect(forum, participant=participant)
    await phone.until("snapshot")
    await phone.ws.send_to(text_data=json.dumps(propose_frame(field, text="x" * 17000, id="big")))
    output = await phone.ws.receive_output(timeout=2)
    while output["type"] != "websocket.close":
        output = await phone.ws.receive_output(timeout=2)
    assert output["code"] == 1009
    assert await items_of(forum) == []


async def test_one_person_s_sockets_share_one_command_budget(connect, forum, participant, field):
    """Two tabs of the same participant do not get twice the commands: 30 from each,
    at once, and no more than the burst of 20 (plus what refills meanwhile) is taken."""
    _, first = await connect(forum, participant=participant)
    _, second = await connect(forum, participant=participant)
    await first.until("snapshot")
    await second.until("snapshot")
    for n in range(30):
        await first.send({"type": "sync", "id": f"a{n}", "rev": 0})
        await second.send({"type": "sync", "id": f"b{n}", "rev": 0})
    acks = [await first.until("ack") for _ in range(30)] + [
        await second.until("ack") for _ in range(30)
    ]
    taken = [a for a in acks if a["ok"]]
    assert all(a["error"]["code"] == "rate_limited" for a in acks if not a["ok"])
    assert 20 <= len(taken) <= 30, len(taken)  # one budget, not two (40 or more)
    await first.close()
    await second.close()


async def test_a_flood_of_commands_is_rate_limited(connect, forum, participant, field):
    _, phone = await connect(forum, participant=participant)
    await phone.until("snapshot")
    for n in range(40):
        await phone.send({"type": "sync", "id": f"s{n}", "rev": 0})
    acks = [await phone.until("ack") for _ in range(40)]
    limited = [a for a in acks if not a["ok"]]
    assert limited and all(a["error"]["code"] == "rate_limited" for a in limited)
    assert len(limited) >= 15
    await phone.close()


# --- at most once ----------------------------------------------------------------------


async def test_a_retried_command_is_applied_once_across_reconnects(
    connect, forum, participant, field
):
    _, phone = await connect(forum, participant=participant)
    await phone.until("snapshot")
    first = await phone.command(propose_frame(field, text="Einmal"), id="retry-1")
    await phone.close()
    # the phone lost the ack and reconnects (a new consumer instance), sending the same id
    _, again = await connect(forum, participant=participant)
    await again.until("snapshot")
    second = await again.command(propose_frame(field, text="Einmal"), id="retry-1")
    assert second == first
    assert await items_of(forum) == [("Einmal", "visible")]
    # a refusal is remembered too, even when the state that caused it has changed
    await again.close()


async def test_a_refused_command_gets_the_same_answer_on_retry(connect, forum, participant, field):
    _, phone = await connect(forum, participant=participant)
    await phone.until("snapshot")
    first = await phone.command(propose_frame(field, text=""), id="r")
    second = await phone.command(propose_frame(field, text="jetzt mit Text"), id="r")
    assert first == second and first["ok"] is False
    assert await items_of(forum) == []
    await phone.close()


async def test_same_id_from_different_people_is_two_commands(connect, forum, participant, field):
    other = await sync_to_async(make_participant)(forum.conference)
    _, a = await connect(forum, participant=participant)
    _, b = await connect(forum, participant=other)
    await a.until("snapshot")
    await b.until("snapshot")
    assert (await a.command(propose_frame(field, text="A"), id="same"))["ok"]
    assert (await b.command(propose_frame(field, text="B"), id="same"))["ok"]
    assert len(await items_of(forum)) == 2
    await a.close()
    await b.close()


# --- sync and convergence --------------------------------------------------------------


async def test_sync_sends_missed_events_in_order(connect, forum, participant, field):
    _, phone = await connect(forum, participant=participant)
    await phone.until("snapshot")
    for n in range(3):
        await phone.command(propose_frame(field, text=f"Bedarf {n}"))
    _, late = await connect(forum, participant=participant)
    await late.until("snapshot")
    ack_id = "sync-1"
    await late.send({"type": "sync", "id": ack_id, "rev": 1})
    revs = []
    while True:
        frame = await late.recv()
        if frame["type"] == "event":
            revs.append(frame["rev"])
        if frame["type"] == "ack":
            assert frame == {"type": "ack", "id": ack_id, "ok": True}
            break
    assert revs == [2, 3]
    await phone.close()
    await late.close()


async def test_sync_far_behind_or_ahead_gets_a_fresh_snapshot(
    connect, forum, participant, field, monkeypatch
):
    from realtime import consumer

    monkeypatch.setattr(consumer, "SYNC_MAX_EVENTS", 2)
    _, phone = await connect(forum, participant=participant)
    await phone.until("snapshot")
    for n in range(4):
        await phone.command(propose_frame(field, text=f"Bedarf {n}"))
    for rev in (0, 99):
        await phone.send({"type": "sync", "id": f"s{rev}", "rev": rev})
        snapshot = await phone.until("snapshot")
        assert snapshot["rev"] == 4 and len(snapshot["items"]) == 4
    await phone.close()


def apply_event(state: dict, event: dict, role: str) -> dict:
    """The Python twin of the browser's reducer (static/js/live.js, applyEvent)."""
    if event["rev"] != state["rev"] + 1:
        raise AssertionError("gap")
    state = {**state, "rev": event["rev"]}
    name, data = event["name"], event["data"]
    if name == "item.removed":
        state["items"] = [i for i in state["items"] if i["id"] != data["id"]]
    elif name.startswith("item."):
        items = [i for i in state["items"] if i["id"] != data["id"]]
        if role == "moderator" or data["status"] == "visible":
            items.append(data)
        state["items"] = sorted(items, key=lambda i: i["id"])
    elif name == "forum.updated":
        state["forum"] = data
    return state


async def test_events_applied_to_an_old_snapshot_equal_a_fresh_snapshot(
    connect, forum, participant, moderator, field
):
    for role, kwargs in [
        ("participant", {"participant": participant}),
        ("moderator", {"user": moderator}),
    ]:
        _, watcher = await connect(forum, **kwargs)
        state = await watcher.until("snapshot")
        _, phone = await connect(forum, participant=participant)
        _, console = await connect(forum, user=moderator)
        await phone.until("snapshot")
        await console.until("snapshot")
        need = (await phone.command(propose_frame(field, text=f"Bedarf {role}")))["result"]["id"]
        dup = (await phone.command(propose_frame(field, text=f"Doppelt {role}")))["result"]["id"]
        goal = (await phone.command(propose_frame(field, kind="goal", text="Ziel", refs=[dup])))[
            "result"
        ]["id"]
        await console.command({"type": "moderate", "action": "merge", "item": dup, "into": need})
        await console.command({"type": "moderate", "action": "hide", "item": goal})
        await console.command({"type": "moderate", "action": "restore", "item": goal})
        await console.command(
            {"type": "moderate", "action": "edit", "item": need, "text": "Bedarf neu"}
        )
        await console.command({"type": "moderate", "action": "proposals", "open": False})
        await console.command({"type": "moderate", "action": "proposals", "open": True})
        final_rev = await sync_to_async(lambda: ForumEvent.objects.filter(forum=forum).count())()
        while state["rev"] < final_rev:
            state = apply_event(state, await watcher.until("event"), role)
        _, fresh_client = await connect(forum, **kwargs)
        fresh = await fresh_client.until("snapshot")
        for key in ("rev", "forum", "fields", "items"):
            assert state[key] == fresh[key], key
        for c in (watcher, phone, console, fresh_client):
            await c.close()


async def test_ping_pong_and_presence(connect, forum, participant, moderator):
    _, phone = await connect(forum, participant=participant)
    await phone.until("snapshot")
    _, second_tab = await connect(forum, participant=participant)
    _, console = await connect(forum, user=moderator)
    presence = await phone.until("presence", timeout=3)
    assert presence["online"] == 2  # one participant with two tabs counts once, plus the moderator
    await phone.send({"type": "ping"})
    assert await phone.until("pong") == {"type": "pong", "rev": 0}
    for c in (phone, second_tab, console):
        await c.close()


async def test_consoles_hear_every_presence_change_phones_the_latest_count_less_often(
    connect, forum, participant, moderator, monkeypatch
):
    """The console shows who is online and hears each change (coalesced per second); the
    phones, which do not show it, get the count at most every PARTICIPANT_PRESENCE_EVERY
    seconds, and the latest one at the end of that interval (realtime/hub.py)."""
    from realtime import hub, presence

    monkeypatch.setattr(presence, "ANNOUNCE_EVERY", 0.1)
    monkeypatch.setattr(hub, "PARTICIPANT_PRESENCE_EVERY", 1.5)
    _, console = await connect(forum, user=moderator)
    _, phone = await connect(forum, participant=participant)
    assert (await console.until("presence", timeout=2))["online"] == 2
    assert (await phone.until("presence", timeout=2))["online"] == 2  # the first at once
    others = []
    for n in range(3):
        someone = await sync_to_async(make_participant)(forum.conference, display_name=f"P{n}")
        others.append((await connect(forum, participant=someone))[1])
        # the console hears each newcomer
        assert (await console.until("presence", timeout=2, online=3 + n))["online"] == 3 + n
    # meanwhile the phone heard nothing more, and then the latest count
    assert not [f for f in phone.skipped if f["type"] == "presence"]
    assert await phone.until("presence", timeout=3) == {"type": "presence", "online": 5}
    await phone.nothing(timeout=0.5)
    for c in (console, phone, *others):
        await c.close()


async def test_phones_at_the_same_rev_share_the_items_but_not_their_own_votes(
    connect, forum, participant, field
):
    """The items of a snapshot are read once per rev for all phones; each phone's own
    ballot is still its own, and a change (a new rev) is in the next phone's snapshot."""
    from tests.factories import make_moderator, make_participant
    from workshops.actors import Actor
    from workshops.services.items import propose_item
    from workshops.services.rounds import open_round
    from workshops.services.votes import cast_vote

    mod = Actor(user=await sync_to_async(make_moderator)(forum.conference, username="m2"))
    item = await sync_to_async(propose_item)(
        actor=Actor(participant=participant),
        forum=forum,
        field=field.pk,
        kind="need",
        text="Sprachkurse am Abend",
    )
    round_ = await sync_to_async(open_round)(
        actor=mod, forum=forum, method="dots", items=[item.pk], budget=3, per_item=2, secret=False
    )
    await sync_to_async(cast_vote)(
        actor=Actor(participant=participant), forum=forum, round=round_.pk, item=item.pk, value=2
    )
    other = await sync_to_async(make_participant)(forum.conference, display_name="Olena")

    _, first = await connect(forum, participant=participant)
    _, second = await connect(forum, participant=other)
    mine, theirs = await first.until("snapshot"), await second.until("snapshot")
    assert mine["rev"] == theirs["rev"] and mine["items"] == theirs["items"]
    assert mine["me"]["points_left"] == {str(round_.pk): 1}
    assert theirs["me"]["points_left"] == {str(round_.pk): 3} and theirs["me"]["votes"] == {
        str(round_.pk): {}
    }
    assert mine["tallies"] == theirs["tallies"] == {str(round_.pk): {str(item.pk): {"dots": 2}}}

    await sync_to_async(propose_item)(
        actor=Actor(participant=other),
        forum=forum,
        field=field.pk,
        kind="goal",
        text="Mehr Kita-Plätze",
    )
    _, third = await connect(forum, participant=other)
    assert [i["text"] for i in (await third.until("snapshot"))["items"]] == [
        "Sprachkurse am Abend",
        "Mehr Kita-Plätze",
    ]
    for phone in (first, second, third):
        await phone.close()
