"""The exports follow the city's structure: action field → guiding goal → sub-goal →
measures (docs/exports.md), read back from every format in order."""

import csv
import io
import json

import pytest
from django.utils import translation

from tests.factories import make_forum, make_moderator, make_participant, moderator_actor
from tests.factories import participant_actor as phone
from workshops.exports.data import conference_report
from workshops.exports.writers import render
from workshops.models import GuidingGoal, SubGoal
from workshops.services.items import adopt_item, propose_item

pytestmark = pytest.mark.django_db

CHANCEN = "Alle Kinder haben gleiche Bildungschancen"
DEUTSCH = "Jedes Kind spricht bei der Einschulung Deutsch"
ELTERN = "Eltern kennen das Schulsystem"
VIELFALT = "Mehrsprachigkeit wird als Stärke anerkannt"
HERKUNFT = "Herkunftssprachlicher Unterricht an allen Schulen"
# The measures, named by where they belong.
M_ELTERN = "Elternlotsen an jeder Grundschule"
M_DEUTSCH = "Sprachkitas in jedem Stadtteil"
M_THROUGH_GOAL = "Vorlesepaten in den Kitas"
M_ALONE = "Ein Integrationsfest im Sommer"
NEED = "Viele Kinder kommen ohne Deutschkenntnisse in die Schule"
GOAL = "Jedes Kind lernt vor der Schule Deutsch"


@pytest.fixture(autouse=True)
def german():
    with translation.override("de"):
        yield


@pytest.fixture
def city():
    forum = make_forum(title="Fachforum Bildung")
    bildung, wohnen = forum.fields.order_by("position", "id")
    chancen = GuidingGoal.objects.create(field=bildung, title=CHANCEN, position=0)
    deutsch = SubGoal.objects.create(guiding_goal=chancen, title=DEUTSCH, position=0)
    eltern = SubGoal.objects.create(guiding_goal=chancen, title=ELTERN, position=1)
    vielfalt = GuidingGoal.objects.create(field=bildung, title=VIELFALT, position=1)
    herkunft = SubGoal.objects.create(guiding_goal=vielfalt, title=HERKUNFT)
    person = phone(make_participant(forum.conference))
    moderator = moderator_actor(make_moderator(forum.conference))

    def propose(kind, text, **kw):
        return propose_item(actor=person, forum=forum, field=bildung.pk, kind=kind, text=text, **kw)

    need = propose("need", NEED)
    goal = propose("goal", GOAL, refs=[need.pk], sub_goal=deutsch.pk)
    # Proposed in an order unlike the hierarchy's, so the order read back is the export's.
    alone = propose("measure", M_ALONE)
    eltern_measure = propose("measure", M_ELTERN, sub_goal=eltern.pk)
    through = propose("measure", M_THROUGH_GOAL, refs=[goal.pk])
    deutsch_measure = propose("measure", M_DEUTSCH, sub_goal=deutsch.pk)
    for measure in (alone, eltern_measure, through, deutsch_measure):
        adopt_item(actor=moderator, forum=forum, item=measure.pk, adopted=True)
    return {
        "conference": forum.conference,
        "bildung": bildung,
        "wohnen": wohnen,
        "chancen": chancen,
        "vielfalt": vielfalt,
        "deutsch": deutsch,
        "eltern": eltern,
        "herkunft": herkunft,
        "goal": goal,
        "measures": {
            "alone": alone.pk,
            "eltern": eltern_measure.pk,
            "through": through.pk,
            "deutsch": deutsch_measure.pk,
        },
    }


def in_order(text: str, *parts: str) -> bool:
    at = [text.index(part) for part in parts]
    return at == sorted(at)


ORDER = [CHANCEN, DEUTSCH, M_THROUGH_GOAL, M_DEUTSCH, ELTERN, M_ELTERN, VIELFALT, HERKUNFT]


def test_documentation_json_has_the_documented_guiding_goals(city):
    report = json.loads(render(conference_report(city["conference"], "documentation"), "json"))
    m = city["measures"]
    assert report["guiding_goals"] == [
        {
            "id": city["chancen"].pk,
            "field": city["bildung"].pk,
            "title": CHANCEN,
            "sub_goals": [
                {
                    "id": city["deutsch"].pk,
                    "title": DEUTSCH,
                    "measures": [m["through"], m["deutsch"]],
                },
                {"id": city["eltern"].pk, "title": ELTERN, "measures": [m["eltern"]]},
            ],
            "measures": [m["through"], m["deutsch"], m["eltern"]],
        },
        {
            "id": city["vielfalt"].pk,
            "field": city["bildung"].pk,
            "title": VIELFALT,
            "sub_goals": [{"id": city["herkunft"].pk, "title": HERKUNFT, "measures": []}],
            "measures": [],
        },
    ]
    bildung = report["fields"][0]
    assert [e["id"] for e in bildung["measures"]] == [
        m["through"],
        m["deutsch"],
        m["eltern"],
        m["alone"],
    ]
    by_id = {e["id"]: e for e in bildung["measures"] + bildung["goals"]}
    assert by_id[m["eltern"]]["sub_goal"] == city["eltern"].pk
    assert by_id[m["through"]]["sub_goal"] is None  # placed through the goal it answers
    assert by_id[city["goal"].pk]["sub_goal"] == city["deutsch"].pk


def test_the_measures_export_places_only_adopted_measures(city):
    from workshops.models import Item

    Item.objects.filter(pk=city["measures"]["eltern"]).update(adopted=False)
    report = conference_report(city["conference"], "measures")
    assert report["guiding_goals"][0]["sub_goals"][1]["measures"] == []
    assert city["measures"]["eltern"] not in [e["id"] for e in report["fields"][0]["measures"]]


def test_docx_nests_field_guiding_goal_sub_goal_and_measures(city):
    import docx

    for kind in ("measures", "documentation"):
        document = docx.Document(
            io.BytesIO(render(conference_report(city["conference"], kind), "docx"))
        )
        headings = [
            (p.style.name, p.text.replace("\u2068", "").replace("\u2069", ""))
            for p in document.paragraphs
            if p.style.name.startswith("Heading")
        ]
        text = "\n".join(t for _s, t in headings)
        assert in_order(
            text,
            "Bildung, Erziehung & Sprache",
            f"Leitziel 1: {CHANCEN}",
            f"Teilziel 1.1: {DEUTSCH}",
            M_THROUGH_GOAL,
            M_DEUTSCH,
            f"Teilziel 1.2: {ELTERN}",
            M_ELTERN,
            "Ohne Leitziel",
            M_ALONE,
        ), kind
        # a guiding goal without a measure is no section saying "none" (the monitoring
        # report lists every one)
        assert VIELFALT not in text and HERKUNFT not in text and "Keine" not in text
        levels = dict((t, s) for s, t in headings)
        assert levels[f"Leitziel 1: {CHANCEN}"] == "Heading 2"
        assert levels[f"Teilziel 1.1: {DEUTSCH}"] == "Heading 3"
        assert levels[f"#{city['measures']['deutsch']} {M_DEUTSCH}"] == "Heading 4"
    # each measure with the forum goal and the need it answers: on page 1 as its chain
    # (need → goal → measure), in its chapter in full
    body = (
        "\n".join(p.text for p in document.paragraphs).replace("\u2068", "").replace("\u2069", "")
    )
    m = city["measures"]
    goal = city["goal"]
    chain = (
        f"Bedarf #{goal.refs.get().pk} {NEED} → Ziel #{goal.pk} {GOAL} → Maßnahme #{m['through']}"
    )
    assert in_order(body, f"#{m['through']} {M_THROUGH_GOAL}", chain, "Beteiligung in Zahlen")
    chapter = body[body.index("Beteiligung in Zahlen") :]
    assert in_order(chapter, M_THROUGH_GOAL, GOAL, NEED, M_DEUTSCH)


def test_pdf_reads_in_the_same_order(city):
    import pypdf

    data = render(conference_report(city["conference"], "documentation"), "pdf")
    text = " ".join(
        " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages).split()
    )
    text = text[text.index("Beteiligung in Zahlen") :]  # the chapters after page 1
    assert in_order(
        text,
        f"Leitziel 1: {CHANCEN}",
        f"Teilziel 1.1: {DEUTSCH}",
        M_THROUGH_GOAL,
        M_DEUTSCH,
        f"Teilziel 1.2: {ELTERN}",
        M_ELTERN,
        "Ohne Leitziel",
        M_ALONE,
    )


def test_xlsx_and_csv_rows_follow_the_hierarchy_and_name_it(city):
    import openpyxl

    report = conference_report(city["conference"], "measures")
    book = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx")))
    rows = [[c.value for c in r] for r in book["Bildung, Erziehung & Sprache"].iter_rows()]
    header = rows[0]
    table = [dict(zip(header, r, strict=False)) for r in rows[1:]]
    assert [(r["Text"], r["Leitziel"], r["Teilziel"]) for r in table] == [
        (M_THROUGH_GOAL, f"1 {CHANCEN}", f"1.1 {DEUTSCH}"),
        (M_DEUTSCH, f"1 {CHANCEN}", f"1.1 {DEUTSCH}"),
        (M_ELTERN, f"1 {CHANCEN}", f"1.2 {ELTERN}"),
        (M_ALONE, None, None),
    ]
    assert GOAL in table[0]["Ziele, auf die sie antwortet"]
    assert NEED in table[0]["Bedarfe dahinter"]
    data = render(report, "csv").decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(data), delimiter=";"))
    assert [(r[4], r[2], r[3]) for r in lines[1:]] == [
        (M_THROUGH_GOAL, f"1 {CHANCEN}", f"1.1 {DEUTSCH}"),
        (M_DEUTSCH, f"1 {CHANCEN}", f"1.1 {DEUTSCH}"),
        (M_ELTERN, f"1 {CHANCEN}", f"1.2 {ELTERN}"),
        (M_ALONE, "", ""),
    ]
