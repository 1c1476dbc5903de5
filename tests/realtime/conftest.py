import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from config.asgi import application
from realtime.parts import Reassembler
from workshops.identity import remember_participant
from workshops.languages import remember_language


def participant_cookie(participant, language=None) -> str:
    session = SessionStore()
    remember_participant(session, participant)
    if language:
        remember_language(session, language)
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def user_cookie(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


class Client:
    """A phone on the socket: connects, sends commands, reads frames."""

    def __init__(self, communicator):
        self.ws = communicator
        self.n = 0
        # Frames passed over while waiting for another one: an event may arrive before
        # the ack of the command that caused it (the hub writes it as soon as it commits).
        self.skipped = []
        # Frames over the WebSocket limit arrive in parts (realtime/parts.py), joined
        # here; ``raw`` keeps the size in bytes of every frame as it came.
        self.parts = Reassembler()
        self.raw: list[int] = []

    async def send(self, frame):
        await self.ws.send_json_to(frame)

    async def command(self, frame, *, id=None):
        self.n += 1
        frame = {"id": id or f"c{self.n}", **frame}
        await self.send(frame)
        return await self.until("ack", id=frame["id"])

    async def recv(self, timeout=2):
        while True:
            text = await self.ws.receive_from(timeout=timeout)
            self.raw.append(len(text.encode("utf-8")))
            frame = self.parts.take(json.loads(text))
            if frame is not None:
                return frame

    async def until(self, type_, timeout=3, **match):
        """The next frame of this type (and fields); others are kept for later calls."""

        def wanted(frame):
            return frame.get("type") == type_ and all(frame.get(k) == v for k, v in match.items())

        for n, frame in enumerate(self.skipped):
            if wanted(frame):
                return self.skipped.pop(n)
        while True:
            frame = await self.recv(timeout)
            if wanted(frame):
                return frame
            self.skipped.append(frame)

    async def nothing(self, timeout=0.2):
        return await self.ws.receive_nothing(timeout=timeout)

    async def close(self):
        await self.ws.disconnect()


async def open_socket(code, *, cookie=None, key=None, origin="http://localhost"):
    path = f"/ws/forum/{code}/" + (f"?key={key}" if key else "")
    headers = [(b"host", b"localhost")]
    if origin:
        headers.append((b"origin", origin.encode()))
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    return connected, Client(communicator)


@pytest.fixture
def connect(db):
    opened = []

    async def _connect(
        forum,
        *,
        participant=None,
        user=None,
        key=None,
        language=None,
        origin="http://localhost",
        code=None,
    ):
        cookie = None
        if participant is not None:
            cookie = await sync_to_async(participant_cookie)(participant, language)
        elif user is not None:
            cookie = await sync_to_async(user_cookie)(user)
        connected, client = await open_socket(
            code or forum.code, cookie=cookie, key=key, origin=origin
        )
        opened.append(client)
        return connected, client

    yield _connect
