"""The process's command writer: commands that arrive together are committed together.

Every socket command used to be its own transaction and its own hop into the single
database thread; when a room votes at once they queued there. The writer takes what has
queued up (at most BATCH commands), applies it in one transaction
(``commands.execute_batch``), and only then answers each waiting socket, so an ack
still means committed and a refusal still changes nothing.
"""

import asyncio
import contextvars
import logging
import time

from channels.db import database_sync_to_async

from realtime.commands import execute_batch, prune_receipts

log = logging.getLogger(__name__)
BATCH = 100
# Receipts past their retention period are deleted between two batches, at most this
# often (and after the first batch of a process): no cost per command.
PRUNE_EVERY_SECONDS = 600


class Writer:
    def __init__(self):
        self.queue: asyncio.Queue | None = None
        self.loop = None
        self.prune_at = 0.0  # time.monotonic() of the next pruning

    def _start(self):
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            self.loop = loop
            self.queue = asyncio.Queue()
            loop.create_task(self._run(), context=contextvars.Context())

    async def submit(self, **entry) -> dict:
        """Queue one command (``commands.execute``'s arguments); its answer, once committed."""
        self._start()
        future = self.loop.create_future()
        await self.queue.put((entry, future))
        return await future

    async def _run(self):
        while True:
            batch = [await self.queue.get()]
            while len(batch) < BATCH and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            try:
                answers = await database_sync_to_async(execute_batch)([entry for entry, _ in batch])
            except Exception as exc:  # noqa: BLE001 - answer every waiting socket
                log.exception("a batch of %d commands failed", len(batch))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), answer in zip(batch, answers, strict=False):
                if not future.done():
                    future.set_result(answer)
            if time.monotonic() >= self.prune_at:
                await self._prune()

    async def _prune(self):
        self.prune_at = time.monotonic() + PRUNE_EVERY_SECONDS
        try:
            deleted = await database_sync_to_async(prune_receipts)()
        except Exception:  # noqa: BLE001 - the database is away: next time
            log.warning("could not delete the expired command receipts")
            return
        if deleted:
            log.info("deleted %d expired command receipts", deleted)


writer = Writer()
