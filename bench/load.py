"""Load scenarios against a real Daphne, the way phones use it. Each prints one line.

    python -m bench.load --phones 1000 --compare        # what `make bench` runs
    python -m bench.load --scenario burst --phones 300
    python -m bench.load --scenario idle --idle-phones 2000 --idle-seconds 60 [--idle-ping-every 0]
    python -m bench.load --scenario scaleout --phones 1000 --compare
    python -m bench.load --scenario arrive --phones 1000 --compare
    python -m bench.load --scenario arrive --phones 1000 --arrive-processes 2   # PostgreSQL + Redis

Without --compare only the product runs. With it, every scenario runs first against the
bare asyncio ceiling (bench/ceiling.py; for scaleout, its burst), then against the
product, and the burst once more with tally coalescing off, so the figures can be read
as ratios. ``idle`` runs first against the floor (bench/floor.py: the pings answered by
asyncio alone, no WebSocket library), then the ceiling, then the product.

The product is Daphne on a fresh SQLite in a temporary folder, seeded with the demo
conference (one process, in-memory channel layer); ``scaleout`` starts two Daphne
processes sharing PostgreSQL (``--database-url``, a database dropped and created anew)
and Redis (``--redis-url``, that database index flushed), phones split between them.
Load generator and servers share this machine's cores.

Scenarios, in the order they run on one server: connect, burst, reconnect, slow, storm.
``arrive`` runs alone on a server of its own (bench/arrive.py): phones with an empty
cache load the join page, join, load the phone page with its assets and open the socket,
``--arrive-at-once`` (100) at a time, each keeping its HTTP connection from one request to
the next as browsers do (``--arrive-connections close``: a connection a request); with
--compare first against the arrival's ceiling and Daphne's floor (bench/daphne_floor.py).
``--arrive-processes 2``: two Daphne processes on PostgreSQL and Redis, as scaleout, the
phones taking turns.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.phones import BenchError, Phone, join, login

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
SCENARIOS = ["connect", "burst", "reconnect", "slow", "storm"]
# The pages' rule (static/js/live.js, CHECK_EVERY_MS and QUIET_LIMIT_MS): every 10 s,
# a ping if nothing came from the server for 35 s.
CHECK_EVERY = 10
QUIET_LIMIT = 35
# Seconds an idle phone may take to answer the server's WebSocket ping: a round trip on
# a crowded Wi-Fi.
PONG_AFTER = 0.2


def percentile(values, p):
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
        if ordered
        else float("nan")
    )


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def refuse_if_taken(port: int) -> None:
    """A server left over on the port would answer in place of the one started here and
    the figures would be someone else's: refuse loudly instead."""
    import socket

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise BenchError(
                f"port {port} is already in use: stop what listens there or pass --port"
            )


def line(scenario: str, variant: str, figures: dict) -> None:
    print(f"{scenario}[{variant}]: " + " ".join(f"{k}={v}" for k, v in figures.items()), flush=True)


class Target:
    """What the phones talk to: one or more server processes on 127.0.0.1."""

    def __init__(self, ports: list[int], pids: list[int], demo: dict, bare: bool = False):
        self.ports, self.pids, self.demo, self.bare = ports, pids, demo, bare
        self.code = demo["forums"][0]["code"]

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids)

    def rss(self) -> int:
        return sum(rss_kb(pid) for pid in self.pids)

    def port(self, n: int) -> int:
        return self.ports[n % len(self.ports)]

    def ws_url(self, port: int) -> str:
        return f"ws://127.0.0.1:{port}/ws/forum/{self.code}/"


class LocalServer:
    """Daphne processes on a fresh database with the demo conference: SQLite in a
    temporary folder, or the given PostgreSQL database (created anew) with Redis."""

    def __init__(
        self,
        port: int,
        extra_env: dict,
        processes: int = 1,
        database_url: str = "",
        redis_url: str = "",
        venue_defaults: bool = False,
    ):
        for n in range(processes):
            refuse_if_taken(port + n)
        self.dir = tempfile.TemporaryDirectory(prefix="mitwirken-load-")
        self.env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        self.env.update(
            DATA_DIR=self.dir.name,
            SECRET_KEY="bench-only",
            LOG_LEVEL="WARNING",
            ALLOWED_HOSTS="127.0.0.1,localhost",
        )
        if not venue_defaults:
            # Every simulated phone comes from 127.0.0.1: the per-address limits are off
            # for the speed scenarios; bench/venue.py keeps the defaults, as a hall has them.
            self.env.update(
                JOINS_PER_MINUTE_PER_ADDRESS="0",
                SOCKETS_PER_ADDRESS="0",
                CODE_MISSES_PER_MINUTE="0",
            )
        self.env.update(extra_env)
        if database_url:
            fresh_postgres(database_url)
            fresh_redis(redis_url)
            self.env.update(DATABASE_URL=database_url, REDIS_URL=redis_url)
        self.port = port
        python = sys.executable
        subprocess.run(
            [python, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=self.env, check=True
        )
        # As `make run` does: hashed, compressed static files (config/static.py).
        subprocess.run(
            [python, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        out = subprocess.run(
            [python, "manage.py", "seed_demo", "--json"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        self.demo = json.loads(out.stdout)
        self.log = Path(self.dir.name) / "server.log"
        with self.log.open("ab") as log:
            self.processes = [
                subprocess.Popen(
                    [python, "-m", "config.serve", "-b", "127.0.0.1", "-p", str(port + n)],
                    cwd=ROOT,
                    env=self.env,
                    stderr=log,
                    stdout=log,
                )
                for n in range(processes)
            ]
        self.process = self.processes[0]

    @property
    def target(self) -> Target:
        return Target(
            [self.port + n for n in range(len(self.processes))],
            [p.pid for p in self.processes],
            self.demo,
        )

    async def ready(self):
        from bench.phones import http

        for n, process in enumerate(self.processes):
            for _ in range(300):
                if process.poll() is not None:
                    raise BenchError(f"the server exited at start (exit code {process.returncode})")
                try:
                    status, _, _ = await http(
                        "127.0.0.1", self.port + n, "GET", "/healthz", cookies={}
                    )
                    if status == 200:
                        break
                except BenchError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise BenchError("the server did not come up")

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.dir.cleanup()


def fresh_postgres(url: str) -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise BenchError(f"use a plain database name in --database-url, not {name!r}")
    admin = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise BenchError(f"PostgreSQL at {url} is not usable: {exc}") from None


def fresh_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url).flushdb()
    except redis.RedisError as exc:
        raise BenchError(f"Redis at {url} is not usable: {exc}") from None


# --- the scenarios ---------------------------------------------------------------------


async def connect(target: Target, n: int) -> tuple[list[Phone], dict]:
    """N phones join (HTTP, like a browser; the ceiling has no join) and connect; the time
    until every one holds its snapshot, and the server memory each socket costs."""
    gate = asyncio.Semaphore(50)  # phones joining at once

    async def one(k):
        port = target.port(k)
        async with gate:
            phone = Phone({} if target.bare else await join("127.0.0.1", port, target.code))
            await phone.connect(target.ws_url(port), f"http://127.0.0.1:{port}")
            return phone

    rss_before = target.rss()
    start = time.perf_counter()
    phones = await asyncio.gather(*(one(k) for k in range(n)))
    deadline = time.perf_counter() + 60
    while any(p.snapshot is None for p in phones):
        if time.perf_counter() > deadline:
            raise BenchError("not every phone got its snapshot within 60 s")
        await asyncio.sleep(0.05)
    connect_s = max(p.snapshot_at for p in phones) - start
    await asyncio.sleep(1.0)
    return phones, {
        "phones": n,
        "all_snapshots_s": round(connect_s, 2),
        "rss_kb_per_conn": round((target.rss() - rss_before) / n, 1),
    }


async def moderator_of(target: Target) -> Phone:
    port = target.ports[0]
    moderator = Phone(
        {}
        if target.bare
        else await login(
            "127.0.0.1",
            port,
            target.demo["moderator"]["username"],
            target.demo["moderator"]["password"],
        )
    )
    await moderator.connect(target.ws_url(port), f"http://127.0.0.1:{port}")
    while moderator.snapshot is None:
        await asyncio.sleep(0.05)
    return moderator


class Profile:
    """py-spy sampling the first server process during one scenario (``--profile``)."""

    def __init__(self, target: Target, path: str | None):
        self.spy = None
        if path:
            spy = str(Path(sys.executable).with_name("py-spy"))
            self.spy = subprocess.Popen(
                [
                    spy,
                    "record",
                    "--pid",
                    str(target.pids[0]),
                    "--nonblocking",
                    "--gil",
                    "--rate",
                    "200",
                    "--format",
                    "raw",
                    "--output",
                    path,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

    def stop(self):
        if self.spy:
            self.spy.send_signal(2)  # py-spy writes its file on SIGINT
            self.spy.wait(timeout=30)


async def burst(
    target: Target,
    phones: list[Phone],
    moderator: Phone,
    spread=5.0,
    votes_each=3,
    exact_timeout=15.0,
    profile=None,
) -> dict:
    """A moderator opens a dots round; every phone casts ``votes_each`` votes at random
    moments within ``spread`` seconds. Acks, and the time until every phone holds the
    exact final tally."""
    items = [i["id"] for i in moderator.snapshot["items"]][:6]
    if len(items) < votes_each:
        raise BenchError("the demo forum has too few items to vote on")
    ack = await moderator.command(
        {
            "type": "moderate",
            "action": "open_round",
            "method": "dots",
            "items": items,
            "budget": votes_each,
            "per_item": 1,
            "secret": False,  # the tallies go to every phone, as a live round sends them
        }
    )
    if not ack["ok"]:
        raise BenchError(f"the round could not be opened: {ack}")
    round_id = ack["result"]["id"]
    await asyncio.sleep(1.0)  # let everyone see round.opened
    for phone in phones:
        phone.acks.clear()

    spy = Profile(target, profile)
    cpu_before = target.cpu()
    start = time.perf_counter()
    rng = random.Random(7)

    async def vote(phone, item, at):
        await asyncio.sleep(at)
        return item, await phone.command(
            {"type": "vote", "round": round_id, "item": item, "value": 1}
        )

    tasks = [
        vote(p, item, rng.uniform(0, spread))
        for p in phones
        for item in rng.sample(items, votes_each)
    ]
    results = await asyncio.gather(*tasks)
    last_ack = time.perf_counter()
    spy.stop()
    expected = {str(i): 0 for i in items}
    for item, answer in results:
        if answer["ok"]:
            expected[str(item)] += 1
    ok = sum(1 for _, a in results if a["ok"])

    def exact_at(phone):
        for arrival, frame in phone.tallies:
            if (
                frame["round"] == round_id
                and {k: v["dots"] for k, v in frame["totals"].items()} == expected
            ):
                return arrival
        return None

    deadline = time.perf_counter() + exact_timeout
    while any(exact_at(p) is None for p in phones) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    arrivals = [exact_at(p) for p in phones]
    cpu = target.cpu() - cpu_before
    late = sum(1 for a in arrivals if a is None)
    converge = max((a - last_ack for a in arrivals if a is not None), default=float("nan"))
    duration = last_ack - start
    frames = [
        sum(1 for t, f in p.tallies if f["round"] == round_id and start <= t <= last_ack)
        for p in phones
    ]
    latencies = [lat * 1000 for p in phones for lat, a in p.acks]
    if not target.bare:
        await moderator.command({"type": "moderate", "action": "close_round", "round": round_id})
    return {
        "phones": len(phones),
        "votes": len(results),
        "offered_per_s": round(len(results) / spread),
        "acked_ok": f"{ok}/{len(results)}",
        "ack_ms_p50": round(percentile(latencies, 50), 1),
        "ack_ms_p95": round(percentile(latencies, 95), 1),
        "ack_ms_p99": round(percentile(latencies, 99), 1),
        "exact_after_last_ack_s": round(converge, 3) if not late else f"{late} phones never exact",
        "tally_frames_per_phone_s": round(statistics.mean(frames) / duration, 2),
        "server_cpu_s": round(cpu, 2),
    }


async def reconnect(
    target: Target, phones: list[Phone], moderator: Phone, spread=1.0, timeout=30.0, profile=None
) -> dict:
    """Every phone drops its socket and comes back within ``spread`` seconds with
    ``sync``; the time until every phone is at the forum's rev again."""
    rev = moderator.rev
    spy = Profile(target, profile)
    cpu_before = target.cpu()
    rng = random.Random(11)
    start = time.perf_counter()
    done_at: list[float] = []

    async def again(phone, at):
        await asyncio.sleep(at)
        phone.snapshot = None
        answer = await phone.reconnect()
        while phone.snapshot is None:
            await asyncio.sleep(0.01)
        done_at.append(time.perf_counter())
        return answer["ok"] and phone.rev >= rev

    try:
        results = await asyncio.wait_for(
            asyncio.gather(*(again(p, rng.uniform(0, spread)) for p in phones)), timeout
        )
    except TimeoutError:
        raise BenchError(f"not every phone was back within {timeout} s") from None
    converged = time.perf_counter() - start
    spy.stop()
    await asyncio.sleep(2.5)  # presence is announced once a second
    figures = {
        "phones": len(phones),
        "back_and_current": f"{sum(results)}/{len(phones)}",
        "all_converged_s": round(converged, 2),
        "errors": sum(p.errors for p in phones),
        "server_cpu_s": round(target.cpu() - cpu_before, 2),
    }
    if not target.bare:
        # People online as the server counts them (the phones and the moderator).
        figures["online_after"] = f"{moderator.online}/{len(phones) + 1}"
    return figures


async def propose_marked(moderator: Phone, field: int, names: list[str]) -> dict[str, float]:
    """The moderator proposes items whose text is ``bench:<name>``, all at once; when each was sent.

    Waits first until the socket's command budget (20 at once, realtime/consumer.py) is full."""
    await asyncio.sleep(2.5)
    sent = {}

    async def one(name):
        sent[f"bench:{name}"] = time.perf_counter()
        answer = await moderator.command(
            {"type": "propose", "field": field, "kind": "need", "text": f"bench:{name}"}
        )
        if not answer["ok"]:
            raise BenchError(f"a proposal was refused: {answer}")

    await asyncio.gather(*(one(name) for name in names))
    return sent


async def slow(
    target: Target, phones: list[Phone], moderator: Phone, events=20, timeout=15.0, rounds=3
) -> dict:
    """A burst of ``events`` item events to every phone, first with all phones reading,
    then with one phone that has stopped reading its socket. The others' delivery
    latency must not suffer; the slow one must catch up when it reads again (or be
    closed by the server, to resync when it comes back).

    One burst's p95 swings by a fifth from run to run (it is mostly the load
    generator working through the frames), so the pair is run ``rounds`` times, the
    halves taking turns, and the median of each half's p95 is compared."""
    field = (moderator.snapshot.get("fields") or [{"id": 0}])[0]["id"]
    if not target.bare:
        await moderator.command({"type": "moderate", "action": "proposals", "open": True})

    async def delivered(sent: dict, readers: list[Phone]) -> list[float]:
        deadline = time.perf_counter() + timeout
        while any(len([m for m in sent if m in p.marks]) < len(sent) for p in readers):
            if time.perf_counter() > deadline:
                raise BenchError(
                    f"not every reading phone got the {len(sent)} events within {timeout} s"
                )
            await asyncio.sleep(0.02)
        return [(p.marks[m] - at) * 1000 for p in readers for m, at in sent.items()]

    sleeper, others = phones[0], phones[1:]
    p95s_base, p95s_slow, catch_ups, rss_growth, dropped = [], [], [], 0, False
    for n in range(rounds):
        base = await delivered(
            await propose_marked(moderator, field, [f"base-{n}-{k}" for k in range(events)]), phones
        )
        p95s_base.append(percentile(base, 95))
        sleeper.ws.transport.pause_reading()
        rss_before = target.rss()
        sent = await propose_marked(moderator, field, [f"slow-{n}-{k}" for k in range(events)])
        p95s_slow.append(percentile(await delivered(sent, others), 95))
        rss_growth = max(rss_growth, target.rss() - rss_before)
        resumed = time.perf_counter()
        sleeper.ws.transport.resume_reading()
        deadline = resumed + timeout
        while (
            sleeper.rev < moderator.rev
            and sleeper.ws is not None
            and time.perf_counter() < deadline
        ):
            await asyncio.sleep(0.02)
        if sleeper.rev < moderator.rev:
            if sleeper.ws is not None and sleeper.ws.close_code is not None:
                dropped = True  # the server closed it: allowed, it resyncs when it comes back
                break
            raise BenchError(f"the stalled phone had not caught up {timeout} s after it read again")
        catch_ups.append(time.perf_counter() - resumed)
    p95_base, p95_slow = statistics.median(p95s_base), statistics.median(p95s_slow)
    return {
        "phones": len(phones),
        "events": events,
        "rounds": rounds,
        "others_p95_ms_all_reading": round(p95_base, 1),
        "others_p95_ms_one_stalled": round(p95_slow, 1),
        "ratio": round(p95_slow / p95_base, 2) if p95_base else "n/a",
        "ratios_each_round": "/".join(
            f"{s / b:.2f}" for s, b in zip(p95s_slow, p95s_base, strict=False)
        ),
        "stalled_caught_up_s": "dropped" if dropped else round(max(catch_ups), 2),
        "server_rss_growth_kb": rss_growth,
    }


async def storm(
    target: Target, phones: list[Phone], moderator: Phone, spread=10.0, timeout=120.0
) -> dict:
    """Every phone proposes once within ``spread`` seconds; the time until every phone
    holds every item. (N proposals reach N phones: N² frames.)"""
    field = (moderator.snapshot.get("fields") or [{"id": 0}])[0]["id"]
    if not target.bare:
        await moderator.command({"type": "moderate", "action": "proposals", "open": True})
    for phone in phones:
        phone.acks.clear()
    rng = random.Random(13)
    cpu_before = target.cpu()
    start = time.perf_counter()

    async def one(phone, k, at):
        await asyncio.sleep(at)
        return await phone.command(
            {"type": "propose", "field": field, "kind": "need", "text": f"Bedarf {k}"}
        )

    answers = await asyncio.gather(
        *(one(p, k, rng.uniform(0, spread)) for k, p in enumerate(phones))
    )
    last_ack = time.perf_counter()
    ids = {a["result"]["id"] for a in answers if a["ok"]}
    deadline = last_ack + timeout
    while any(not ids <= p.items for p in phones):
        if time.perf_counter() > deadline:
            missing = sum(1 for p in phones if not ids <= p.items)
            raise BenchError(f"{missing} phones still miss items {timeout} s after the last ack")
        await asyncio.sleep(0.05)
    all_hold = max(p.last_item_at for p in phones)
    latencies = [lat * 1000 for p in phones for lat, a in p.acks]
    return {
        "phones": len(phones),
        "proposals": len(answers),
        "acked_ok": f"{len(ids)}/{len(answers)}",
        "ack_ms_p95": round(percentile(latencies, 95), 1),
        "every_phone_holds_every_item_s": round(all_hold - start, 2),
        "after_last_ack_s": round(all_hold - last_ack, 2),
        "frames_delivered": len(ids) * len(phones),
        "server_cpu_s": round(target.cpu() - cpu_before, 2),
    }


async def idle(
    target: Target, n: int, seconds: float, ping_every: float | None = None, profile=None
) -> dict:
    """N phones connected and idle; server CPU share and memory per socket.

    Each phone follows the pages' rule (``ping_every`` None): it pings only when it has
    heard nothing from the server for QUIET_LIMIT seconds, which a server sending
    heartbeats never lets happen. With ``ping_every`` > 0 it pings every that many
    seconds whatever it hears (pages before the heartbeat, or an outside client); with
    0 never. Phones answer the server's WebSocket pings, as browsers do, each after a
    pause of up to PONG_AFTER seconds."""
    phones, figures = await connect(target, n)
    rng = random.Random(17)
    for phone in phones:
        phone.answer_pings_late(PONG_AFTER, rng)
    await asyncio.sleep(2)
    cpu_before, start = target.cpu(), time.perf_counter()
    pings = 0

    async def pinger(phone):
        nonlocal pings
        every = ping_every or CHECK_EVERY
        await asyncio.sleep(rng.uniform(0, every))
        while True:
            if ping_every or time.perf_counter() - phone.heard_at > QUIET_LIMIT:
                await phone.ws.send('{"type":"ping"}')
                pings += 1
            await asyncio.sleep(every)

    tasks = (
        [asyncio.get_running_loop().create_task(pinger(p)) for p in phones]
        if ping_every != 0
        else []
    )
    spy = Profile(target, profile)
    await asyncio.sleep(seconds)
    spy.stop()
    cpu = target.cpu() - cpu_before
    elapsed = time.perf_counter() - start
    for task in tasks:
        task.cancel()
    errors = sum(p.errors for p in phones)
    await close_all(phones)
    return {
        "phones": n,
        "seconds": round(elapsed),
        "ping_every_s": ping_every if ping_every is not None else "quiet",
        "pings": pings,
        "server_cpu_percent": round(100 * cpu / elapsed, 2),
        "rss_kb_per_conn": figures["rss_kb_per_conn"],
        "errors": errors,
    }


async def close_all(phones: list[Phone]) -> None:
    await asyncio.gather(*(p.close() for p in phones), return_exceptions=True)


async def arrival(
    target: Target,
    ws_url: str | None,
    n: int,
    at_once: int,
    profile=None,
    timeout=300.0,
    keep_alive: bool = True,
) -> dict:
    """N phones arrive, ``at_once`` at a time (bench/arrive.py); time until all hold their
    snapshot, what each downloaded and asked for, the server's CPU (all its processes),
    p95 of a phone's time from its first request to its snapshot. With several server
    processes the phones take turns (as a proxy shares them out); ``ws_url`` None: each
    phone's socket goes to the process that served its pages."""
    from bench.arrive import arrive_one

    gate = asyncio.Semaphore(at_once)

    async def one(k: int):
        port = target.port(k)
        async with gate:
            return await arrive_one(
                "127.0.0.1", port, target.code, ws_url or target.ws_url(port), None, keep_alive
            )

    spy = Profile(target, profile)
    cpu_before = target.cpu()
    start = time.perf_counter()
    try:
        got = await asyncio.wait_for(asyncio.gather(*(one(k) for k in range(n))), timeout)
    except TimeoutError:
        raise BenchError(f"not every phone had arrived within {timeout} s") from None
    all_in = max(g["phone"].snapshot_at for g in got) - start
    cpu = target.cpu() - cpu_before
    spy.stop()
    await close_all([g["phone"] for g in got])
    return {
        "phones": n,
        "at_once": at_once,
        "all_in_s": round(all_in, 2),
        "kb_per_phone": round(statistics.mean(g["wire"] for g in got) / 1024, 1),
        "requests_per_phone": round(statistics.mean(g["requests"] for g in got), 1),
        "connections_per_phone": round(statistics.mean(g["connections"] for g in got), 1),
        "server_cpu_s": round(cpu, 2),
        "cpu_ms_per_phone": round(1000 * cpu / n, 1),
        "snapshot_s_p95": round(percentile([g["seconds"] for g in got], 95), 2),
    }


async def run_arrival(target: Target, args) -> None:
    """One phone arrives first and what it got is recorded for the ceiling; then the
    ceiling's arrival (with --compare), then the product's, and their ratios."""
    from bench.arrive import record

    product_ws = target.ws_url(target.ports[0])
    with tempfile.TemporaryDirectory(prefix="mitwirken-arrive-") as folder:
        recording = str(Path(folder) / "recording.json")
        await record("127.0.0.1", target.ports[0], target.code, product_ws, recording)
        ceiling = floor = None
        if args.compare:
            port = args.port + 10
            refuse_if_taken(port)
            refuse_if_taken(port + 1)
            process = subprocess.Popen(
                [sys.executable, "-m", "bench.ceiling", "--port", str(port), "--arrive", recording],
                cwd=ROOT,
            )
            try:
                await wait_for_port(port + 1)
                bare = Target([port], [process.pid], target.demo, bare=True)
                ceiling = await arrival(
                    bare,
                    f"ws://127.0.0.1:{port + 1}/ws/forum/{target.code}/",
                    args.phones,
                    args.arrive_at_once,
                    keep_alive=args.arrive_connections == "keep-alive",
                )
                line("arrive", "ceiling", ceiling)
            finally:
                process.terminate()
                process.wait(timeout=10)
            floor = await daphne_floor(args, recording, target)
            line("arrive", "daphne-floor", floor)
    profile = f"{args.profile}.arrive.product.txt" if args.profile else None
    product = await arrival(
        target,
        None,
        args.phones,
        args.arrive_at_once,
        profile,
        keep_alive=args.arrive_connections == "keep-alive",
    )
    variant = "product" if len(target.ports) == 1 else f"product-{len(target.ports)}"
    line("arrive", variant, product)
    if ceiling:
        for name, base in (("ceiling", ceiling), ("daphne-floor", floor)):
            line(
                "arrive",
                f"product/{name}",
                {
                    key: round(product[key] / base[key], 1) if base[key] else "n/a"
                    for key in ("all_in_s", "server_cpu_s", "snapshot_s_p95")
                },
            )


async def daphne_floor(args, recording: str, target: Target) -> dict:
    """The arrival against Daphne with an application that answers as the ceiling does
    (bench/daphne_floor.py): what Daphne itself costs a phone."""
    port = args.port + 12
    refuse_if_taken(port)
    env = {**os.environ, "ARRIVE_RECORDING": recording}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "config.serve",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "bench.daphne_floor:application",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        await wait_for_port(port)
        bare = Target([port], [process.pid], target.demo, bare=True)
        return await arrival(
            bare,
            f"ws://127.0.0.1:{port}/ws/forum/{target.code}/",
            args.phones,
            args.arrive_at_once,
            keep_alive=args.arrive_connections == "keep-alive",
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


async def wait_for_port(port: int) -> None:
    for _ in range(100):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise BenchError(f"nothing listens on port {port}")


# --- running them ----------------------------------------------------------------------


async def run_scenarios(target: Target, variant: str, args, scenarios: list[str]) -> None:
    phones, figures = await connect(target, args.phones)
    if "connect" in scenarios:
        line("connect", variant, figures)
    moderator = await moderator_of(target)

    def profile(name):
        return f"{args.profile}.{name}.{variant}.txt" if args.profile else None

    try:
        if "burst" in scenarios:
            line(
                "burst",
                variant,
                await burst(
                    target,
                    phones,
                    moderator,
                    exact_timeout=args.exact_timeout,
                    profile=profile("burst"),
                ),
            )
        if "reconnect" in scenarios:
            line(
                "reconnect",
                variant,
                await reconnect(target, phones, moderator, profile=profile("reconnect")),
            )
        if "slow" in scenarios:
            line("slow", variant, await slow(target, phones, moderator))
        if "storm" in scenarios:
            storming = phones[: args.storm_phones]
            others = phones[args.storm_phones :]
            await close_all(others)  # the storm's own N: N² frames
            line("storm", variant, await storm(target, storming, moderator))
    finally:
        await close_all(phones + [moderator])


async def with_ceiling(args, body, module: str = "bench.ceiling") -> None:
    """Run ``body`` against the bare ceiling (or the idle scenario's floor, ``bench.floor``)."""
    refuse_if_taken(args.port)
    process = subprocess.Popen([sys.executable, "-m", module, "--port", str(args.port)], cwd=ROOT)
    try:
        for _ in range(100):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", args.port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        await body(
            Target(
                [args.port],
                [process.pid],
                {"forums": [{"code": "CEILNG"}], "moderator": {}},
                bare=True,
            )
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


async def with_server(args, body, env=None, **kwargs) -> None:
    server = LocalServer(args.port, env or {}, **kwargs)
    try:
        await server.ready()
        await body(server.target)
    except BenchError:
        tail = server.log.read_text(errors="replace").splitlines()[-12:]
        print("the server's last log lines:\n  " + "\n  ".join(tail), file=sys.stderr)
        raise
    finally:
        server.stop()


async def run(args) -> int:
    scenarios = SCENARIOS if args.scenario == "all" else [args.scenario]
    if args.scenario == "arrive":
        # On the default limits, as a hall has them: a room of 1000 behind one address
        # joins within them (docs/operations.md, "Limits"), and counting costs its share.
        if args.arrive_processes > 1:
            await with_server(
                args,
                lambda t: run_arrival(t, args),
                venue_defaults=True,
                processes=args.arrive_processes,
                database_url=args.database_url,
                redis_url=args.redis_url,
            )
        else:
            await with_server(args, lambda t: run_arrival(t, args), venue_defaults=True)
        return 0
    if args.scenario == "idle":
        if args.compare:
            await with_ceiling(args, lambda t: report_idle(t, "floor", args), module="bench.floor")
            await with_ceiling(args, lambda t: report_idle(t, "ceiling", args))
        await with_server(args, lambda t: report_idle(t, "product", args))
        return 0
    if args.scenario == "scaleout":
        if args.compare:
            await with_ceiling(args, lambda t: run_scenarios(t, "ceiling", args, ["burst"]))
        await with_server(
            args,
            lambda t: run_scenarios(t, "scaleout-2", args, ["connect", "burst"]),
            processes=2,
            database_url=args.database_url,
            redis_url=args.redis_url,
        )
        return 0
    if args.compare:
        await with_ceiling(args, lambda t: run_scenarios(t, "ceiling", args, scenarios))
    await with_server(args, lambda t: run_scenarios(t, "product", args, scenarios))
    if args.compare and "burst" in scenarios:
        await with_server(
            args,
            lambda t: run_scenarios(t, "no-coalescing", args, ["burst"]),
            env={"TALLY_INTERVAL_MS": "0"},
        )
    return 0


async def report_idle(target, variant, args):
    profile = f"{args.profile}.idle.{variant}.txt" if args.profile else None
    line(
        "idle",
        variant,
        await idle(
            target, args.idle_phones, args.idle_seconds, args.idle_ping_every, profile=profile
        ),
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--scenario", choices=["all", *SCENARIOS, "idle", "scaleout", "arrive"], default="all"
    )
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also run against the bare asyncio ceiling, and the burst without coalescing",
    )
    parser.add_argument(
        "--exact-timeout",
        type=float,
        default=15.0,
        help="seconds after the last ack to wait for every phone's exact tally",
    )
    parser.add_argument(
        "--storm-phones",
        type=int,
        default=300,
        help="phones in the storm (each proposal reaches every phone: N² frames)",
    )
    parser.add_argument(
        "--arrive-at-once", type=int, default=100, help="arrive: phones arriving at once"
    )
    parser.add_argument(
        "--arrive-connections",
        choices=["keep-alive", "close"],
        default="keep-alive",
        help="arrive: a phone's HTTP connection kept from one request to the next, as "
        "browsers keep it, or one connection a request (the figures before 2026-12-03)",
    )
    parser.add_argument(
        "--arrive-processes",
        type=int,
        default=1,
        help="arrive: server processes; more than one share the PostgreSQL and Redis of "
        "--database-url and --redis-url, as scaleout does",
    )
    parser.add_argument("--idle-phones", type=int, default=2000)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument(
        "--idle-ping-every",
        type=float,
        default=None,
        help="seconds between an idle phone's pings whatever it hears (0: none; "
        "default: the pages' rule, a ping only after 35 s without a frame)",
    )
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/mitwirken_bench",
        help="scaleout and arrive with --arrive-processes: a PostgreSQL database to create anew",
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/14",
        help="scaleout: a Redis database index to flush and use",
    )
    parser.add_argument(
        "--profile",
        metavar="PREFIX",
        help="sample the server with py-spy during burst, reconnect, idle and arrive into "
        "PREFIX.<scenario>.<variant>.txt "
        "(raw collapsed stacks; summarise with python -m bench.stacks)",
    )
    args = parser.parse_args(argv)
    try:
        return asyncio.run(run(args))
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
