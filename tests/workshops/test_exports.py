"""The exports, generated from a realistic conference and read back the way the city
reads them: openpyxl, python-docx, pypdf, csv and json."""

import csv
import io
import json

import pytest
from django.urls import reverse

from tests.factories import (
    make_conference,
    make_field,
    make_forum,
    make_moderator,
    make_participant,
    moderator_actor,
)
from tests.workshops.export_conference import (
    ADOPTED_TEXT,
    GOAL_TEXT,
    NAMED,
    NEED_TEXT,
    OTHER_NAMED,
    REJECTED_TEXT,
    UNVOTED_TEXT,
    build_conference,
)
from workshops.exports.data import conference_report
from workshops.exports.writers import render, safe_cell
from workshops.services.items import adopt_item, propose_item
from workshops.services.measures import publish_results, set_measure_details

pytestmark = pytest.mark.django_db

NAMES = (NAMED, OTHER_NAMED, "Yılmaz", "Brückenbauer")


@pytest.fixture
def built():
    return build_conference()


def _no_names(text: str) -> None:
    for name in NAMES:
        assert name not in text


def _xlsx_cells(data: bytes):
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    return book, {
        sheet.title: [[c for c in row] for row in sheet.iter_rows()] for sheet in book.worksheets
    }


def _docx_text(data: bytes) -> tuple[str, list]:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [(p.style.name, p.text) for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(("cell", cell.text) for cell in row.cells)
    return "\n".join(text for _style, text in parts), parts


def _pdf_text(data: bytes) -> str:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_json_has_the_adopted_measures_with_their_chain_details_and_results(built):
    report = json.loads(render(conference_report(built.conference, "measures"), "json"))
    assert report["schema"] == "mitwirken.export/1" and report["kind"] == "measures"
    assert report["conference"]["motto"] == "Vielfalt gemeinsam gestalten"
    assert report["conference"]["date"] == "2026-11-21"
    assert [f["title"] for f in report["fields"]] == [
        "Bildung, Erziehung & Sprache",
        "Wohnen",
        "Zusammenleben im Quartier",
    ]
    bildung, wohnen, quartier = report["fields"]
    assert [m["text"] for m in bildung["measures"]] == [ADOPTED_TEXT]
    assert (
        wohnen["measures"] == [] and quartier["measures"] == []
    )  # rejected and undecided are not "agreed"
    measure = bildung["measures"][0]
    assert measure["decision"] == "adopted"
    assert measure["goals"] == [
        {
            "id": built.goal.pk,
            "text": GOAL_TEXT,
            "needs": [{"id": built.need.pk, "text": NEED_TEXT}],
        }
    ]
    assert measure["details"] == {
        "lead": "Amt für Integration",
        "partners": "Volkshochschule, Elternvereine",
        "timeframe": "bis Ende 2027",
        "resources": "40.000 € pro Jahr",
        "indicator": "300 Teilnehmerinnen pro Jahr",
    }
    assert measure["implementation"] == {
        "status": "in_progress",
        "progress": 40,
        "updates": [{"date": "2026-11-23", "text": "Erste drei Sprachcafés laufen."}],
    }
    dots, adoption = measure["results"]
    assert (dots["method"], dots["total"], dots["voters"]) == ("dots", {"dots": 16}, 8)
    assert (adoption["method"], adoption["forum"]) == ("adoption", "Plenum")
    assert adoption["tally"] == {"yes": 7, "no": 0, "abstain": 1}
    assert adoption["analog"] == {"yes": 4, "no": 0, "abstain": 0}
    assert adoption["total"] == {"yes": 11, "no": 0, "abstain": 1}
    # three voters or more per group are broken out; the two from the welfare association are not
    assert adoption["groups"] == {
        "Migrantenorganisation": {"yes": 3, "no": 0, "abstain": 0},
        "Verwaltung": {"yes": 2, "no": 0, "abstain": 1},
    }
    assert report["participation"]["participants"] == 8 and report["participation"]["voters"] == 8
    assert report["participation"]["participants_by_group"] == {
        "Migrantenorganisation": 3,
        "Verwaltung": 3,
        "": 2,
    }
    raw = render(conference_report(built.conference, "documentation"), "json").decode()
    _no_names(raw)
    _no_names(json.dumps(report, ensure_ascii=False))
    assert "Wohlfahrtsverband" not in raw


def test_json_documentation_has_every_item_forum_and_the_participation_per_forum(built):
    report = json.loads(render(conference_report(built.conference, "documentation"), "json"))
    bildung, wohnen, quartier = report["fields"]
    assert [g["text"] for g in bildung["goals"]] == [GOAL_TEXT] and [
        n["text"] for n in bildung["needs"]
    ] == [NEED_TEXT]
    assert [(m["text"], m["decision"]) for m in wohnen["measures"]] == [(REJECTED_TEXT, "rejected")]
    rejected = wohnen["measures"][0]
    assert rejected["results"][1]["total"] == {"yes": 3, "no": 5, "abstain": 0}
    assert [(m["text"], m["decision"], m["results"]) for m in quartier["measures"]] == [
        (UNVOTED_TEXT, "undecided", [])
    ]
    assert [f["title"] for f in report["forums"]] == [
        "Fachforum Bildung und Wohnen",
        "Fachforum Quartier",
        "Plenum",
    ]
    per_forum = {f["title"]: f for f in report["participation"]["per_forum"]}
    assert per_forum["Fachforum Bildung und Wohnen"]["voters"] == 8
    assert per_forum["Fachforum Bildung und Wohnen"]["voters_by_group"] == {
        "Migrantenorganisation": 3,
        "Verwaltung": 3,
        "": 2,
    }
    assert (
        per_forum["Fachforum Quartier"]["voters"] == 0
        and per_forum["Fachforum Quartier"]["items"] == 1
    )
    assert [r["method"] for r in report["forums"][2]["rounds"]] == ["adoption"]


def test_csv_is_utf8_with_bom_semicolons_and_one_row_per_measure(built):
    data = render(conference_report(built.conference, "measures"), "csv")
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:6] == ["Nr.", "Handlungsfeld", "Leitziel", "Teilziel", "Text", "Forum"]
    assert "Federführung" in header
    assert len(body) == 1
    row = dict(zip(header, body[0], strict=False))
    assert row["Text"] == ADOPTED_TEXT and row["Beschluss"] == "verabschiedet"
    assert GOAL_TEXT in row["Ziele, auf die sie antwortet"] and NEED_TEXT in row["Bedarfe dahinter"]
    assert row["Federführung"] == "Amt für Integration" and row["Umsetzung"] == "in Umsetzung"
    assert row["Fortschritt (%)"] == "40"
    assert (
        "ja 11 · nein 0 · Enthaltung 1" in row["Ergebnisse"]
        and "Migrantenorganisation" in row["Ergebnisse"]
    )
    full = render(conference_report(built.conference, "documentation"), "csv").decode("utf-8-sig")
    documented = {r[6]: r for r in csv.reader(io.StringIO(full), delimiter=";")}
    assert documented[REJECTED_TEXT][7] == "nicht verabschiedet"
    assert NEED_TEXT in documented and GOAL_TEXT in documented
    _no_names(full)


def test_xlsx_has_an_overview_and_a_filtered_sheet_per_action_field(built):
    data = render(conference_report(built.conference, "measures"), "xlsx")
    book, sheets = _xlsx_cells(data)
    assert list(sheets) == [
        "Übersicht",
        "Bildung, Erziehung & Sprache",
        "Wohnen",
        "Zusammenleben im Quartier",
    ]
    overview = {row[0].value: row[1].value for row in sheets["Übersicht"][1:]}
    assert overview["Konferenz"] == "5. Integrationskonferenz Musterstadt"
    assert overview["Motto"] == "Vielfalt gemeinsam gestalten" and overview["Teilnehmende"] == 8
    sheet = book["Bildung, Erziehung & Sprache"]
    assert sheet.auto_filter.ref == "A1:R2"
    header = [c.value for c in sheets[sheet.title][0]]
    row = dict(zip(header, [c.value for c in sheets[sheet.title][1]], strict=False))
    assert (
        row["Nr."] == built.adopted.pk
        and row["Text"] == ADOPTED_TEXT
        and row["Fortschritt (%)"] == 40
    )
    assert row["Federführung"] == "Amt für Integration" and row["Beschluss"] == "verabschiedet"
    assert NEED_TEXT in row["Bedarfe dahinter"]
    assert len(sheets["Wohnen"]) == 1  # the header only: the rejected measure is not an agreed one
    every = [c for rows in sheets.values() for r in rows for c in r]
    assert not any(c.data_type == "f" for c in every)
    _no_names(" ".join(str(c.value) for c in every))
    book, sheets = _xlsx_cells(render(conference_report(built.conference, "documentation"), "xlsx"))
    assert list(sheets)[-1] == "Beteiligung"
    wohnen = [[c.value for c in r] for r in sheets["Wohnen"]]
    assert [REJECTED_TEXT, "nicht verabschiedet"] == [
        r for r in wohnen if r[0] == built.rejected.pk
    ][0][6:8]
    assert [r[0].value for r in sheets["Beteiligung"][1:]] == [
        "Fachforum Bildung und Wohnen",
        "Fachforum Quartier",
        "Plenum",
    ]


def test_docx_is_a_report_with_title_page_and_a_chapter_per_action_field(built):
    text, parts = _docx_text(render(conference_report(built.conference, "measures"), "docx"))
    assert ("Title", "5. Integrationskonferenz Musterstadt") in parts
    assert ("Subtitle", "Vielfalt gemeinsam gestalten") in parts
    assert "21. November 2026 · Rathaus, Großer Saal" in text
    assert [t for style, t in parts if style == "Heading 1"] == [
        "Verabschiedete Maßnahmen",
        "Bildung, Erziehung & Sprache",
    ]
    assert ("Heading 2", f"#{built.adopted.pk} {ADOPTED_TEXT}") in parts
    # every item by its number, as on the wall and the ballots
    assert ("List Bullet", f"Antwortet auf das Ziel: #{built.goal.pk} {GOAL_TEXT}") in parts
    assert ("List Bullet 2", f"das antwortet auf den Bedarf: #{built.need.pk} {NEED_TEXT}") in parts
    assert "Amt für Integration" in text and "ja 11 · nein 0 · Enthaltung 1" in text
    assert REJECTED_TEXT not in text
    _no_names(text)
    text, parts = _docx_text(render(conference_report(built.conference, "documentation"), "docx"))
    assert REJECTED_TEXT in text and "nicht verabschiedet" in text and UNVOTED_TEXT in text
    assert ("Heading 1", "Die Arbeit der Foren") in parts
    assert ("Heading 1", "Anhang: nicht verabschiedete Maßnahmen") in parts
    _no_names(text)


def test_pdf_carries_the_report_in_full_unicode(built):
    data = render(conference_report(built.conference, "measures"), "pdf")
    assert data.startswith(b"%PDF")
    text = " ".join(_pdf_text(data).split())
    assert "5. Integrationskonferenz Musterstadt" in text and "Vielfalt gemeinsam gestalten" in text
    assert "Sprachcafé mit Kinderbetreuung" in text
    assert "Türkçe öğrenme grupları" in text  # Turkish ç, ö, ğ, ı
    assert "دورات اللغة للنساء" in text  # Arabic, shaped and read back in logical order
    assert NEED_TEXT in text and "Amt für Integration" in text
    assert REJECTED_TEXT not in text
    _no_names(text)
    full = " ".join(
        _pdf_text(render(conference_report(built.conference, "documentation"), "pdf")).split()
    )
    assert REJECTED_TEXT in full and "nicht verabschiedet" in full and UNVOTED_TEXT in full
    _no_names(full)


def test_cells_a_spreadsheet_would_run_are_neutralised():
    conference = make_conference()
    field = make_field(conference, "Wohnen")
    plenary = make_forum(conference, fields=[field], kind="plenary", title="Plenum")
    mod = moderator_actor(make_moderator(conference))
    evil = propose_item(
        actor=mod,
        forum=plenary,
        field=field.pk,
        kind="measure",
        text='=HYPERLINK("http://example.invalid";"klick")',
    )
    set_measure_details(
        actor=mod, item=evil, lead="@SUMME(A1)", partners="+49 30 123", timeframe="-1 Jahr"
    )
    adopt_item(actor=mod, forum=plenary, item=evil.pk, adopted=True)
    report = conference_report(conference, "measures")
    book, sheets = _xlsx_cells(render(report, "xlsx"))
    header = [c.value for c in sheets["Wohnen"][0]]
    row = dict(zip(header, sheets["Wohnen"][1], strict=False))
    assert (
        row["Text"].value == "'" + '=HYPERLINK("http://example.invalid";"klick")'
        and row["Text"].data_type == "s"
    )
    assert row["Federführung"].value == "'@SUMME(A1)" and row["Partner"].value == "'+49 30 123"
    assert row["Zeitrahmen"].value == "'-1 Jahr"
    assert not any(c.data_type == "f" for rows in sheets.values() for r in rows for c in r)
    rows = list(csv.reader(io.StringIO(render(report, "csv").decode("utf-8-sig")), delimiter=";"))
    line = dict(zip(rows[0], rows[1], strict=False))
    assert (
        line["Text"].startswith("'=")
        and line["Federführung"] == "'@SUMME(A1)"
        and line["Zeitrahmen"] == "'-1 Jahr"
    )
    assert [safe_cell(v) for v in ("\tx", "\r=1", "ok", 5, "a=b")] == [
        "'\tx",
        "'\r=1",
        "ok",
        5,
        "a=b",
    ]


def test_an_empty_conference_gives_valid_clearly_empty_documents():
    conference = make_conference(title="Leere Konferenz")
    for kind in ("measures", "documentation"):
        report = conference_report(conference, kind)
        assert report["fields"] == [] and report["participation"]["participants"] == 0
        assert json.loads(render(report, "json"))["fields"] == []
        rows = list(
            csv.reader(io.StringIO(render(report, "csv").decode("utf-8-sig")), delimiter=";")
        )
        assert len(rows) == 1  # the header
        book, sheets = _xlsx_cells(render(report, "xlsx"))
        assert list(sheets)[0] == "Übersicht"
        text, _parts = _docx_text(render(report, "docx"))
        pdf_text = " ".join(_pdf_text(render(report, "pdf")).split())
        empty = (
            "Diese Konferenz hat noch keine verabschiedeten Maßnahmen."
            if kind == "measures"
            else "Diese Konferenz hat noch keine Beiträge."
        )
        assert empty in text and empty in pdf_text and "Leere Konferenz" in pdf_text


# --- who may download -----------------------------------------------------------------


def _url(conference, kind="measures", fmt="json"):
    return reverse("workshops:export_file", args=[conference.slug, kind, fmt])


def test_exports_are_for_moderators_until_the_results_are_published(client, built):
    from django.contrib.auth import get_user_model

    conference = built.conference
    response = client.get(_url(conference))
    assert response.status_code == 403 and "noch nicht veröffentlicht" in response.content.decode()
    stranger = make_moderator(make_conference())  # moderates another conference
    client.force_login(stranger)
    assert client.get(_url(conference, "documentation", "pdf")).status_code == 403
    client.force_login(built.moderator)
    for kind in ("measures", "documentation"):
        for fmt, content_type in (
            ("xlsx", "spreadsheetml"),
            ("docx", "wordprocessingml"),
            ("pdf", "pdf"),
            ("csv", "text/csv"),
            ("json", "json"),
        ):
            response = client.get(_url(conference, kind, fmt))
            assert response.status_code == 200 and content_type in response["Content-Type"]
            assert f"{conference.slug}-" in response["Content-Disposition"]
    staff = get_user_model().objects.create_user("amt", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(_url(conference)).status_code == 200
    client.logout()
    publish_results(actor=built.mod, conference=conference)
    response = client.get(_url(conference, "measures", "csv"))
    assert response.status_code == 200 and ADOPTED_TEXT in response.content.decode("utf-8-sig")


def test_a_participant_is_not_a_moderator_for_the_exports(client, built):
    from workshops.identity import remember_participant

    session = client.session
    remember_participant(session, make_participant(built.conference))
    session.save()
    assert client.get(_url(built.conference)).status_code == 403
    assert client.get(reverse("workshops:exports", args=[built.conference.slug])).status_code == 403


def test_unknown_format_or_conference_is_404(client, built):
    client.force_login(built.moderator)
    assert client.get(f"/c/{built.conference.slug}/export/measures.exe").status_code == 404
    assert client.get("/c/gibt-es-nicht/export/measures.json").status_code == 404


def test_the_exports_page_lists_the_files_and_publishes(client, built):
    page = reverse("workshops:exports", args=[built.conference.slug])
    assert client.get(page).status_code == 403
    client.force_login(built.moderator)
    html = client.get(page).content.decode()
    for kind in ("measures", "documentation"):
        for fmt in ("xlsx", "docx", "pdf", "csv", "json"):
            assert _url(built.conference, kind, fmt) in html
    assert "Ergebnisse veröffentlichen" in html
    # one obvious file for the council on top, the other files below
    council = html.index(
        '<a class="button primary" href="' + _url(built.conference, "documentation", "docx")
    )
    assert "Dokumentation für den Stadtrat (DOCX)</a>" in html[council:]
    pdf = _url(built.conference, "documentation", "pdf")
    assert f'href="{pdf}">Dokumentation für den Stadtrat (PDF)' in html
    assert (
        council
        < html.index("Weitere Dateien")
        < html.index(_url(built.conference, "measures", "xlsx"))
    )
    client.post(page, {"published": "1"})
    built.conference.refresh_from_db()
    assert built.conference.results_published
    client.logout()
    html = client.get(page).content.decode()
    assert (
        _url(built.conference, "documentation", "pdf") in html
        and "Ergebnisse veröffentlichen" not in html
    )
    other = make_moderator(make_conference())
    client.force_login(other)
    client.post(page, {"published": "0"})  # not theirs: refused, nothing changes
    built.conference.refresh_from_db()
    assert built.conference.results_published


def test_the_report_takes_the_same_queries_however_many_items_and_votes(
    built, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        conference_report(built.conference, "documentation")
    field = built.adopted.field_id
    round_ = built.forum.rounds.get()
    for n in range(10):
        item = propose_item(
            actor=built.mod,
            forum=built.forum,
            field=field,
            kind="measure",
            text=f"Noch eine {n}",
            refs=[built.goal.pk],
        )
        item.updates.create(date="2026-11-22", text="x")
    from workshops.models import Vote

    # the round is closed, so the service would refuse a vote: one more row written directly
    Vote.objects.create(
        round=round_,
        participant=make_participant(built.conference, group="Verwaltung"),
        option=built.adopted.pk,
        value=1,
        group="Verwaltung",
    )
    with django_assert_num_queries(len(before)):
        report = conference_report(built.conference, "documentation")
    assert len(report["fields"][0]["measures"]) == 11
