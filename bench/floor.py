"""The floor under the idle scenario: what an idle room needs, done by asyncio alone,
with no WebSocket library and no framework, just enough of RFC 6455 for the load
generator (the opening handshake, a snapshot, a ``pong`` per ``ping``, the closing
handshake) and the product's keepalive (a heartbeat to every socket after 20 s without
an event, a WebSocket ping to a socket silent for 45 s; see bench/ceiling.py). What
this costs is what waking up and writing costs on the machine; the bare ceiling
(``bench.ceiling``) adds the ``websockets`` library to it, the product adds Daphne,
Channels and its own work.

    python -m bench.floor --port 8792
"""

import argparse
import asyncio
import base64
import hashlib
import json
import os

from bench.ceiling import HEARTBEAT, KEEPALIVE, WALK

HANDSHAKE_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


def frame(opcode: int, payload: bytes) -> bytes:
    """A final, unmasked frame (a server's frames are not masked)."""
    n = len(payload)
    if n < 126:
        header = bytes([0x80 | opcode, n])
    elif n < 1 << 16:
        header = bytes([0x80 | opcode, 126]) + n.to_bytes(2, "big")
    else:
        header = bytes([0x80 | opcode, 127]) + n.to_bytes(8, "big")
    return header + payload


SNAPSHOT = frame(
    TEXT,
    json.dumps(
        {
            "type": "snapshot",
            "rev": 0,
            "forum": {},
            "fields": [],
            "items": [],
            "rounds": [],
            "tallies": {},
            "me": {"role": "participant"},
        }
    ).encode(),
)
PONG_FRAME = frame(TEXT, b'{"type":"pong","rev":0}')
HEARTBEAT_FRAME = frame(TEXT, b'{"type":"heartbeat","rev":0}')
OPEN: set["Socket"] = set()


def unmask(payload: bytes, mask: bytes) -> bytes:
    n = len(payload)
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


class Socket(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""
        self.open = False
        self.heard_at = asyncio.get_running_loop().time()

    def connection_lost(self, exc):
        OPEN.discard(self)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.open and not self._handshake():
            return
        while self.open:
            parsed = self._next_frame()
            if parsed is None:
                return
            opcode, payload = parsed
            if opcode != PONG:
                self.heard_at = asyncio.get_running_loop().time()
            if opcode == TEXT and json.loads(payload).get("type") == "ping":
                self.transport.write(PONG_FRAME)
            elif opcode == PING:
                self.transport.write(frame(PONG, payload))
            elif opcode == CLOSE:
                self.transport.write(frame(CLOSE, payload[:2]))
                self.transport.close()
                self.open = False
                OPEN.discard(self)

    def _handshake(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
        key = next(
            (
                line.split(b":", 1)[1].strip()
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"sec-websocket-key:")
            ),
            None,
        )
        if key is None:
            self.transport.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            self.transport.close()
            return False
        accept = base64.b64encode(hashlib.sha1(key + HANDSHAKE_GUID).digest())  # nosec B324 - the protocol's
        self.transport.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n" + SNAPSHOT
        )
        self.open = True
        OPEN.add(self)
        return True

    def _next_frame(self) -> tuple[int, bytes] | None:
        """The next whole frame in the buffer (opcode, unmasked payload), or None."""
        buffer = self.buffer
        if len(buffer) < 2:
            return None
        opcode, length, at = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
        if length >= 126:
            size = 2 if length == 126 else 8
            if len(buffer) < at + size:
                return None
            length, at = int.from_bytes(buffer[at : at + size], "big"), at + size
        masked = 4 if buffer[1] & 0x80 else 0
        if len(buffer) < at + masked + length:
            return None
        mask, at = buffer[at : at + masked], at + masked
        payload, self.buffer = buffer[at : at + length], buffer[at + length :]
        return opcode, unmask(payload, mask) if masked else payload


async def heartbeat() -> None:
    while True:  # no events here: every HEARTBEAT seconds
        await asyncio.sleep(HEARTBEAT)
        for socket in list(OPEN):
            socket.transport.write(HEARTBEAT_FRAME)


async def keepalive() -> None:
    while True:
        await asyncio.sleep(WALK)
        now = asyncio.get_running_loop().time()
        for socket in list(OPEN):
            if now - socket.heard_at > KEEPALIVE:
                socket.heard_at = now
                socket.transport.write(frame(PING, os.urandom(4)))


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Socket, "127.0.0.1", port, backlog=4096)
    background = [loop.create_task(work) for work in (heartbeat(), keepalive())]
    try:
        async with server:
            await server.serve_forever()
    finally:
        for task in background:
            task.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor")
    parser.add_argument("--port", type=int, default=8792)
    asyncio.run(serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
