"""Benchmark scenarios. Each prints its figures on one line.

    python -m bench [--scenario services|votes] [--n 1000] [--database-url URL]

``services``: the cost of the write path every proposal takes (check, lock the forum,
insert, bump rev, store the event) and of the snapshot a phone gets on connect, against a
fresh database (a temporary SQLite file unless --database-url is given).

``votes``: what a vote costs on the way a socket's votes take (the command writer's
batch, ``realtime.commands.execute_batch``): wall time and this process's CPU per vote
and, for a PostgreSQL on this machine, its backend's CPU per vote; N participants vote
3 times each. Exits non-zero when a vote is refused or the points booked on the ballots
differ from the votes stored.

With --database-url the database is dropped and created anew (exit 2, no figures, when
that PostgreSQL cannot be reached).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

from bench.phones import BenchError


def setup_django(database_url: str | None, data_dir: str) -> None:
    os.environ["DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    if database_url:
        from bench.load import fresh_postgres

        fresh_postgres(database_url)  # a clean slate in a dedicated database, created if need be
        os.environ["DATABASE_URL"] = database_url
        os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def scenario_services(n: int) -> str:
    from django.conf import settings

    from workshops.actors import Actor
    from workshops.models import ActionField, Conference, Forum, Participant
    from workshops.selectors import forum_snapshot
    from workshops.services.items import propose_item

    if settings.FORUM_ITEMS_MAX and n > settings.FORUM_ITEMS_MAX:
        raise BenchError(
            f"--n {n} is more than a forum may hold (FORUM_ITEMS_MAX={settings.FORUM_ITEMS_MAX})"
        )
    conference = Conference.objects.create(
        slug="bench", title="Bench", stakeholder_groups=[], languages=["de"]
    )
    field = ActionField.objects.create(conference=conference, title="Wohnen")
    forum = Forum.objects.create(conference=conference, title="Forum")
    forum.fields.add(field)
    # At most PROPOSALS_PER_MINUTE (20) each, so the limit's check is measured, not hit.
    actors = [
        Actor(participant=Participant.objects.create(conference=conference))
        for _ in range(max(50, n // 20 + 1))
    ]

    latencies = []
    start = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        propose_item(
            actor=actors[i % len(actors)],
            forum=forum,
            field=field.pk,
            kind="need",
            text=f"Vorschlag Nummer {i}: mehr Sprachkurse im Quartier",
        )
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start

    snapshots = []
    for _ in range(20):
        t0 = time.perf_counter()
        forum_snapshot(forum, actors[0])
        snapshots.append(time.perf_counter() - t0)
    return (
        f"services: n={n} proposals/s={n / elapsed:.0f} "
        f"propose_ms p50={statistics.median(latencies) * 1000:.2f} "
        f"p95={percentile(latencies, 95) * 1000:.2f} p99={percentile(latencies, 99) * 1000:.2f} "
        f"snapshot_ms({n} items) p50={statistics.median(snapshots) * 1000:.1f}"
    )


def scenario_votes(n: int) -> str:
    """N participants cast 3 dots votes each through the socket commands' writer path
    (``execute_batch``, 20 commands a batch, in the database thread of a running event
    loop, tallies coalesced on it as in the server), without sockets."""
    import asyncio
    import json
    import random

    from channels.db import database_sync_to_async
    from django.contrib.auth import get_user_model
    from django.db import connection

    from bench.load import cpu_seconds
    from realtime.commands import execute_batch
    from realtime.protocol import parse
    from realtime.tally import coalescer
    from workshops.actors import Actor
    from workshops.models import ActionField, Conference, Forum, Participant
    from workshops.services.items import propose_item
    from workshops.services.rounds import open_round

    conference = Conference.objects.create(
        slug="bench", title="Bench", stakeholder_groups=[], languages=["de"]
    )
    field = ActionField.objects.create(conference=conference, title="Wohnen")
    forum = Forum.objects.create(conference=conference, title="Forum")
    forum.fields.add(field)
    moderator = get_user_model().objects.create_user(username="bench-moderator")
    conference.moderators.add(moderator)
    author = Actor(participant=Participant.objects.create(conference=conference))
    items = [
        propose_item(
            actor=author, forum=forum, field=field.pk, kind="measure", text=f"Maßnahme {i}"
        ).pk
        for i in range(6)
    ]
    round_ = open_round(
        actor=Actor(user=moderator),
        forum=forum,
        method="dots",
        items=items,
        budget=3,
        per_item=3,
        secret=False,
    )
    voters = [
        Actor(participant=Participant.objects.create(conference=conference)) for _ in range(n)
    ]
    pick = random.Random(1)
    entries = [
        {
            "actor": voter,
            "sender": f"p:{voter.participant.pk}",
            "forum": forum,
            "language": "de",
            "command": parse(
                json.dumps(
                    {
                        "type": "vote",
                        "id": f"v{k}",
                        "round": round_.pk,
                        "item": pick.choice(items),
                        "value": 1,
                    }
                )
            ),
        }
        for k in range(3)
        for voter in voters
    ]

    def backends():
        """The database's server processes of this run (the pool's connections)."""
        if connection.vendor != "postgresql":
            return set()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            return {row[0] for row in cursor.fetchall()}

    def books_balance() -> bool:
        from django.db.models import Sum

        from workshops.models import Ballot, Vote

        spent = dict(
            Vote.objects.filter(round=round_).values_list("participant").annotate(Sum("value"))
        )
        booked = dict(
            Ballot.objects.filter(round=round_, used__gt=0).values_list("participant", "used")
        )
        return spent == booked and len(spent) == n

    def backend_cpu(pid):
        try:
            return cpu_seconds(pid)
        except OSError:  # gone, or a database on another machine
            return None

    async def run():
        coalescer.attach()
        pids = await database_sync_to_async(backends)()
        before = {pid: backend_cpu(pid) for pid in pids}
        cpu_before, start = time.process_time(), time.perf_counter()
        for i in range(0, len(entries), 20):
            answers = await database_sync_to_async(execute_batch)(entries[i : i + 20])
            if not all(answer["ok"] for answer in answers):  # 3 points of 3, never short
                raise SystemExit(f"a vote was refused: {answers}")
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_before
        pids |= await database_sync_to_async(backends)()
        after = {pid: backend_cpu(pid) for pid in pids}
        await asyncio.sleep(0.3)  # the last tally
        if not await database_sync_to_async(books_balance)():
            raise SystemExit("the points booked on the ballots differ from the votes stored")
        if not pids or None in after.values():
            backend = "n/a"
        else:
            used = sum(after[pid] - (before.get(pid) or 0) for pid in pids)
            backend = f"{used / len(entries) * 1e6:.0f}"
        return (
            f"votes: {connection.vendor} votes={len(entries)} batch=20 "
            f"us_per_vote wall={elapsed / len(entries) * 1e6:.0f} python_cpu"
            f"={cpu / len(entries) * 1e6:.0f} "
            f"database_backend_cpu={backend}"
        )

    return asyncio.run(run())


SCENARIOS = {"services": scenario_services, "votes": scenario_votes}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="services")
    # The services scenario fills one forum to its limit (FORUM_ITEMS_MAX, 1000).
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL database the benchmark may wipe (default: temporary SQLite)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mitwirken-bench-") as data_dir:
        try:
            setup_django(args.database_url, data_dir)
        except BenchError as exc:
            print(f"bench failed: {exc}", file=sys.stderr)
            return 2
        try:
            print(SCENARIOS[args.scenario](args.n), flush=True)
        except BenchError as exc:
            print(f"bench failed: {exc}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
