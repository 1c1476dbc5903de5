"""Which language a page speaks: the person's choice (session), else the browser's
language among those the conference offers, else German; the switcher is a plain POST;
Arabic pages are right to left; dates follow the language; no language cookie."""

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import make_conference, make_forum
from workshops.languages import SESSION_KEY

pytestmark = pytest.mark.django_db


def html_of(response):
    return response.content.decode()


def switcher_codes(html):
    """The languages of the chip at the top (templates/workshops/_language_chip.html)."""
    block = re.search(r'<details class="language-chip".*?</details>', html, re.S).group(0)
    return re.findall(r'name="language" value="([a-z]+)"', block)


def test_the_browser_language_is_the_first_guess_among_the_offered_ones(forum):
    # the factory's conference offers de, en, tr, ar
    html = html_of(Client(HTTP_ACCEPT_LANGUAGE="tr-TR,tr;q=0.9,en;q=0.5").get(f"/j/{forum.code}"))
    assert '<html lang="tr" dir="ltr">' in html
    assert "Şimdi katıl" in html  # "Join now"
    assert re.search(r'<option value="tr" lang="tr" selected>', html)
    # the chip at the top says it too, and marks it in its menu
    assert re.search(r'<span lang="tr">Türkçe</span></summary>', html)
    assert re.search(r'value="tr" lang="tr" dir="ltr" aria-current="true">Türkçe<', html)


def test_a_language_not_offered_falls_back_to_german_with_the_switcher_visible(forum):
    html = html_of(Client(HTTP_ACCEPT_LANGUAGE="ru,uk;q=0.8").get(f"/j/{forum.code}"))
    assert '<html lang="de" dir="ltr">' in html
    assert "Jetzt teilnehmen" in html
    assert switcher_codes(html) == ["de", "en", "tr", "ar"]


def test_a_conference_without_german_still_falls_back_to_german_and_offers_it(db):
    forum = make_forum(make_conference(languages=["en", "tr"]))
    html = html_of(Client(HTTP_ACCEPT_LANGUAGE="fr").get(f"/j/{forum.code}"))
    assert '<html lang="de"' in html
    assert switcher_codes(html) == ["en", "tr", "de"]


def test_arabic_pages_are_right_to_left(forum):
    client = Client(HTTP_ACCEPT_LANGUAGE="ar")
    client.post(f"/j/{forum.code}", {"language": "ar"})
    html = html_of(client.get(f"/f/{forum.code}/"))
    assert '<html lang="ar" dir="rtl">' in html
    assert "مقترحك" in html  # "Your proposal"


def test_switching_is_a_plain_post_kept_in_the_session_and_no_cookie_of_its_own(forum):
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.post(f"/j/{forum.code}", {})
    response = client.post("/i18n/setlang/", {"language": "ar", "next": f"/f/{forum.code}/"})
    assert response.status_code == 302 and response["Location"] == f"/f/{forum.code}/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert client.session[SESSION_KEY] == "ar"
    assert '<html lang="ar" dir="rtl">' in html_of(client.get(f"/f/{forum.code}/"))
    # the choice wins over the browser's language on every page
    assert '<html lang="ar"' in html_of(client.get("/datenschutz"))


def test_the_switcher_refuses_foreign_targets_and_unknown_languages(forum):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert SESSION_KEY not in client.session
    assert client.get("/i18n/setlang/").status_code == 405


def test_the_switcher_works_without_javascript(forum):
    html = html_of(Client().get("/"))
    form = re.search(
        r'<form action="/i18n/setlang/" method="post" class="language-switch">.*?</form>',
        html,
        re.S,
    )
    # one submit button per language (a <button> in a form submits)
    assert form and '<button name="language" value="tr"' in form.group(0)
    assert 'name="csrfmiddlewaretoken"' in form.group(0)


def test_the_language_chip_is_at_the_top_with_each_language_in_its_own_script(forum):
    client = Client(HTTP_ACCEPT_LANGUAGE="ar")
    client.post(f"/j/{forum.code}", {"language": "ar"})
    for path in (f"/j/{forum.code}", f"/f/{forum.code}/", "/datenschutz"):
        html = html_of(client.get(path))
        header = html[html.index('<header class="site-header">') : html.index("</header>")]
        assert '<details class="language-chip"' in header, path
        assert html.index("language-chip") < html.index('<main id="main"'), path
        assert "<footer" not in html or 'class="language-switch"' not in html.split("<footer")[1]
    chip = re.search(r'<details class="language-chip".*?</details>', html, re.S).group(0)
    assert re.findall(r'lang="(\w+)" dir="(\w+)"[^>]*>([^<]+)<', chip) == [
        ("de", "ltr", "Deutsch"),
        ("en", "ltr", "English"),
        ("tr", "ltr", "Türkçe"),
        ("ar", "rtl", "العربيّة"),
        ("uk", "ltr", "Українська"),
        ("ru", "ltr", "Русский"),
    ]


def test_join_remembers_the_chosen_language_for_the_phone_and_its_socket(forum):
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.post(f"/j/{forum.code}", {"language": "tr"})
    assert client.session[SESSION_KEY] == "tr"
    assert '<html lang="tr"' in html_of(client.get(f"/f/{forum.code}/"))


@pytest.mark.parametrize(
    "language,expected",
    [
        ("de", "24. November 2026"),
        ("en", "Nov. 24, 2026"),
        ("tr", "24 Kasım 2026"),
        ("ru", "24 ноября 2026"),
        ("uk", "24 листопада 2026"),
        ("ar", "24 نوفمبر، 2026"),
    ],
)
def test_dates_are_written_the_way_each_language_writes_them(settings, language, expected):
    settings.ACCESSIBILITY_STATEMENT_DATE = "2026-11-24"
    html = html_of(Client(HTTP_ACCEPT_LANGUAGE=language).get("/barrierefreiheit"))
    assert expected in html


def test_only_the_session_and_csrf_cookies_are_ever_set(forum):
    client = Client(HTTP_ACCEPT_LANGUAGE="tr")
    names = set()
    for response in (
        client.get("/"),
        client.get(f"/j/{forum.code}"),
        client.post(f"/j/{forum.code}", {"name": "Ayşe", "language": "tr"}),
        client.get(f"/f/{forum.code}/"),
        client.post("/i18n/setlang/", {"language": "ar", "next": "/"}),
        client.post(f"/f/{forum.code}/propose", {"field": "", "kind": "need", "text": "x"}),
        client.get("/datenschutz"),
        client.get("/barrierefreiheit"),
        client.get("/j/ZZZZZZ"),
    ):
        names |= set(response.cookies)
    assert names == {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}


@pytest.mark.parametrize(
    "language,mean", [("de", "3,5"), ("en", "3.5"), ("ru", "3,5"), ("tr", "3,5")]
)
def test_numbers_in_results_are_written_the_way_each_language_writes_them(language, mean):
    from django.utils import translation

    from workshops.templatetags.mitwirken import format_tally
    from workshops.views import live_texts

    with translation.override(language):
        text = format_tally("consent", {"resistance": 7, "mean": 3.5, "votes": 2, "vetoes": 0})
        assert f" {mean}," in text or f" {mean} " in text or f"{mean}," in text
        assert live_texts()["decimal"] == mean[1]  # the live page writes fractions the same way
