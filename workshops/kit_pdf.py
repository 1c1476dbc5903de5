"""The print kit of a conference: per forum an A4 poster for the door and an A6 table
card (a page of its own: print it on A6 card, or four to a sheet with the printer's
"pages per sheet"), each with the forum's title, room and time, its join QR code, the
code in large type and the address to type; then the voting-card sheets of the forums
that require cards, when cards were issued with it (workshops/cards_pdf.py draws them).

Set in DejaVu Sans (shipped with the exports, workshops/exports/fonts), which carries
every language the conference can offer (Latin with Turkish letters, Cyrillic, Arabic);
Arabic lines are shaped (uharfbuzz) so their letters join and run right to left. The
invitation to scan is printed once in every language the conference offers.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from workshops.cards_pdf import add_card_pages, draw_qr
from workshops.exports.writers import FONTS, _needs_shaping
from workshops.models import Conference, Forum
from workshops.services.participants import offered_languages

FONT = "DejaVu"
RIGHT_TO_LEFT = {"ar"}
A6 = (105, 148)  # mm; fpdf2 knows A3 to A5 by name only


@dataclass
class KitForum:
    forum: Forum
    join_url: str  # absolute: what the QR code holds and what people type
    cards: list[str] = field(default_factory=list)  # voting-card codes issued with the kit


def when(forum: Forum) -> str:
    """ "14:00–15:30", "14:00" or ""."""
    times = [t for t in (forum.starts_at, forum.ends_at) if t is not None]
    return "–".join(f"{t:%H:%M}" for t in times)


def where_and_when(forum: Forum) -> str:
    return " · ".join(part for part in (forum.room, when(forum)) if part)


def invitations(languages: list[str]) -> list[tuple[str, str]]:
    """The sentence that tells people what to do, in each offered language."""
    out = []
    for language in languages:
        with translation.override(language):
            out.append(
                (
                    language,
                    _("Scan the QR code with your phone, or type the address, to take part."),
                )
            )
    return out


class _Kit:
    def __init__(self, conference: Conference):
        self.conference = conference
        self.pdf = FPDF(format="A4", unit="mm")
        self.pdf.set_auto_page_break(False)
        self.pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.pdf.set_title(f"{conference.title}: Druckpaket")
        self.pdf.set_creator("Mitwirken")
        self.pdf.set_lang(settings.LANGUAGE_CODE)
        self.languages = offered_languages(conference)
        self.invitations = invitations(self.languages)

    def text(self, x, width, height, value, *, size, bold=False, rtl=False, dry=False):
        """A centred paragraph at the current height, shaped only where it must be;
        ``dry``: nothing is drawn, the lines it would take are returned."""
        pdf = self.pdf
        if _needs_shaping(value):
            pdf.set_text_shaping(True, direction="rtl" if rtl else "ltr")
        else:
            pdf.set_text_shaping(False)
        pdf.set_font(FONT, "B" if bold else "", size)
        pdf.set_x(x)
        if dry:
            lines = pdf.multi_cell(width, height, value, dry_run=True, output="LINES")
        else:
            pdf.multi_cell(width, height, value, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_shaping(False)
        return len(lines) if dry else 0

    def code(self, x, width, code: str, size: float):
        pdf = self.pdf
        pdf.set_font("Courier", "B", size)
        pdf.set_x(x)
        pdf.cell(width, size * 0.45, code, align="C", new_x="LMARGIN", new_y="NEXT")

    def sheet(self, kit: KitForum, *, page_format, width: float, scale: float):
        """One poster (scale 1, A4) or table card (A6): the same parts, smaller. A long
        title is set smaller (at most three lines), and the QR code takes the room left."""
        pdf, forum = self.pdf, kit.forum
        pdf.add_page(format=page_format)
        margin = 15 * scale
        inner = width - 2 * margin
        pdf.set_y(margin)
        pdf.set_text_color(90, 90, 90)
        self.text(margin, inner, 6 * scale, self.conference.title, size=13 * scale)
        pdf.set_text_color(0, 0, 0)
        pdf.ln(3 * scale)
        size = 30
        while (
            size > 16
            and self.text(margin, inner, 1, forum.title, size=size * scale, bold=True, dry=True) > 3
        ):
            size -= 2
        self.text(margin, inner, size * 0.43 * scale, forum.title, size=size * scale, bold=True)
        place = where_and_when(forum)
        if place:
            pdf.ln(2 * scale)
            self.text(margin, inner, 11 * scale, place, size=24 * scale)
        # what goes below the QR code, measured before it is drawn
        small = max(11 * scale, 7)  # still legible on the table card
        address = 7 * scale * self.text(margin, inner, 1, kit.join_url, size=16 * scale, dry=True)
        below = 2 * scale + 80 * scale * 0.45 + 3 * scale + address + 4 * scale
        for language, sentence in self.invitations:
            lines = self.text(
                margin, inner, 1, sentence, size=small, rtl=language in RIGHT_TO_LEFT, dry=True
            )
            below += small * 0.47 * lines
        y = pdf.get_y() + 6 * scale
        qr = max(min(100 * scale, pdf.h - margin / 2 - y - below), 30 * scale)
        draw_qr(pdf, kit.join_url, (width - qr) / 2, y, qr)
        pdf.set_y(y + qr + 2 * scale)
        self.code(margin, inner, forum.code, 80 * scale)
        pdf.ln(3 * scale)
        self.text(margin, inner, 7 * scale, kit.join_url, size=16 * scale)
        pdf.ln(4 * scale)
        for language, sentence in self.invitations:
            self.text(
                margin,
                inner,
                small * 0.47,
                sentence,
                size=small,
                rtl=language in RIGHT_TO_LEFT,
            )

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def kit_pdf(*, conference: Conference, forums: list[KitForum]) -> bytes:
    """Per forum (in the given order) a poster (A4) and a table card (A6), then the
    voting-card sheets (A4) of the forums with issued ``cards``."""
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # its subsetter logs at INFO
    kit = _Kit(conference)
    for item in forums:
        kit.sheet(item, page_format="A4", width=210, scale=1)
        kit.sheet(item, page_format=A6, width=A6[0], scale=0.5)
    for item in forums:
        if item.cards:
            add_card_pages(
                kit.pdf,
                forum_title=item.forum.title,
                conference_title=conference.title,
                join_url=item.join_url,
                codes=item.cards,
                font=FONT,
                plain=str,
            )
    return kit.output()
