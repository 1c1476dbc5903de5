"""A small burst from the load generator, as a correctness check (not a timing test):
30 real phones against a real Daphne, every vote acked, every phone exact."""
import asyncio
import concurrent.futures

from bench.load import LocalServer, burst
from tests.live import free_port


def test_a_small_burst_is_fully_acked_and_every_phone_ends_exact():
    server = LocalServer(free_port(), {})
    try:
        async def run():
            await server.ready()
            return await burst(server.process.pid, "127.0.0.1", server.port, server.demo, 30, spread=1.0)

        with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright may own this thread's loop
            figures = pool.submit(asyncio.run, run()).result(timeout=120)
    finally:
        server.stop()
    assert figures["acked_ok"] == "90/90"
    assert isinstance(figures["exact_after_last_ack_s"], float), figures  # every phone exact
    assert figures["exact_after_last_ack_s"] < 5
