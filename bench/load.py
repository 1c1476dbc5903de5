"""Load scenarios against a real Daphne, the way phones use it. Each prints one line.

    python -m bench.load --scenario burst --phones 1000
    python -m bench.load --scenario burst --phones 1000 --compare   # also without coalescing

Without --url a server is started here: Daphne on a fresh SQLite in a temporary folder,
seeded with the demo conference. Load generator and server share this machine's cores.
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


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


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
            raise BenchError(f"port {port} is already in use: stop what listens there or pass --port")


class LocalServer:
    """Daphne on a fresh SQLite database with the demo conference."""

    def __init__(self, port: int, extra_env: dict):
        refuse_if_taken(port)
        self.dir = tempfile.TemporaryDirectory(prefix="mitwirken-load-")
        self.env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        self.env.update(DATA_DIR=self.dir.name, SECRET_KEY="bench-only", LOG_LEVEL="WARNING",
                        ALLOWED_HOSTS="127.0.0.1,localhost", **extra_env)
        self.port = port
        python = sys.executable
        subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=self.env, check=True)
        out = subprocess.run([python, "manage.py", "seed_demo", "--json"], cwd=ROOT, env=self.env, check=True,
                             capture_output=True, text=True)
        self.demo = json.loads(out.stdout)
        daphne = str(Path(python).with_name("daphne"))
        self.process = subprocess.Popen([daphne, "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
                                        cwd=ROOT, env=self.env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)

    async def ready(self):
        from bench.phones import http

        for _ in range(300):
            if self.process.poll() is not None:
                raise BenchError(f"the server exited at start (exit code {self.process.returncode})")
            try:
                status, _, _ = await http("127.0.0.1", self.port, "GET", "/healthz", cookies={})
                if status == 200:
                    return
            except BenchError:
                pass
            await asyncio.sleep(0.1)
        raise BenchError("the server did not come up")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.dir.cleanup()


async def phones_online(host, port, code, n, origin, bare=False):
    url = f"ws://{host}:{port}/ws/forum/{code}/"
    gate = asyncio.Semaphore(50)  # phones joining at once

    async def one():
        async with gate:
            phone = Phone({} if bare else await join(host, port, code))
            await phone.connect(url, origin)
            return phone

    start = time.perf_counter()
    phones = await asyncio.gather(*(one() for _ in range(n)))
    deadline = time.perf_counter() + 60
    while any(p.snapshot is None for p in phones):
        if time.perf_counter() > deadline:
            raise BenchError("not every phone got its snapshot within 60 s")
        await asyncio.sleep(0.05)
    return phones, max(p.snapshot_at for p in phones) - start


def start_profile(pid: int, path: str) -> subprocess.Popen:
    """py-spy sampling the server's threads (idle ones too) while the votes arrive."""
    spy = str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--nonblocking", "--rate", "200",
                             "--format", "raw", "--output", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def burst(server_pid, host, port, demo, n, spread=5.0, votes_each=3, exact_timeout=15.0, bare=False,
                profile=None):
    """The burst scenario; ``bare`` drives the ceiling server (no HTTP join or login)."""
    origin = f"http://{host}:{port}"
    forum = demo["forums"][0]
    rss_before = rss_kb(server_pid) if server_pid else 0
    phones, connect_s = await phones_online(host, port, forum["code"], n, origin, bare=bare)
    rss_after = rss_kb(server_pid) if server_pid else 0
    moderator = Phone({} if bare else await login(host, port, demo["moderator"]["username"],
                                                  demo["moderator"]["password"]))
    await moderator.connect(f"ws://{host}:{port}/ws/forum/{forum['code']}/", origin)
    while moderator.snapshot is None:
        await asyncio.sleep(0.05)
    items = [i["id"] for i in moderator.snapshot["items"]]
    if len(items) < votes_each:
        raise BenchError("the demo forum has too few items to vote on")
    ack = await moderator.command({"type": "moderate", "action": "open_round", "method": "dots",
                                   "items": items, "budget": votes_each, "per_item": 1})
    if not ack["ok"]:
        raise BenchError(f"the round could not be opened: {ack}")
    round_id = ack["result"]["id"]
    await asyncio.sleep(1.0)  # let everyone see round.opened

    spy = start_profile(server_pid, profile) if profile else None
    cpu_before = cpu_seconds(server_pid) if server_pid else 0.0
    start = time.perf_counter()
    rng = random.Random(7)

    async def vote(phone, item, at):
        await asyncio.sleep(at)
        return item, await phone.command({"type": "vote", "round": round_id, "item": item, "value": 1})

    tasks = [vote(p, item, rng.uniform(0, spread)) for p in phones for item in rng.sample(items, votes_each)]
    results = await asyncio.gather(*tasks)
    last_ack = time.perf_counter()
    if spy:
        spy.send_signal(2)  # py-spy writes its file on SIGINT
        spy.wait(timeout=30)
    expected = {str(i): 0 for i in items}
    for item, answer in results:
        if answer["ok"]:
            expected[str(item)] += 1
    ok = sum(1 for _, a in results if a["ok"])

    def exact_at(phone):
        for arrival, frame in phone.tallies:
            if frame["round"] == round_id and {k: v["dots"] for k, v in frame["totals"].items()} == expected:
                return arrival
        return None

    deadline = time.perf_counter() + exact_timeout
    while any(exact_at(p) is None for p in phones) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    arrivals = [exact_at(p) for p in phones]
    cpu = (cpu_seconds(server_pid) - cpu_before) if server_pid else float("nan")
    late = sum(1 for a in arrivals if a is None)
    converge = max((a - last_ack for a in arrivals if a is not None), default=float("nan"))
    duration = last_ack - start
    frames = [sum(1 for t, f in p.tallies if f["round"] == round_id and start <= t <= last_ack) for p in phones]
    latencies = [lat * 1000 for p in phones for lat, a in p.acks]
    for p in phones + [moderator]:
        await p.close()
    return {
        "phones": n,
        "votes": len(results),
        "offered_per_s": round(len(results) / spread),
        "acked_ok": f"{ok}/{len(results)}",
        "ack_ms_p50": round(percentile(latencies, 50), 1),
        "ack_ms_p95": round(percentile(latencies, 95), 1),
        "ack_ms_p99": round(percentile(latencies, 99), 1),
        "exact_after_last_ack_s": round(converge, 3) if not late else f"{late} phones never exact",
        "tally_frames_per_phone_s": round(statistics.mean(frames) / duration, 2),
        "server_cpu_s": round(cpu, 2),
        "connect_s": round(connect_s, 2),
        "rss_kb_per_conn": round((rss_after - rss_before) / n, 1) if server_pid else "n/a",
    }


async def ceiling(args) -> dict:
    """The same burst against the bare asyncio server (bench/ceiling.py), in its own process."""
    refuse_if_taken(args.port)
    process = subprocess.Popen([sys.executable, "-m", "bench.ceiling", "--port", str(args.port)], cwd=ROOT)
    try:
        for _ in range(100):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", args.port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        demo = {"forums": [{"code": "CEILNG"}], "moderator": {}}
        return await burst(process.pid, "127.0.0.1", args.port, demo, args.phones,
                           exact_timeout=args.exact_timeout, bare=True)
    finally:
        process.terminate()
        process.wait(timeout=10)


async def run(args) -> int:
    variants = [("product", {})]
    if args.compare:
        variants.append(("no-coalescing", {"TALLY_INTERVAL_MS": "0"}))
        figures = await ceiling(args)
        print("burst[ceiling]: " + " ".join(f"{k}={v}" for k, v in figures.items()), flush=True)
    for name, env in variants:
        server = LocalServer(args.port, env)
        try:
            await server.ready()
            figures = await burst(server.process.pid, "127.0.0.1", args.port, server.demo, args.phones,
                                  exact_timeout=args.exact_timeout,
                                  profile=f"{args.profile}.{name}.txt" if args.profile else None)
        finally:
            server.stop()
        print(f"burst[{name}]: " + " ".join(f"{k}={v}" for k, v in figures.items()), flush=True)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=["burst"], default="burst")
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--compare", action="store_true", help="also run without tally coalescing")
    parser.add_argument("--exact-timeout", type=float, default=15.0,
                        help="seconds after the last ack to wait for every phone's exact tally")
    parser.add_argument("--profile", metavar="PREFIX",
                        help="sample the server with py-spy during each burst into PREFIX.<variant>.txt "
                             "(raw collapsed stacks; summarise with python -m bench.stacks)")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(run(args))
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
