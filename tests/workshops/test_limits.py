"""The abuse limits on their default settings, as a hall behaves: every phone behind the
venue's one address, browsers asking for icons on their own; and a guesser, a password
tryer and a prober among them (docs/operations.md, "Limits")."""

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from tests.factories import make_conference, make_forum, make_moderator, make_participant
from workshops import throttle
from workshops.codes import JOIN_CODE_ALPHABET
from workshops.identity import remember_participant

pytestmark = pytest.mark.django_db

ICONS = ["/favicon.ico", "/apple-touch-icon.png", "/apple-touch-icon-precomposed.png"]


def unknown_codes(n):
    """``n`` well-formed join codes that name no forum."""
    a = JOIN_CODE_ALPHABET
    return [f"ZZ{a[i // 961 % 31]}{a[i // 31 % 31]}{a[i % 31]}Z" for i in range(n)]


def participant_browser(forum, **headers):
    """A phone that joined ``forum`` before (its session names the participant)."""
    browser = Client(**headers)
    session = browser.session
    remember_participant(session, make_participant(forum.conference, display_name="Dabei"))
    session.save()
    browser.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return browser


def test_a_hall_behind_one_address_joins_while_browsers_fetch_icons(forum):
    """420 phones from 127.0.0.1 within the test (more than the old 300 joins per minute
    per address; each asks for the icons and one address nobody serves, the old 60
    misses per minute): every one gets in."""
    answers = []
    for n in range(420):
        phone = Client(HTTP_ACCEPT_LANGUAGE="de")
        statuses = [phone.get(icon).status_code for icon in ICONS]
        statuses.append(phone.get(f"/nicht-da-{n}").status_code)
        statuses.append(phone.get(f"/j/{forum.code}").status_code)
        statuses.append(phone.post(f"/j/{forum.code}", {"name": f"Person {n}"}).status_code)
        answers.append(tuple(statuses))
    assert set(answers) == {(200, 200, 200, 404, 200, 302)}
    assert forum.conference.participants.count() == 420
    assert phone.get(f"/f/{forum.code}/").status_code == 200  # the last one's phone page


def test_the_icons_are_the_products_own_and_linked_from_every_page(client, forum):
    html = client.get(f"/j/{forum.code}").content.decode()
    for href, kind in [
        ("/static/icons/icon.svg", "image/svg+xml"),
        ("/static/icons/icon-192.png", "image/png"),
        ("/apple-touch-icon.png", "image/png"),
    ]:
        assert f'href="{href}"' in html
        response = client.get(href)
        assert response.status_code == 200 and response["Content-Type"] == kind, href
    favicon = client.get("/favicon.ico")
    assert favicon["Content-Type"] == "image/x-icon"
    assert b"".join(favicon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_a_guessing_browser_is_answered_429_after_its_limit_and_the_hall_is_not(forum):
    """CODE_MISSES_PER_MINUTE (20) unknown codes per browser session: then 429 for every
    code it does not take part in, real or not; the others at the same address go on."""
    guest_forum = make_forum(make_conference())
    guesser = participant_browser(guest_forum, HTTP_ACCEPT_LANGUAGE="en")
    limit = settings.CODE_MISSES_PER_MINUTE
    assert limit == 20
    codes = unknown_codes(limit + 1)
    assert [guesser.get(f"/j/{c}").status_code for c in codes[:limit]] == [404] * limit
    throttled = guesser.get(f"/j/{codes[limit]}")
    assert throttled.status_code == 429
    assert "Too many codes that do not exist were tried from here" in throttled.content.decode()
    assert guesser.get(f"/j/{forum.code}").status_code == 429  # a real code: the same answer
    assert guesser.get(f"/f/{forum.code}/").status_code == 429
    assert guesser.get(f"/f/{guest_forum.code}/").status_code == 200  # where it takes part
    # the hall at the same address goes on: newcomers and those who joined before
    assert Client().get(f"/j/{forum.code}").status_code == 200
    assert Client().get(f"/j/{codes[0]}").status_code == 404
    assert participant_browser(forum).get(f"/f/{forum.code}/").status_code == 200


def test_a_guesser_without_cookies_is_stopped_per_address_and_only_newcomers_wait(forum, moderator):
    """Without a session only the address counts: CODE_MISSES_PER_HOUR_PER_ADDRESS (3000),
    far above what a hall mistypes in an hour."""
    limit = settings.CODE_MISSES_PER_HOUR_PER_ADDRESS
    assert limit == 3000
    # the hour's misses, most counted straight away (a request each is slow on a busy
    # machine), the last ones through the pages
    for _ in range(limit - 20):
        throttle.code_missed("127.0.0.1")
    for code in unknown_codes(20):
        assert Client().get(f"/f/{code}/similar").status_code == 404
    stranger = Client(HTTP_ACCEPT_LANGUAGE="de")
    for path in [f"/j/{unknown_codes(limit + 1)[-1]}", f"/j/{forum.code}", f"/f/{forum.code}/"]:
        response = stranger.get(path)
        assert response.status_code == 429, path
        assert "Bitte warten Sie eine Minute" in response.content.decode()
    assert stranger.get(f"/f/{forum.code}/similar").status_code == 429
    assert stranger.get("/f/ZZZZZZ/similar").status_code == 429
    # whoever already takes part is not locked out by the address
    assert participant_browser(forum).get(f"/f/{forum.code}/").status_code == 200
    console = Client()
    console.force_login(moderator)
    assert console.get(f"/f/{forum.code}/moderate/").status_code == 200
    assert Client().get(f"/f/{forum.code}/screen/?key={forum.screen_key}").status_code == 200
    # another address is not concerned
    assert Client(REMOTE_ADDR="10.0.0.7").get(f"/j/{forum.code}").status_code == 200


def test_similar_items_are_no_oracle_for_codes(forum):
    """A real code the caller has not joined and a code that names no forum: one answer,
    both counted; once throttled, 429 for both."""
    prober = participant_browser(make_forum(make_conference()))
    real, unknown = prober.get(f"/f/{forum.code}/similar"), prober.get("/f/ZZZZZZ/similar")
    assert (real.status_code, real.content) == (unknown.status_code, unknown.content)
    assert real.status_code == 404
    for code in unknown_codes(settings.CODE_MISSES_PER_MINUTE - 2):
        prober.get(f"/f/{code}/similar")
    real, unknown = prober.get(f"/f/{forum.code}/similar"), prober.get("/f/ZZZZZZ/similar")
    assert real.status_code == unknown.status_code == 429
    assert real.content == unknown.content


def test_a_hall_of_1500_sessions_does_not_push_a_guessers_count_out_of_the_cache(forum):
    """Without Redis the counters live in this process's memory: with Django's default
    of 300 entries they were dropped under many sessions and the limit stopped holding."""
    guesser = participant_browser(make_forum(make_conference()))
    limit = settings.CODE_MISSES_PER_MINUTE
    codes = unknown_codes(limit + 1)
    for code in codes[: limit - 1]:
        assert guesser.get(f"/j/{code}").status_code == 404
    # a hall of browsers, each counted for a code it mistyped; a few through the pages
    for n in range(1500):
        throttle.code_missed("127.0.0.1", f"sitzung-{n:026d}")
    for n in range(5):
        session = SessionStore()
        session["seen"] = n
        session.create()
        other = Client()
        other.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        assert other.get(f"/f/{codes[0]}/similar").status_code == 404
    assert guesser.get(f"/j/{codes[limit - 1]}").status_code == 404
    assert guesser.get(f"/j/{codes[limit]}").status_code == 429


def test_made_up_session_cookies_do_not_give_fresh_counters(forum, settings):
    settings.CODE_MISSES_PER_HOUR_PER_ADDRESS = 30
    for n, code in enumerate(unknown_codes(30)):
        guesser = Client()
        guesser.cookies[settings.SESSION_COOKIE_NAME] = f"ausgedacht{n:030d}"
        assert guesser.get(f"/j/{code}").status_code == 404
    assert Client().get(f"/j/{forum.code}").status_code == 429


# --- the client's address ----------------------------------------------------------------


@pytest.mark.parametrize("trusted", [False, True])
def test_x_forwarded_for_names_the_client_only_behind_a_trusted_proxy(forum, settings, trusted):
    """Behind the proxy (USE_X_FORWARDED_FOR, on with BEHIND_HTTPS_PROXY) the last address
    of X-Forwarded-For is the client's, so two venues are counted apart; without a proxy
    the header is the caller's own word and changes nothing."""
    settings.USE_X_FORWARDED_FOR = trusted
    settings.CODE_MISSES_PER_HOUR_PER_ADDRESS = 5
    for code in unknown_codes(5):
        Client(HTTP_X_FORWARDED_FOR="203.0.113.1").get(f"/j/{code}")
    spoofed = Client(HTTP_X_FORWARDED_FOR="198.51.100.7").get(f"/j/{forum.code}")
    # a client's own X-Forwarded-For comes first; the proxy's entry is the last
    other_venue = Client(HTTP_X_FORWARDED_FOR="203.0.113.1, 198.51.100.8").get(f"/j/{forum.code}")
    assert (spoofed.status_code, other_venue.status_code) == ((200, 200) if trusted else (429, 429))


def test_the_setting_follows_the_https_proxy_setting():
    import os
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.USE_X_FORWARDED_FOR)"
    )
    for value, expected in [("true", "True"), ("false", "False")]:
        env = {
            **os.environ,
            "BEHIND_HTTPS_PROXY": value,
            "SECRET_KEY": "x",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        assert out.stdout.strip() == expected


# --- logging in --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_every_login_path_is_throttled_per_user_name(path, forum):
    """40 wrong passwords and then the right one: after LOGIN_FAILURES_PER_USERNAME (10)
    the form answers 429 without checking; another person at the same address still
    logs in (the cap per address is far above a hall's moderators)."""
    staff = make_moderator(forum.conference, username="leitung", password="richtig-und-lang-1")
    staff.is_staff = True
    staff.save()
    colleague = make_moderator(forum.conference, username="kollegin", password="richtig-und-lang-2")
    colleague.is_staff = True
    colleague.save()
    tryer = Client(HTTP_ACCEPT_LANGUAGE="en")
    statuses = [
        tryer.post(path, {"username": "leitung", "password": f"falsch-{n}"}).status_code
        for n in range(40)
    ]
    assert statuses == [200] * 10 + [429] * 30
    right = tryer.post(path, {"username": "leitung", "password": "richtig-und-lang-1"})
    assert right.status_code == 429
    assert "Too many failed attempts. Please wait 15 minutes" in right.content.decode()
    assert "_auth_user_id" not in tryer.session
    other = Client()
    login = {"username": "kollegin", "password": "richtig-und-lang-2"}
    assert other.post(path, login).status_code == 302
    assert other.session["_auth_user_id"] == str(colleague.pk)


def test_the_admin_login_is_for_staff_and_leads_to_the_admin(forum):
    make_moderator(forum.conference, username="nur-moderation", password="richtig-und-lang-3")
    admin = make_moderator(forum.conference, username="verwaltung", password="richtig-und-lang-4")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    browser = Client()
    assert (
        browser.post(
            "/admin/login/", {"username": "nur-moderation", "password": "richtig-und-lang-3"}
        ).status_code
        == 200
    )
    answer = browser.post(
        "/admin/login/", {"username": "verwaltung", "password": "richtig-und-lang-4"}
    )
    assert answer.status_code == 302 and answer["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200
    assert Client().get("/admin/")["Location"].startswith("/admin/login/")


def test_no_password_reset_pages(client, moderator):
    for path in [
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/done/",
        "/accounts/reset/MQ/abc-123/",
        "/accounts/password_change/",
    ]:
        assert client.get(path).status_code == 404, path
    client.force_login(moderator)
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def _forum_paths(code: str) -> list[str]:
    """Every path of the product that takes a forum's join code, read from the URLconf:
    a path added later is in this list the day it is added."""
    from django.urls import get_resolver, reverse

    names = [
        path.name
        for included in get_resolver().url_patterns
        for path in getattr(included, "url_patterns", [included])
        if "<str:code>" in str(path.pattern)
    ]
    assert len(names) >= 10
    return [reverse(f"workshops:{name}", kwargs={"code": code}) for name in names]


def test_no_path_with_a_join_code_answers_a_throttled_guesser(forum):
    """Once a browser has guessed too many codes, every path that names a forum by its code
    (pages, forms, the console's JSON) answers it 429 for a real forum it does not take
    part in, as for a code that names nothing: none of them looks the code up past the
    throttle (workshops/page_access.py)."""
    guesser = participant_browser(make_forum(make_conference()))
    for code in unknown_codes(settings.CODE_MISSES_PER_MINUTE):
        assert guesser.get(f"/j/{code}").status_code == 404
    answers = {}
    for path in _forum_paths(forum.code):
        response = guesser.get(path)
        if response.status_code == 405:  # a form's POST only
            response = guesser.post(path, {"text": "Mehr Sprachkurse"})
        answers[path] = response.status_code
    assert answers == dict.fromkeys(answers, 429)
    assert forum.items.count() == 0


def test_with_the_counters_redis_away_the_hall_still_joins_and_the_log_says_so(
    forum, settings, caplog
):
    """The limits count in Redis when it is set; when nothing answers there, a phone's
    join page, join and phone page still work (the counters fail open) and the log says
    why nothing was counted."""
    settings.CACHES = {
        "default": {
            "BACKEND": "config.caches.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }
    phone = Client(HTTP_ACCEPT_LANGUAGE="de")
    assert phone.get(f"/j/{forum.code}").status_code == 200
    assert phone.post(f"/j/{forum.code}", {"name": "Trotzdem"}).status_code == 302
    assert "Trotzdem" in phone.get(f"/f/{forum.code}/").content.decode()
    assert forum.conference.participants.filter(display_name="Trotzdem").exists()
    assert "throttle cache unavailable (code-miss-session, code-miss)" in caplog.text
