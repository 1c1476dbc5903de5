"""The monitoring report for the council (DOCX and PDF) read back: action field →
guiding goal → sub-goal → measures in order, the unlinked measures last, status, lead,
dated updates, the indicator charts as pictures with their figures, A4; downloaded under
the exports' rules."""

import io
import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import make_conference
from tests.workshops.export_conference import ADOPTED_TEXT
from tests.workshops.monitoring_scene import (
    GOAL_ADULTS,
    GOAL_CHILDREN,
    GOAL_HOUSING,
    INDICATOR,
    SUB_ADVICE,
    SUB_COURSES,
    SUB_PARENTS,
    SUB_SCHOOL,
    build_monitoring,
)
from workshops.exports.monitoring import monitoring_report
from workshops.exports.writers import render
from workshops.services.measures import publish_results

pytestmark = pytest.mark.django_db

ISOLATES = str.maketrans("", "", "\u2066\u2067\u2068\u2069")


@pytest.fixture(scope="module")
def files(django_db_setup, django_db_blocker):
    """The scene's monitoring report, in German, as DOCX and PDF, made once."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic(), translation.override("de"):
        scene = build_monitoring(slug="monitoring-gedruckt")
        report = monitoring_report(scene.built.conference)
        made = {
            "docx": render(report, "docx"),
            "pdf": render(report, "pdf"),
            "ids": {text: m.pk for text, m in scene.measures.items()},
        }
        transaction.set_rollback(True)
    return made


def _order(ids: dict) -> list[str]:
    """The headings of the report's chapters, in the order they must come."""
    return [
        "Bildung, Erziehung & Sprache",
        f"Leitziel 1: {GOAL_CHILDREN}",
        f"Teilziel 1.1: {SUB_SCHOOL}",
        f"#{ids['Sprachkitas ausbauen']} Sprachkitas ausbauen",
        f"Teilziel 1.2: {SUB_PARENTS}",
        f"#{ids['Elternlotsen an Grundschulen']} Elternlotsen an Grundschulen",
        f"Leitziel 2: {GOAL_ADULTS}",
        f"Teilziel 2.1: {SUB_COURSES}",
        f"#{ids[ADOPTED_TEXT]} {ADOPTED_TEXT}",
        "Keinem Leitziel zugeordnet",
        f"#{ids['Lernpaten für Seiteneinsteiger']} Lernpaten für Seiteneinsteiger",
        "Wohnen",
        f"Leitziel 1: {GOAL_HOUSING}",
        f"Teilziel 1.1: {SUB_ADVICE}",
        f"#{ids['Mobile Wohnungsberatung']} Mobile Wohnungsberatung",
        "Zusammenleben im Quartier",
        "Keinem Leitziel zugeordnet",
        f"#{ids['Quartiersfest jährlich']} Quartiersfest jährlich",
    ]


def test_the_docx_follows_field_goal_sub_goal_measure_with_the_unlinked_last(files):
    import docx
    from docx.shared import Cm

    document = docx.Document(io.BytesIO(files["docx"]))
    headings = [
        (p.style.name, p.text.translate(ISOLATES))
        for p in document.paragraphs
        if p.style.name.startswith("Heading")
    ]
    chapters = headings[headings.index(("Heading 1", "Bildung, Erziehung & Sprache")) :]
    assert [text for _style, text in chapters] == _order(files["ids"])
    levels = dict(zip(_order(files["ids"]), [s for s, _t in chapters], strict=True))
    assert levels[f"Leitziel 1: {GOAL_CHILDREN}"] == "Heading 2"
    assert levels[f"Teilziel 1.1: {SUB_SCHOOL}"] == "Heading 3"
    kitas = files["ids"]["Sprachkitas ausbauen"]
    assert levels[f"#{kitas} Sprachkitas ausbauen"] == "Heading 4"
    assert ("Heading 1", "Monitoringbericht") in headings
    for section in document.sections:  # A4
        assert abs(section.page_width - Cm(21)) < Cm(0.1)
        assert abs(section.page_height - Cm(29.7)) < Cm(0.1)
    text = "\n".join(p.text for p in document.paragraphs).translate(ISOLATES)
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells).translate(
        ISOLATES
    )
    assert "in Umsetzung, 40 %" in cells and "Amt für Integration und Vielfalt" in cells
    assert "eingestellt, 10 %" in cells  # the dropped one
    assert "23. November 2026: Erste drei Sprachcafés laufen." in text
    # the roll-up on the first pages: Bildung 1 planned, 1 in progress, 1 done, 1 dropped
    rollup = document.tables[0]
    assert [c.text for c in rollup.rows[0].cells] == [
        "Handlungsfeld / Leitziel",
        "geplant",
        "in Umsetzung",
        "umgesetzt",
        "eingestellt",
        "Gesamt",
    ]
    rows = {
        r.cells[0].text.strip().translate(ISOLATES): [c.text for c in r.cells[1:]]
        for r in rollup.rows[1:]
    }
    assert rows["Bildung, Erziehung & Sprache"] == ["1", "1", "1", "1", "4"]
    assert rows[f"Leitziel 1: {GOAL_CHILDREN}"] == ["1", "0", "1", "0", "2"]
    assert rows["Alle Handlungsfelder"] == ["1", "2", "2", "1", "6"]


def test_the_docx_carries_the_indicator_chart_with_its_figures(files):
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(io.BytesIO(files["docx"]))
    assert len(document.inline_shapes) == 1  # one indicator, one chart
    described = [e.get("descr") for e in document.element.body.iter(qn("wp:docPr"))]
    assert len(described) == 1 and described[0].startswith(f"{INDICATOR}: Ausgangswert 120")
    assert "30. November 2026: 210 Personen" in described[0] and "Ziel 300 Personen" in described[0]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "50 % des Weges vom Ausgangswert zum Ziel" in text  # also in words, under it


def test_the_pdf_is_a4_in_the_same_order_with_the_chart(files):
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(files["pdf"]))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842)  # A4 in points
    assert sum(len(page.images) for page in reader.pages) == 1
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split()).translate(ISOLATES)
    text = text[text.index("Bildung, Erziehung & Sprache 4 verabschiedete") :]
    positions = []
    start = 0
    for heading in _order(files["ids"]):
        heading = heading.split(" (")[0]  # the PDF's shaped Arabic reads back otherwise
        found = text.find(heading, start)
        assert found >= 0, heading
        positions.append(found)
        start = found + 1
    assert positions == sorted(positions)
    assert "Monitoringbericht" in reader.metadata.title


def test_an_empty_conference_gets_a_report_that_says_so():
    with translation.override("de"):
        report = monitoring_report(make_conference())
        document = render(report, "docx")
    import docx

    text = "\n".join(p.text for p in docx.Document(io.BytesIO(document)).paragraphs)
    assert "Diese Konferenz hat noch keine verabschiedeten Maßnahmen." in text


def test_the_monitoring_report_is_downloaded_under_the_exports_rules(client):
    scene = build_monitoring()
    conference = scene.built.conference
    url = reverse("workshops:export_monitoring", args=[conference.slug, "pdf"])
    assert url == f"/c/{conference.slug}/export/monitoring.pdf"
    assert client.get(url).status_code == 403  # not published yet
    assert client.get(f"/c/{conference.slug}/export/monitoring.xlsx").status_code == 404
    client.force_login(scene.built.moderator)
    response = client.get(f"/c/{conference.slug}/export/monitoring.docx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="{conference.slug}-monitoring.docx"'
    )
    page = client.get(reverse("workshops:exports", args=[conference.slug])).content.decode()
    assert "Monitoringbericht, PDF" in page and f'href="{url}"' in page
    publish_results(actor=scene.built.mod, conference=conference)
    client.logout()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert re.match(rb"%PDF-", response.content)


def test_the_report_reads_the_same_queries_however_many_measures_and_values():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workshops.models import IndicatorValue, Item

    scene = build_monitoring()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            monitoring_report(scene.built.conference)
        return len(captured)

    before = queries()
    sub = scene.built.adopted.sub_goal
    for n in range(4):
        Item.objects.create(
            forum=scene.built.forum,
            field=scene.built.adopted.field,
            kind="measure",
            text=f"Weitere Maßnahme {n}",
            adopted=True,
            sub_goal=sub if n % 2 else None,
        )
        IndicatorValue.objects.create(
            indicator=scene.indicator, date=f"2026-0{n + 1}-15", value=130 + n
        )
    assert queries() == before
