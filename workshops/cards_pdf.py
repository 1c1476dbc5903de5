"""The printable sheet of voting cards: A4, eight cards a page, each with a QR code that
joins the forum and takes the card in one scan, and the code to type in by hand."""

import unicodedata

import segno
from fpdf import FPDF

CARD_W, CARD_H = 95.0, 68.0
MARGIN_X, MARGIN_Y = 10.0, 12.5
PER_PAGE = 8
QR_SIZE = 34.0

# The PDF's built-in font covers Latin-1; other letters are written without accents
# (the sheet is the moderator's, its text ours; the code itself is ASCII).
_PLAIN = {
    "–": "-",
    "—": "-",
    "„": '"',
    "“": '"',
    "”": '"',
    "‚": "'",
    "‘": "'",
    "’": "'",
    "…": "...",
}


def latin1(text: str) -> str:
    text = "".join(_PLAIN.get(ch, ch) for ch in text)
    out = []
    for ch in text:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            out.append(unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or "?")
    return "".join(out)


def draw_qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """Draw the QR code as filled rectangles, one per run of dark modules in a row: no
    image library, crisp at any printer, no seams between neighbouring modules."""
    qr = segno.make(data, error="m")
    matrix = [list(row) for row in qr.matrix]
    n = len(matrix) + 4  # quiet zone of 2 modules each side
    module = size / n
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(
                x + (start + 2) * module, y + (r + 2) * module, (c - start) * module, module, "F"
            )


def cards_pdf(*, forum_title: str, conference_title: str, join_url: str, codes: list[str]) -> bytes:
    """The sheet for ``codes``; ``join_url`` is the forum's join address (the card code
    is added to it as ``?card=``)."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_title(latin1(f"Stimmkarten {forum_title}"))
    add_card_pages(
        pdf,
        forum_title=forum_title,
        conference_title=conference_title,
        join_url=join_url,
        codes=codes,
    )
    return bytes(pdf.output())


def add_card_pages(
    pdf: FPDF,
    *,
    forum_title: str,
    conference_title: str,
    join_url: str,
    codes: list[str],
    font: str = "Helvetica",
    plain=latin1,
) -> None:
    """Add the A4 pages of ``codes`` to ``pdf``; ``font`` (added to ``pdf``) and
    ``plain`` (what the font cannot print becomes) for the titles and the hints: the
    built-in font and Latin-1 here, the print kit passes its own (workshops/kit_pdf.py)."""
    for n, code in enumerate(codes):
        if n % PER_PAGE == 0:
            pdf.add_page(format="A4")
        slot = n % PER_PAGE
        x = MARGIN_X + (slot % 2) * CARD_W
        y = MARGIN_Y + (slot // 2) * CARD_H
        pdf.set_draw_color(150, 150, 150)
        pdf.set_dash_pattern(dash=1, gap=1)
        pdf.rect(x, y, CARD_W, CARD_H)  # cut line
        pdf.set_dash_pattern()
        draw_qr(pdf, f"{join_url}?card={code}", x + 3, y + 3, QR_SIZE)
        tx, tw = x + QR_SIZE + 6, CARD_W - QR_SIZE - 9
        pdf.set_xy(tx, y + 5)
        pdf.set_font(font, "B", 11)
        pdf.multi_cell(tw, 5, plain("Stimmkarte / Voting card"))
        pdf.set_x(tx)
        pdf.set_font(font, "", 8)
        pdf.multi_cell(tw, 3.8, plain(f"{conference_title}\n{forum_title}"), max_line_height=3.8)
        pdf.set_xy(x + 3, y + QR_SIZE + 6)
        pdf.set_font("Courier", "B", 18)
        pdf.cell(CARD_W - 6, 8, f"{code[:4]} {code[4:]}", align="C")
        pdf.set_xy(x + 3, y + QR_SIZE + 16)
        pdf.set_font(font, "", 7.5)
        pdf.multi_cell(
            CARD_W - 6,
            3.4,
            plain(
                "QR-Code scannen oder Code im Forum eingeben. Eine Karte gilt für ein Handy.\n"
                "Scan the QR code or type the code in the forum. One card, one phone."
            ),
            align="C",
        )
