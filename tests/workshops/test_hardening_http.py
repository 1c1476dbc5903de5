"""Abuse over HTTP: every moderator action × every other role refused with nothing
changed, CSRF on every form, a new session key at login, join and login throttles,
and the security headers on every page."""

import pytest
from django.test import Client

from tests.factories import (
    make_conference,
    make_moderator,
    moderator_actor,
    participant_actor,
)
from workshops.commands import ACTIONS as MODERATOR_ACTIONS
from workshops.identity import remember_participant
from workshops.models import Forum, Item, Round, Vote


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """Throttle counters of this test only, in memory: clearing a Redis cache would flush
    the database the channel layer shares."""
    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "hardening-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def stage(forum, participant, moderator):
    from workshops.services.items import propose_item
    from workshops.services.rounds import open_round

    field = forum.fields.order_by("position", "id").first()
    first = propose_item(
        actor=participant_actor(participant),
        forum=forum,
        field=field.pk,
        kind="measure",
        text="Eins",
    )
    second = propose_item(
        actor=participant_actor(participant),
        forum=forum,
        field=field.pk,
        kind="measure",
        text="Zwei",
    )
    round_ = open_round(
        actor=moderator_actor(moderator), forum=forum, method="support", kind="measure", secret=True
    )
    from workshops.models import GuidingGoal, SubGoal

    goal = GuidingGoal.objects.create(field=field, title="Alle Kinder haben gleiche Chancen")
    sub_goal = SubGoal.objects.create(guiding_goal=goal, title="Eltern kennen das Schulsystem")
    return {
        "field": field.pk,
        "item": first.pk,
        "into": second.pk,
        "round": round_.pk,
        "sub_goal": sub_goal.pk,
    }


def action_posts(s):
    """A valid POST for every console action (the moderator's own run proves them valid)."""
    posts = {
        "hide": {"item": s["item"]},
        "restore": {"item": s["item"]},
        "edit": {"item": s["item"], "text": "übernommen"},
        "merge": {"item": s["item"], "into": s["into"]},
        "proposals": {"open": "0"},
        "open_round": {"method": "support", "kind": "measure"},
        "reveal_round": {"round": s["round"]},
        "close_round": {"round": s["round"]},
        "reopen_round": {"round": s["round"]},
        "analog": {"round": s["round"], "item": s["into"], "count": "5"},
        "shortlist": {"item": s["into"], "shortlisted": "1"},
        "adopt": {"item": s["into"], "adopted": "1"},
        "shortlist_top": {"round": s["round"], "count": "2"},
        "cards_required": {"required": "1"},
        "phase": {"phase": "discussing"},
        "timer": {"minutes": "5"},
        "announce": {"text": "Pause bis 15 Uhr"},
        "blank_screen": {"blank": "1"},
        "screen_key": {},
        "sub_goal": {"item": s["into"], "sub_goal": s["sub_goal"]},
        "translate": {"item": s["into"], "language": "de", "translation": "Zwei (Deutsch)"},
        "advance": {},
        "step_back": {},
    }
    assert set(posts) == set(MODERATOR_ACTIONS), "a new console action needs a row in this matrix"
    return posts


def fingerprint(forum):
    forum = Forum.objects.get(pk=forum.pk)
    return (
        forum.rev,
        forum.proposals_open,
        forum.requires_cards,
        forum.phase,
        forum.timer_ends_at,
        forum.announcement,
        forum.screen_blank,
        forum.screen_key,
        sorted(
            Item.objects.filter(forum=forum).values_list(
                "id", "text", "status", "shortlisted", "adopted", "versions"
            )
        ),
        sorted(Round.objects.filter(forum=forum).values_list("id", "status")),
        Vote.objects.filter(round__forum=forum).count(),
    )


def clients_for(forum, participant):
    """Everyone who must not moderate this forum."""
    as_participant = Client()
    session = as_participant.session
    remember_participant(session, participant)
    session.save()
    other_moderator = Client()
    other_moderator.force_login(make_moderator(make_conference()))
    return {
        "participant": as_participant,
        "moderator of another conference": other_moderator,
        "stranger": Client(),
        "screen (key only)": Client(),
    }


def test_every_moderator_action_is_refused_over_http_for_every_other_role(
    forum, participant, stage
):
    before = fingerprint(forum)
    refused = 0
    for role, client in clients_for(forum, participant).items():
        query = f"?key={forum.screen_key}" if role.startswith("screen") else ""
        for action, post in action_posts(stage).items():
            response = client.post(
                f"/f/{forum.code}/moderate/action{query}", {"action": action, **post}
            )
            # not logged in: to the login page; logged in elsewhere: 403
            assert response.status_code in (302, 403), (role, action, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith("/accounts/login/"), (role, action)
            refused += 1
        for path in (f"/f/{forum.code}/moderate/", f"/f/{forum.code}/moderate/cards.pdf"):
            response = (
                client.post(path + query, {"count": "5"})
                if path.endswith(".pdf")
                else client.get(path + query)
            )
            assert response.status_code in (302, 403), (role, path)
    assert fingerprint(forum) == before
    assert refused == 4 * len(MODERATOR_ACTIONS)


def test_the_forums_moderator_may_do_every_action(client, forum, moderator, stage):
    """The matrix's other side: the same POSTs work for the right person."""
    client.force_login(moderator)
    for action, post in action_posts(stage).items():
        response = client.post(
            f"/f/{forum.code}/moderate/action", {"action": action, **post}, follow=True
        )
        assert response.status_code == 200
        levels = [m.level_tag for m in response.context["messages"]]
        assert "error" not in levels, (action, [str(m) for m in response.context["messages"]])


def test_every_form_needs_its_csrf_token(forum, participant, moderator, stage):
    strict = Client(enforce_csrf_checks=True)
    session = strict.session
    remember_participant(session, participant)
    session.save()
    before = fingerprint(forum)
    posts = [
        (f"/j/{forum.code}", {"name": "X"}),
        (
            f"/f/{forum.code}/propose",
            {"field": stage["field"], "kind": "need", "text": "ohne Token"},
        ),
        (f"/f/{forum.code}/vote", {"round": stage["round"], "item": stage["item"], "value": "1"}),
        (f"/f/{forum.code}/card", {"card": "ABCDEFGH"}),
        (
            f"/f/{forum.code}/translate",
            {"item": stage["item"], "language": "de", "translation": "ohne Token"},
        ),
        ("/accounts/login/", {"username": moderator.username, "password": "pw-für-tests-123"}),
        ("/i18n/setlang/", {"language": "en"}),
        ("/i18n/easy/", {"easy": "1"}),
    ]
    for path, data in posts:
        assert strict.post(path, data).status_code == 403, path
    strict.force_login(moderator)
    for action, post in action_posts(stage).items():
        assert (
            strict.post(f"/f/{forum.code}/moderate/action", {"action": action, **post}).status_code
            == 403
        )
    assert strict.post(f"/f/{forum.code}/moderate/cards.pdf", {"count": "3"}).status_code == 403
    assert strict.post("/accounts/logout/").status_code == 403
    assert strict.get(f"/f/{forum.code}/moderate/").status_code == 200  # still logged in
    assert fingerprint(forum) == before


def test_a_hostile_code_is_echoed_escaped(client, db):
    for path in ["/j/<script>x</script>", "/?code=%3Cscript%3Ex%3C/script%3E"]:
        html = client.get(path).content.decode()
        assert "<script>x" not in html, path
    assert "&lt;script&gt;x" in client.get("/?code=%3Cscript%3Ex%3C/script%3E").content.decode()


def test_login_gives_a_new_session_key(client, moderator):
    client.get("/accounts/login/")
    session = client.session
    session["probe"] = "vorher"
    session.save()
    before = client.cookies["sessionid"].value
    response = client.post(
        "/accounts/login/", {"username": moderator.username, "password": "pw-für-tests-123"}
    )
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != before


def test_failed_logins_are_throttled_per_user_name_and_address(client, moderator, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    for _ in range(3):
        assert (
            client.post(
                "/accounts/login/", {"username": moderator.username, "password": "falsch"}
            ).status_code
            == 200
        )
    # now even the right password is not checked until the window has passed
    response = client.post(
        "/accounts/login/", {"username": moderator.username, "password": "pw-für-tests-123"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # per address too, whatever the user name
    settings.LOGIN_FAILURES_PER_USERNAME = 0
    settings.LOGIN_FAILURES_PER_ADDRESS = 5
    for n in range(2):
        client.post("/accounts/login/", {"username": f"rate{n}", "password": "falsch"})
    assert (
        client.post("/accounts/login/", {"username": "noch-einer", "password": "x"}).status_code
        == 429
    )


def test_join_flooding_from_one_address_is_slowed_down(forum, settings):
    settings.JOINS_PER_MINUTE_PER_ADDRESS = 5
    responses = [Client().post(f"/j/{forum.code}", {"name": f"Person {n}"}) for n in range(7)]
    assert [r.status_code for r in responses] == [302] * 5 + [429, 429]
    assert "Bitte versuchen Sie es in einer Minute noch einmal" in responses[-1].content.decode()
    assert forum.conference.participants.count() == 5
    # another address still gets in
    assert Client(REMOTE_ADDR="10.0.0.9").post(f"/j/{forum.code}", {}).status_code == 302


def test_security_headers_and_cookies_on_every_page(client, forum, participant, moderator, stage):
    session = client.session
    remember_participant(session, participant)
    session.save()
    pages = [
        "/",
        f"/j/{forum.code}",
        f"/f/{forum.code}/",
        f"/f/{forum.code}/screen/?key={forum.screen_key}",
        "/accounts/login/",
        "/healthz",
        "/nope/",
    ]
    for path in pages:
        response = client.get(path)
        csp = response["Content-Security-Policy"]
        for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'"):
            assert directive in csp, (path, csp)
        assert "unsafe-inline" not in csp
        assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(moderator)
    assert (
        "default-src 'self'" in client.get(f"/f/{forum.code}/moderate/")["Content-Security-Policy"]
    )


def test_pages_carry_no_inline_script_or_style(client, forum, participant, moderator, stage):
    """What the CSP would block: inline <script> code, style attributes, <style>, on* handlers."""
    import re

    session = client.session
    remember_participant(session, participant)
    session.save()
    client.force_login(moderator)
    for path in [
        "/",
        f"/j/{forum.code}",
        f"/f/{forum.code}/",
        f"/f/{forum.code}/moderate/",
        f"/f/{forum.code}/screen/?key={forum.screen_key}",
        "/accounts/login/",
    ]:
        html = client.get(path).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html), path


def test_guessing_join_codes_is_cut_off_per_address(forum, settings):
    settings.CODE_MISSES_PER_HOUR_PER_ADDRESS = 5
    guesser = Client(REMOTE_ADDR="10.0.0.66")
    assert [
        guesser.get(f"/j/{c}").status_code
        for c in ["AAAAAA", "BBBBBB", "CCCCCC", "DDDDDD", "EEEEEE"]
    ] == [404] * 5
    # from now on the right code gets the same answer as any other: no oracle
    assert guesser.get("/j/FFFFFF").status_code == 429
    assert guesser.get(f"/j/{forum.code}").status_code == 429
    # the screen's key (144 bits) shows that the caller belongs there
    assert guesser.get(f"/f/{forum.code}/screen/?key={forum.screen_key}").status_code == 200
    assert Client(REMOTE_ADDR="10.0.0.7").get(f"/j/{forum.code}").status_code == 200


def test_the_join_code_space_is_too_large_to_enumerate_within_the_limits(settings):
    """31 letters and digits, 6 places: 887 503 681 codes. With
    CODE_MISSES_PER_HOUR_PER_ADDRESS (3000) an address tries 72 000 codes a day (a browser
    session at most 20 a minute, and they count for its address too); with 300 forums
    live at once it needs about 887503681 / 300 / 72000 ≈ 41 days for one hit. The screen
    key is 24 characters of ``secrets.token_urlsafe`` (144 bits), compared in constant
    time."""
    from workshops.codes import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH, new_screen_key

    space = len(JOIN_CODE_ALPHABET) ** JOIN_CODE_LENGTH
    assert space == 887_503_681
    per_day = settings.CODE_MISSES_PER_HOUR_PER_ADDRESS * 24
    assert space / 300 / per_day > 30
    assert len(new_screen_key()) == 24


def conference_posts(forum, stage):
    """A valid POST for every moderator action on a conference's exports and measures."""
    url = f"/c/{forum.conference.slug}"
    return [
        (f"{url}/export/", {"published": "1"}),
        (
            f"{url}/measures/manage/",
            {"action": "status", "item": stage["into"], "status": "in_progress", "progress": "40"},
        ),
        (
            f"{url}/measures/manage/",
            {"action": "details", "item": stage["into"], "lead": "Sozialamt"},
        ),
        (
            f"{url}/measures/manage/",
            {"action": "update", "item": stage["into"], "text": "Erster Kurs läuft"},
        ),
        (f"{url}/measures/manage/", {"action": "carry_over", "forum": forum.pk}),
    ]


def conference_fingerprint(forum):
    from workshops.models import Conference, MeasureUpdate
    from workshops.selectors import DETAIL_FIELDS

    return (
        Conference.objects.get(pk=forum.conference_id).results_published,
        sorted(
            Item.objects.filter(forum__conference=forum.conference_id).values_list(
                "id", "implementation", "progress", *DETAIL_FIELDS
            )
        ),
        MeasureUpdate.objects.count(),
    )


def test_every_conference_action_is_refused_for_every_other_role_and_without_csrf(
    forum, participant, moderator, stage
):
    from workshops.services.items import adopt_item

    adopt_item(actor=moderator_actor(moderator), forum=forum, item=stage["into"], adopted=True)
    before = conference_fingerprint(forum)
    for role, client in clients_for(forum, participant).items():
        for path, post in conference_posts(forum, stage):
            # refused: to the login page, a 403, or back with an error message
            assert client.post(path, post).status_code in (302, 403), (
                role,
                path,
                post.get("action"),
            )
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(moderator)
    for path, post in conference_posts(forum, stage):
        assert strict.post(path, post).status_code == 403, (path, post.get("action"))
    assert conference_fingerprint(forum) == before

    # the other side: the conference's moderator may
    allowed = Client()
    allowed.force_login(moderator)
    for path, post in conference_posts(forum, stage)[:4]:
        assert allowed.post(path, post).status_code == 302, path
    assert conference_fingerprint(forum) != before


@pytest.mark.parametrize(
    "action, post",
    [
        ("proposals", {"open": "vielleicht"}),
        ("proposals", {}),
        ("open_round", {"method": "support", "kind": "measure", "secret": "ja"}),
        ("cards_required", {"required": "true"}),
    ],
)
def test_a_yes_no_field_with_anything_else_is_refused_not_read_as_no(
    client, forum, moderator, stage, action, post
):
    client.force_login(moderator)
    before = fingerprint(forum)
    response = client.post(
        f"/f/{forum.code}/moderate/action", {"action": action, **post}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["Diese Auswahl ist nicht gültig."]
    assert fingerprint(forum) == before
