"""Two Daphne processes share one forum through Redis: a proposal sent to one reaches a
phone connected to the other. Real processes, real Redis, real WebSocket clients."""

import asyncio
import concurrent.futures
import http.cookiejar
import json
import os
import urllib.parse
import urllib.request
import uuid

import pytest

from tests.live import Server, base_env, prepare, require

pytestmark = pytest.mark.redis

# With REDIS_URL unset (the embedded-defaults pass of make test) an index of its own,
# apart from the one .ci/run gives REDIS_URL (0).
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/2"


def redis_answers(url: str) -> bool:
    import redis

    try:
        return redis.Redis.from_url(url, socket_timeout=2).ping()
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture
def database(tmp_path):
    """A database both processes share: a fresh PostgreSQL database when DATABASE_URL is
    set, otherwise one SQLite file (WAL lets both processes read while one writes)."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield {}
        return
    import psycopg

    name = f"mitwirken_live_{uuid.uuid4().hex[:8]}"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield {"DATABASE_URL": url.rsplit("/", 1)[0] + "/" + name}
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def join(base_url: str, code: str) -> str:
    """Join the forum like a phone (GET the form, POST it with the CSRF token); return the
    cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base_url}/j/{code}").read().decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(
        f"{base_url}/j/{code}", data=body, headers={"Referer": f"{base_url}/j/{code}"}
    )
    opener.open(request).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


async def frames_until(ws, predicate, timeout=10):
    from realtime.parts import Reassembler

    parts = Reassembler()  # a frame over the limit comes in parts
    async with asyncio.timeout(timeout):
        while True:
            frame = parts.take(json.loads(await ws.recv()))
            if frame is not None and predicate(frame):
                return frame


def test_a_proposal_sent_to_one_process_reaches_a_phone_on_the_other(tmp_path, database):
    require("Redis", redis_answers(REDIS_URL), f"nothing answers at {REDIS_URL}")
    env = base_env(tmp_path, REDIS_URL=REDIS_URL, **database)
    info = prepare(env)
    first, second = Server(env).start(), Server(env).start()
    try:
        # In a thread of its own: the browser tests' Playwright may own this thread's loop.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, exchange(first.url, second.url, info)).result(timeout=60)
    finally:
        first.stop()
        second.stop()


async def exchange(url_a: str, url_b: str, info: dict):
    import websockets

    code = info["code"]
    cookie_a = await asyncio.to_thread(join, url_a, code)
    cookie_b = await asyncio.to_thread(join, url_b, code)

    def ws_url(url):
        return url.replace("http://", "ws://") + f"/ws/forum/{code}/"

    async with (
        websockets.connect(
            ws_url(url_a), additional_headers={"Cookie": cookie_a}, origin=url_a
        ) as a,
        websockets.connect(
            ws_url(url_b), additional_headers={"Cookie": cookie_b}, origin=url_b
        ) as b,
    ):
        await frames_until(a, lambda f: f["type"] == "snapshot")
        await frames_until(b, lambda f: f["type"] == "snapshot")
        await a.send(
            json.dumps(
                {
                    "type": "propose",
                    "id": "two-1",
                    "field": info["fields"][0],
                    "kind": "need",
                    "text": "Über Redis zum anderen Prozess",
                }
            )
        )
        ack = await frames_until(a, lambda f: f["type"] == "ack")
        assert ack["ok"] is True, ack
        event = await frames_until(b, lambda f: f["type"] == "event")
        assert event["name"] == "item.added"
        assert event["data"]["id"] == ack["result"]["id"]
        assert event["data"]["text"] == "Über Redis zum anderen Prozess"
        # presence counts people on both processes
        presence = await frames_until(b, lambda f: f["type"] == "presence" and f["online"] == 2)
        assert presence["online"] == 2
