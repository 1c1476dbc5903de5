"""The five export formats, each laying out ``data.conference_report`` through ``layout``.

``render(report, fmt)`` returns the file's bytes. Spreadsheet cells that a spreadsheet
program would run as a formula are neutralised (``safe_cell``); numbers stay numbers.
"""

import csv
import io
import json
import logging
from pathlib import Path

from django.utils.translation import gettext as _

from workshops.exports import layout
from workshops.exports.data import MONITORING

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}

# A cell starting with one of these is a formula (or the start of one) to Excel,
# LibreOffice and Google Sheets; tab and carriage return can hide one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FONTS = Path(__file__).resolve().parent / "fonts"


def safe_cell(value):
    """The value as a spreadsheet cell that is never run: text starting like a formula
    gets a leading apostrophe (shown, so nothing is hidden from the reader)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def render(report: dict, fmt: str) -> bytes:
    return {"xlsx": xlsx, "docx": docx, "pdf": pdf, "csv": csv_bytes, "json": json_bytes}[fmt](
        report
    )


# --- JSON ---------------------------------------------------------------------------


def json_bytes(report: dict) -> bytes:
    return json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")


# --- CSV ----------------------------------------------------------------------------


def csv_bytes(report: dict) -> bytes:
    """One row per item (the measures export: per adopted measure), UTF-8 with a byte
    order mark and ``;`` between fields, as Excel in German expects; line breaks within
    a cell are quoted."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(layout.item_columns(report))
    for field in report["fields"]:
        goals_of = layout.goal_columns(report, field)
        for entry in layout.field_entries(report, field):
            row = layout.item_row(report, field, entry, goals_of)
            writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- XLSX ---------------------------------------------------------------------------


def _sheet_title(title: str, taken: set[str]) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip().strip("'") or "-"
    name = cleaned[:31]
    n = 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = cleaned[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name


# Printed, a sheet is A4 landscape, as wide as the page, its header row on every page:
# so the widths below (in Excel's units, each about 1.4 characters of 9 pt text) add up
# to about 180 per sheet, which prints at about 75 %, and every row is as tall as its text.
FONT = "Arial"  # every office suite has it or a metric twin (LibreOffice: Liberation Sans)
CELL_PT = 9
LINE_PT = 11.5  # one line of 9 pt text
MAX_ROW_PT = 409  # Excel's limit
ITEM_WIDTHS = {
    "no": 4,
    "field": 11,
    "guiding_goal": 12,
    "sub_goal": 12,
    "kind": 7,
    "forum": 9,
    "text": 20,
    "german": 20,
    "decision": 11,
    "goals": 15,
    "needs": 15,
    "lead": 10,
    "partners": 11,
    "timeframe": 8,
    "resources": 9,
    "indicator": 11,
    "status": 9,
    "progress": 7,
    "update": 12,
    "results": 22,
}


def _lines(value, width: float) -> int:
    """How many lines the value takes in a column ``width`` wide, wrapped at words."""
    if value is None or value == "":
        return 1
    per_line = max(1, int((width - 1) * 1.3))
    return sum(max(1, -(-len(part) // per_line)) for part in str(value).split("\n"))


def _print_setup(sheet, title: str, widths: list[float]) -> None:
    """A4 landscape, one page wide and as many long as needed, the header row repeated,
    gridlines, the conference and export on top of every page, the page number below."""
    from openpyxl.worksheet.page import PageMargins

    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages long as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.print_options.gridLines = True
    sheet.page_margins = PageMargins(
        left=0.4, right=0.4, top=0.7, bottom=0.6, header=0.3, footer=0.3
    )
    sheet.oddHeader.left.text = title.replace("&", "&&")
    sheet.oddHeader.left.size = 9
    sheet.oddHeader.right.text = "&A"  # the sheet's name
    sheet.oddHeader.right.size = 9
    sheet.oddFooter.center.text = _("Page %(page)s of %(pages)s") % {"page": "&P", "pages": "&N"}
    sheet.oddFooter.center.size = 8


def _write_table(
    sheet,
    headers: list[str],
    rows: list[list],
    widths: list[float],
    title: str,
    align: str | None = None,
) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    widths = [widths[i] if i < len(widths) else 12 for i in range(len(headers))]
    sheet.append([safe_cell(h) for h in headers])
    for row in rows:
        sheet.append(["" if v is None else safe_cell(v) for v in row])
    body, bold = Font(name=FONT, size=CELL_PT), Font(name=FONT, size=CELL_PT, bold=True)
    wrap = Alignment(wrap_text=True, vertical="top", horizontal=align)
    for index, row in enumerate(sheet.iter_rows(), start=1):
        lines = 1
        for cell, width in zip(row, widths, strict=False):
            cell.font = bold if index == 1 else body
            cell.alignment = wrap
            if isinstance(cell.value, str):
                # Text is text, even if openpyxl would take "=..." for a formula.
                cell.data_type = "s"
            lines = max(lines, _lines(cell.value, width))
        sheet.row_dimensions[index].height = min(MAX_ROW_PT, lines * LINE_PT + 3)
    for cell in sheet[1]:
        cell.fill = PatternFill("solid", fgColor="E4E4E4")
        cell.border = Border(bottom=Side(style="thin"))
    last = get_column_letter(max(len(headers), 1))
    sheet.auto_filter.ref = f"A1:{last}{max(len(rows) + 1, 1)}"
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    _print_setup(sheet, title, widths)


def xlsx(report: dict) -> bytes:
    """An overview sheet (conference, participation, measures per field), one sheet per
    action field with its items in real columns and a filter, and (documentation) a
    sheet with the participation per forum; each set up to print (``_print_setup``)."""
    from openpyxl import Workbook

    book = Workbook()
    taken: set[str] = set()
    title = f"{report['conference']['title']} – {layout.export_title(report)}"
    overview = book.active
    overview.title = _sheet_title(_("Overview"), taken)
    rows = [list(r) for r in layout.overview_rows(report)]
    _write_table(overview, [_("What"), _("Value")], rows, [45, 80], title, align="left")
    headers = layout.item_columns(report)
    widths = [ITEM_WIDTHS[key] for key in layout.item_keys(report)]
    for field in report["fields"]:
        sheet = book.create_sheet(_sheet_title(field["title"], taken))
        goals_of = layout.goal_columns(report, field)
        rows = [
            layout.item_row(report, field, e, goals_of) for e in layout.field_entries(report, field)
        ]
        _write_table(sheet, headers, rows, widths, title)
    if report["kind"] == "documentation":
        sheet = book.create_sheet(_sheet_title(_("Participation"), taken))
        _write_table(
            sheet,
            layout.forum_columns(report),
            layout.forum_rows(report),
            [36, 14, 14, 14, 16, 60],
            title,
        )
    book.properties.title = f"{report['conference']['title']}: {layout.export_title(report)}"
    book.properties.creator = "Mitwirken"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- DOCX ---------------------------------------------------------------------------


def _blocks(report: dict) -> list[tuple]:
    """The document's blocks: the monitoring report lays itself out (exports.monitoring)."""
    if report["kind"] == MONITORING:
        from workshops.exports import monitoring

        return monitoring.blocks(report)
    return layout.blocks(report)


ISOLATES = str.maketrans("", "", "\u2066\u2067\u2068\u2069")


def _plain(text: str) -> str:
    """Text without the isolates of ``layout.isolate``: a Word paragraph has its own
    direction (left to right here), set in its properties, so runs keep their place."""
    return str(text).translate(ISOLATES)


def _font(element) -> None:
    """The sans font for every script of a run or style (Latin, complex scripts such as
    Arabic, East Asian), replacing the theme's fonts, which LibreOffice does not resolve
    and so prints in a serif font."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = element.get_or_add_rPr() if hasattr(element, "get_or_add_rPr") else element
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    _name_fonts(fonts)


def _name_fonts(fonts) -> None:
    from docx.oxml.ns import qn

    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(theme), None)
    for script in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(script), FONT)


def _document_fonts(document) -> None:
    """FONT in the document's defaults and in every style with text, tables included."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault"))
    if run_defaults is None:
        run_defaults = OxmlElement("w:rPrDefault")
        defaults.insert(0, run_defaults)
    if run_defaults.find(qn("w:rPr")) is None:
        run_defaults.append(OxmlElement("w:rPr"))
    _font(run_defaults.find(qn("w:rPr")))
    for style in document.styles:
        if style.type in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER, WD_STYLE_TYPE.TABLE):
            _font(style.element)
    for fonts in styles.iter(qn("w:rFonts")):  # also a table style's first row, last column…
        _name_fonts(fonts)


def _picture_description(document, text: str) -> None:
    """The alternative text of the picture just added (what a screen reader says)."""
    from docx.oxml.ns import qn

    properties = document.paragraphs[-1]._p.findall(".//" + qn("wp:docPr"))
    if properties:
        properties[-1].set("descr", text)


# A4 in twentieths of a point, as Word writes it (python-docx's template is US Letter).
A4_TWIPS = (11906, 16838)
PAGE_MARK = "\x00"


def running_head(report: dict) -> str:
    """The line on top of every page: the conference, its date and the document."""
    conference = report["conference"]
    parts = (conference["title"], layout.date_text(conference["date"]), layout.export_title(report))
    return " · ".join(part for part in parts if part)


def page_of_pages() -> list[str]:
    """ "Page %(page)s of %(pages)s" in the active language, cut where the numbers go:
    the words, then "PAGE" and "NUMPAGES" (Word's fields) in the language's order."""
    marked = _("Page %(page)s of %(pages)s") % {
        "page": f"{PAGE_MARK}PAGE{PAGE_MARK}",
        "pages": f"{PAGE_MARK}NUMPAGES{PAGE_MARK}",
    }
    return [part for part in marked.split(PAGE_MARK) if part]


def _field(paragraph, instruction: str, shown: str) -> None:
    """A Word field (PAGE, NUMPAGES) that the word processor fills in on every page;
    ``shown`` is what it shows until then."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def run_with(child):
        run = paragraph.add_run()
        _font(run._r)
        run._r.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    run_with(code)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    _font(paragraph.add_run(shown)._r)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _page_setup(document, report: dict) -> None:
    """A4 with margins for A4 (DIN 5008: 2.5 cm left, 2 cm right), the conference, its
    date and the document in the header, "Seite X von Y" in the footer as Word fields."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, Twips

    for section in document.sections:
        section.page_width, section.page_height = (Twips(n) for n in A4_TWIPS)
        section.left_margin, section.right_margin = Cm(2.5), Cm(2)
        section.top_margin, section.bottom_margin = Cm(2.5), Cm(2)
        section.header_distance = section.footer_distance = Cm(1.25)
        head = section.header.paragraphs[0]
        run = head.add_run(_plain(running_head(report)))
        run.font.size = Pt(8)
        _font(run._r)
        foot = section.footer.paragraphs[0]
        foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for part in page_of_pages():
            if part in ("PAGE", "NUMPAGES"):
                _field(foot, part, "1")
            else:
                _font(foot.add_run(part)._r)
        for run in foot.runs:
            run.font.size = Pt(8)


def docx(report: dict) -> bytes:
    """The report for the council: a title page, then a chapter per action field; the
    documentation with its charts. FONT throughout (``_document_fonts``, ``_font``)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    from workshops.exports import charts

    document = Document()
    _document_fonts(document)
    _page_setup(document, report)
    pending_break = False
    document.core_properties.title = (
        f"{report['conference']['title']}: {layout.export_title(report)}"
    )
    document.core_properties.author = "Mitwirken"

    def add(paragraph, text: str, bold: bool = False, size: float | None = None):
        nonlocal pending_break
        if pending_break:  # a new page starts with this paragraph, never with an empty one
            paragraph.paragraph_format.page_break_before = True
            pending_break = False
        run = paragraph.add_run(_plain(text))
        run.bold = bold or None
        if size:
            run.font.size = Pt(size)
        _font(run._r)
        return paragraph

    for block in _blocks(report):
        kind = block[0]
        if kind == "title":
            heading = add(document.add_heading("", level=0), block[1])
            heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "subtitle":
            subtitle = add(document.add_paragraph(style="Subtitle"), block[1])
            subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind in ("h1", "h2", "h3", "h4"):
            add(document.add_heading("", level=int(kind[1])), block[1])
        elif kind == "para":
            add(document.add_paragraph(), block[1])
        elif kind == "bullet":
            text = block[1]
            style = "List Bullet 2" if text.startswith("    ") else "List Bullet"
            add(document.add_paragraph(style=style), text.strip())
        elif kind == "table":
            headers, rows = block[1], block[2]
            columns = len(headers or rows[0]) if (headers or rows) else 1
            table = document.add_table(rows=0, cols=columns)
            table.style = "Table Grid"
            lines = ([(headers, True)] if headers else []) + [(row, False) for row in rows]
            for values, bold in lines:
                for cell, text in zip(table.add_row().cells, values, strict=False):
                    add(cell.paragraphs[0], str(text), bold=bold, size=9)
            document.add_paragraph()
        elif kind == "chart":
            spec = block[1]
            document.add_picture(io.BytesIO(charts.png(spec)), width=Cm(16))
            _picture_description(document, _plain(spec["alt"]))
        elif kind == "pagebreak":
            pending_break = True
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- PDF ----------------------------------------------------------------------------


def _needs_shaping(*texts: str) -> bool:
    """Whether text needs shaping to print right: scripts from Hebrew (U+0590) on join
    letters or run right to left; Latin, Greek and Cyrillic do not. Shaping costs time,
    so it is switched on only where it is needed. (General punctuation, U+2000–U+206F,
    the isolates among it, needs none.)"""
    return any(
        ord(ch) >= 0x0590 and not 0x2000 <= ord(ch) <= 0x206F for text in texts for ch in text
    )


def pdf(report: dict) -> bytes:
    """The same report as the DOCX, in DejaVu Sans (shipped in ``fonts/``, covering
    Turkish and Arabic among others) with text shaping, so Arabic letters join and run
    right to left. Every line runs left to right as a whole (bullet, numbers, brackets
    on the left), each isolated text within it in its own direction."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    from workshops.exports import charts

    document = FPDF(format="A4", unit="mm")
    # margins for A4 (DIN 5008: 2.5 cm left, 2 cm right), room for the header and footer
    document.set_margins(25, 22, 20)
    document.set_auto_page_break(True, margin=20)
    document.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    document.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    logging.getLogger("fontTools").setLevel(
        logging.WARNING
    )  # its subsetter logs every font at INFO
    document.set_title(f"{report['conference']['title']}: {layout.export_title(report)}")
    document.set_creator("Mitwirken")
    document.set_lang("de")
    document.alias_nb_pages()
    head_text = running_head(report)

    def header():
        # Called in the middle of a block at a page break: keep that block's shaping.
        shaping = document.text_shaping
        shape(head_text)
        document.set_y(10)
        document.set_font("DejaVu", "", 8)
        document.cell(0, 5, text(head_text), align="L")
        document.set_y(document.t_margin)
        document.text_shaping = shaping

    def footer():
        # "Seite 3 von 7": the total is filled in when the file is written
        # (alias_nb_pages), shaped text too
        shaping = document.text_shaping
        words = "".join(
            {"PAGE": str(document.page_no()), "NUMPAGES": "{nb}"}.get(part, part)
            for part in page_of_pages()
        )
        shape(words)
        document.set_y(-15)
        document.set_font("DejaVu", "", 8)
        document.cell(0, 8, text(words), align="C")
        document.text_shaping = shaping

    def shape(*texts: str) -> None:
        """Shaping for texts that need it, the paragraph left to right, runs isolated."""
        if _needs_shaping(*texts):
            document.set_text_shaping(True, direction="ltr")
        else:
            document.set_text_shaping(False)

    def text(value) -> str:
        """The text as printed: isolates only where shaping reads them, else none (they
        have no glyph)."""
        return str(value) if document.text_shaping else _plain(value)

    document.header = header
    document.footer = footer
    document.add_page()
    line = {"new_x": "LMARGIN", "new_y": "NEXT"}
    sizes = {"title": 24, "subtitle": 14, "h1": 18, "h2": 14, "h3": 12, "h4": 11}
    for block in _blocks(report):
        kind = block[0]
        if kind == "table":
            shape(*(str(c) for row in block[2] for c in row), *(block[1] or []))
        elif kind not in ("pagebreak", "chart"):
            shape(block[1])
        if kind in sizes:
            if kind == "title":
                document.ln(6)
            elif kind in ("h1", "h2"):
                document.ln(4)
            document.set_font("DejaVu", "B" if kind != "subtitle" else "", sizes[kind])
            document.multi_cell(
                0,
                sizes[kind] * 0.5,
                text(block[1]),
                align="C" if kind in ("title", "subtitle") else "L",
                **line,
            )
            document.ln(2)
        elif kind == "para":
            document.set_font("DejaVu", "", 10)
            document.multi_cell(0, 5.5, text(block[1]), **line)
            document.ln(1)
        elif kind == "bullet":
            bullet = block[1]
            indent = 10 if bullet.startswith("    ") else 4
            document.set_font("DejaVu", "", 10)
            document.set_x(document.l_margin + indent)
            document.multi_cell(0, 5.5, "• " + text(bullet.strip()), **line)
        elif kind == "table":
            headers, rows = block[1], block[2]
            document.set_font("DejaVu", "", 9)
            data = ([headers] if headers else []) + [[text(c) for c in row] for row in rows]
            if not data:
                continue
            # two columns: label and value; six: the monitoring report's roll-up
            widths = {2: (55, 115), 6: (45, 25, 25, 25, 25, 25)}.get(len(data[0]))
            with document.table(
                col_widths=widths,
                first_row_as_headings=bool(headers),
                headings_style=FontFace(emphasis="BOLD"),
                line_height=5,
                text_align="LEFT",
            ) as table:
                for values in data:
                    row = table.row()
                    for value in values:
                        row.cell(value)
            document.ln(3)
        elif kind == "chart":
            spec = block[1]
            picture = charts.png(spec)
            width, height = _png_size(picture)
            shown = (170, 170 * height / width)
            if document.get_y() + shown[1] > document.page_break_trigger:
                document.add_page()
            document.image(
                io.BytesIO(picture), w=shown[0], h=shown[1], alt_text=_plain(spec["alt"])
            )
            document.ln(4)
        elif kind == "pagebreak":
            document.add_page()
    return bytes(document.output())


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels, from the PNG's header."""
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
