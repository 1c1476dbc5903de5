"""The public programme (/c/<slug>/) and the print kit (/c/<slug>/kit.pdf).

The kit is read back as a printer would get it: page sizes with pypdf, the text of each
page, and the QR code of each poster and table card rendered (pypdfium2) and decoded
(zxing-cpp) to the forum's join address."""

import datetime
import io

import pypdfium2
import pytest
import zxingcpp
from django.contrib.auth import get_user_model
from pypdf import PdfReader

from tests.factories import make_conference, make_field, make_forum
from workshops.models import AuditEntry, VotingCard

pytestmark = pytest.mark.django_db

A4, A6 = (210, 297), (105, 148)


@pytest.fixture
def conference():
    conference = make_conference(
        slug="ik-2026",
        title="3. Integrationskonferenz Musterstadt",
        motto="Zusammen sind wir Musterstadt",
        date=datetime.date(2026, 11, 21),
        venue="Bürgerhaus Mitte",
        languages=["de", "en", "tr", "ar", "uk", "ru"],
    )
    sprache = make_field(conference, "Bildung & Sprache")
    sprache.description = "Von der Kita bis zur Weiterbildung."
    sprache.save()
    arbeit = make_field(conference, "Arbeit", 1)
    # created out of the day's order: the programme sorts by time
    make_forum(
        conference,
        title="Plenum: Verabschiedung",
        kind="plenary",
        code="PLNM23",
        fields=[sprache, arbeit],
        room="Saal 1",
        starts_at=datetime.time(16, 0),
        ends_at=datetime.time(17, 0),
        position=0,
    )
    make_forum(
        conference,
        title="Fachforum 2: Arbeit",
        code="FFZW22",
        fields=[arbeit],
        room="Raum 2.14",
        starts_at=datetime.time(14, 0),
        ends_at=datetime.time(15, 30),
        position=1,
    )
    return conference


def page(client, slug="ik-2026", language="en"):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    response = client.get(f"/c/{slug}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_programme_before_the_conference(client, conference):
    html = page(client)
    for text in (
        "3. Integrationskonferenz Musterstadt",
        "Zusammen sind wir Musterstadt",
        "Bürgerhaus Mitte",
        'datetime="2026-11-21"',
        "Room: Raum 2.14",
        "Von der Kita bis zur Weiterbildung.",
        "Plenary",
    ):
        assert text in html, text
    # sorted by time, whatever the forums' order in the conference
    assert html.index("14:00</time>–<time") < html.index("16:00") < html.index("17:00")
    assert html.index("Fachforum 2: Arbeit") < html.index("Plenum: Verabschiedung")
    # no results yet, no join codes for the whole internet, no kit for visitors
    assert "/c/ik-2026/export/" not in html and "/c/ik-2026/measures/" not in html
    assert "FFZW22" not in html and "kit.pdf" not in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>")[0]


def test_the_programme_after_the_results_are_published(client, conference):
    conference.results_published = True
    conference.save()
    html = page(client)
    assert 'href="/c/ik-2026/export/"' in html and 'href="/c/ik-2026/measures/"' in html
    assert "Where the adopted measures stand" in html


@pytest.mark.parametrize(
    "language, words",
    [
        ("de", ["Das Programm", "Raum: Raum 2.14", "Die Handlungsfelder"]),
        ("tr", ["Program", "Salon: Raum 2.14", "Eylem alanları"]),
        ("ar", ["البرنامج", "القاعة: Raum 2.14", 'dir="rtl"']),
        ("uk", ["Програма", "Приміщення: Raum 2.14"]),
        ("ru", ["Программа", "Помещение: Raum 2.14"]),
    ],
)
def test_the_programme_speaks_the_visitor_s_language(client, conference, language, words):
    html = page(client, language=language)
    for word in words:
        assert word in html, word


def test_an_unknown_conference_is_404(client, db):
    assert client.get("/c/gibt-es-nicht/").status_code == 404


def test_the_organiser_sees_the_kit_on_the_programme(client, conference):
    organiser = get_user_model().objects.create_user("buero")
    conference.organisers.add(organiser)
    client.force_login(organiser)
    assert 'href="/c/ik-2026/kit.pdf"' in page(client)


# --- the print kit ---


def kit_of(client, conference, **post):
    organiser = get_user_model().objects.create_user(f"buero-{len(post)}")
    conference.organisers.add(organiser)
    client.force_login(organiser)
    if post:
        response = client.post(f"/c/{conference.slug}/kit.pdf", post)
    else:
        response = client.get(f"/c/{conference.slug}/kit.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def size_mm(pdf_page) -> tuple[int, int]:
    box = pdf_page.mediabox
    return round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)


def qr_codes(data: bytes, index: int) -> list[str]:
    """The QR codes on a page, rendered at 100 dpi and decoded."""
    document = pypdfium2.PdfDocument(data)
    image = document[index].render(scale=100 / 72).to_pil()
    return [code.text for code in zxingcpp.read_barcodes(image)]


def test_the_kit_has_a_poster_and_a_table_card_per_forum(client, conference):
    data = kit_of(client, conference)
    reader = PdfReader(io.BytesIO(data))
    assert [size_mm(p) for p in reader.pages] == [A4, A6, A4, A6]
    texts = [" ".join(p.extract_text().split()) for p in reader.pages]
    # the day's order: Fachforum 2 at 14:00, then the plenary at 16:00
    for n, (title, code, where) in enumerate(
        [
            ("Fachforum 2: Arbeit", "FFZW22", "Raum 2.14 · 14:00–15:30"),
            ("Plenum: Verabschiedung", "PLNM23", "Saal 1 · 16:00–17:00"),
        ]
    ):
        for sheet in (2 * n, 2 * n + 1):
            assert title in texts[sheet] and where in texts[sheet], texts[sheet]
            assert code in texts[sheet]
            assert f"http://testserver/j/{code}" in texts[sheet]
            assert qr_codes(data, sheet) == [f"http://testserver/j/{code}"]
    poster = texts[0]
    # the invitation in each language the conference offers, Arabic shaped with it
    assert "Scannen Sie den QR-Code" in poster and "QR kodunu" in poster
    assert "Щоб взяти участь" in poster and "Чтобы принять участие" in poster
    assert "Scan the QR code with your phone" in poster
    assert "اكتب العنوان" in poster  # Arabic: shaped glyphs that still read back as text
    fonts = {
        str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()
    }
    assert any("DejaVu" in name for name in fonts), fonts


def test_the_kit_adds_voting_cards_only_when_asked_by_post(client, conference):
    plenary = conference.forums.get(code="PLNM23")
    plenary.requires_cards = True
    plenary.save()
    assert len(PdfReader(io.BytesIO(kit_of(client, conference))).pages) == 4
    assert VotingCard.objects.count() == 0  # a GET issues nothing

    data = kit_of(client, conference, cards="3")
    reader = PdfReader(io.BytesIO(data))
    assert [size_mm(p) for p in reader.pages] == [A4, A6, A4, A6, A4]
    assert VotingCard.objects.filter(forum=plenary).count() == 3
    sheet = reader.pages[4].extract_text()
    assert "Stimmkarte" in sheet and "Plenum: Verabschiedung" in sheet
    cards = qr_codes(data, 4)
    assert len(cards) == 3
    assert all(c.startswith("http://testserver/j/PLNM23?card=") for c in cards)
    assert AuditEntry.objects.filter(forum=plenary, action="forum.cards.issued").count() == 1


def test_the_kit_refuses_cards_where_no_forum_requires_them(client, conference):
    organiser = get_user_model().objects.create_user("buero")
    conference.organisers.add(organiser)
    client.force_login(organiser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    response = client.post("/c/ik-2026/kit.pdf", {"cards": "3"}, follow=True)
    assert "Kein Forum dieser Konferenz verlangt Stimmkarten." in response.content.decode()
    assert VotingCard.objects.count() == 0


def test_the_exports_page_links_the_kit(client, conference):
    kit_of(client, conference)  # logs the organiser in
    html = client.get("/c/ik-2026/export/").content.decode()
    assert 'href="/c/ik-2026/kit.pdf"' in html


def test_a_forum_without_room_or_time_still_gets_its_sheets(client, db):
    conference = make_conference(slug="ohne-raum", languages=["de"])
    make_forum(conference, title="Arbeitsgruppe Wohnen", code="WHNN33")
    data = kit_of(client, conference)
    reader = PdfReader(io.BytesIO(data))
    assert [size_mm(p) for p in reader.pages] == [A4, A6]
    assert "WHNN33" in reader.pages[1].extract_text()
    assert qr_codes(data, 1) == ["http://testserver/j/WHNN33"]


def test_a_long_title_and_room_still_fit_the_table_card(client, db):
    conference = make_conference(slug="lang", languages=["de", "en", "tr", "ar", "uk", "ru"])
    title = (
        "Fachforum 2: Arbeit, Ausbildung und Mitbestimmung – Anerkennung ausländischer "
        "Berufsabschlüsse, Zugang zum Arbeitsmarkt und Teilhabe in Betrieben und Kammern"
    )
    make_forum(
        conference,
        title=title,
        code="LNGT44",
        room="Raum 2.14 im zweiten Obergeschoss, Eingang über den Innenhof",
        starts_at=datetime.time(14, 0),
    )
    data = kit_of(client, conference)
    document = pypdfium2.PdfDocument(data)
    for index in (0, 1):
        width, height = document[index].get_size()
        text = document[index].get_textpage()
        boxes = [text.get_charbox(i) for i in range(text.count_chars())]
        # (left, bottom, right, top) in points: every letter on the page
        assert all(0 <= b[0] and b[2] <= width and 0 <= b[1] and b[3] <= height for b in boxes)
        assert qr_codes(data, index) == ["http://testserver/j/LNGT44"]


def test_visitors_of_the_published_exports_get_no_kit(client, conference):
    conference.results_published = True
    conference.save()
    html = client.get("/c/ik-2026/export/").content.decode()
    assert "/c/ik-2026/export/measures.csv" in html
    assert "kit.pdf" not in html
    assert client.get("/c/ik-2026/kit.pdf").status_code == 302  # to the login
