"""Benchmark scenarios. Each prints its figures on one line.

    python -m bench [--scenario services] [--n 2000] [--database-url URL]

``services``: the cost of the write path every proposal takes (check, lock the forum,
insert, bump rev, store the event) and of the snapshot a phone gets on connect, against a
fresh database (a temporary SQLite file unless --database-url is given).
"""
import argparse
import os
import statistics
import sys
import tempfile
import time


def setup_django(database_url: str | None, data_dir: str) -> None:
    os.environ["DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
        os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    if database_url:
        from django.db import connection

        with connection.cursor() as cursor:  # a clean slate in a dedicated database
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def scenario_services(n: int) -> str:
    from workshops.actors import Actor
    from workshops.models import ActionField, Conference, Forum, Participant
    from workshops.selectors import forum_snapshot
    from workshops.services.items import propose_item

    conference = Conference.objects.create(slug="bench", title="Bench", stakeholder_groups=[], languages=["de"])
    field = ActionField.objects.create(conference=conference, title="Wohnen")
    forum = Forum.objects.create(conference=conference, title="Forum")
    forum.fields.add(field)
    # At most PROPOSALS_PER_MINUTE (20) each, so the limit's check is measured, not hit.
    actors = [Actor(participant=Participant.objects.create(conference=conference)) for _ in range(max(50, n // 20 + 1))]

    latencies = []
    start = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        propose_item(actor=actors[i % len(actors)], forum=forum, field=field.pk, kind="need",
                     text=f"Vorschlag Nummer {i}: mehr Sprachkurse im Quartier")
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


SCENARIOS = {"services": scenario_services}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="services")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL database the benchmark may wipe (default: temporary SQLite)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mitwirken-bench-") as data_dir:
        setup_django(args.database_url, data_dir)
        print(SCENARIOS[args.scenario](args.n), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
