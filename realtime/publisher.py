"""The one way a change reaches live clients.

Services call ``publish_event`` inside their transaction: the payload is built and
checked there (so bad data fails at the call site), and sent to the forum's group only
once the transaction has committed. An ack therefore never precedes the event's
durability, and a rolled-back change is never broadcast.
"""

import asyncio
import contextvars
import json
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from realtime.groups import forum_group
from realtime.hub import hub
from workshops.selectors import event_frame

log = logging.getLogger(__name__)


def publish_event(*, forum_id: int, rev: int, name: str, data: dict) -> None:
    frame = event_frame(rev=rev, name=name, data=data)
    json.dumps(frame)  # fail now, inside the transaction, not later in a broadcast
    message = {"type": "forum.event", "forum": forum_id, "frame": frame}
    transaction.on_commit(lambda: send_to_group(forum_group(forum_id), message))


def publish_revocation(*, forum_ids, user_id: int | None = None, screens: bool = False) -> None:
    """After commit, tell every process's hub that a role was taken away in these forums:
    the moderator ``user_id`` (no longer a moderator of their conference), or the screens
    (the screen key changed). The hub closes those sockets with 4403 (realtime/hub.py)."""
    for forum_id in forum_ids:
        message = {"type": "forum.revoke", "forum": forum_id, "user": user_id, "screens": screens}
        transaction.on_commit(lambda m=message: send_to_group(forum_group(m["forum"]), m))


def send_to_group(group: str, message: dict) -> None:
    """Hand a message to the channel layer. A broadcast that fails is logged, not raised:
    the change is committed, and clients catch up with ``sync`` from the event log.

    In the server, the committing thread only queues the message for the server's event
    loop and goes on with the next command: waiting there for the loop (busy writing the
    previous broadcast to a thousand sockets) held up every command behind it. One task
    sends the queue in order, so events leave in the order they were committed."""
    layer = get_channel_layer()
    if layer is None:
        return
    loop = hub.loop
    if loop is not None and loop.is_running():
        loop.call_soon_threadsafe(outbox.put, layer, group, message)
        return
    # No server loop in this process (a management command, a plain test): send now.
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        log.exception("broadcast to %s failed; clients will resync from the event log", group)


class Outbox:
    """Broadcasts waiting for the layer, sent one after another by one task per loop."""

    def __init__(self):
        self.queue: asyncio.Queue | None = None
        self.loop = None

    def put(self, layer, group: str, message: dict) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            self.loop, self.queue = loop, asyncio.Queue()
            loop.create_task(self._send(self.queue), context=contextvars.Context())
        self.queue.put_nowait((layer, group, message))

    async def _send(self, queue: asyncio.Queue) -> None:
        while True:
            layer, group, message = await queue.get()
            try:
                await layer.group_send(group, message)
            except Exception:  # noqa: BLE001 - committed: clients catch up with sync
                log.exception(
                    "broadcast to %s failed; clients will resync from the event log", group
                )


outbox = Outbox()
