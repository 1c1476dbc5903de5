"""Coalesced tallies: a few frames a second per round, whatever the vote rate.

A committed vote only marks its round as changed. One task per changed round and
process then waits out the interval, computes the tally once from the database and
sends it once to the forum's group; votes that commit meanwhile are in that
computation, or mark the round again for the next one. So the last vote is reflected
within one interval plus one computation, and broadcast cost does not grow with votes.
``TALLY_INTERVAL = 0`` sends one tally per vote (for comparison in the benchmark).
"""

import asyncio
import contextvars
import logging
import time

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from realtime.groups import forum_group

log = logging.getLogger(__name__)


def tally_changed(*, forum_id: int, round_id: int) -> None:
    """Called inside the transaction of a vote (or a round change): schedule a tally
    once it has committed."""
    transaction.on_commit(lambda: _mark(forum_id, round_id))


def _mark(forum_id: int, round_id: int) -> None:
    loop = coalescer.loop
    if loop is not None and loop.is_running():
        if round_id in coalescer.pending:
            # A computation is due and has not started: it reads the database after this
            # commit, so it counts this vote. (The task leaves ``pending`` before it reads.)
            return
        # From a worker thread of the server: hand the mark to the server's loop.
        loop.call_soon_threadsafe(coalescer.mark, forum_id, round_id)
        return
    # No server loop in this process (a management command, or no socket connected
    # yet): nobody to coalesce for, so send the tally now.
    try:
        message = tally_frame(round_id)
        if message is not None:
            async_to_sync(get_channel_layer().group_send)(
                forum_group(forum_id), {"type": "forum.tally", "forum": forum_id, **message}
            )
    except Exception:  # noqa: BLE001 - the vote is committed; a tally can be recomputed
        log.exception("could not send the tally of round %s", round_id)


def tally_frame(round_id: int) -> dict | None:
    """Compute the ``tally`` frame of a round from the database, with what recipients
    need to filter it (secret rounds)."""
    from workshops.models import Round
    from workshops.selectors import round_totals
    from workshops.visibility import PARTICIPANT, tally_visible

    as_of = time.time()  # before the read: a later computation has a later mark
    round_ = Round.objects.filter(pk=round_id).first()
    if round_ is None:
        return None
    totals = round_totals(round_)
    secret = not tally_visible(
        PARTICIPANT,
        {"secret": round_.secret, "status": round_.status, "revealed": round_.revealed},
    )
    message = {
        "frame": {"type": "tally", "round": round_.pk, **totals},
        "as_of": as_of,
        # for moderators only (workshops/visibility.py)
        "secret": secret,
    }
    if secret:
        # what phones and the projector get meanwhile: the turnout, no totals
        message["turnout"] = {
            "type": "tally",
            "round": round_.pk,
            "totals": {},
            "voters": totals["voters"],
        }
    return message


class Coalescer:
    def __init__(self):
        self.pending: set[int] = set()
        self.last_sent: dict[int, float] = {}
        # The server's event loop, set when the first socket connects (realtime/consumer.py).
        self.loop: asyncio.AbstractEventLoop | None = None

    def attach(self) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            self.loop = loop
            self.pending.clear()

    def mark(self, forum_id: int, round_id: int) -> None:
        if round_id in self.pending:
            return
        self.pending.add(round_id)
        # A fresh context: the mark may come from a worker thread's context, and the task
        # must not believe it runs inside that worker (asgiref would refuse its DB call).
        asyncio.get_running_loop().create_task(
            self._send(forum_id, round_id), context=contextvars.Context()
        )

    async def _send(self, forum_id: int, round_id: int) -> None:
        interval = float(getattr(settings, "TALLY_INTERVAL", 0.25))
        try:
            wait = self.last_sent.get(round_id, 0) + interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        finally:
            # From here on a new vote schedules the next computation.
            self.pending.discard(round_id)
        self.last_sent[round_id] = time.monotonic()
        try:
            message = await database_sync_to_async(tally_frame)(round_id)
            if message is not None:
                await get_channel_layer().group_send(
                    forum_group(forum_id), {"type": "forum.tally", "forum": forum_id, **message}
                )
        except Exception:  # noqa: BLE001
            log.exception("tally of round %s failed", round_id)


coalescer = Coalescer()
