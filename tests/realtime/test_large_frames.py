"""A forum of any size reaches every client: a snapshot (or a `sync` answer) larger than
the WebSocket limit arrives in parts, each within the limit, and the client joins them
into the snapshot of docs/protocol.md (realtime/parts.py)."""

import asyncio
import concurrent.futures
import json
import subprocess

import pytest
from asgiref.sync import sync_to_async

from realtime.parts import LIMIT_BYTES, Reassembler, split
from tests.factories import fill_forum, long_text
from tests.live import PYTHON, ROOT, Server, base_env, prepare
from tests.realtime.test_two_processes import join

pytestmark = pytest.mark.django_db(transaction=True)

ITEMS, LENGTH = 500, 500


def test_a_large_text_goes_in_parts_each_within_the_limit_and_joins_back():
    frame = {"type": "snapshot", "items": [{"id": n, "text": long_text(n)} for n in range(300)]}
    text = json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
    parts = split(text)
    assert len(parts) > 1
    assert all(len(p.encode("utf-8")) <= LIMIT_BYTES for p in parts)
    joined = Reassembler()
    assert [joined.take(json.loads(p)) for p in parts[:-1]] == [None] * (len(parts) - 1)
    assert joined.take(json.loads(parts[-1])) == frame
    small = json.dumps({"type": "pong", "rev": 3})
    assert split(small) == [small]


async def test_a_phone_receives_every_item_of_a_forum_of_500_long_proposals(
    connect, forum, participant
):
    texts = await sync_to_async(fill_forum)(forum, ITEMS, LENGTH)
    ok, phone = await connect(forum, participant=participant)
    assert ok
    snapshot = await phone.until("snapshot", timeout=10)
    assert [i["text"] for i in snapshot["items"]] == texts
    assert snapshot["me"]["role"] == "participant"
    assert snapshot["fields"] and snapshot["forum"]["code"] == forum.code
    assert len(phone.raw) > 1 and max(phone.raw) <= LIMIT_BYTES  # in parts, each within the limit
    # The connection goes on as usual after the parts.
    await phone.send({"type": "ping"})
    assert (await phone.until("pong"))["rev"] == 0


async def test_a_sync_answered_with_a_snapshot_comes_in_parts_too(connect, forum, moderator):
    texts = await sync_to_async(fill_forum)(forum, ITEMS, LENGTH)
    _, console = await connect(forum, user=moderator)
    await console.until("snapshot", timeout=10)
    console.raw.clear()
    # a rev the server does not have: the answer is a fresh snapshot
    ack = await console.command({"type": "sync", "rev": 7})
    assert ack["ok"] is True
    snapshot = next(f for f in console.skipped if f["type"] == "snapshot")
    assert [i["text"] for i in snapshot["items"]] == texts
    assert len(console.raw) > 2 and max(console.raw) <= LIMIT_BYTES


# --- through a real Daphne started by config.serve ----------------------------------------

FILL = r"""
import json, sys, django
django.setup()
from tests.factories import fill_forum
from workshops.models import Forum
fill_forum(Forum.objects.get(pk=int(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3]))
"""


async def receive_snapshot(url: str, cookie: str, sizes: list[int]) -> tuple[dict, int]:
    """The snapshot, joined from its parts, and how many parts it came in; ``sizes``
    gets the size of every frame received."""
    import websockets

    joined, parts = Reassembler(), 0
    async with websockets.connect(
        url, additional_headers={"Cookie": cookie}, origin="http://127.0.0.1", max_size=None
    ) as ws:
        async with asyncio.timeout(30):
            while True:
                text = await ws.recv()
                sizes.append(len(text.encode("utf-8")))
                frame = json.loads(text)
                parts += frame["type"] == "part"
                frame = joined.take(frame)
                if frame is not None and frame["type"] == "snapshot":
                    await ws.send(json.dumps({"type": "ping"}))
                    while json.loads(await ws.recv())["type"] != "pong":
                        pass
                    return frame, parts


@pytest.mark.django_db(transaction=False)
def test_a_phone_on_the_real_server_receives_a_forum_of_500_long_proposals(tmp_path):
    env = base_env(tmp_path)
    info = prepare(env)
    subprocess.run(
        [PYTHON, "-c", FILL, str(info["forum"]), str(ITEMS), str(LENGTH)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    server = Server(env).start()
    try:
        cookie = join(server.url, info["code"])
        url = server.url.replace("http", "ws") + f"/ws/forum/{info['code']}/"
        sizes: list[int] = []
        # In a thread of its own: the browser tests' Playwright may own this thread's loop.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            receiving = pool.submit(asyncio.run, receive_snapshot(url, cookie, sizes))
            snapshot, parts = receiving.result(timeout=60)
    finally:
        server.stop()
    expected = [long_text(n, LENGTH) for n in range(1, ITEMS + 1)]
    assert [i["text"] for i in snapshot["items"]] == expected
    assert snapshot["me"]["role"] == "participant"
    assert max(sizes) <= LIMIT_BYTES
    total = len(json.dumps(snapshot, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    assert parts > 1
    print(
        f"\n[large frames] snapshot of {ITEMS} items of {LENGTH} characters: "
        f"{total} bytes in {parts} parts"
    )
