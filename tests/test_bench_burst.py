"""Small runs of the load scenarios, as correctness checks (not timing tests): 30 real
phones against a real Daphne; every vote acked and every phone exact; every phone back
and current after a reconnect; every phone holding every item after a storm."""

import asyncio
import concurrent.futures
import json
import os
import subprocess
import sys
from pathlib import Path

from bench import load
from tests.live import free_port


def run_against_server(body):
    server = load.LocalServer(free_port(), {})
    try:

        async def run():
            await server.ready()
            target = server.target
            phones, connected = await load.connect(target, 30)
            moderator = await load.moderator_of(target)
            try:
                return connected, await body(target, phones, moderator)
            finally:
                await load.close_all(phones + [moderator])

        with concurrent.futures.ThreadPoolExecutor(
            1
        ) as pool:  # Playwright may own this thread's loop
            return pool.submit(asyncio.run, run()).result(timeout=180)
    finally:
        server.stop()


def test_a_small_burst_is_fully_acked_and_every_phone_ends_exact():
    async def body(target, phones, moderator):
        return await load.burst(target, phones, moderator, spread=1.0)

    connected, figures = run_against_server(body)
    assert connected["phones"] == 30
    assert figures["acked_ok"] == "90/90"
    assert isinstance(figures["exact_after_last_ack_s"], float), figures  # every phone exact
    assert figures["exact_after_last_ack_s"] < 5


def test_after_a_reconnect_wave_and_a_storm_every_phone_is_current():
    async def body(target, phones, moderator):
        return (
            await load.reconnect(target, phones, moderator, spread=0.5),
            await load.storm(target, phones, moderator, spread=1.0, timeout=30),
        )

    _, (back, storm) = run_against_server(body)
    assert back["back_and_current"] == "30/30" and back["errors"] == 0, back
    assert back["online_after"] == "31/31", back  # no socket left counting after its person left
    assert storm["acked_ok"] == "30/30", storm


def test_the_vote_cost_scenario_applies_every_vote_and_books_its_points():
    """``python -m bench --scenario votes``: the writer's batches on a fresh SQLite; it
    exits non-zero when a vote is refused or the ballots disagree with the votes."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--scenario", "votes", "--n", "30"],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("votes: sqlite votes=90 batch=20 "), done.stdout


def test_the_idle_floor_speaks_enough_websocket_for_the_phones():
    """``bench/floor.py`` answers the idle scenario's phones with asyncio alone: each gets
    its snapshot, a pong for its ping (also for a frame over 125 bytes), and a clean
    close."""
    import websockets

    async def run():
        port = free_port()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.floor",
            "--port",
            str(port),
            cwd=Path(__file__).resolve().parents[1],
        )
        try:
            target = load.Target(
                [port], [process.pid], {"forums": [{"code": "FLOORS"}], "moderator": {}}, bare=True
            )
            for _ in range(100):
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.close()
                    break
                except OSError:
                    await asyncio.sleep(0.1)
            phones, connected = await load.connect(target, 3)  # as the idle scenario does
            await load.close_all(phones)
            async with websockets.connect(target.ws_url(port)) as ws:
                frames = [json.loads(await ws.recv())["type"]]
                await ws.send('{"type":"ping"}')
                await ws.send('{"type":"ping","padding":"' + "x" * 200 + '"}')
                frames += [json.loads(await ws.recv()) for _ in range(2)]
                # A protocol-level ping is answered too: without a pong, wait_for raises.
                await asyncio.wait_for(await ws.ping(), 2)
            return connected, frames, ws.close_code
        finally:
            process.terminate()
            await process.wait()

    connected, frames, close_code = asyncio.run(run())
    assert connected["phones"] == 3
    assert frames == ["snapshot", {"type": "pong", "rev": 0}, {"type": "pong", "rev": 0}]
    assert close_code == 1000


def test_the_vote_cost_scenario_says_plainly_when_its_postgresql_is_not_there():
    port = free_port()  # nothing listens there
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--scenario",
            "votes",
            "--n",
            "5",
            "--database-url",
            f"postgres://postgres@127.0.0.1:{port}/mitwirken_bench",
        ],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""  # no figures
    url = f"postgres://postgres@127.0.0.1:{port}/mitwirken_bench"
    assert f"bench failed: PostgreSQL at {url} is not usable" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_idle_phone_answers_the_servers_websocket_ping_after_a_pause():
    """The idle scenario's phones answer a ping like a phone on a crowded Wi-Fi: later,
    each after its own pause (bench/phones.py), but with the ping's own payload."""
    import random
    import time

    import websockets

    from bench.phones import Phone

    async def run():
        answered = asyncio.get_running_loop().create_future()

        async def handler(ws):
            await ws.send('{"type":"snapshot","rev":0,"items":[]}')
            await asyncio.sleep(0.1)
            started = time.perf_counter()
            latency = await asyncio.wait_for(
                await ws.ping(b"late"), 3
            )  # the library matches the payload
            answered.set_result((time.perf_counter() - started, latency))
            await ws.wait_closed()

        async with websockets.serve(handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            phone = Phone(cookies={})
            await phone.connect(f"ws://127.0.0.1:{port}/", f"http://127.0.0.1:{port}")
            phone.answer_pings_late(0.5, random.Random(3))  # a pause of 0.119 s
            waited, _ = await asyncio.wait_for(answered, 5)
            await phone.close()
            return waited

    assert asyncio.run(run()) >= 0.11


def test_a_small_arrival_keeps_each_phones_connection_and_the_ceiling_answers_alike(tmp_path):
    """The arrival scenario (bench/arrive.py) on the default limits: 20 phones each load
    the join page, join, load the phone page with its assets over one kept connection,
    as a browser does, and get their snapshot; with ``close`` each request has its own.
    The ceiling, answering from one phone's recording, serves the same requests over
    kept connections with the same bytes."""
    from bench.arrive import record

    server = load.LocalServer(free_port(), {}, venue_defaults=True)
    ceiling_port = free_port()
    try:

        async def run():
            await server.ready()
            target = server.target
            port = target.ports[0]
            recording = str(tmp_path / "recording.json")
            await record("127.0.0.1", port, target.code, target.ws_url(port), recording)
            kept = await load.arrival(target, None, 20, 10)
            closed = await load.arrival(target, None, 5, 5, keep_alive=False)
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.ceiling",
                "--port",
                str(ceiling_port),
                "--arrive",
                recording,
                cwd=Path(__file__).resolve().parents[1],
            )
            try:
                await load.wait_for_port(ceiling_port + 1)
                bare = load.Target([ceiling_port], [process.pid], target.demo, bare=True)
                ws = f"ws://127.0.0.1:{ceiling_port + 1}/ws/forum/{target.code}/"
                ceiling = await load.arrival(bare, ws, 20, 10)
            finally:
                process.terminate()
                await process.wait()
            return kept, closed, ceiling

        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            kept, closed, ceiling = pool.submit(asyncio.run, run()).result(timeout=180)
    finally:
        server.stop()
    assert kept["phones"] == 20 and kept["requests_per_phone"] == 5, kept
    assert kept["connections_per_phone"] == 1, kept
    assert closed["requests_per_phone"] == 5 and closed["connections_per_phone"] == 5, closed
    assert 20 < kept["kb_per_phone"] <= 40, kept  # docs/performance.md: at most 40 KB
    assert ceiling["requests_per_phone"] == 5 and ceiling["connections_per_phone"] == 1
    assert abs(ceiling["kb_per_phone"] - kept["kb_per_phone"]) < 1.5, (ceiling, kept)
