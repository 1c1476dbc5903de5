"""The forum's WebSocket: authenticate, validate, call the service, ack. Nothing more.

Roles: ``?key=<screen key>`` makes a read-only screen; otherwise the Django session
decides (a moderator of the forum's conference, or a participant who joined it). Anyone
else is refused with 4403, an unknown code with 4404, a caller that guessed too many codes
with 4429 (docs/operations.md, "Limits").
"""

import copy
import functools
import json
import logging
import secrets
import time
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib import auth
from django.db import DatabaseError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from realtime import limits, parts
from realtime.hub import hub
from realtime.presence import get_presence
from realtime.protocol import MAX_FRAME_BYTES, ProtocolError, parse
from realtime.sessions import session_of
from realtime.tally import coalescer
from realtime.writer import writer
from workshops import rules, selectors, throttle
from workshops.actors import Actor
from workshops.codes import normalize_join_code
from workshops.exceptions import ServiceError
from workshops.identity import session_participant
from workshops.languages import SESSION_KEY as LANGUAGE_SESSION_KEY
from workshops.models import Forum
from workshops.rows import Row
from workshops.services.participants import offered_languages

log = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_LARGE = 1009
# Events a client may catch up on one by one before a fresh snapshot is cheaper: each
# replayed event is read, passed through the visibility rule and written on its own,
# about a millisecond apiece, where a participant's snapshot is read once per rev for all.
SYNC_MAX_EVENTS = 50
# A sync answered with events costs one frame of the budget per this many events (at
# most SYNC_SNAPSHOT_COST): replaying 50 events costs what a snapshot does.
SYNC_EVENTS_PER_FRAME = 10
# Per connection: a burst of 20 commands, then 10 per second.
RATE_BURST = 20
RATE_PER_SECOND = 10.0
# A sync answered with a whole snapshot (up to FORUM_ITEMS_MAX items) counts as this many
# frames: at most two such answers a second, sustained, per socket and person.
SYNC_SNAPSHOT_COST = 5
RATE_LIMITED_MESSAGE = _("Too many messages at once. Please wait a moment.")
UNAVAILABLE_MESSAGE = _("The server cannot save right now. Your entry will be sent again shortly.")


class SessionOnly:
    """What ``django.contrib.auth.get_user`` reads of a request: its session."""

    __slots__ = ("session",)

    def __init__(self, session):
        self.session = session


# What changes on a forum while people take part; read again for every snapshot, in a
# plain statement (workshops/rows.py): hundreds of phones start a socket at once.
FORUM_LIVE_FIELDS = (
    "rev",
    "proposals_open",
    "title",
    "kind",
    "requires_cards",
    "phase",
    "timer_ends_at",
    "timer_seconds",
    "announcement",
    "screen_key",
)
FORUM_LIVE = Row(Forum, FORUM_LIVE_FIELDS)
FORUM_LIVE_AND_CODE = Row(Forum, (*FORUM_LIVE_FIELDS, "code"))
FORUM_REV = Row(Forum, ("rev",))


class RecentForums:
    """Forums by join code, with their conference, as read for a socket in the last
    ``MAX_AGE`` seconds.

    When a venue's Wi-Fi comes back every phone of a forum connects within a second;
    the forum and its conference are then read once, and every socket gets a copy of
    its own whose changing fields (``FORUM_LIVE_FIELDS``, the screen key among them)
    are read again in the caller's transaction. The conference (its title, the
    languages it offers) may be ``MAX_AGE`` seconds old when a socket starts, as it is
    for every socket already open; who moderates it is read anew each time. A forum
    gone from the database is not found. Used only in the database thread
    (database_sync_to_async), one call at a time.
    """

    MAX_AGE = 5.0

    def __init__(self):
        self.entries: dict[str, tuple[float, object]] = {}

    def get(self, code: str):
        now = time.monotonic()
        entry = self.entries.get(code)
        if entry is None or now - entry[0] >= self.MAX_AGE:
            forum = selectors.forum_by_code(code)
            if forum is None:
                self.entries.pop(code, None)
                return None
            self.entries[code] = (now, forum)
            return copy.copy(forum)
        forum = copy.copy(entry[1])
        try:
            FORUM_LIVE_AND_CODE.refresh(forum)
        except type(forum).DoesNotExist:
            forum = None
        if forum is None or forum.code != code:  # gone, or the code given to another forum
            del self.entries[code]
            return self.get(code)
        return forum


class SharedSnapshots:
    """The part of a snapshot that is the same for everyone of a role, kept per forum for
    its current rev (``selectors.snapshot_shared``).

    When a venue's Wi-Fi comes back, hundreds of phones reconnect within a second and
    each gets a snapshot; they all get the same items, so these are read and encoded once
    per rev, not once per phone. Everything that changes that part bumps the rev, except
    set-up edits in the admin (titles of action fields): those show after ``MAX_AGE``
    seconds at the latest. Moderators always get a fresh read. Used only in the database
    thread (database_sync_to_async), one call at a time.
    """

    MAX_AGE = 5.0

    def __init__(self):
        self.entries: dict[tuple[int, str], tuple[int, float, dict]] = {}

    def get(self, forum, role: str) -> dict | None:
        if role == "moderator":
            return None
        key, now = (forum.pk, role), time.monotonic()
        entry = self.entries.get(key)
        if entry is not None and entry[0] == forum.rev and now - entry[1] < self.MAX_AGE:
            return entry[2]
        shared = selectors.snapshot_shared(forum, role)
        self.entries[key] = (forum.rev, now, shared)
        return shared


class EncodedLists:
    """The JSON text of a snapshot's shared lists (fields, items, rounds: the same list
    objects for every phone of a role at a rev, ``SharedSnapshots``), encoded once per
    list instead of once per socket. Kept by the list's identity, with the list itself
    so the identity cannot be reused; a few hundred at most. Used on the event loop only.
    """

    LIMIT = 256

    def __init__(self):
        self.entries: dict[int, tuple[object, str]] = {}

    def text(self, value) -> str:
        entry = self.entries.get(id(value))
        if entry is not None and entry[0] is value:
            return entry[1]
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        if len(self.entries) >= self.LIMIT:
            self.entries.clear()
        self.entries[id(value)] = (value, text)
        return text


SHARED_LISTS = ("fields", "items", "rounds")


class CurrentRevs:
    """The forum's rev as last read from the database, for a second (the ``pong``)."""

    MAX_AGE = 1.0

    def __init__(self):
        self.revs: dict[int, tuple[int, float]] = {}

    def fresh(self, forum_id: int) -> int | None:
        entry = self.revs.get(forum_id)
        if entry is not None and time.monotonic() - entry[1] < self.MAX_AGE:
            return entry[0]
        return None

    def keep(self, forum_id: int, rev: int) -> int:
        self.revs[forum_id] = (rev, time.monotonic())
        return rev


class SenderBudgets:
    """Per person (participant or moderator), across that person's sockets on this
    process: a burst of RATE_BURST commands, then RATE_PER_SECOND. Used on the event loop
    only. Buckets that are full again are forgotten, so the table stays small."""

    def __init__(self):
        self.buckets: dict[str, tuple[float, float]] = {}

    def take(self, sender: str, now: float, cost: int = 1) -> bool:
        tokens, at = self.buckets.get(sender, (float(RATE_BURST), now))
        tokens = min(RATE_BURST, tokens + (now - at) * RATE_PER_SECOND)
        if tokens < cost:
            self.buckets[sender] = (tokens, now)
            return False
        self.buckets[sender] = (tokens - cost, now)
        if len(self.buckets) > 10_000:
            full = [
                k
                for k, (t, a) in self.buckets.items()
                if t + (now - a) * RATE_PER_SECOND >= RATE_BURST
            ]
            for key in full:
                del self.buckets[key]
        return True


class ProcessCaches:
    """What this process keeps between sockets, so that hundreds of phones connecting at
    once cost the database little; each part says how old it may get. ``clear`` forgets
    all of it (each test starts afresh: a new database may reuse a forum's id and rev)."""

    def __init__(self):
        self.forums = RecentForums()
        # Join code -> forum id, for the forums this process's sockets have reached (a
        # few dozen at a conference). Only a hint: connect checks it against the database.
        self.forum_ids: dict[str, int] = {}
        self.snapshots = SharedSnapshots()
        self.encoded = EncodedLists()
        self.revs = CurrentRevs()
        self.budgets = SenderBudgets()

    def clear(self) -> None:
        self.__init__()


process_caches = ProcessCaches()


class ForumConsumer(AsyncWebsocketConsumer):
    role = None
    forum = None
    admitted = False
    throttled = False  # refused for guessing join codes (4429)
    # No channel-layer channel per socket: broadcasts reach sockets through the process's
    # hub (realtime/hub.py). An alias with no configuration gives no layer here, so
    # Channels neither creates a channel per socket nor listens on it.
    channel_layer_alias = "none: the hub fans out"

    async def __call__(self, scope, receive, send):
        # Channels' own loop (``await_many_dispatch``) waits on the client and on a
        # layer channel at once: a new task and an ``asyncio.wait`` for every frame a
        # phone sends, three turns of the event loop where one does. This consumer has
        # no layer channel (see channel_layer_alias), so it reads the client's messages
        # one after the other.
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def dispatch(self, message):
        # Channels closes stale database connections before every handler, one hop into
        # the database thread per frame. Every database call of this consumer runs
        # through database_sync_to_async, which does that itself, so skip the hop.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        code = normalize_join_code(self.scope["url_route"]["kwargs"]["code"])
        key = (parse_qs(self.scope.get("query_string", b"").decode()).get("key") or [""])[0]
        # Until its snapshot is out, the hub keeps this socket's broadcasts here.
        self.backlog: list | None = []
        # A forum this process has seen: join its fan-out first, so that identifying the
        # caller and reading the snapshot are one trip to the database thread (hundreds
        # of phones reconnect at once when the venue's Wi-Fi comes back). Events already
        # in the snapshot are skipped by rev.
        joined = process_caches.forum_ids.get(code)
        if joined is not None:
            await hub.join(joined, self)
        try:
            found, snapshot = await database_sync_to_async(self._identify_and_read)(
                code, key, joined
            )
        except BaseException:
            await hub.leave(joined, self)
            raise
        refusal = None
        if found is None:
            refusal = limits.CLOSE_TOO_MANY if self.throttled else CLOSE_NOT_FOUND
        elif self.role is None:
            refusal = CLOSE_FORBIDDEN
        elif not limits.admit(self.scope, self.sender):
            self.role, refusal = None, limits.CLOSE_TOO_MANY  # nothing to undo in disconnect
        if found is not None:
            process_caches.forum_ids[code] = found.pk
        if refusal is not None or found.pk != joined:
            await hub.leave(joined, self)
        if refusal is not None:
            await self.accept()
            await self.close(code=refusal)
            return
        self.admitted = True
        coalescer.attach()
        self.socket_id = secrets.token_hex(8)
        self.tokens, self.tokens_at = float(RATE_BURST), time.monotonic()
        self.sent_rev = 0
        await self.accept()
        if found.pk != joined:
            # Not seen before (or the code now names another forum): join, then read.
            await hub.join(self.forum.pk, self)
            snapshot = None
        await self.send_snapshot(snapshot)
        try:
            if self.role != "screen":
                presence, announcer = get_presence()
                await presence.add(self.forum.pk, self.socket_id, self.sender)
                announcer.changed(self.forum.pk, get_channel_layer())
            else:
                online = await get_presence()[0].count(self.forum.pk)
                await self.send_frame({"type": "presence", "online": online})
        except Exception:  # noqa: BLE001 - presence lives in Redis; the socket works without it
            log.warning("presence unavailable for forum %s", self.forum.pk)

    def _identify_and_read(self, code, key, joined):
        """The forum and the caller's role; and the snapshot when the socket already
        joined that forum's fan-out (``joined``) and may stay. One transaction: the
        forum's changing fields are read with the snapshot, so its rev matches."""
        with transaction.atomic():
            forum = self._identify(code, key)
            if forum is None or self.role is None or forum.pk != joined:
                return forum, None
            return forum, self._read_snapshot(fresh=True)

    def _identify(self, code, key):
        """Find the forum and the caller's role; sets self.forum, role, actor, sender, language."""
        forum = process_caches.forums.get(code) if code else None
        # The session is read here, in the same trip to the database as the rest, not
        # by Channels' session and auth middleware (one trip each).
        session = session_of(self.scope)
        if forum is None:
            self._refuse_code(session, count=True)
            return None
        self.forum = forum
        # the language chosen on the pages (workshops/languages.py keeps it in the session)
        chosen = session.get(LANGUAGE_SESSION_KEY) if session is not None else None
        self.language = chosen or settings.LANGUAGE_CODE
        if key:
            if secrets.compare_digest(key.encode(), forum.screen_key.encode()):
                self.role, self.actor, self.sender = "screen", Actor(screen=True), None
            return forum
        user = auth.get_user(SessionOnly(session)) if session is not None else None
        user = user if user is not None and user.is_authenticated else None
        participant = (
            session_participant(session, forum.conference_id) if session is not None else None
        )
        self.actor = Actor(user=user, participant=participant)
        if rules.can_moderate(self.actor, forum):
            self.role, self.sender = "moderator", f"u:{user.pk}"
        elif participant is not None:
            self.role, self.sender = "participant", f"p:{participant.pk}"
            # as on the phone page: only a language the conference offers, else German
            offered = offered_languages(forum.conference)
            self.language = next(
                (c for c in (chosen, participant.language) if c in offered), settings.LANGUAGE_CODE
            )
        if self.role is None and self._refuse_code(session, count=False):
            self.forum = None
            return None
        return forum

    def _refuse_code(self, session, *, count: bool) -> bool:
        """A code that names no forum (``count``: one more guess), or a forum this caller
        takes no part in: once the caller has guessed too often, both are refused alike
        with 4429 (workshops/throttle.py), which the page retries later."""
        caller = (throttle.client_address(self.scope), throttle.session_key(session))
        if throttle.code_guessing(*caller):
            self.throttled = True
            return True
        if count:
            throttle.code_missed(*caller)
        return False

    async def revoke(self):
        """The role this socket was admitted with was taken away (services.access): closed
        with 4403; the page may connect again and is identified anew."""
        self.backlog = None
        await self.close(code=CLOSE_FORBIDDEN)

    async def websocket_disconnect(self, message):
        # Channels' own also closes stale database connections here, a trip to the
        # database thread for every socket that goes (see dispatch); a reconnect storm
        # is a thousand of them.
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def disconnect(self, close_code):
        if self.admitted:
            self.admitted = False
            limits.release(self.scope, self.sender)
        if self.role is None or self.forum is None:
            return
        await hub.leave(self.forum.pk, self)
        if self.role != "screen":
            presence, announcer = get_presence()
            try:
                await presence.remove(self.forum.pk, self.socket_id)
                announcer.changed(self.forum.pk, get_channel_layer())
            except Exception:  # noqa: BLE001 - Redis away: the entry expires on its own
                log.warning("presence unavailable for forum %s", self.forum.pk)

    # --- from the client --------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is None:
            text_data = (bytes_data or b"").decode("utf-8", errors="replace")
        if len(text_data) > MAX_FRAME_BYTES or len(text_data.encode("utf-8")) > MAX_FRAME_BYTES:
            await self.close(code=CLOSE_TOO_LARGE)
            return
        # Every frame takes from the budget, a ping or a bad frame too: a flood of them
        # is refused like a flood of commands, and costs the others nothing.
        try:
            command = parse(text_data)
        except ProtocolError as exc:
            if not self._take_token():
                await self.ack_error(exc.command_id, "rate_limited", RATE_LIMITED_MESSAGE)
                return
            await self.ack_error(exc.command_id, exc.code, exc.message)
            return
        if not self._take_token():
            await self.ack_error(command.id, "rate_limited", RATE_LIMITED_MESSAGE)
            return
        if command.type == "ping":
            # The current rev rides along, so a client whose last event was lost (a
            # channel over capacity drops messages silently) notices and syncs. Read
            # from the database at most once a second per forum: every phone pings.
            rev = process_caches.revs.fresh(self.forum.pk)
            if rev is None:
                try:
                    rev = process_caches.revs.keep(
                        self.forum.pk, await database_sync_to_async(self._current_rev)()
                    )
                except DatabaseError:  # the database is away: still alive, rev unknown
                    await self.send_frame({"type": "pong"})
                    return
            await self.send_frame({"type": "pong", "rev": rev})
            return
        if self.role == "screen" and command.type != "sync":
            await self.ack_error(
                command.id, ServiceError.FORBIDDEN, _("The screen can only watch.")
            )
            return
        try:
            if command.type == "sync":
                if not await self.sync(command.fields["rev"]):
                    await self.ack_error(command.id, "rate_limited", RATE_LIMITED_MESSAGE)
                    return
                await self.send_frame({"type": "ack", "id": command.id, "ok": True})
                return
            answer = await writer.submit(
                actor=self.actor,
                sender=self.sender,
                forum=self.forum,
                command=command,
                language=self.language,
            )
        except DatabaseError:
            log.warning("database unavailable for a %s command", command.type)
            await self.ack_error(command.id, ServiceError.UNAVAILABLE, UNAVAILABLE_MESSAGE)
            return
        except Exception:  # the writer answers each command itself; this is a fault in it
            log.exception("a %s command could not be answered", command.type)
            await self.ack_error(command.id, ServiceError.UNAVAILABLE, UNAVAILABLE_MESSAGE)
            return
        await self.send_frame({"type": "ack", "id": command.id, **answer})

    def _take_token(self, cost: int = 1) -> bool:
        """``cost`` frames from this socket's budget and from its sender's, which every
        socket of that person on this process shares (several tabs are no way around
        the limit)."""
        now = time.monotonic()
        self.tokens = min(RATE_BURST, self.tokens + (now - self.tokens_at) * RATE_PER_SECOND)
        self.tokens_at = now
        if self.tokens < cost:
            return False
        if self.sender is not None and not process_caches.budgets.take(self.sender, now, cost):
            return False
        self.tokens -= cost
        return True

    async def ack_error(self, command_id, code, message):
        with translation.override(self.language):
            frame = {
                "type": "ack",
                "id": command_id,
                "ok": False,
                "error": {"code": code, "message": str(message)},
            }
        await self.send_frame(frame)

    async def send_frame(self, frame: dict):
        await self.send(text_data=json.dumps(frame, ensure_ascii=False, separators=(",", ":")))

    async def send(self, text_data=None, bytes_data=None, close=False):
        """Every text frame to the client, the hub's too: one over the WebSocket limit
        (which autobahn applies to what the server sends as well) goes in ``part``
        frames (realtime/parts.py), written one after the other with nothing between."""
        if text_data is not None and not parts.fits(text_data):
            for part in parts.split(text_data):
                await super().send(text_data=part)
            if close:
                await super().close()
            return
        await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def send_snapshot(self, snapshot: dict | None = None):
        if snapshot is None:
            snapshot = await database_sync_to_async(self._read_snapshot)()
        self.sent_rev = snapshot["rev"]
        await self.send(text_data=snapshot_text(snapshot))
        backlog, self.backlog = self.backlog, None
        for rev, text in backlog or ():
            if rev is None or rev > self.sent_rev:
                await self.send(text_data=text)

    def _read_snapshot(self, fresh: bool = False):
        """The snapshot; ``fresh``: the forum's changing fields were just read in the
        transaction this runs in."""
        # One consistent read: rev matches the items. In the connect trip this runs
        # inside that trip's transaction, which needs no savepoint for a read.
        with transaction.atomic(savepoint=False):
            if not fresh:
                FORUM_LIVE.refresh(self.forum)
            role = selectors.snapshot_role(self.forum, self.actor)
            shared = process_caches.snapshots.get(self.forum, role)
            return selectors.forum_snapshot(self.forum, self.actor, shared=shared)

    async def sync(self, client_rev: int) -> bool:
        """Send what the client missed; False (nothing sent) when the budget has not
        what the answer costs (a snapshot: SYNC_SNAPSHOT_COST; events: one frame per
        SYNC_EVENTS_PER_FRAME of them, at most that)."""
        events = await database_sync_to_async(self._missed_events)(client_rev)
        if events is None:
            # The sync's own frame is paid for already.
            if not self._take_token(SYNC_SNAPSHOT_COST - 1):
                return False
            await self.send_snapshot()
            return True
        # The sync's own frame is paid for already; a longer replay costs more.
        cost = min(SYNC_SNAPSHOT_COST, 1 + len(events) // SYNC_EVENTS_PER_FRAME)
        if cost > 1 and not self._take_token(cost - 1):
            return False
        for frame in events:
            await self.send_frame(frame)
        if events:
            self.sent_rev = max(self.sent_rev, events[-1]["rev"])
        return True

    def _current_rev(self) -> int:
        row = FORUM_REV.get(self.forum.pk)
        return row[0] if row is not None else 0

    def _missed_events(self, client_rev: int):
        """The events after ``client_rev`` in order, or None when a snapshot is due."""
        FORUM_REV.refresh(self.forum)
        return selectors.events_since(self.forum, client_rev, self.role, limit=SYNC_MAX_EVENTS)


def snapshot_text(snapshot: dict) -> str:
    """The ``snapshot`` frame as text, the same as ``json.dumps`` of it would give; the
    lists a role shares at a rev are encoded once (``EncodedLists``). A moderator's
    snapshot is read afresh each time, so it is encoded whole."""
    dumps = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
    shared = snapshot.get("me", {}).get("role") != "moderator"
    members = [
        f"{dumps(key)}:"
        + (process_caches.encoded.text(value) if shared and key in SHARED_LISTS else dumps(value))
        for key, value in snapshot.items()
    ]
    return '{"type":"snapshot",' + ",".join(members) + "}"
