"""Simulated phones: HTTP join with cookies, then the forum socket of docs/protocol.md.

A minimal HTTP/1.1 client on asyncio streams, so a thousand phones can join
concurrently without a thread each.
"""

import asyncio
import json
import random
import time
import urllib.parse
from dataclasses import dataclass, field


class BenchError(RuntimeError):
    """Something that makes the figures meaningless: reported loudly, never as a result."""


def request_bytes(
    host: str,
    port: int,
    method: str,
    path: str,
    headers: list[str],
    *,
    cookies: dict,
    body: dict | None = None,
    referer: str = "",
    origin: bool = False,
) -> bytes:
    """An HTTP/1.1 request: its line, Host, ``headers``, the cookies, a form as the body
    (with the page's ``Origin`` when ``origin``), the referer."""
    data = urllib.parse.urlencode(body).encode() if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", *headers]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    if body is not None:
        lines += [
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(data)}",
        ]
        if origin:
            lines.append(f"Origin: http://{host}:{port}")
    if referer:
        lines.append(f"Referer: {referer}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


async def http(
    host: str,
    port: int,
    method: str,
    path: str,
    *,
    cookies: dict,
    body: dict | None = None,
    referer: str = "",
) -> tuple[int, dict, str]:
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as exc:
        raise BenchError(f"the server at {host}:{port} is not reachable ({exc})") from None
    writer.write(
        request_bytes(
            host,
            port,
            method,
            path,
            ["Connection: close"],
            cookies=cookies,
            body=body,
            referer=referer,
        )
    )
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, text = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    found: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "set-cookie":
            cookie = value.strip().split(";", 1)[0]
            key, _, val = cookie.partition("=")
            found[key] = val
    return status, found, text.decode("utf-8", "replace")


def csrf_token(html: str) -> str:
    marker = 'name="csrfmiddlewaretoken" value="'
    if marker not in html:
        raise BenchError("no CSRF token on the page: is this a Mitwirken server?")
    return html.split(marker, 1)[1].split('"', 1)[0]


async def join(host: str, port: int, code: str) -> dict:
    """Join like a phone; return the cookies."""
    cookies: dict[str, str] = {}
    status, got, html = await http(host, port, "GET", f"/j/{code}", cookies=cookies)
    if status == 404:
        raise BenchError(f"the forum {code} does not exist: seed it first (manage.py seed_demo)")
    if status != 200:
        raise BenchError(f"the join page of {code} answered HTTP {status}")
    cookies.update(got)
    status, got, _ = await http(
        host,
        port,
        "POST",
        f"/j/{code}",
        cookies=cookies,
        body={"csrfmiddlewaretoken": csrf_token(html)},
        referer=f"http://{host}:{port}/j/{code}",
    )
    if status != 302:
        raise BenchError(f"joining {code} was refused with HTTP {status}")
    cookies.update(got)
    return cookies


async def login(host: str, port: int, username: str, password: str) -> dict:
    cookies: dict[str, str] = {}
    status, got, html = await http(host, port, "GET", "/accounts/login/", cookies=cookies)
    cookies.update(got)
    status, got, _ = await http(
        host,
        port,
        "POST",
        "/accounts/login/",
        cookies=cookies,
        body={"csrfmiddlewaretoken": csrf_token(html), "username": username, "password": password},
        referer=f"http://{host}:{port}/accounts/login/",
    )
    if status != 302:
        raise BenchError(f"the moderator login was refused (HTTP {status})")
    cookies.update(got)
    return cookies


@dataclass
class Phone:
    """One socket: keeps the arrival of what a scenario measures, answers acks to
    waiting commands, follows the forum's rev and items like the browser client does."""

    cookies: dict
    ws: object = None
    url: str = ""
    origin: str = ""
    snapshot_at: float | None = None
    snapshot: dict | None = None
    tallies: list = field(default_factory=list)  # (arrival, frame)
    waiting: dict = field(default_factory=dict)  # id -> (sent_at, future)
    acks: list = field(default_factory=list)  # (latency, ack)
    rev: int = 0
    items: set = field(default_factory=set)
    last_item_at: float = 0.0
    marks: dict = field(default_factory=dict)  # text of a "bench:" item -> arrival
    online: int | None = None
    heard_at: float = 0.0  # when the last frame arrived
    n: int = 0
    errors: int = 0

    async def connect(self, url: str, origin: str, max_queue: int = 1024):
        import websockets

        self.url, self.origin = url, origin
        try:
            self.ws = await websockets.connect(
                url,
                additional_headers={
                    "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())
                },
                origin=origin,
                max_size=2**22,
                open_timeout=60,
                ping_interval=None,
                max_queue=max_queue,
            )
        except Exception as exc:  # noqa: BLE001 - a refused phone spoils the figures
            raise BenchError(f"a phone could not connect: {exc}") from None
        self.reader = asyncio.get_running_loop().create_task(self._read(self.ws))

    async def _read(self, ws):
        from realtime.parts import Reassembler

        parts = Reassembler()  # a frame over the server's limit comes in parts
        try:
            async for raw in ws:
                frame = parts.take(json.loads(raw))
                if frame is not None:
                    self._take(frame, time.perf_counter())
        except Exception:  # noqa: BLE001 - a dropped socket: the scenario decides what it means
            if ws is self.ws:
                self.errors += 1

    def _take(self, frame: dict, now: float) -> None:
        self.heard_at = now
        kind = frame.get("type")
        if kind == "snapshot":
            self.snapshot, self.snapshot_at, self.rev = frame, now, frame["rev"]
            self.items = {i["id"] for i in frame["items"]}
        elif kind == "tally":
            self.tallies.append((now, frame))
        elif kind == "event":
            self.rev = max(self.rev, frame["rev"])
            if frame["name"] == "item.added":
                data = frame["data"]
                self.items.add(data["id"])
                self.last_item_at = now
                if data.get("text", "").startswith("bench:"):
                    self.marks[data["text"]] = now
        elif kind == "presence":
            self.online = frame["online"]
        elif kind == "ack":
            sent_at, future = self.waiting.pop(frame["id"], (None, None))
            if future is not None:
                self.acks.append((now - sent_at, frame))
                future.set_result(frame)

    async def command(self, frame: dict) -> dict:
        self.n += 1
        frame = {"id": f"b{self.n}-{id(self)}", **frame}
        future = asyncio.get_running_loop().create_future()
        self.waiting[frame["id"]] = (time.perf_counter(), future)
        await self.ws.send(json.dumps(frame))
        return await future

    async def reconnect(self, attempts: int = 5):
        """Drop the socket and come back like the browser client: a new socket (after a
        refusal, again after a pause that doubles), then ``sync`` from the last rev
        applied. Each refused attempt counts in ``errors``."""
        old = self.ws
        self.ws = None
        await old.close()
        pause = 0.5
        for attempt in range(attempts):
            try:
                await self.connect(self.url, self.origin)
                break
            except BenchError:
                self.errors += 1
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(pause)
                pause *= 2
        return await self.command({"type": "sync", "rev": self.rev})

    async def close(self):
        if self.ws is not None:
            await self.ws.close()

    def answer_pings_late(self, most: float, rng: random.Random) -> None:
        """Answer the server's WebSocket pings after a pause of up to ``most`` seconds
        instead of at once, as phones on a venue's Wi-Fi do (their round trips differ):
        answered at once from one load generator, the pongs to the pings the server sent
        in one go came back together, and the server read them in a few wake-ups where
        a room's phones cost it one each."""
        from websockets.frames import Opcode

        ws, loop = self.ws, asyncio.get_running_loop()
        receive = ws.protocol.recv_frame

        async def pong(data):
            try:
                await ws.pong(data)
            except Exception:  # noqa: BLE001 - closed meanwhile  # nosec B110
                pass

        def recv_frame(frame):
            if frame.opcode is Opcode.PING:
                loop.call_later(rng.uniform(0, most), lambda: loop.create_task(pong(frame.data)))
            else:
                receive(frame)

        ws.protocol.recv_frame = recv_frame
