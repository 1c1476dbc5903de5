"""One fan-out point per server process.

Consumers do not join channel-layer groups themselves. Each process has one hub with
one layer channel, subscribed to the group of every forum that has a socket on this
process; a broadcast is therefore one layer message per process (not one per phone),
and the hub encodes each frame once per audience (moderators / everyone else) and
writes it to its local sockets. The channel layer stays the way between processes.
"""

import asyncio
import contextvars
import json
import logging
import time
from collections import defaultdict

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from realtime.groups import forum_group

log = logging.getLogger(__name__)
# Sockets written in one go before the fan-out lets other work on the event loop run.
YIELD_EVERY = 16
# The audiences of a forum's sockets (workshops/visibility.py).
ROLES = ("moderator", "participant", "screen")
# Participants' sockets get the presence count at most this often (seconds); consoles
# and screens, which show it, with every change (at most one a second, realtime/presence.py).
# The phones' pages do not show the count: a thousand phones each woken every second
# while the room arrives or its Wi-Fi wavers was most of the presence frames' cost. The
# latest count still follows at the end of the interval.
PARTICIPANT_PRESENCE_EVERY = 10.0


def encode(frame: dict) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


class Pace:
    """The tallies of one round on their way to this process's sockets.

    Each process coalesces the votes it commits (realtime/tally.py), so with several
    processes each one computes a tally per interval and a phone would get one from
    each. The hub passes on at most one per interval per round: a tally arriving
    sooner waits, and a newer one replaces it meanwhile, so the last one still goes out
    at the end of the interval. "Newer" is by the time its computation started
    (``as_of``), not by arrival: a slow computation that began before the last vote
    must not overwrite one that began after it.
    """

    __slots__ = ("sent_at", "as_of", "waiting")

    def __init__(self):
        self.sent_at = float("-inf")
        self.as_of = float("-inf")
        self.waiting = None


class Hub:
    def __init__(self):
        self.local: dict[int, set] = defaultdict(set)
        self.channel: str | None = None
        self.loop = None
        self.reader = None
        # The layer failed since the groups were joined: a restarted Redis has forgotten
        # them, so they are joined again once it answers (see _recover).
        self.stale = False
        self.paces: dict[int, Pace] = {}
        # When each forum last had an event (or a heartbeat) written to its sockets.
        self.spoke_at: dict[int, float] = {}
        # Per forum: when its participants last got the presence count, and the count
        # waiting for the end of their interval (PARTICIPANT_PRESENCE_EVERY).
        self.presence_sent_at: dict[int, float] = {}
        self.presence_waiting: dict[int, int] = {}
        self.beater = None

    async def _start(self):
        loop = asyncio.get_running_loop()
        if self.loop is loop and self.channel:
            return
        self.loop = loop
        self.local.clear()
        self.paces.clear()
        self.spoke_at.clear()
        self.presence_sent_at.clear()
        self.presence_waiting.clear()
        layer = get_channel_layer()
        # The layer's default prefix: channels_redis pops one list per prefix and
        # process, shared by every socket of this process; a prefix of its own would
        # wait behind their blocking pops.
        self.channel = await layer.new_channel()
        self.reader = loop.create_task(self._read(layer), context=contextvars.Context())
        self.beater = loop.create_task(self._beat_forever(), context=contextvars.Context())

    async def join(self, forum_id: int, consumer) -> None:
        await self._start()
        first = not self.local[forum_id]
        self.local[forum_id].add(consumer)
        if first:
            self.spoke_at[forum_id] = time.monotonic()  # its sockets start with a snapshot
            try:
                await get_channel_layer().group_add(forum_group(forum_id), self.channel)
            except Exception:  # noqa: BLE001 - the layer is away: join when it is back
                log.warning("could not join the group of forum %s; will retry", forum_id)
                self.stale = True

    async def leave(self, forum_id: int, consumer) -> None:
        members = self.local.get(forum_id)
        if members is None:
            return
        members.discard(consumer)
        if not members:
            del self.local[forum_id]
            self.spoke_at.pop(forum_id, None)
            try:
                await get_channel_layer().group_discard(forum_group(forum_id), self.channel)
            except Exception:  # noqa: BLE001 - the group expires on its own
                log.warning("could not leave the group of forum %s", forum_id)

    async def _read(self, layer):
        while True:
            if self.stale and not await self._recover(layer):
                await asyncio.sleep(1)
                continue
            try:
                message = await layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the layer (Redis) is away: wait, then listen again
                log.warning("hub could not read from the channel layer (%r); retrying in 1 s", exc)
                self.stale = True
                await asyncio.sleep(1)
                continue
            try:
                await self.deliver(message)
            except Exception:  # noqa: BLE001 - one bad message must not stop the fan-out
                log.exception("hub could not deliver a message")

    async def _recover(self, layer) -> bool:
        """Join every local forum's group again, then tell each socket the current rev
        (a ``heartbeat``): broadcasts sent while the layer was away are lost, and a
        client that is behind syncs at once instead of at the next heartbeat."""
        try:
            for forum_id in list(self.local):
                await layer.group_add(forum_group(forum_id), self.channel)
        except Exception:  # noqa: BLE001 - still away
            return False
        self.stale = False
        log.info("channel layer is back: rejoined %d forum group(s)", len(self.local))
        try:
            await self.heartbeat(list(self.local))
        except Exception:  # noqa: BLE001 - the database is away: the next heartbeats will do it
            log.warning("could not tell the sockets the current rev after the layer came back")
        return True

    async def _beat_forever(self):
        """Every forum without an event for ``HEARTBEAT_INTERVAL`` seconds gets a
        heartbeat. A look at the forums (not the sockets) four times per interval; the
        writes of a forum go out together, one wake-up of the process for all of them."""
        while True:
            every = float(getattr(settings, "HEARTBEAT_INTERVAL", 20.0))
            await asyncio.sleep(every / 4)
            now = time.monotonic()
            quiet = self.quiet_forums(now, every)
            if not quiet:
                continue
            try:
                await self.heartbeat(quiet)
            except Exception:  # noqa: BLE001 - the database is away: the pages' pings still get an answer
                log.warning(
                    "could not read the revs for the heartbeat; trying again in %s s", every
                )
                for forum_id in quiet:
                    if forum_id in self.spoke_at:
                        self.spoke_at[forum_id] = now

    def quiet_forums(self, now: float, every: float) -> list[int]:
        """The local forums whose sockets were written no event (nor heartbeat) for
        ``every`` seconds. Tallies and presence do not count: they carry no rev."""
        return [forum_id for forum_id, at in self.spoke_at.items() if now - at >= every]

    async def heartbeat(self, forum_ids: list[int]) -> None:
        """Write each forum's current rev (read from the database) to its local sockets.

        An idle socket hears from the server at least every ``HEARTBEAT_INTERVAL`` seconds
        (and a quarter of it), so a page knows its connection is alive without pinging:
        writing to 2000 sockets at once wakes the server once, where 2000 pings, each
        on its own, woke it 2000 times. And a page whose last event was lost (the layer
        drops messages when a channel is over capacity, or was away) sees a newer rev
        and syncs."""
        revs = await database_sync_to_async(_revs)(forum_ids)
        now = time.monotonic()
        for forum_id, rev in revs.items():
            if forum_id in self.local:
                self.spoke_at[forum_id] = now
                await self._write({"type": "forum.heartbeat", "forum": forum_id, "rev": rev})

    async def deliver(self, message: dict) -> None:
        """Write a broadcast to every local socket of its forum, encoded once per audience."""
        if message.get("type") == "forum.tally" and not self._tally_due(message):
            return
        await self._write(message)

    def _tally_due(self, message: dict) -> bool:
        """Whether a tally goes out now; if not, it waits for the end of the interval
        (or is dropped for a newer one)."""
        interval = float(getattr(settings, "TALLY_INTERVAL", 0.25))
        if interval <= 0:
            return True
        round_id = message["frame"]["round"]
        pace = self.paces.setdefault(round_id, Pace())
        as_of = message.get("as_of", float("inf"))
        if as_of < pace.as_of:
            return False  # computed before one already passed on or waiting
        pace.as_of = as_of
        now = time.monotonic()
        if pace.waiting is None and now - pace.sent_at >= interval:
            pace.sent_at = now
            return True
        if pace.waiting is None:
            self.loop.call_later(pace.sent_at + interval - now, self._release, round_id)
        pace.waiting = message
        return False

    def _presence_for_participants(self, forum_id: int, message: dict) -> str | None:
        """The presence frame for the participants' sockets now, or None: it waits for
        the end of their interval, a newer count replacing it meanwhile."""
        now = time.monotonic()
        if forum_id in self.presence_waiting:
            self.presence_waiting[forum_id] = message["online"]
            return None
        sent_at = self.presence_sent_at.get(forum_id, float("-inf"))
        if now - sent_at >= PARTICIPANT_PRESENCE_EVERY:
            self.presence_sent_at[forum_id] = now
            return encode({"type": "presence", "online": message["online"]})
        self.presence_waiting[forum_id] = message["online"]
        self.loop.call_later(
            sent_at + PARTICIPANT_PRESENCE_EVERY - now, self._presence_release, forum_id
        )
        return None

    def _presence_release(self, forum_id: int) -> None:
        online = self.presence_waiting.pop(forum_id, None)
        if online is None:
            return
        self.presence_sent_at[forum_id] = time.monotonic()
        message = {
            "type": "forum.presence",
            "forum": forum_id,
            "online": online,
            "participants_only": True,
        }
        task = self.loop.create_task(self._write(message), context=contextvars.Context())
        task.add_done_callback(_log_failure)

    def _release(self, round_id: int) -> None:
        pace = self.paces.get(round_id)
        if pace is None or pace.waiting is None:
            return
        message, pace.waiting = pace.waiting, None
        pace.sent_at = time.monotonic()
        task = self.loop.create_task(self._write(message), context=contextvars.Context())
        task.add_done_callback(_log_failure)

    async def _write(self, message: dict) -> None:
        forum_id = message.get("forum")
        members = list(self.local.get(forum_id, ()))
        if not members:
            return
        kind = message["type"]
        rev = None
        if kind == "forum.revoke":
            await self._revoke(members, message)
            return
        if kind == "forum.event":
            from workshops.visibility import frame_for

            frame = message["frame"]
            rev = frame["rev"]
            if forum_id in self.spoke_at:
                self.spoke_at[forum_id] = time.monotonic()
            # encoded once per audience, as workshops/visibility.py lets each see it
            texts, whole = {}, encode(frame)
            for role in ROLES:
                shown = frame_for(role, frame)
                texts[role] = whole if shown is frame else encode(shown)
        elif kind == "forum.tally":
            text = encode(message["frame"])
            texts = {"moderator": text, "participant": None, "screen": None}
            if not message.get("secret"):
                texts.update(participant=text, screen=text)
            elif message.get("turnout"):  # a secret round: the room sees the turnout only
                turnout = encode(message["turnout"])
                texts.update(participant=turnout, screen=turnout)
        elif kind == "forum.presence":
            text = encode({"type": "presence", "online": message["online"]})
            if message.get("participants_only"):  # the count that waited (_presence_release)
                texts = {"participant": text}
            else:
                texts = dict.fromkeys(ROLES, text)
                texts["participant"] = self._presence_for_participants(forum_id, message)
        elif kind == "forum.heartbeat":  # from this hub itself (heartbeat), never over the layer
            text = encode({"type": "heartbeat", "rev": message["rev"]})
            texts = dict.fromkeys(ROLES, text)
        else:
            return
        for n, consumer in enumerate(members, 1):
            if n % YIELD_EVERY == 0:
                # Writing to a thousand sockets takes the event loop ~50 ms; let the acks
                # and frames that arrived meanwhile through between the slices.
                await asyncio.sleep(0)
            text = texts.get(consumer.role)
            if text is None:
                continue
            if consumer.backlog is not None:  # its snapshot is still being read
                consumer.backlog.append((rev, text))
                continue
            if rev is not None and rev <= consumer.sent_rev:
                continue  # already in its snapshot or sync
            try:
                await consumer.send(text_data=text)
            except Exception:  # noqa: BLE001 - a socket closing meanwhile
                log.debug("a socket went away during fan-out")

    async def _revoke(self, members: list, message: dict) -> None:
        """Close the sockets whose role was taken away (services.access): the moderator
        removed from the conference, or the screens of a changed screen key. They leave
        the fan-out first, so not one more frame reaches them."""
        user = message.get("user")
        for consumer in members:
            if (message.get("screens") and consumer.role == "screen") or (
                user is not None and consumer.role == "moderator" and consumer.sender == f"u:{user}"
            ):
                await self.leave(message["forum"], consumer)
                try:
                    await consumer.revoke()
                except Exception:  # noqa: BLE001 - a socket closing meanwhile
                    log.debug("a socket went away while its role was revoked")


def _revs(forum_ids: list[int]) -> dict[int, int]:
    from workshops.models import Forum

    return dict(Forum.objects.filter(pk__in=forum_ids).values_list("pk", "rev"))


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("hub could not deliver a tally", exc_info=task.exception())


hub = Hub()
