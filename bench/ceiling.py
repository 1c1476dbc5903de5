"""The Python ceiling: a bare asyncio `websockets` server that does only what the
scenarios need, no Django, no database: a snapshot on connect, acks, a coalesced tally
broadcast every 250 ms, proposals numbered by rev and broadcast as events, ``sync``
replayed from an in-memory log. The same load generator runs against it, so the report
gives ratios.

    python -m bench.ceiling --port 8792
    python -m bench.ceiling --port 8792 --arrive RECORDING   # the arrival's ceiling

For the arrival (``--arrive``, bench/arrive.py) it answers HTTP on the port with the
recorded bytes of each page and asset as they are (bodies as sent, compressed), a join
with a fresh session cookie and a redirect, keeping connections open as the phones ask,
and serves a socket on the next port that sends the recorded snapshot.
"""

import argparse
import asyncio
import json

ITEMS = [101, 102, 103, 104, 105, 106]
TICK = 0.25
# What the product does for idle sockets, so the idle scenario compares like with like:
# a heartbeat to every socket after HEARTBEAT seconds without an event, looked for every
# HEARTBEAT / 4 seconds (HEARTBEAT_INTERVAL, realtime/hub.py); a WebSocket ping to a
# socket that sent nothing for KEEPALIVE seconds, looked for every WALK seconds
# (KEEPALIVE_SECONDS and WALK_EVERY_SECONDS, config/serve.py).
HEARTBEAT = 20
KEEPALIVE = 45
WALK = 15


def dumps(frame: dict) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


async def serve(port: int) -> None:
    import websockets

    clients = set()
    totals = {str(i): 0 for i in ITEMS}
    voters = set()
    dirty = asyncio.Event()
    items = [{"id": i, "text": f"item {i}"} for i in ITEMS]
    log: list[str] = []  # the encoded event of rev n at log[n - 1]

    def snapshot() -> str:
        return dumps(
            {
                "type": "snapshot",
                "rev": len(log),
                "forum": {},
                "fields": [],
                "items": items,
                "rounds": [],
                "tallies": {},
                "me": {"role": "participant"},
            }
        )

    spoke_at = asyncio.get_running_loop().time()
    heard_at = {}  # socket -> when it last sent a frame, or was last pinged

    async def handler(ws):
        nonlocal spoke_at
        clients.add(ws)
        heard_at[ws] = asyncio.get_running_loop().time()
        try:
            await ws.send(snapshot())
            async for raw in ws:
                heard_at[ws] = asyncio.get_running_loop().time()
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "vote":
                    totals[str(frame["item"])] += 1
                    voters.add(id(ws))
                    dirty.set()
                    await ws.send(
                        dumps(
                            {
                                "type": "ack",
                                "id": frame["id"],
                                "ok": True,
                                "result": {"votes": {}, "points_left": 0},
                            }
                        )
                    )
                elif kind == "propose":
                    item = {
                        "id": 1000 + len(log),
                        "text": frame["text"],
                        "kind": frame["kind"],
                        "field": frame["field"],
                        "refs": [],
                        "status": "visible",
                    }
                    items.append(item)
                    log.append(
                        dumps(
                            {
                                "type": "event",
                                "rev": len(log) + 1,
                                "name": "item.added",
                                "data": item,
                            }
                        )
                    )
                    await ws.send(
                        dumps(
                            {
                                "type": "ack",
                                "id": frame["id"],
                                "ok": True,
                                "result": {"id": item["id"]},
                            }
                        )
                    )
                    websockets.broadcast(clients, log[-1])
                    spoke_at = asyncio.get_running_loop().time()
                elif kind == "sync":
                    since = int(frame["rev"])
                    for text in log[since:]:
                        await ws.send(text)
                    await ws.send(dumps({"type": "ack", "id": frame["id"], "ok": True}))
                elif kind == "ping":
                    await ws.send(dumps({"type": "pong", "rev": len(log)}))
                elif kind == "moderate":
                    await ws.send(
                        dumps({"type": "ack", "id": frame["id"], "ok": True, "result": {"id": 1}})
                    )
        finally:
            clients.discard(ws)
            heard_at.pop(ws, None)

    async def ticker():
        while True:
            await dirty.wait()
            dirty.clear()
            frame = dumps(
                {
                    "type": "tally",
                    "round": 1,
                    "voters": len(voters),
                    "totals": {k: {"dots": v} for k, v in totals.items()},
                }
            )
            websockets.broadcast(clients, frame)
            await asyncio.sleep(TICK)

    async def heartbeat():
        nonlocal spoke_at
        while True:
            await asyncio.sleep(HEARTBEAT / 4)
            now = asyncio.get_running_loop().time()
            if now - spoke_at >= HEARTBEAT:
                spoke_at = now
                websockets.broadcast(clients, dumps({"type": "heartbeat", "rev": len(log)}))

    async def keepalive():
        while True:
            await asyncio.sleep(WALK)
            now = asyncio.get_running_loop().time()
            for ws, at in list(heard_at.items()):
                if now - at > KEEPALIVE:
                    heard_at[ws] = now
                    try:
                        await ws.ping()  # the pong is the library's business
                    except websockets.ConnectionClosed:
                        pass

    loop = asyncio.get_running_loop()
    background = [loop.create_task(work) for work in (ticker(), heartbeat(), keepalive())]
    try:
        async with websockets.serve(handler, "127.0.0.1", port, max_size=2**16, ping_interval=None):
            await asyncio.Future()
    finally:
        for task in background:
            task.cancel()


async def serve_arrival(port: int, recording: str) -> None:
    """Static bytes for the pages and assets, a session cookie, a bare socket with the
    snapshot: the least a server must do for a phone that arrives. Connections are kept
    open between requests unless the phone asks to close them."""
    import http
    import secrets

    import websockets

    from bench.arrive import recorded_answer

    with open(recording) as source:
        recorded = json.load(source)

    def head(status: int, headers: list[tuple[bytes, bytes]]) -> bytes:
        lines = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}".encode()]
        lines += [name + b": " + value for name, value in headers]
        return b"\r\n".join(lines) + b"\r\n"

    answers = {}
    for path, raw in recorded["get"].items():
        status, headers, body = recorded_answer(raw.encode("latin-1"))
        answers[path] = (head(status, headers), body)
    missing = (head(404, [(b"content-length", b"0")]), b"")

    async def http_connection(reader, writer):
        try:
            while True:
                try:
                    request = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    break  # the phone closed its connection
                lines = request.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                length, close = 0, False
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    name, value = name.strip().lower(), value.strip().lower()
                    if name == "content-length":
                        length = int(value)
                    elif name == "connection":
                        close = value == "close"
                if length:
                    await reader.readexactly(length)
                if method == "POST" and path == recorded["join_path"]:
                    answer_head = (
                        "HTTP/1.1 302 Found\r\n"
                        f"Location: {recorded['phone_path']}\r\n"
                        f"Set-Cookie: sessionid={secrets.token_hex(16)}; HttpOnly; Path=/; "
                        "SameSite=Lax\r\nContent-Length: 0\r\n"
                    ).encode()
                    body = b""
                else:
                    answer_head, body = answers.get(path, missing)
                writer.write(
                    answer_head + (b"Connection: close\r\n" if close else b"") + b"\r\n" + body
                )
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def socket(ws):
        await ws.send(recorded["snapshot"])
        async for _ in ws:
            pass

    http_server = await asyncio.start_server(http_connection, "127.0.0.1", port, backlog=1024)
    async with (
        http_server,
        websockets.serve(socket, "127.0.0.1", port + 1, max_size=2**16, ping_interval=None),
    ):
        await asyncio.Future()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling")
    parser.add_argument("--port", type=int, default=8792)
    parser.add_argument("--arrive", metavar="RECORDING", help="serve the arrival (see above)")
    args = parser.parse_args()
    if args.arrive:
        asyncio.run(serve_arrival(args.port, args.arrive))
    else:
        asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
