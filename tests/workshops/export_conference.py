"""A realistic conference for the export and follow-up tests, built through the services
as a real one is: people join, propose needs, goals and measures, vote by group in a
forum and in the plenary, which adopts one measure and rejects another."""

import datetime
from dataclasses import dataclass, field

from tests.factories import make_conference, make_field, make_forum, make_moderator, moderator_actor
from workshops.actors import Actor
from workshops.models import Conference, Forum, Item
from workshops.services import measures as measure_services
from workshops.services.items import adopt_item, propose_item, shortlist_item
from workshops.services.participants import join_conference
from workshops.services.rounds import add_analog_count, close_round, open_round
from workshops.services.votes import cast_vote

NAMED = "Ayşe Yılmaz"  # a participant who gave a name: it must never appear in an export
OTHER_NAMED = "Jonas Brückenbauer"
ADOPTED_TEXT = (
    "Sprachcafé mit Kinderbetreuung in jedem Stadtteil "
    "(Türkçe öğrenme grupları, دورات اللغة للنساء)"
)
REJECTED_TEXT = "Eigene Wohnungsbörse für Geflüchtete"
UNVOTED_TEXT = "Nachbarschaftsfest im Quartier"
NEED_TEXT = "Lange Wartezeiten auf Sprachkurse für Mütter"
GOAL_TEXT = "Sprachkurse mit Kinderbetreuung wohnortnah anbieten"


@dataclass
class Built:
    conference: Conference
    forum: Forum
    other_forum: Forum
    plenary: Forum
    moderator: object
    mod: Actor
    need: Item
    goal: Item
    adopted: Item
    rejected: Item
    unvoted: Item
    people: list = field(default_factory=list)


def build_conference(slug: str | None = None) -> Built:
    conference = make_conference(
        **({"slug": slug} if slug else {}),
        title="5. Integrationskonferenz Musterstadt",
        motto="Vielfalt gemeinsam gestalten",
        date=datetime.date(2026, 11, 21),
        venue="Rathaus, Großer Saal",
    )
    bildung = make_field(conference, "Bildung, Erziehung & Sprache", 0)
    wohnen = make_field(conference, "Wohnen", 1)
    quartier = make_field(conference, "Zusammenleben im Quartier", 2)
    forum = make_forum(conference, fields=[bildung, wohnen], title="Fachforum Bildung und Wohnen")
    other = make_forum(conference, fields=[quartier], title="Fachforum Quartier", position=1)
    plenary = make_forum(
        conference, fields=[bildung, wohnen, quartier], kind="plenary", title="Plenum", position=2
    )
    moderator = make_moderator(conference)
    mod = moderator_actor(moderator)

    def join(name, group):
        return Actor(participant=join_conference(conference=conference, name=name, group=group))

    people = (
        [join(NAMED, "Migrantenorganisation"), join(OTHER_NAMED, "Verwaltung")]
        + [join("", "Migrantenorganisation") for _ in range(2)]
        + [join("", "Verwaltung") for _ in range(2)]
        + [join("", "Wohlfahrtsverband") for _ in range(2)]  # two only: never broken out
    )
    author = people[0]
    need = propose_item(actor=author, forum=forum, field=bildung.pk, kind="need", text=NEED_TEXT)
    goal = propose_item(
        actor=people[1], forum=forum, field=bildung.pk, kind="goal", text=GOAL_TEXT, refs=[need.pk]
    )
    adopted = propose_item(
        actor=author,
        forum=forum,
        field=bildung.pk,
        kind="measure",
        text=ADOPTED_TEXT,
        refs=[goal.pk],
        details={"lead": "Amt für Integration", "timeframe": "bis Ende 2027"},
    )
    housing_need = propose_item(
        actor=people[2], forum=forum, field=wohnen.pk, kind="need", text="Kaum bezahlbare Wohnungen"
    )
    housing_goal = propose_item(
        actor=people[2],
        forum=forum,
        field=wohnen.pk,
        kind="goal",
        text="Fairer Zugang zum Wohnungsmarkt",
        refs=[housing_need.pk],
    )
    rejected = propose_item(
        actor=people[3],
        forum=forum,
        field=wohnen.pk,
        kind="measure",
        text=REJECTED_TEXT,
        refs=[housing_goal.pk],
    )
    unvoted = propose_item(
        actor=people[4], forum=other, field=quartier.pk, kind="measure", text=UNVOTED_TEXT
    )

    # The forum's dot vote: everybody puts points.
    dots = open_round(actor=mod, forum=forum, method="dots", kind="measure", budget=3, per_item=3)
    for n, person in enumerate(people):
        cast_vote(actor=person, forum=forum, round=dots.pk, item=adopted.pk, value=2)
        cast_vote(
            actor=person, forum=forum, round=dots.pk, item=rejected.pk, value=1 if n % 2 else None
        )
    close_round(actor=mod, forum=forum, round=dots.pk)
    for measure in (adopted, rejected):
        shortlist_item(actor=mod, forum=forum, item=measure.pk, shortlisted=True)

    # The plenary adopts one and rejects the other; paper votes from the Leichte-Sprache table.
    vote = open_round(actor=mod, forum=plenary, method="adoption", kind="measure")
    for n, person in enumerate(people):
        cast_vote(
            actor=person, forum=plenary, round=vote.pk, item=adopted.pk, value=1 if n != 5 else 0
        )
        cast_vote(
            actor=person, forum=plenary, round=vote.pk, item=rejected.pk, value=-1 if n % 3 else 1
        )
    add_analog_count(actor=mod, forum=plenary, round=vote.pk, item=adopted.pk, count=4, value=1)
    close_round(actor=mod, forum=plenary, round=vote.pk)
    # The round proposes, the moderator confirms (the console's "Confirm").
    for measure in (adopted, rejected):
        adopt_item(actor=mod, forum=plenary, item=measure.pk, adopted=measure is adopted)

    measure_services.set_measure_details(
        actor=mod,
        item=adopted,
        partners="Volkshochschule, Elternvereine",
        resources="40.000 € pro Jahr",
        indicator="300 Teilnehmerinnen pro Jahr",
    )
    measure_services.set_implementation_status(
        actor=mod, item=adopted, status="in_progress", progress=40
    )
    measure_services.add_measure_update(
        actor=mod,
        item=adopted,
        text="Erste drei Sprachcafés laufen.",
        date=datetime.date(2026, 11, 23),
    )
    for item in (need, goal, adopted, rejected, unvoted):
        item.refresh_from_db()
    return Built(
        conference,
        forum,
        other,
        plenary,
        moderator,
        mod,
        need,
        goal,
        adopted,
        rejected,
        unvoted,
        people,
    )
