"""The exports as a council reads them on paper: results worded once, dates for people,
the PDF's lines left to right with Arabic isolated, charts, spreadsheets set up to print;
and (with LibreOffice headless, as a city office opens them) the printed page counts,
each measure's row on one page, a sans font, and the text intact.

The printed files of page 1 land in test-artifacts/ (pdftoppm)."""

import datetime
import io
import re
import shutil
import subprocess
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import translation

from tests.factories import make_conference, make_field, make_forum, make_moderator, moderator_actor
from tests.live import ROOT, require
from tests.workshops import printed
from tests.workshops.export_conference import ADOPTED_TEXT, GOAL_TEXT, NEED_TEXT, build_conference
from workshops.actors import Actor
from workshops.exports import layout
from workshops.exports.data import conference_report
from workshops.exports.writers import render
from workshops.services.items import adopt_item, propose_item
from workshops.services.participants import join_conference
from workshops.services.rounds import close_round, open_round
from workshops.services.votes import cast_vote

# Every test is marked, so the test database is set up even when only the print check runs.
pytestmark = pytest.mark.django_db

ARTIFACTS = ROOT / "test-artifacts"
MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
ISOLATES = str.maketrans(
    "", "", "\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e\u200e\u200f"
)
ARABIC_NEED = "دورات اللغة للنساء."


@pytest.fixture(autouse=True)
def german():
    with translation.override("de"):
        yield


def _docx(data: bytes):
    import docx

    return docx.Document(io.BytesIO(data))


def _pdf_text(data: bytes) -> str:
    import pypdf

    return " ".join(
        " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages).split()
    )


def _one_point_conference():
    """A forum whose title holds a ": ", one adopted measure with a single point."""
    conference = make_conference(title="Kleine Konferenz")
    field = make_field(conference, "Bildung")
    forum = make_forum(
        conference, fields=[field], title="Forum 1: Sprache und Bildung von Anfang an"
    )
    mod = moderator_actor(make_moderator(conference))
    measure = propose_item(
        actor=mod, forum=forum, field=field.pk, kind="measure", text="Lesepaten an Kitas"
    )
    person = Actor(participant=join_conference(conference=conference, name="", group=""))
    dots = open_round(actor=mod, forum=forum, method="dots", kind="measure", budget=3, per_item=3)
    cast_vote(actor=person, forum=forum, round=dots.pk, item=measure.pk, value=1)
    close_round(actor=mod, forum=forum, round=dots.pk)
    adopt_item(actor=mod, forum=forum, item=measure.pk, adopted=True)
    return conference


# --- what the documents say ------------------------------------------------------------


def test_a_result_names_its_round_once_and_counts_in_the_singular():
    report = conference_report(_one_point_conference(), "measures")
    tables = [
        [[c.text for c in row.cells] for row in t.rows]
        for t in _docx(render(report, "docx")).tables
    ]
    results = [t for t in tables if t[0] == ["Abstimmungsrunde", "Ergebnis"]]
    assert results == [
        [
            ["Abstimmungsrunde", "Ergebnis"],
            [
                "Forum 1: Sprache und Bildung von Anfang an, Punktabfrage",
                "1 Punkt (1 per Handy abgestimmt)",
            ],
        ]
    ]
    text = _pdf_text(render(report, "pdf"))
    assert (
        "Forum 1: Sprache und Bildung von Anfang an, Punktabfrage 1 Punkt (1 per Handy abgestimmt)"
        in text
    )
    assert "1 Punkte" not in text and "Anfang an, Punktabfrage: 1" not in text


def test_a_forum_heading_names_its_kind_only_where_the_title_does_not():
    conference = make_conference(title="Kleine Konferenz")
    field = make_field(conference, "Bildung")
    make_forum(conference, fields=[field], title="Plenum", kind="plenary")
    make_forum(conference, fields=[field], title="Fachforum Wohnen")
    make_forum(conference, fields=[field], title="Sprache und Bildung")
    headings = [
        block[1].translate(ISOLATES)
        for block in layout.blocks(conference_report(conference, "documentation"))
        if block[0] == "h2"
    ]
    assert "Plenum" in headings and "Plenum (Plenum)" not in headings  # it was
    assert "Fachforum Wohnen" in headings and "Sprache und Bildung (Fachforum)" in headings


def test_the_creation_time_is_written_for_people_in_the_local_time_zone():
    import openpyxl

    report = conference_report(_one_point_conference(), "measures")
    moment = datetime.datetime.fromisoformat(report["generated"]).astimezone(
        ZoneInfo(settings.TIME_ZONE)
    )
    expected = f"{moment.day}. {MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M}"
    sheet = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx")))["Übersicht"]
    assert {row[0]: row[1] for row in sheet.iter_rows(values_only=True)}["Erstellt"] == expected
    document = _docx(render(report, "docx"))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert expected in cells and not any(
        "+00:00" in c or "T" in c[:11] and c[:4].isdigit() for c in cells
    )


def test_the_docx_names_a_sans_font_for_every_style_and_run_instead_of_theme_fonts():
    from docx.oxml.ns import qn

    document = _docx(render(conference_report(_one_point_conference(), "measures"), "docx"))
    fonts = list(document.styles.element.iter(qn("w:rFonts")))
    assert fonts and all(f.get(qn("w:ascii")) == f.get(qn("w:cs")) == "Arial" for f in fonts)
    assert not any(f.get(qn("w:asciiTheme")) or f.get(qn("w:cstheme")) for f in fonts)
    runs = list(document.element.body.iter(qn("w:r")))
    texts = [r for r in runs if r.find(qn("w:t")) is not None]
    assert texts and all(
        r.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:ascii")) == "Arial" for r in texts
    )
    assert document.sections[0].page_width.cm == pytest.approx(21, abs=0.1)  # A4, not US Letter


@pytest.fixture(scope="module")
def exported(django_db_setup, django_db_blocker, tmp_path_factory):
    """The test conference (plus a need in Arabic) exported once, in German, the files
    written to a temporary folder; the database is rolled back afterwards."""
    outdir = tmp_path_factory.mktemp("exports")
    with django_db_blocker.unblock(), transaction.atomic(), translation.override("de"):
        built = build_conference(slug="gedruckt")
        field = built.forum.fields.order_by("position")[0].pk
        need = propose_item(
            actor=built.mod, forum=built.forum, field=field, kind="need", text=ARABIC_NEED
        )
        files = printed.write_exports(built.conference, outdir, "gedruckt")
        report = conference_report(built.conference, "documentation")
        facts = {
            "adopted": built.adopted.pk,
            "rejected": built.rejected.pk,
            "unvoted": built.unvoted.pk,
            "need": need.pk,
            "specs": [b[1] for b in layout.blocks(report) if b[0] == "chart"],
            "rounds": sum(len(f["rounds"]) for f in report["forums"]),
        }
        transaction.set_rollback(True)
    return files | facts


def test_a_pdf_line_starting_with_arabic_keeps_bullet_number_and_brackets_in_place(exported):
    require("pdftotext", bool(printed.PDFTOTEXT), "install poppler-utils")
    out = subprocess.run(
        [printed.PDFTOTEXT, "-bbox", str(exported["documentation.pdf"]), "-"],
        capture_output=True,
        check=True,
    ).stdout
    words = [
        (float(x), float(y), w.decode().translate(ISOLATES))
        for x, y, w in re.findall(
            rb'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', out
        )
    ]
    number = [y for _x, y, w in words if w == f"#{exported['need']}"]
    assert len(number) == 1
    y = number[0]
    order = [w for _x, w in sorted((wx, w) for wx, wy, w in words if abs(wy - y) < 1)]
    # Left to right as a German line: bullet, number, then the Arabic text (under its
    # forum's heading in the forums' work).
    assert order[:2] == ["•", f"#{exported['need']}"], order
    arabic = [i for i, w in enumerate(order) if re.search("[\u0600-\u06ff]", w)]
    assert arabic == list(range(2, len(order))), order
    assert "." in order[arabic[0]]  # the Arabic full stop stays at the Arabic text's end: its left


def test_a_chart_label_starting_with_its_place_keeps_it_left_of_an_arabic_text():
    """A ranking bar's label "1. #4 <Arabic>" as the chart draws it (matplotlib's own
    layout, libraqm): the place and number on the left, not turned into ".1 #4" on the
    right of the Arabic text."""
    from matplotlib import font_manager
    from matplotlib._text_helpers import layout as glyphs
    from matplotlib.ft2font import FT2Font

    from workshops.exports import charts

    font = FT2Font(font_manager.findfont(charts.STYLE["font.family"]))
    font.set_size(8, 72)
    label = charts._label(f"1. #4 {layout.isolate(ARABIC_NEED)}")  # as ranking_chart gives it
    drawn = [(g.x, g.char) for g in glyphs(label.splitlines()[0], font)]
    left_to_right = "".join(c for _x, c in sorted(drawn)).translate(ISOLATES)
    # place and number first; then the Arabic text right to left, its full stop at its end
    # (on its left); it was ".ءاسنلل ةغللا تارود #4 .1"
    assert left_to_right == "1. #4 ." + ARABIC_NEED[:-1][::-1], left_to_right


def test_the_documentation_carries_its_charts_with_item_texts_in_docx_and_pdf(exported):
    import pypdf
    from docx.oxml.ns import qn

    specs = exported["specs"]
    assert [s["title"] for s in specs[:2]] == ["Beteiligung pro Forum", "Teilnehmende pro Gruppe"]
    assert len(specs) == 2 + exported["rounds"] == 4
    dots = next(s for s in specs if "Punktabfrage" in s["title"])
    assert (
        dots["labels"][0] == f"1. #{exported['adopted']} {layout.isolate(ADOPTED_TEXT)}"
    )  # first place on top
    assert dots["series"] == [("Punkte", [16, 4])]
    document = _docx(exported["documentation.docx"].read_bytes())
    assert len(document.inline_shapes) == len(specs)
    described = [e.get("descr") for e in document.element.body.iter(qn("wp:docPr"))]
    assert any(ADOPTED_TEXT in d and "16" in d for d in described)
    pdf = pypdf.PdfReader(exported["documentation.pdf"])
    assert sum(len(page.images) for page in pdf.pages) == len(specs)
    assert len(_docx(exported["measures.docx"].read_bytes()).inline_shapes) == 0


def test_every_sheet_is_set_up_to_print_landscape_one_page_wide_with_its_header_repeated(
    exported,
):
    import openpyxl

    for key in ("measures.xlsx", "documentation.xlsx"):
        book = openpyxl.load_workbook(exported[key])
        for sheet in book.worksheets:
            setup = sheet.page_setup
            assert setup.orientation == "landscape" and setup.paperSize == 9  # A4
            assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)  # one page wide
            assert sheet.sheet_properties.pageSetUpPr.fitToPage
            assert sheet.print_title_rows == "$1:$1"
            assert "5. Integrationskonferenz Musterstadt" in sheet.oddHeader.left.text
            assert sheet.oddFooter.center.text == "Seite &P von &N"
            for row in sheet.iter_rows(min_row=1):
                assert all(c.alignment.wrap_text and c.font.name == "Arial" for c in row)
                height = sheet.row_dimensions[row[0].row].height
                assert height and height >= 14
        sheet = book["Bildung, Erziehung & Sprache"]
        header = [c.value for c in sheet[1]]
        measure = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == exported["adopted"])
        results = measure[header.index("Ergebnisse")]
        lines = str(results.value).count("\n") + 1
        assert sheet.row_dimensions[results.row].height >= lines * 11  # tall enough for its text
        decision = sheet.column_dimensions[measure[header.index("Beschluss")].column_letter].width
        assert decision >= 11  # "verabschiedet" on one line


def test_the_docx_is_a4_with_the_conference_on_top_and_page_numbers_as_fields(exported):
    """Read back as Word reads it: A4 in twips, the conference and its date in the
    header, "Seite {PAGE} von {NUMPAGES}" as fields in the footer (not a typed number)."""
    from docx.oxml.ns import qn

    for key in ("documentation.docx", "measures.docx"):
        document = _docx(exported[key].read_bytes())
        section = document.sections[0]
        size = section._sectPr.find(qn("w:pgSz"))
        assert (size.get(qn("w:w")), size.get(qn("w:h"))) == ("11906", "16838"), key  # A4
        assert section.left_margin.cm == pytest.approx(2.5, abs=0.01)
        header = " ".join(p.text for p in section.header.paragraphs)
        assert "5. Integrationskonferenz Musterstadt · 21. November 2026" in header, header
        footer = section.footer.paragraphs[0]._p
        codes = [t.text.strip() for t in footer.iter(qn("w:instrText"))]
        assert codes == ["PAGE", "NUMPAGES"], codes
        kinds = [c.get(qn("w:fldCharType")) for c in footer.iter(qn("w:fldChar"))]
        assert kinds == ["begin", "separate", "end"] * 2
        words = "".join(t.text for t in footer.iter(qn("w:t")))
        assert words == "Seite 1 von 1"  # the fields' placeholders between the words


def _page_one_says_what_was_decided(page: str, facts: dict) -> None:
    """Page 1 as the council reads it: decided measures with number, chain and lead, and
    the participation in figures, with German plurals."""
    text = _plain(page)
    order = [
        "Was beschlossen wurde",
        "Die Konferenz hat 1 Maßnahme in 1 Handlungsfeld verabschiedet.",
        "Bildung, Erziehung & Sprache",
        f"#{facts['adopted']} Sprachcafé mit Kinderbetreuung",
        f"Bedarf #{facts['need_id']} {NEED_TEXT}",
        "Federführung: Amt für Integration",
        "Beteiligung in Zahlen",
        "Teilnehmende",
    ]
    at = [text.find(part) for part in order]
    assert -1 not in at and at == sorted(at), list(zip(order, at, strict=True))
    assert "(3 Bedarfe · 2 Ziele · 3 Maßnahmen)" in text  # the Arabic need counts
    assert "Eigene Wohnungsbörse" not in text  # not adopted: in the appendix


def test_the_pdf_is_a4_with_header_page_numbers_and_the_decisions_on_page_one(exported):
    require("poppler", bool(printed.PDFTOTEXT), "install poppler-utils")
    pdf = exported["documentation.pdf"]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info.stdout), info.stdout
    pages = printed.pages(pdf)
    assert "5. Integrationskonferenz Musterstadt · 21. November 2026" in pages[0]
    assert f"Seite 1 von {len(pages)}" in pages[0] and f"Seite {len(pages)} von" in pages[-1]
    facts = exported | {"need_id": _need_id(pages)}
    _page_one_says_what_was_decided(pages[0], facts)


def _need_id(pages: list[str]) -> int:
    """The number the test conference's first need got (as the wall shows it)."""
    return int(re.search(r"#(\d+) " + re.escape(NEED_TEXT[:20]), _plain(" ".join(pages)))[1])


# --- printed by LibreOffice --------------------------------------------------------------


@pytest.fixture(scope="module")
def office(exported):
    """The DOCX and XLSX exports converted once by LibreOffice: kind.fmt -> (file, pdf)."""
    require(
        "LibreOffice",
        bool(printed.SOFFICE),
        "install libreoffice-writer-nogui and libreoffice-calc-nogui",
    )
    require("poppler", bool(printed.PDFTOTEXT and printed.PDFTOPPM), "install poppler-utils")
    keys = ("measures.xlsx", "documentation.xlsx", "documentation.docx")
    pdfs = printed.convert([exported[k] for k in keys], exported[keys[0]].parent / "pdf")
    for key in keys:
        printed.render_page_one(
            pdfs[exported[key]], ARTIFACTS / f"print-{key.replace('.', '-')}-page1"
        )
    return {key: (exported[key], pdfs[exported[key]]) for key in keys} | {
        fact: exported[fact] for fact in ("adopted", "rejected", "unvoted")
    }


def _sheets(path) -> list[str]:
    import openpyxl

    return openpyxl.load_workbook(path).sheetnames


def _plain(text: str) -> str:
    return " ".join(text.translate(ISOLATES).split())


@pytest.mark.office
def test_measures_xlsx_prints_one_page_per_sheet_with_each_measure_on_one_page(office):
    source, pdf = office["measures.xlsx"]
    pages = printed.pages(pdf)
    assert len(pages) == len(_sheets(source)) == 4  # overview and three action fields (was 23)
    holding = [n for n, page in enumerate(pages) if "Sprachcafé mit" in page]
    assert len(holding) == 1  # the row is not split over pages
    page = _plain(pages[holding[0]])
    # pdftotext may interleave the lines of neighbouring cells: look for words.
    for part in (
        "verabschiedet",
        "Umsetzung",
        "Integration",
        "Volkshochschule",
        "2027",
        "Punktabfrage",
        "Nr.",
        "Ergebnisse",
        "Fortschritt",
        "Wartezeiten",
    ):
        assert part in page, part
    assert "Handlungsfeld" in _plain(pages[-1])  # the header row printed on every field's page


@pytest.mark.office
def test_documentation_xlsx_prints_a_page_per_sheet(office):
    source, pdf = office["documentation.xlsx"]
    pages = printed.pages(pdf)
    assert len(pages) == len(_sheets(source)) == 5  # was 26
    text = _plain(" ".join(pages))
    for part in (
        "Eigene Wohnungsbörse für Geflüchtete",
        "nicht verabschiedet",
        "Fachforum Quartier",
        "Lange Wartezeiten auf Sprachkurse",
        "Beteiligung",
    ):
        assert part in text, part


@pytest.mark.office
def test_printed_text_survives_with_umlauts_and_arabic(office):
    for key in ("measures.xlsx", "documentation.docx"):
        text = _plain(" ".join(printed.pages(office[key][1])))
        assert "5. Integrationskonferenz Musterstadt" in text and "Großer Saal" in text, key
        assert "Türkçe öğrenme" in text and "Bildung, Erziehung & Sprache" in text, key
        assert "دورات" in text and "للنساء" in text, key


@pytest.mark.office
def test_the_docx_prints_in_a_sans_font_on_a_few_a4_pages(office):
    _source, pdf = office["documentation.docx"]
    fonts = (
        subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        if shutil.which("pdffonts")
        else ""
    )
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert names and not [n for n in names if "Serif" in n or "Times" in n], names
    pages = printed.pages(pdf)
    assert 3 <= len(pages) <= 5
    text = _plain(" ".join(pages))
    assert GOAL_TEXT in text and NEED_TEXT in text
    assert "16 Punkte (8 per Handy abgestimmt)" in text
    assert (ARTIFACTS / "print-documentation-docx-page1.png").stat().st_size > 1000


@pytest.fixture(scope="module")
def monitoring_printed(django_db_setup, django_db_blocker, tmp_path_factory):
    """The monitoring report (tests/workshops/monitoring_scene.py) as DOCX, printed once
    by LibreOffice: (docx, pdf)."""
    from tests.workshops.monitoring_scene import build_monitoring
    from workshops.exports.monitoring import monitoring_report

    require("LibreOffice", bool(printed.SOFFICE), "install libreoffice-writer-nogui")
    require("poppler", bool(printed.PDFTOTEXT and printed.PDFTOPPM), "install poppler-utils")
    outdir = tmp_path_factory.mktemp("monitoring")
    with django_db_blocker.unblock(), transaction.atomic(), translation.override("de"):
        scene = build_monitoring(slug="monitoring-papier")
        source = outdir / "monitoring-papier-monitoring.docx"
        source.write_bytes(render(monitoring_report(scene.built.conference), "docx"))
        transaction.set_rollback(True)
    pdf = printed.convert([source], outdir / "pdf")[source]
    printed.render_page_one(pdf, ARTIFACTS / "print-monitoring-docx-page1")
    return source, pdf


@pytest.mark.office
def test_the_monitoring_report_prints_on_a4_in_its_order_with_its_chart(monitoring_printed):
    import pypdf

    from tests.workshops.monitoring_scene import GOAL_ADULTS, GOAL_CHILDREN, SUB_SCHOOL

    _source, pdf = monitoring_printed
    reader = pypdf.PdfReader(pdf)
    assert 2 <= len(reader.pages) <= 8
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (
            595,
            842,
        )
    # the indicator's chart, once: LibreOffice shares one resource dictionary between the
    # pages, so pypdf lists the same image on every page; count distinct images
    assert len({im.data for page in reader.pages for im in page.images}) == 1
    text = _plain(" ".join(printed.pages(pdf)))
    order = [
        "Monitoringbericht",
        f"Leitziel 1: {GOAL_CHILDREN}",
        f"Teilziel 1.1: {SUB_SCHOOL}",
        "Sprachkitas ausbauen",
        f"Leitziel 2: {GOAL_ADULTS}",
        "Keinem Leitziel zugeordnet",
        "Lernpaten für Seiteneinsteiger",
    ]
    at = [text.find(part, text.find("Sprache 4 verabschiedete")) for part in order[1:]]
    assert "Monitoringbericht" in text and -1 not in at and at == sorted(at), at


@pytest.mark.office
def test_the_council_reads_the_decisions_on_page_one_of_the_printed_a4_docx(office):
    """The documentation as LibreOffice prints it: A4, "Seite 1 von n" on page 1 with what
    was decided, the undecided and rejected in the appendix, no page that only says
    "Keine."."""
    _source, pdf = office["documentation.docx"]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert re.search(r"Page size:\s+595\.\d+ x 84[12](\.\d+)? pts", info.stdout), info.stdout
    pages = printed.pages(pdf)
    assert f"Seite 1 von {len(pages)}" in _plain(pages[0])
    assert "5. Integrationskonferenz Musterstadt · 21. November 2026" in _plain(pages[0])
    _page_one_says_what_was_decided(
        pages[0], {"adopted": office["adopted"], "need_id": _need_id(pages)}
    )
    text = _plain(" ".join(pages))
    appendix = text.index("Anhang: nicht verabschiedete Maßnahmen")
    for number, words in (
        (office["rejected"], "Eigene Wohnungsbörse"),
        (office["unvoted"], "Nachbarschaftsfest"),
    ):
        assert text.find(f"#{number} {words}", appendix) > appendix, number
    for n, page in enumerate(pages, start=1):
        # a page's own text, without the running head and the page number
        body = [
            line.strip()
            for line in page.translate(ISOLATES).splitlines()
            if line.strip()
            and "Integrationskonferenz Musterstadt ·" not in line
            and not re.fullmatch(r"Seite \d+ von \d+", line.strip())
        ]
        assert body and body != ["Keine."], n
        assert "Keine." not in body and "Keine Maßnahmen." not in body, n
