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

from channels.db import database_sync_to_async

from realtime.commands import execute_batch

log = logging.getLogger(__name__)
BATCH = 100


class Writer:
    def __init__(self):
        self.queue: asyncio.Queue | None = None
        self.loop = None

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
            for (_, future), answer in zip(batch, answers):
                if not future.done():
                    future.set_result(answer)


writer = Writer()
