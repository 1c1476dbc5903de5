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
    return {"xlsx": xlsx, "docx": docx, "pdf": pdf, "csv": csv_bytes, "json": json_bytes}[fmt](report)


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
        for entry in layout.field_entries(report, field):
            writer.writerow(["" if v is None else safe_cell(v) for v in layout.item_row(report, field, entry)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- XLSX ---------------------------------------------------------------------------

def _sheet_title(title: str, taken: set[str]) -> str:
    cleaned = "".join(" " if ch in '[]:*?/\\' else ch for ch in title).strip().strip("'") or "-"
    name = cleaned[:31]
    n = 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = cleaned[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name


def _write_table(sheet, headers: list[str], rows: list[list], widths: dict[int, int] | None = None) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet.append([safe_cell(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(["" if v is None else safe_cell(v) for v in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                # Text is text, even if openpyxl would take "=..." for a formula.
                cell.data_type = "s"
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    last = get_column_letter(max(len(headers), 1))
    sheet.auto_filter.ref = f"A1:{last}{max(len(rows) + 1, 1)}"
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        width = (widths or {}).get(index) or min(60, max(10, len(header) + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width


def xlsx(report: dict) -> bytes:
    """An overview sheet (conference, participation, measures per field), one sheet per
    action field with its items in real columns and a filter, and (documentation) a
    sheet with the participation per forum."""
    from openpyxl import Workbook

    book = Workbook()
    taken: set[str] = set()
    overview = book.active
    overview.title = _sheet_title(_("Overview"), taken)
    _write_table(overview, [_("What"), _("Value")], [list(r) for r in layout.overview_rows(report)], {1: 40, 2: 60})
    headers = layout.item_columns(report)
    wide = {i + 1: 50 for i, h in enumerate(headers) if h in (_("Text"), _("Goals it answers"), _("Needs behind them"), _("Results"))}
    for field in report["fields"]:
        sheet = book.create_sheet(_sheet_title(field["title"], taken))
        rows = [layout.item_row(report, field, e) for e in layout.field_entries(report, field)]
        _write_table(sheet, headers, rows, wide)
    if report["kind"] == "documentation":
        sheet = book.create_sheet(_sheet_title(_("Participation"), taken))
        _write_table(sheet, layout.forum_columns(report), layout.forum_rows(report), {1: 40, 6: 60})
    book.properties.title = f"{report['conference']['title']}: {layout.export_title(report)}"
    book.properties.creator = "Mitwirken"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- DOCX ---------------------------------------------------------------------------

def docx(report: dict) -> bytes:
    """The report for the council: a title page, then a chapter per action field."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = f"{report['conference']['title']}: {layout.export_title(report)}"
    document.core_properties.author = "Mitwirken"
    for block in layout.blocks(report):
        kind = block[0]
        if kind == "title":
            document.add_paragraph()
            heading = document.add_heading(block[1], level=0)
            heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "subtitle":
            paragraph = document.add_paragraph(style="Subtitle")
            paragraph.add_run(block[1])
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind in ("h1", "h2", "h3"):
            document.add_heading(block[1], level=int(kind[1]))
        elif kind == "para":
            document.add_paragraph(block[1])
        elif kind == "bullet":
            text = block[1]
            style = "List Bullet 2" if text.startswith("    ") else "List Bullet"
            document.add_paragraph(text.strip(), style=style)
        elif kind == "table":
            headers, rows = block[1], block[2]
            columns = len(headers or rows[0]) if (headers or rows) else 1
            table = document.add_table(rows=0, cols=columns)
            table.style = "Table Grid"
            if headers:
                cells = table.add_row().cells
                for cell, text in zip(cells, headers):
                    cell.text = ""
                    run = cell.paragraphs[0].add_run(str(text))
                    run.bold = True
            for row in rows:
                cells = table.add_row().cells
                for cell, text in zip(cells, row):
                    cell.text = str(text)
            for row in table.rows:
                for cell in row.cells:
                    for paragraph in cell.paragraphs:
                        for run in paragraph.runs:
                            run.font.size = Pt(9)
            document.add_paragraph()
        elif kind == "pagebreak":
            document.add_page_break()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- PDF ----------------------------------------------------------------------------

def _needs_shaping(*texts: str) -> bool:
    """Whether text needs shaping to print right: scripts from Hebrew (U+0590) on join
    letters or run right to left; Latin, Greek and Cyrillic do not. Shaping costs time,
    so it is switched on only where it is needed."""
    return any(ord(ch) >= 0x0590 for text in texts for ch in text)


def pdf(report: dict) -> bytes:
    """The same report as the DOCX, in DejaVu Sans (shipped in ``fonts/``, covering
    Turkish and Arabic among others) with text shaping, so Arabic letters join and run
    right to left."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    document = FPDF(format="A4", unit="mm")
    document.set_margins(20, 20, 20)
    document.set_auto_page_break(True, margin=20)
    document.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    document.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # its subsetter logs every font at INFO
    document.set_title(f"{report['conference']['title']}: {layout.export_title(report)}")
    document.set_creator("Mitwirken")
    document.set_lang("de")
    document.alias_nb_pages()
    footer_text = f"{report['conference']['title']} – {layout.export_title(report)}"

    def footer():
        # Called in the middle of a block at a page break: keep that block's shaping.
        shaping = document.text_shaping
        document.set_text_shaping(_needs_shaping(footer_text))
        document.set_y(-15)
        document.set_font("DejaVu", "", 8)
        document.cell(0, 8, f"{footer_text} – {document.page_no()}/{{nb}}", align="C")
        document.text_shaping = shaping

    document.footer = footer
    document.add_page()
    line = {"new_x": "LMARGIN", "new_y": "NEXT"}
    sizes = {"title": 24, "subtitle": 14, "h1": 18, "h2": 14, "h3": 12}
    for block in layout.blocks(report):
        kind = block[0]
        if kind == "table":
            document.set_text_shaping(_needs_shaping(*(str(c) for row in block[2] for c in row), *(block[1] or [])))
        elif kind != "pagebreak":
            document.set_text_shaping(_needs_shaping(block[1]))
        if kind in sizes:
            if kind == "title":
                document.ln(50)
            elif kind in ("h1", "h2"):
                document.ln(4)
            document.set_font("DejaVu", "B" if kind != "subtitle" else "", sizes[kind])
            document.multi_cell(0, sizes[kind] * 0.5, block[1], align="C" if kind in ("title", "subtitle") else "L", **line)
            document.ln(2)
        elif kind == "para":
            document.set_font("DejaVu", "", 10)
            document.multi_cell(0, 5.5, block[1], **line)
            document.ln(1)
        elif kind == "bullet":
            text = block[1]
            indent = 10 if text.startswith("    ") else 4
            document.set_font("DejaVu", "", 10)
            document.set_x(document.l_margin + indent)
            document.multi_cell(0, 5.5, "• " + text.strip(), **line)
        elif kind == "table":
            headers, rows = block[1], block[2]
            document.set_font("DejaVu", "", 9)
            data = ([headers] if headers else []) + [[str(c) for c in row] for row in rows]
            if not data:
                continue
            widths = (55, 115) if len(data[0]) == 2 else None
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
        elif kind == "pagebreak":
            document.add_page()
    return bytes(document.output())
