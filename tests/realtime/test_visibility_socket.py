"""What each audience gets over the socket of hidden, merged, edited and restored items:
the live events, the replay of the event log (``sync``) and a fresh snapshot
(workshops/visibility.py)."""

import json

import pytest
from asgiref.sync import sync_to_async

from tests import visibility_scene as scene_
from tests.visibility_scene import AFTER_EDIT, BEFORE_EDIT, HIDDEN, MERGED, NEVER_SHOWN, RESTORED

pytestmark = pytest.mark.django_db(transaction=True)

AUDIENCES = ("participant", "screen", "moderator")


async def _drain(client, quiet=0.4) -> list[dict]:
    frames = list(client.skipped)
    client.skipped.clear()
    while not await client.ws.receive_nothing(timeout=quiet):
        frames.append(await client.recv())
    return frames


async def _open(connect, scene):
    sockets = {}
    for audience in AUDIENCES:
        kwargs = (
            {"participant": scene.author}
            if audience == "participant"
            else (
                {"key": scene.forum.screen_key}
                if audience == "screen"
                else {"user": scene.moderator}
            )
        )
        ok, client = await connect(scene.forum, **kwargs)
        assert ok
        await client.until("snapshot")
        sockets[audience] = client
    return sockets


def _text(frames) -> str:
    return json.dumps(frames, ensure_ascii=False)


async def test_live_events_sync_replay_and_snapshot_per_audience(connect):
    scene = await sync_to_async(scene_.build)(play=False)
    sockets = await _open(connect, scene)
    await sync_to_async(scene_.play_states)(scene)
    live = {a: await _drain(c) for a, c in sockets.items()}
    for audience in ("participant", "screen"):
        events = [f for f in live[audience] if f.get("type") == "event"]
        assert events, audience
        shown = _text(events)
        assert HIDDEN not in shown and MERGED not in shown, audience
        assert AFTER_EDIT in shown and RESTORED in shown, audience
    # the console needs the hidden text to offer restoring it
    assert HIDDEN in _text(live["moderator"]) and MERGED in _text(live["moderator"])

    # Every event since the forum began, replayed: never the stored texts as they were.
    replayed = {}
    for audience, client in sockets.items():
        await client.send({"type": "sync", "id": "s1", "rev": 0})
        frames = await _drain(client)
        assert any(f.get("type") == "ack" and f.get("id") == "s1" and f["ok"] for f in frames)
        replayed[audience] = [f for f in frames if f.get("type") == "event"]
        assert replayed[audience][0]["rev"] == 1, audience  # a replay, not a snapshot
    for audience in ("participant", "screen"):
        text = _text(replayed[audience])
        leaked = [t for t in NEVER_SHOWN if t in text]
        assert leaked == [], audience
        assert AFTER_EDIT in text and RESTORED in text
    moderator = _text(replayed["moderator"])
    assert HIDDEN in moderator and AFTER_EDIT in moderator and BEFORE_EDIT not in moderator

    # A fresh connection: the snapshot carries no hidden text, in items nor rounds.
    for audience in ("participant", "screen"):
        kwargs = (
            {"participant": scene.author}
            if audience == "participant"
            else {"key": scene.forum.screen_key}
        )
        _ok, client = await connect(scene.forum, **kwargs)
        snapshot = await client.until("snapshot")
        text = _text(snapshot)
        assert [t for t in NEVER_SHOWN if t in text] == [], audience
        assert AFTER_EDIT in text and RESTORED in text
        labels = snapshot["rounds"][-1]["labels"]
        assert labels[str(scene.ids["hidden"])]["shown"] is False
        await client.close()
    for client in sockets.values():
        await client.close()
