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


def _qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """Draw the QR code as filled squares: no image library, crisp at any printer."""
    qr = segno.make(data, error="m")
    matrix = [list(row) for row in qr.matrix]
    n = len(matrix) + 4  # quiet zone of 2 modules each side
    module = size / n
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x + (c + 2) * module, y + (r + 2) * module, module, module, style="F")


def cards_pdf(*, forum_title: str, conference_title: str, join_url: str, codes: list[str]) -> bytes:
    """The sheet for ``codes``; ``join_url`` is the forum's join address (the card code
    is added to it as ``?card=``)."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_title(latin1(f"Stimmkarten {forum_title}"))
    for n, code in enumerate(codes):
        if n % PER_PAGE == 0:
            pdf.add_page()
        slot = n % PER_PAGE
        x = MARGIN_X + (slot % 2) * CARD_W
        y = MARGIN_Y + (slot // 2) * CARD_H
        pdf.set_draw_color(150, 150, 150)
        pdf.set_dash_pattern(dash=1, gap=1)
        pdf.rect(x, y, CARD_W, CARD_H)  # cut line
        pdf.set_dash_pattern()
        _qr(pdf, f"{join_url}?card={code}", x + 3, y + 3, QR_SIZE)
        tx, tw = x + QR_SIZE + 6, CARD_W - QR_SIZE - 9
        pdf.set_xy(tx, y + 5)
        pdf.set_font("Helvetica", "B", 11)
        pdf.multi_cell(tw, 5, latin1("Stimmkarte / Voting card"))
        pdf.set_x(tx)
        pdf.set_font("Helvetica", "", 8)
        pdf.multi_cell(tw, 3.8, latin1(f"{conference_title}\n{forum_title}"), max_line_height=3.8)
        pdf.set_xy(x + 3, y + QR_SIZE + 6)
        pdf.set_font("Courier", "B", 18)
        pdf.cell(CARD_W - 6, 8, f"{code[:4]} {code[4:]}", align="C")
        pdf.set_xy(x + 3, y + QR_SIZE + 16)
        pdf.set_font("Helvetica", "", 7.5)
        pdf.multi_cell(
            CARD_W - 6,
            3.4,
            latin1(
                "QR-Code scannen oder Code im Forum eingeben. Eine Karte gilt für ein Handy.\n"
                "Scan the QR code or type the code in the forum. One card, one phone."
            ),
            align="C",
        )
    return bytes(pdf.output())
