"""How many people are online in a forum, announced at most once a second.

People, not sockets: a participant with two tabs counts once. Screens do not count.
One process keeps the count in memory; with ``REDIS_URL`` (several processes) every
process writes its connections into a Redis sorted set per forum, scored by an expiry
that a single loop per process refreshes, so a process that dies drops out of the count
within ``TTL`` seconds instead of leaving ghosts behind.
"""

import asyncio
import time
from collections import defaultdict

from django.conf import settings

from realtime.groups import forum_group

ANNOUNCE_EVERY = 1.0  # seconds; presence frames are coalesced to at most this rate
TTL = 60
REFRESH_EVERY = 20


class LocalPresence:
    def __init__(self):
        self.members: dict[int, dict[str, str]] = defaultdict(dict)  # forum -> socket id -> sender

    async def add(self, forum_id: int, socket: str, sender: str) -> None:
        self.members[forum_id][socket] = sender

    async def remove(self, forum_id: int, socket: str) -> None:
        self.members[forum_id].pop(socket, None)
        if not self.members[forum_id]:
            del self.members[forum_id]

    async def count(self, forum_id: int) -> int:
        return len(set(self.members.get(forum_id, {}).values()))


class RedisPresence(LocalPresence):
    def __init__(self, url: str):
        super().__init__()
        self.url = url
        self._client = None
        self._loop = None
        self._refresher = None

    def client(self):
        import redis.asyncio as redis

        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = redis.Redis.from_url(self.url)
            self._loop = loop
            self._refresher = loop.create_task(self._refresh_forever())
        return self._client

    @staticmethod
    def key(forum_id: int) -> str:
        return f"mitwirken:presence:{forum_id}"

    async def add(self, forum_id, socket, sender):
        await super().add(forum_id, socket, sender)
        await self.client().zadd(self.key(forum_id), {f"{sender} {socket}": time.time() + TTL})

    async def remove(self, forum_id, socket):
        sender = self.members.get(forum_id, {}).get(socket)
        await super().remove(forum_id, socket)
        if sender is not None:
            await self.client().zrem(self.key(forum_id), f"{sender} {socket}")

    async def count(self, forum_id):
        client = self.client()
        key = self.key(forum_id)
        now = time.time()
        async with client.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zrange(key, 0, -1)
            _removed, members = await pipe.execute()
        return len({m.split(b" ", 1)[0] for m in members})

    async def _refresh_forever(self):
        while True:
            await asyncio.sleep(REFRESH_EVERY)
            try:
                expiry = time.time() + TTL
                async with self._client.pipeline(transaction=False) as pipe:
                    for forum_id, sockets in list(self.members.items()):
                        mapping = {f"{s} {c}": expiry for c, s in sockets.items()}
                        if mapping:
                            pipe.zadd(self.key(forum_id), mapping)
                    await pipe.execute()
            except Exception:  # noqa: BLE001 - Redis away for a moment: the next round refreshes again  # nosec B112
                continue


class Announcer:
    """Coalesces presence changes: one count and one group message per forum per second."""

    def __init__(self, presence: LocalPresence):
        self.presence = presence
        self.pending: set[int] = set()

    def changed(self, forum_id: int, layer) -> None:
        if forum_id in self.pending:
            return
        self.pending.add(forum_id)
        asyncio.get_running_loop().create_task(self._announce(forum_id, layer))

    async def _announce(self, forum_id: int, layer) -> None:
        try:
            await asyncio.sleep(ANNOUNCE_EVERY)
        finally:
            self.pending.discard(forum_id)
        online = await self.presence.count(forum_id)
        await layer.group_send(
            forum_group(forum_id), {"type": "forum.presence", "forum": forum_id, "online": online}
        )


_presence = None
_announcer = None


def get_presence() -> tuple[LocalPresence, Announcer]:
    global _presence, _announcer
    if _presence is None:
        url = settings.REDIS_URL
        _presence = RedisPresence(url) if url else LocalPresence()
        _announcer = Announcer(_presence)
    return _presence, _announcer
