"""The pages, as a phone and a moderator's laptop use them: plain HTTP with cookies."""

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import make_conference, make_forum, make_moderator, make_participant
from workshops.models import ForumEvent, Item, Participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone(client):
    """A browser that speaks English (the tests read English text)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def join(client, forum, **data):
    return client.post(f"/j/{forum.code}", data)


def field_id(forum):
    return forum.fields.order_by("position", "id").first().pk


# --- landing and join ------------------------------------------------------------------


def test_landing_offers_a_code_form(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="code"' in html
    assert '<html lang="de"' in html  # German by default


def test_landing_sends_a_typed_code_to_its_join_page(client, forum):
    response = client.get("/", {"code": f"  {forum.code.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == f"/j/{forum.code}"


def test_landing_explains_a_malformed_code(phone):
    response = phone.get("/", {"code": "O0"})
    assert response.status_code == 400
    assert "A code has 6 letters and digits" in response.content.decode()


def test_unknown_code_gives_404_with_a_form_to_try_again(phone, db):
    for path in ["/j/ZZZZZZ", "/j/nope", "/f/ZZZZZZ/"]:
        response = phone.get(path)
        assert response.status_code == 404
        html = response.content.decode()
        assert "Code not found" in html
        assert 'name="code"' in html


def test_join_page_offers_groups_and_languages_of_the_conference(phone, forum):
    response = phone.get(f"/j/{forum.code.lower()}")
    assert response.status_code == 302 and response["Location"] == f"/j/{forum.code}"
    html = phone.get(f"/j/{forum.code}").content.decode()
    assert forum.title in html
    for group in forum.conference.stakeholder_groups:
        assert f"<option>{group}</option>" in html
    offered = re.search(r'<select id="join-language".*?</select>', html, re.S).group(0)
    assert 'value="tr"' in offered and 'value="ar"' in offered
    assert 'value="ru"' not in offered  # not offered by this conference


def test_join_creates_a_participant_keeps_it_in_the_session_and_redirects(client, forum):
    response = join(client, forum)
    assert response.status_code == 302
    assert response["Location"] == f"/f/{forum.code}/"
    participant = Participant.objects.get()
    assert participant.conference == forum.conference
    assert (participant.display_name, participant.group) == ("", "")
    page = client.get(f"/f/{forum.code}/")
    assert page.status_code == 200  # the phone page, not the join page again
    assert 'class="propose"' in page.content.decode()
    # the session holds this participant: what the phone proposes is theirs
    field = forum.fields.first().pk
    sent = {"field": field, "kind": "need", "text": "Sprachkurse am Abend"}
    assert client.post(f"/f/{forum.code}/propose", sent).status_code == 302
    assert Item.objects.get(text="Sprachkurse am Abend").author == participant


def test_joining_twice_keeps_the_same_participant(client, forum):
    join(client, forum, name="Ayşe")
    join(client, forum, name="Ayşe K.", group="Verwaltung", language="tr")
    participant = Participant.objects.get()
    assert (participant.display_name, participant.group, participant.language) == (
        "Ayşe K.",
        "Verwaltung",
        "tr",
    )


def test_joining_another_forum_of_the_same_conference_keeps_the_participant(client, forum):
    other = make_forum(forum.conference, fields=list(forum.fields.all()))
    join(client, forum)
    join(client, other)
    assert Participant.objects.count() == 1
    assert client.get(f"/f/{other.code}/").status_code == 200


def test_join_sets_the_chosen_language_for_every_page(client, forum):
    response = join(client, forum, language="en")
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies  # kept in the session
    html = client.get(f"/f/{forum.code}/").content.decode()
    assert '<html lang="en"' in html


@pytest.mark.parametrize(
    "data",
    [{"group": "Erfundene Gruppe"}, {"language": "xx"}, {"language": "ru"}, {"name": "N" * 61}],
    ids=["unknown-group", "unknown-language", "language-not-offered", "long-name"],
)
def test_join_refuses_bad_input_with_a_message_and_creates_nobody(phone, forum, data):
    response = join(phone, forum, **data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert Participant.objects.count() == 0


def test_join_needs_the_csrf_token(forum):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/j/{forum.code}", {}).status_code == 403
    page = strict.get(f"/j/{forum.code}")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert strict.post(f"/j/{forum.code}", {"csrfmiddlewaretoken": token}).status_code == 302


# --- the phone page --------------------------------------------------------------------


def test_phone_page_without_joining_sends_to_join(client, forum):
    response = client.get(f"/f/{forum.code}/")
    assert response.status_code == 302 and response["Location"] == f"/j/{forum.code}"


def test_participant_of_another_conference_must_join_this_one(client, forum):
    other = make_forum(make_conference())
    join(client, other)
    assert client.get(f"/f/{forum.code}/").status_code == 302


def test_proposal_by_form_appears_on_the_page_grouped_by_field_and_kind(phone, forum):
    join(phone, forum, name="Ayşe")
    response = phone.post(
        f"/f/{forum.code}/propose",
        {
            "field": field_id(forum),
            "kind": "need",
            "text": "Sprachkurse <b>mit</b> Kinderbetreuung",
        },
    )
    assert response.status_code == 302
    item = Item.objects.get()
    assert response["Location"] == f"/f/{forum.code}/#item-{item.pk}"
    html = phone.get(f"/f/{forum.code}/").content.decode()
    assert "Sprachkurse &lt;b&gt;mit&lt;/b&gt; Kinderbetreuung" in html  # escaped
    assert "your proposal is on the wall" in html
    section = re.search(
        rf'data-list data-field="{field_id(forum)}" data-kind="need">(.*?)</ul>', html, re.S
    ).group(1)
    assert f'id="item-{item.pk}"' in section
    assert "Ayşe" in section


def test_goal_answering_a_need_by_form(phone, forum):
    join(phone, forum)
    phone.post(
        f"/f/{forum.code}/propose", {"field": field_id(forum), "kind": "need", "text": "Bedarf"}
    )
    need = Item.objects.get()
    html = phone.get(f"/f/{forum.code}/").content.decode()
    assert f'name="refs" value="{need.pk}"' in html
    phone.post(
        f"/f/{forum.code}/propose",
        {"field": field_id(forum), "kind": "goal", "text": "Ziel", "refs": [need.pk]},
    )
    goal = Item.objects.get(kind="goal")
    assert list(goal.refs.all()) == [need]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "need", "text": "   "}, "Please write some text."),
        ({"kind": "need", "text": "x" * 501}, "The text is too long"),
        ({"kind": "wish", "text": "Text"}, "Choose whether this is a need, a goal or a measure."),
        (
            {"kind": "need", "text": "Text", "field": "99999"},
            "This action field is not part of this forum.",
        ),
        ({"kind": "need", "text": "Text", "refs": ["1"]}, "A need does not answer other items."),
    ],
    ids=["blank", "too-long", "unknown-kind", "unknown-field", "need-with-refs"],
)
def test_refused_proposal_shows_the_reason_keeps_the_text_and_stores_nothing(
    phone, forum, data, message
):
    join(phone, forum)
    data = {"field": field_id(forum), **data}
    response = phone.post(f"/f/{forum.code}/propose", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert Item.objects.count() == 0
    if data["text"].strip() and len(data["text"]) < 100:
        assert data["text"] in html  # the person does not have to type it again


def test_closed_proposals_are_explained_and_refused(phone, forum):
    from tests.factories import moderator_actor
    from workshops.services.forums import set_proposals_open

    join(phone, forum)
    set_proposals_open(
        actor=moderator_actor(make_moderator(forum.conference)), forum=forum, open=False
    )
    html = phone.get(f"/f/{forum.code}/").content.decode()
    assert "Proposals are closed at the moment." in html
    assert re.search(r"<form [^>]*data-propose-form[^>]* hidden>", html)
    response = phone.post(
        f"/f/{forum.code}/propose", {"field": field_id(forum), "kind": "need", "text": "Text"}
    )
    assert response.status_code == 400
    assert "Proposals are closed in this forum at the moment." in response.content.decode()
    assert Item.objects.count() == 0


def test_messages_follow_the_page_language(client, forum):
    join(client, forum, language="de")
    response = client.post(
        f"/f/{forum.code}/propose", {"field": field_id(forum), "kind": "need", "text": ""}
    )
    assert "Bitte schreiben Sie einen Text." in response.content.decode()


# --- the moderator console -------------------------------------------------------------


@pytest.fixture
def console(phone, forum):
    user = make_moderator(forum.conference, password="geheim-und-lang-42")
    assert phone.login(username=user.username, password="geheim-und-lang-42")
    return phone


def test_console_needs_a_login(client, forum):
    response = client.get(f"/f/{forum.code}/moderate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_console_refuses_moderators_of_other_conferences_and_participants(phone, forum):
    other = make_moderator(make_conference(), password="geheim-und-lang-42")
    phone.login(username=other.username, password="geheim-und-lang-42")
    response = phone.get(f"/f/{forum.code}/moderate/")
    assert response.status_code == 403
    assert "Only the moderators of this conference" in response.content.decode()
    response = phone.post(f"/f/{forum.code}/moderate/action", {"action": "proposals", "open": "0"})
    assert response.status_code == 403
    forum.refresh_from_db()
    assert forum.proposals_open is True


def test_login_page_works_and_rotates_the_session(client, forum):
    user = make_moderator(forum.conference, password="geheim-und-lang-42")
    client.get("/accounts/login/")
    before = client.session.session_key
    response = client.post(
        "/accounts/login/",
        {
            "username": user.username,
            "password": "geheim-und-lang-42",
            "next": f"/f/{forum.code}/moderate/",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/f/{forum.code}/moderate/"
    assert client.session.session_key != before
    wrong = client.post("/accounts/login/", {"username": user.username, "password": "falsch"})
    assert wrong.status_code == 200


def test_console_shows_every_item_with_its_actions_and_the_screen_link(console, forum):
    participant = make_participant(forum.conference)
    from tests.factories import participant_actor
    from workshops.services.items import propose_item

    item = propose_item(
        actor=participant_actor(participant),
        forum=forum,
        field=field_id(forum),
        kind="need",
        text="Sprachkurse",
    )
    html = console.get(f"/f/{forum.code}/moderate/").content.decode()
    assert "Sprachkurse" in html
    assert 'value="hide"' in html
    assert f"/f/{forum.code}/screen/?key={forum.screen_key}" in html
    assert forum.code in html
    _ = item


def test_console_actions_hide_restore_edit_merge_and_close(console, forum):
    from tests.factories import participant_actor
    from workshops.services.items import propose_item

    actor = participant_actor(make_participant(forum.conference))
    a = propose_item(
        actor=actor,
        forum=forum,
        field=field_id(forum),
        kind="need",
        text="Sprachkurse mit Kinderbetreuung",
    )
    b = propose_item(
        actor=actor,
        forum=forum,
        field=field_id(forum),
        kind="need",
        text="Deutschkurs + Kita-Platz",
    )
    url = f"/f/{forum.code}/moderate/action"

    assert console.post(url, {"action": "hide", "item": a.pk}).status_code == 302
    a.refresh_from_db()
    assert a.status == "hidden"
    html = console.get(f"/f/{forum.code}/moderate/").content.decode()
    assert "The item is hidden." in html
    console.post(url, {"action": "restore", "item": a.pk})
    console.post(url, {"action": "edit", "item": a.pk, "text": "Sprachkurse + Kita"})
    console.post(url, {"action": "merge", "item": b.pk, "into": a.pk})
    console.post(url, {"action": "proposals", "open": "0"})
    a.refresh_from_db()
    b.refresh_from_db()
    forum.refresh_from_db()
    assert (a.status, a.text) == ("visible", "Sprachkurse + Kita")
    assert (b.status, b.merged_into_id) == ("merged", a.pk)
    assert forum.proposals_open is False
    names = list(ForumEvent.objects.filter(forum=forum).values_list("name", flat=True))
    assert names == [
        "item.added",
        "item.added",
        "item.hidden",
        "item.restored",
        "item.updated",
        "item.merged",
        "forum.updated",
    ]


def test_console_refusals_are_shown_and_change_nothing(console, forum):
    from tests.factories import participant_actor
    from workshops.services.items import propose_item

    actor = participant_actor(make_participant(forum.conference))
    a = propose_item(actor=actor, forum=forum, field=field_id(forum), kind="need", text="A")
    url = f"/f/{forum.code}/moderate/action"
    forum.refresh_from_db()
    before = (forum.rev, a.text, a.status)
    for data, message in [
        ({"action": "merge", "item": a.pk, "into": a.pk}, "An item cannot be merged into itself."),
        ({"action": "edit", "item": a.pk, "text": "  "}, "Please write some text."),
        ({"action": "restore", "item": a.pk}, "This item is already shown."),
        ({"action": "hide", "item": 987654}, "This item does not exist in this forum."),
        ({"action": "explode"}, "Unknown action."),
    ]:
        response = console.post(url, data, follow=True)
        assert message in response.content.decode()
    forum.refresh_from_db()
    a.refresh_from_db()
    assert (forum.rev, a.text, a.status) == before


# --- the screen ------------------------------------------------------------------------


def test_screen_shows_code_qr_and_items_with_the_right_key(client, forum):
    response = client.get(f"/f/{forum.code}/screen/", {"key": forum.screen_key})
    assert response.status_code == 200
    html = response.content.decode()
    assert forum.code in html
    assert "<svg" in html
    assert f"/j/{forum.code}" in html


def test_screen_speaks_german_whatever_the_laptop_browser_says(client, forum):
    response = client.get(
        f"/f/{forum.code}/screen/", {"key": forum.screen_key}, HTTP_ACCEPT_LANGUAGE="en-US,en"
    )
    html = response.content.decode()
    assert '<html lang="de"' in html and "Bedarf" in html


def test_screen_with_a_wrong_key_is_refused(client, forum):
    for params in [{}, {"key": "falsch"}, {"key": forum.screen_key[:-1]}]:
        response = client.get(f"/f/{forum.code}/screen/", params)
        assert response.status_code == 403
        assert forum.title not in response.content.decode()


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": "ok", "channel_layer": "ok"}


# --- voting ----------------------------------------------------------------------------


def _round(forum, **options):
    from tests.factories import moderator_actor, participant_actor
    from workshops.services.items import propose_item
    from workshops.services.rounds import open_round

    author = participant_actor(make_participant(forum.conference))
    items = [
        propose_item(
            actor=author, forum=forum, field=field_id(forum), kind="measure", text=f"Maßnahme {n}"
        )
        for n in range(3)
    ]
    mod = moderator_actor(make_moderator(forum.conference))
    return open_round(actor=mod, forum=forum, kind="measure", **options), items, mod


def test_dot_voting_by_plain_forms(phone, forum):
    join(phone, forum)
    round_, items, _mod = _round(forum, method="dots", budget=3, per_item=2)
    html = phone.get(f"/f/{forum.code}/").content.decode()
    assert f'id="round-{round_.pk}"' in html and "Points left" in html
    for value in ("1", "2"):
        response = phone.post(
            f"/f/{forum.code}/vote", {"round": round_.pk, "item": items[0].pk, "value": value}
        )
        assert response.status_code == 302 and response["Location"].endswith(f"#round-{round_.pk}")
    phone.post(f"/f/{forum.code}/vote", {"round": round_.pk, "item": items[1].pk, "value": "1"})
    html = phone.get(f"/f/{forum.code}/").content.decode()
    assert re.search(r"data-points-left>0<", html)
    refused = phone.post(
        f"/f/{forum.code}/vote",
        {"round": round_.pk, "item": items[2].pk, "value": "1"},
        follow=True,
    )
    assert "Not enough points left: you have 0 of 3." in refused.content.decode()
    phone.post(
        f"/f/{forum.code}/vote", {"round": round_.pk, "item": items[0].pk, "value": ""}
    )  # withdraw
    from workshops.models import Vote

    assert list(Vote.objects.values_list("option", "value")) == [(items[1].pk, 1)]


def test_console_opens_and_closes_a_round_and_the_phone_shows_the_ranking(console, forum):
    from tests.factories import participant_actor
    from workshops.models import Round
    from workshops.services.items import propose_item
    from workshops.services.votes import cast_vote

    author = participant_actor(make_participant(forum.conference))
    propose_item(
        actor=author, forum=forum, field=field_id(forum), kind="measure", text="Maßnahme A"
    )
    b = propose_item(
        actor=author, forum=forum, field=field_id(forum), kind="measure", text="Maßnahme B"
    )
    url = f"/f/{forum.code}/moderate/action"
    console.post(url, {"action": "open_round", "method": "support", "kind": "measure"})
    round_ = Round.objects.get()
    cast_vote(actor=author, forum=forum, round=round_.pk, item=b.pk, value=1)
    html = console.get(f"/f/{forum.code}/moderate/").content.decode()
    assert "Support: 1" in html
    console.post(url, {"action": "close_round", "round": round_.pk})
    round_.refresh_from_db()
    assert round_.status == "closed"
    html = console.get(f"/f/{forum.code}/moderate/").content.decode()
    ranking = re.search(
        rf'id="round-{round_.pk}".*?<ol class="ranking">(.*?)</ol>', html, re.S
    ).group(1)
    assert ranking.index("Maßnahme B") < ranking.index("Maßnahme A")  # most support first
    refusal = console.post(
        url, {"action": "open_round", "method": "dots", "kind": "need"}, follow=True
    )
    assert "A round needs at least one shown item." in refusal.content.decode()


@pytest.mark.parametrize("method", ["support", "dots", "consent", "adoption"])
def test_every_method_renders_on_phone_and_console_open_and_closed(console, forum, method):
    from tests.factories import participant_actor
    from workshops.services.rounds import add_analog_count, close_round
    from workshops.services.votes import cast_vote

    round_, items, mod = _round(forum, method=method, secret=True)
    voter = participant_actor(make_participant(forum.conference, group="Verwaltung"))
    cast_vote(actor=voter, forum=forum, round=round_.pk, item=items[0].pk, value=1)
    add_analog_count(actor=mod, forum=forum, round=round_.pk, item=items[0].pk, count=2, value=1)
    html = console.get(f"/f/{forum.code}/moderate/").content.decode()
    assert f'id="round-{round_.pk}"' in html and "on paper" in html
    participant_page = Client(HTTP_ACCEPT_LANGUAGE="en")
    join(participant_page, forum)
    phone_html = participant_page.get(f"/f/{forum.code}/").content.decode()
    assert "Results after the round" in phone_html  # secret
    close_round(actor=mod, forum=forum, round=round_.pk)
    phone_html = participant_page.get(f"/f/{forum.code}/").content.decode()
    assert "Result" in phone_html and "on paper" in phone_html


def test_the_screen_shows_the_latest_round_as_bars_and_keeps_secret_ones_hidden(client, forum):
    from tests.factories import participant_actor
    from workshops.services.rounds import close_round
    from workshops.services.votes import cast_vote

    round_, items, mod = _round(forum, method="support", secret=True)
    voter = participant_actor(make_participant(forum.conference))
    cast_vote(actor=voter, forum=forum, round=round_.pk, item=items[1].pk, value=1)
    html = client.get(f"/f/{forum.code}/screen/", {"key": forum.screen_key}).content.decode()
    assert "Ergebnis nach der Runde" in html and 'class="w0"' in html
    close_round(actor=mod, forum=forum, round=round_.pk)
    html = client.get(f"/f/{forum.code}/screen/", {"key": forum.screen_key}).content.decode()
    ranking = re.search(r'<ol class="ranking bars ranked">(.*?)</ol>', html, re.S).group(1)
    assert ranking.index("Maßnahme 1") < ranking.index("Maßnahme 0")
    assert ranking.index('<span class="rank">1.</span>') < ranking.index("Maßnahme 1")
    assert 'class="w100"' in ranking
