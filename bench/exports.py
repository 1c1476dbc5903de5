"""How long the exports take for a conference of a realistic size. One line of figures.

    python -m bench.exports [--participants 150] [--forums 6] [--items 20] [--database-url URL]

Builds a conference through the services, as a real one is built: people join (in
stakeholder groups), each forum gets needs, goals and measures, a dot vote by its share
of the people, sends its top three measures to the plenary, and the plenary votes on all
of them (every person) and adopts those with more yes than no. Then it times the report
selector and each format of both exports, and prints the sizes.
"""

import argparse
import random
import tempfile
import time

from bench.__main__ import setup_django


def build(participants: int, forums: int, items: int):
    from tests.factories import (
        make_conference,
        make_field,
        make_forum,
        make_moderator,
        moderator_actor,
    )
    from workshops.actors import Actor
    from workshops.services.items import propose_item, shortlist_item
    from workshops.services.measures import set_implementation_status, set_measure_details
    from workshops.services.participants import join_conference
    from workshops.services.rounds import close_round, open_round
    from workshops.services.votes import cast_vote

    rng = random.Random(7)
    conference = make_conference(title="Benchmark-Konferenz", motto="Zusammen wachsen")
    groups = conference.stakeholder_groups
    fields = [make_field(conference, f"Handlungsfeld {n + 1}", n) for n in range(forums)]
    plenary = make_forum(conference, fields=fields, kind="plenary", title="Plenum", position=forums)
    mod = moderator_actor(make_moderator(conference))
    people = [
        Actor(
            participant=join_conference(
                conference=conference, name=f"Person {n}", group=groups[n % len(groups)]
            )
        )
        for n in range(participants)
    ]
    for f, field in enumerate(fields):
        forum = make_forum(conference, fields=[field], title=f"Fachforum {f + 1}", position=f)
        own = people[f::forums]
        needs = [
            propose_item(
                actor=rng.choice(own),
                forum=forum,
                field=field.pk,
                kind="need",
                text=f"Bedarf {f}.{n} ğüş",
            )
            for n in range(items // 4)
        ]
        goals = [
            propose_item(
                actor=rng.choice(own),
                forum=forum,
                field=field.pk,
                kind="goal",
                text=f"Ziel {f}.{n}",
                refs=[rng.choice(needs).pk],
            )
            for n in range(items // 4)
        ]
        measures = [
            propose_item(
                actor=rng.choice(own),
                forum=forum,
                field=field.pk,
                kind="measure",
                text=f"Maßnahme {f}.{n} دورات اللغة",
                refs=[rng.choice(goals).pk],
            )
            for n in range(items - 2 * (items // 4))
        ]
        dots = open_round(
            actor=mod, forum=forum, method="dots", kind="measure", budget=3, per_item=3
        )
        for person in own:
            cast_vote(
                actor=person, forum=forum, round=dots.pk, item=rng.choice(measures).pk, value=3
            )
        close_round(actor=mod, forum=forum, round=dots.pk)
        for measure in measures[:3]:
            shortlist_item(actor=mod, forum=forum, item=measure.pk, shortlisted=True)
            set_measure_details(
                actor=mod, item=measure, lead="Amt für Integration", timeframe="2027"
            )
    vote = open_round(actor=mod, forum=plenary, method="adoption", kind="measure")
    chosen = list(vote.items.values_list("pk", flat=True))
    for person in people:
        for item in chosen:
            cast_vote(
                actor=person,
                forum=plenary,
                round=vote.pk,
                item=item,
                value=rng.choice([1, 1, 1, -1, 0]),
            )
    close_round(actor=mod, forum=plenary, round=vote.pk)
    from workshops.methods import method_of
    from workshops.models import Item
    from workshops.selectors import round_totals
    from workshops.services.items import adopt_item

    # the round proposes, the moderator confirms every proposal (the console's "Bestätigen")
    totals = round_totals(vote)["totals"]
    for item in chosen:
        adopted, _text = method_of("adoption").proposal(totals[str(item)])
        adopt_item(actor=mod, forum=plenary, item=item, adopted=adopted)

    for measure in Item.objects.filter(forum__conference=conference, adopted=True)[:5]:
        set_implementation_status(actor=mod, item=measure, status="in_progress", progress=30)
    return conference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=150)
    parser.add_argument("--forums", type=int, default=6)
    parser.add_argument("--items", type=int, default=20, help="items per forum")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        setup_django(args.database_url, data_dir)
        started = time.perf_counter()
        conference = build(args.participants, args.forums, args.items)
        built = time.perf_counter() - started
        from django.db import connection, reset_queries
        from django.test.utils import CaptureQueriesContext

        from workshops.exports.data import conference_report
        from workshops.exports.writers import FORMATS, render

        figures = [f"built in {built:.1f} s"]
        for kind in ("measures", "documentation"):
            reset_queries()
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                report = conference_report(conference, kind)
            took = time.perf_counter() - started
            measures = sum(len(f["measures"]) for f in report["fields"])
            parts = [
                f"{kind}: {measures} measures, report {1000 * took:.0f} ms / {len(queries)} queries"
            ]
            for fmt in FORMATS:
                started = time.perf_counter()
                data = render(report, fmt)
                parts.append(
                    f"{fmt} {1000 * (time.perf_counter() - started):.0f} ms {len(data) // 1024} KiB"
                )
            figures.append(", ".join(parts))
        print(
            f"exports ({args.participants} participants, {args.forums} forums, "
            f"{args.items} items each): " + "; ".join(figures)
        )


if __name__ == "__main__":
    main()
