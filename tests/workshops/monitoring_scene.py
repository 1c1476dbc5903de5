"""The test conference of ``export_conference`` a year on: guiding goals and sub-goals
per action field, more adopted measures in every status, linked to sub-goals or not,
leads, and an indicator with measured values. Rows are written directly, as the pages
that fill them would leave them."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from tests.workshops.export_conference import Built, build_conference
from workshops.models import GuidingGoal, Indicator, IndicatorValue, Item, Lead, SubGoal

GOAL_CHILDREN = "Alle Kinder haben gleiche Bildungschancen"
GOAL_ADULTS = "Erwachsene lernen Deutsch wohnortnah"
GOAL_HOUSING = "Fairer Zugang zu Wohnraum"
SUB_SCHOOL = "Jedes Kind spricht bei der Einschulung Deutsch"
SUB_PARENTS = "Eltern kennen das Schulsystem"
SUB_COURSES = "Sprachkurse mit Kinderbetreuung in jedem Stadtteil"
SUB_ADVICE = "Beratung bei der Wohnungssuche"
INDICATOR = "Teilnehmerinnen pro Jahr"


@dataclass
class Scene:
    built: Built
    goals: dict  # title -> GuidingGoal
    subs: dict  # title -> SubGoal
    measures: dict  # text -> Item
    indicator: Indicator
    lead: Lead


def _goal(field, title, position, subs):
    goal = GuidingGoal.objects.create(field=field, title=title, position=position)
    made = {t: SubGoal.objects.create(guiding_goal=goal, title=t, position=n) for n, t in subs}
    return goal, made


def _measure(built, field, text, status, progress, sub=None, forum=None):
    return Item.objects.create(
        forum=forum or built.forum,
        field=field,
        kind=Item.Kind.MEASURE,
        text=text,
        adopted=True,
        shortlisted=True,
        implementation=status,
        progress=progress,
        sub_goal=sub,
    )


def build_monitoring(slug: str | None = None) -> Scene:
    built = build_conference(slug)
    bildung, wohnen, quartier = built.conference.fields.order_by("position")
    children, subs = _goal(bildung, GOAL_CHILDREN, 0, [(0, SUB_SCHOOL), (1, SUB_PARENTS)])
    adults, more = _goal(bildung, GOAL_ADULTS, 1, [(0, SUB_COURSES)])
    subs |= more
    housing, more = _goal(wohnen, GOAL_HOUSING, 0, [(0, SUB_ADVICE)])
    subs |= more
    lead = Lead.objects.create(conference=built.conference, name="Amt für Integration und Vielfalt")
    adopted = built.adopted
    adopted.sub_goal, adopted.lead_org = subs[SUB_COURSES], lead
    adopted.save(update_fields=["sub_goal", "lead_org"])
    measures = {
        adopted.text: adopted,
        "Sprachkitas ausbauen": _measure(
            built, bildung, "Sprachkitas ausbauen", "done", 100, subs[SUB_SCHOOL]
        ),
        "Elternlotsen an Grundschulen": _measure(
            built, bildung, "Elternlotsen an Grundschulen", "planned", 0, subs[SUB_PARENTS]
        ),
        "Lernpaten für Seiteneinsteiger": _measure(
            built, bildung, "Lernpaten für Seiteneinsteiger", "dropped", 10
        ),
        "Mobile Wohnungsberatung": _measure(
            built, wohnen, "Mobile Wohnungsberatung", "in_progress", 60, subs[SUB_ADVICE]
        ),
        "Quartiersfest jährlich": _measure(
            built, quartier, "Quartiersfest jährlich", "done", 100, forum=built.other_forum
        ),
    }
    indicator = Indicator.objects.create(
        item=adopted,
        title=INDICATOR,
        unit="Personen",
        baseline=Decimal("120"),
        baseline_date=datetime.date(2026, 1, 1),
        target=Decimal("300"),
        target_date=datetime.date(2027, 12, 31),
    )
    for day, value in ((datetime.date(2026, 6, 30), 150), (datetime.date(2026, 11, 30), 210)):
        IndicatorValue.objects.create(indicator=indicator, date=day, value=Decimal(value))
    return Scene(
        built,
        {g.title: g for g in (children, adults, housing)},
        subs,
        measures,
        indicator,
        lead,
    )
