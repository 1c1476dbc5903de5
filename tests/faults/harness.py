"""What the fault tests cause and measure with: a fresh PostgreSQL database, a Redis of
their own, a TCP proxy that can cut the way to the database, and phones that behave like
static/js/live.js (outbox resent with the same ids after a reconnect, events applied in
rev order, ``sync`` on a gap or when a ``pong`` or ``heartbeat`` shows a newer rev)."""

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid

from realtime.parts import Reassembler
from tests.live import PYTHON, ROOT, free_port, require

PG_URL = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"

# Participants with database sessions, and a support round over some measures.
SETUP_PHONES = r"""
import json, sys, django
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from workshops.actors import Actor
from workshops.identity import remember_participant
from workshops.models import Forum, Participant
from workshops.services.items import propose_item
from workshops.services.rounds import open_round
forum = Forum.objects.get(code=sys.argv[1])
phones, items = int(sys.argv[2]), int(sys.argv[3])
out = {"phones": [], "items": [], "round": None}
for n in range(phones):
    p = Participant.objects.create(conference=forum.conference, group="Verwaltung")
    s = SessionStore()
    remember_participant(s, p)
    s.create()
    cookie = f"{settings.SESSION_COOKIE_NAME}={s.session_key}"
    out["phones"].append({"participant": p.pk, "cookie": cookie})
if items:
    author = Actor(participant=Participant.objects.create(conference=forum.conference))
    field = forum.fields.order_by("position", "id").first().pk
    out["items"] = [propose_item(actor=author, forum=forum, field=field, kind="measure",
                                 text=f"Maßnahme {n}").pk
                    for n in range(items)]
    mod = Actor(user=get_user_model().objects.get(username="moderation"))
    # totals live in the room ("Stand live zeigen"): the phones' tallies are what is checked
    out["round"] = open_round(actor=mod, forum=forum, method="support", kind="measure",
                              secret=False).pk
print(json.dumps(out))
"""

# What the database holds: the forum's rev, its shown items, the round's votes.
STATE = r"""
import json, sys, django
django.setup()
from workshops.models import Forum, Item, Vote
forum = Forum.objects.get(code=sys.argv[1])
round_id = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] != "0" else None
votes = list(Vote.objects.filter(round_id=round_id)
             .values_list("participant_id", "option", "value")) if round_id else []
print(json.dumps({
    "rev": forum.rev,
    "items": sorted(Item.objects.filter(forum=forum, status="visible")
                    .values_list("id", flat=True)),
    "texts": sorted(Item.objects.filter(forum=forum).values_list("text", flat=True)),
    "votes": votes,
}))
"""


def run_script(env: dict, script: str, *args) -> dict:
    out = subprocess.run(
        [PYTHON, "-c", script, *map(str, args)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def postgres_answers(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure: not available
        return False


@contextlib.contextmanager
def postgres_database():
    """A fresh PostgreSQL database for the test's server processes; yields its URL."""
    require("PostgreSQL", postgres_answers(PG_URL), f"nothing answers at {PG_URL}")
    import psycopg

    name = f"mitwirken_fault_{uuid.uuid4().hex[:8]}"
    admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class RedisServer:
    """A redis-server of the test's own on a free port (the shared one is never touched)."""

    def __init__(self):
        binary = shutil.which("redis-server")
        require("redis-server", binary is not None, "the redis-server binary is not on PATH")
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s,
            ):
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class TcpProxy:
    """Forwards a local port to PostgreSQL; ``cut()`` drops every connection and refuses
    new ones (as a dead database host or a restarting server does), ``restore()`` ends it."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.cut_off = threading.Event()
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut_off.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
                with self.lock:
                    self.open.discard(s)

    def cut(self):
        self.cut_off.set()
        with self.lock:
            sockets = list(self.open)
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def restore(self):
        self.cut_off.clear()

    def close(self):
        self.cut()
        self.listener.close()


class Phone:
    """A phone on the socket that keeps going like live.js: reconnects after any close,
    resends its outbox with the original ids, applies events in rev order, syncs on gaps."""

    def __init__(self, url: str, code: str, cookie: str):
        self.url, self.code, self.cookie = url, code, cookie
        self.outbox: dict[str, dict] = {}
        self.acks: dict[str, dict] = {}
        self.rev = None
        self.items: dict[int, dict] = {}
        self.tallies: dict[str, dict] = {}
        self.pending: dict[int, dict] = {}
        self.ws = None
        self.connects = 0
        self.closes: list[int | None] = []
        self.stopped = False
        self.task = None

    @property
    def ws_url(self):
        return self.url.replace("http://", "ws://") + f"/ws/forum/{self.code}/"

    def start(self):
        self.task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def stop(self):
        self.stopped = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self.task:
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task

    async def _run(self):
        import websockets

        delay = 0.1
        while not self.stopped:
            try:
                async with websockets.connect(
                    self.ws_url,
                    additional_headers={"Cookie": self.cookie},
                    origin=self.url,
                    open_timeout=5,
                ) as ws:
                    self.ws = ws
                    self.connects += 1
                    delay = 0.1
                    parts = Reassembler()  # frames over the limit come in parts
                    async for text in ws:
                        frame = parts.take(json.loads(text))
                        if frame is not None:
                            await self._receive(frame)
                self.closes.append(ws.close_code)
            except Exception as exc:  # noqa: BLE001 - any failure: reconnect like live.js
                code = getattr(getattr(exc, "rcvd", None), "code", None)
                self.closes.append(code)
            self.ws = None
            if self.stopped:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def _send(self, frame):
        ws = self.ws
        if ws is not None and self.rev is not None:
            with contextlib.suppress(Exception):
                await ws.send(json.dumps(frame))

    async def send(self, frame: dict):
        self.outbox[frame["id"]] = frame
        await self._send(frame)

    async def resend(self):
        for entry in list(self.outbox.values()):
            await self._send(entry)

    async def ping(self):
        await self._send({"type": "ping"})

    async def _receive(self, frame):
        kind = frame["type"]
        if kind == "snapshot":
            self.rev = frame["rev"]
            self.items = {i["id"]: i for i in frame["items"]}
            self.tallies = dict(frame["tallies"])
            self.pending = {}
            for entry in list(self.outbox.values()):
                await self._send(entry)
        elif kind == "event":
            if self.rev is None or frame["rev"] <= self.rev:
                return
            self.pending[frame["rev"]] = frame
            while self.rev + 1 in self.pending:
                event = self.pending.pop(self.rev + 1)
                self.rev = event["rev"]
                data = event["data"] or {}
                if event["name"].startswith("item."):
                    self.items.pop(data.get("id"), None)
                    if data.get("status") == "visible" and event["name"] != "item.removed":
                        self.items[data["id"]] = data
            if self.pending:
                await self._send({"type": "sync", "id": uuid.uuid4().hex, "rev": self.rev})
        elif kind == "ack":
            if frame["id"] in self.outbox and (
                frame["ok"] or frame["error"]["code"] != "unavailable"
            ):
                self.outbox.pop(frame["id"])
            self.acks.setdefault(frame["id"], frame)
            if frame["ok"]:
                self.acks[frame["id"]] = frame
        elif kind == "tally":
            self.tallies[str(frame["round"])] = frame["totals"]
        elif kind in ("pong", "heartbeat"):
            if (
                self.rev is not None
                and isinstance(frame.get("rev"), int)
                and frame["rev"] > self.rev
            ):
                await self._send({"type": "sync", "id": uuid.uuid4().hex, "rev": self.rev})

    def acked_ok(self) -> set[str]:
        return {i for i, a in self.acks.items() if a["ok"]}


async def until(predicate, timeout: float, every: float = 0.05, tick=None):
    """Wait until ``predicate()`` holds; ``tick`` (a coroutine function) runs every second."""
    deadline = time.monotonic() + timeout
    last_tick = 0.0
    while time.monotonic() < deadline:
        if predicate():
            return True
        if tick is not None and time.monotonic() - last_tick > 1:
            last_tick = time.monotonic()
            await tick()
        await asyncio.sleep(every)
    return predicate()
