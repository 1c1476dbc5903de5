"""The room arrives: phones with an empty browser cache load the join page, join, load
the phone page with every stylesheet and script it names (and every module those import),
open the socket and wait for the snapshot; ``--scenario arrive`` of ``bench.load``.

Each phone is a browser of its own: its own cookies, its own HTTP connection kept open
from one request to the next (as browsers keep it; ``keep_alive=False`` opens one a
request), and a cache that keeps, for the rest of its visit, what the server allowed to
be cached (``Cache-Control: max-age``), so the stylesheet the join page loaded is not
fetched again for the phone page. Responses are asked for gzip (as every browser does)
and counted as they came over the wire, headers included.

The ceiling (``python -m bench.ceiling --arrive FILE``) answers the same requests with the
least a server must do: the recorded bytes of the pages and assets as they are, a fresh
session cookie for the join, and a bare socket that sends the recorded snapshot.
"""

import asyncio
import gzip
import json
import re
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser

from bench.phones import BenchError, Phone, csrf_token, request_bytes

# A JavaScript module's static imports and re-exports: import x from "./a.js",
# import { a } from "./a.js", import "./a.js", export { a } from "./a.js".
MODULE_IMPORT = re.compile(
    r"""^\s*(?:import|export)\s+(?:[\w*{}\s,$]+?\s+from\s+)?["']([^"']+)["']""", re.M
)
CACHEABLE = re.compile(r"max-age=(\d+)")


@dataclass
class Answer:
    status: int
    headers: dict  # lowercased names; set-cookie as a list
    body: bytes  # decompressed
    raw: bytes  # as it came over the wire


class Connection:
    """A browser's connection to the server: HTTP/1.1, kept open from one request to the
    next as browsers keep it (``keep_alive``), or closed after each (``Connection:
    close``, what this bench did until 2026-12-03: every request a TCP connection of its
    own, whose accept and close the server pays for too)."""

    def __init__(self, host: str, port: int, keep_alive: bool = True):
        self.host, self.port, self.keep_alive = host, port, keep_alive
        self.opened = 0  # TCP connections made
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def fetch(
        self, method: str, path: str, *, cookies: dict, body: dict | None = None, referer=""
    ) -> Answer:
        """One request as a browser sends it (gzip accepted, cookies), the answer read to
        its end. A kept connection the server closed meanwhile is opened anew and the
        request sent again, as browsers do."""
        headers = [
            "Connection: " + ("keep-alive" if self.keep_alive else "close"),
            "Accept-Encoding: gzip",
            "Accept-Language: de-DE,de;q=0.9",
        ]
        request = request_bytes(
            self.host,
            self.port,
            method,
            path,
            headers,
            cookies=cookies,
            body=body,
            referer=referer,
            origin=True,
        )
        for attempt in (1, 2):  # a second time only on a kept connection that broke
            reused = self.writer is not None
            if not reused:
                try:
                    self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                    self.opened += 1
                except OSError as exc:
                    raise BenchError(
                        f"the server at {self.host}:{self.port} is not reachable ({exc})"
                    ) from None
            try:
                self.writer.write(request)
                await self.writer.drain()
                answer, close = await read_answer(self.reader, method)
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                self.close()
                if reused and attempt == 1:
                    continue
                raise BenchError(f"{method} {path}: the connection broke ({exc!r})") from None
            if close or not self.keep_alive:
                self.close()
            return answer
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def read_answer(reader: asyncio.StreamReader, method: str) -> tuple[Answer, bool]:
    """One HTTP/1.1 answer: its length from Content-Length, chunks, or the connection's
    end; and whether the connection ends with it."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head[:-4].decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    found: dict = {"set-cookie": []}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "set-cookie":
            found["set-cookie"].append(value)
        else:
            found[name] = value
    close = found.get("connection", "").lower() == "close"
    if method == "HEAD" or status in (204, 304) or status < 200:
        payload = wire = b""
    elif found.get("transfer-encoding") == "chunked":
        chunks, wire_parts = [], []
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            wire_parts += [size_line, chunk]
            if size == 0:
                break
            chunks.append(chunk[:-2])
        payload, wire = b"".join(chunks), b"".join(wire_parts)
    elif "content-length" in found:
        payload = wire = await reader.readexactly(int(found["content-length"]))
    else:
        payload = wire = await reader.read()
        close = True
    if found.get("content-encoding") == "gzip":
        payload = gzip.decompress(payload)
    return Answer(status, found, payload, head + wire), close


def unchunk(data: bytes) -> bytes:
    out, rest = [], data
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


# Said by the server for each answer, not part of what the application answers.
HOP_BY_HOP = {b"connection", b"transfer-encoding", b"date", b"server", b"content-length"}


def recorded_answer(raw: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """A recorded answer as the application gave it: status, headers (without those the
    server adds for each answer, with the body's length) and body (unchunked, still
    compressed as it was sent). The ceiling and Daphne's floor answer with these."""
    head, _, payload = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = []
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip()
        if name == b"transfer-encoding" and value == b"chunked":
            chunked = True
        if name not in HOP_BY_HOP:
            headers.append((name, value))
    body = unchunk(payload) if chunked else payload
    headers.append((b"content-length", str(len(body)).encode()))
    return status, headers, body


class Assets(HTMLParser):
    """The stylesheets and scripts a page names, in order."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and "stylesheet" in (a.get("rel") or "").split() and a.get("href"):
            self.urls.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.urls.append(a["src"])


def assets_of(html: str) -> list[str]:
    parser = Assets()
    parser.feed(html)
    return parser.urls


def imports_of(source: str, url: str) -> list[str]:
    return [urllib.parse.urljoin(url, m) for m in MODULE_IMPORT.findall(source)]


@dataclass
class Visit:
    """One phone's browser on its first visit: empty cache, no cookies."""

    host: str
    port: int
    keep_alive: bool = True
    cookies: dict = field(default_factory=dict)
    cache: set = field(default_factory=set)
    requests: int = 0
    wire: int = 0
    recording: dict | None = None  # path -> raw answer, when recording for the ceiling
    connection: Connection | None = None

    async def request(self, method: str, path: str, **kwargs) -> Answer:
        if self.connection is None:
            self.connection = Connection(self.host, self.port, self.keep_alive)
        answer = await self.connection.fetch(method, path, cookies=self.cookies, **kwargs)
        self.requests += 1
        self.wire += len(answer.raw)
        for cookie in answer.headers["set-cookie"]:
            key, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[key.strip()] = value
        if self.recording is not None and method == "GET":
            self.recording[path] = answer.raw
        return answer

    async def page(self, path: str) -> str:
        answer = await self.request("GET", path)
        if answer.status != 200:
            raise BenchError(f"{path} answered HTTP {answer.status}")
        html = answer.body.decode()
        await self.load(assets_of(html))
        return html

    async def load(self, urls: list[str]) -> None:
        """Every asset not in the cache, and the modules each script imports."""
        for url in urls:
            path = urllib.parse.urlsplit(url).path
            if path in self.cache:
                continue
            answer = await self.request("GET", path)
            if answer.status != 200:
                raise BenchError(f"{path} answered HTTP {answer.status}")
            if cacheable(answer.headers.get("cache-control", "")):
                self.cache.add(path)
            if path.endswith((".js", ".mjs")):
                await self.load(imports_of(answer.body.decode(), path))


def cacheable(cache_control: str) -> bool:
    match = CACHEABLE.search(cache_control)
    return bool(match and int(match.group(1)) > 0)


async def arrive_one(
    host: str, port: int, code: str, ws_url: str, recording=None, keep_alive: bool = True
) -> dict:
    """One phone from the tap on the QR code to its snapshot; what it cost."""
    start = time.perf_counter()
    visit = Visit(host, port, keep_alive, recording=recording)
    join_path = f"/j/{code}"
    html = await visit.page(join_path)
    answer = await visit.request(
        "POST",
        join_path,
        body={"csrfmiddlewaretoken": csrf_token(html)},
        referer=f"http://{host}:{port}{join_path}",
    )
    if answer.status != 302:
        raise BenchError(f"joining {code} was refused with HTTP {answer.status}")
    phone_path = urllib.parse.urlsplit(answer.headers["location"]).path
    await visit.page(phone_path)
    phone = Phone(dict(visit.cookies))
    await phone.connect(ws_url, f"http://{host}:{port}")
    while phone.snapshot is None:
        if phone.errors or time.perf_counter() - start > 120:
            raise BenchError("a phone got no snapshot")
        await asyncio.sleep(0.01)
    if visit.connection is not None:
        visit.connection.close()  # the browser's, idle from here on
    return {
        "phone": phone,
        "seconds": phone.snapshot_at - start,
        "requests": visit.requests,
        "connections": visit.connection.opened,
        "wire": visit.wire,
        "join_path": join_path,
        "phone_path": phone_path,
    }


async def record(host: str, port: int, code: str, ws_url: str, path: str) -> None:
    """One phone arrives at the product; what it received is written to ``path`` for the
    ceiling to answer with."""
    recording: dict = {}
    got = await arrive_one(host, port, code, ws_url, recording=recording)
    phone: Phone = got["phone"]
    snapshot = json.dumps(phone.snapshot, ensure_ascii=False, separators=(",", ":"))
    await phone.close()
    with open(path, "w") as out:
        json.dump(
            {
                "get": {p: raw.decode("latin-1") for p, raw in recording.items()},
                "join_path": got["join_path"],
                "phone_path": got["phone_path"],
                "snapshot": snapshot,
            },
            out,
        )
