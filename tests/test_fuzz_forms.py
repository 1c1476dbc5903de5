"""Property-based fuzzing of every form (join, propose, vote, voting card, moderator
actions, printing cards, login): no server error, nothing changed on refusal. And hostile
text stored as the service cleans it and shown escaped on every page."""

import re

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    make_dots_round_forum,
    make_forum,
    make_moderator,
    make_participant,
    participant_actor,
)
from workshops.commands import ACTIONS as MODERATOR_ACTIONS
from workshops.identity import remember_participant
from workshops.models import Forum, Item, Participant, Round, Vote

HOSTILE = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "\u202eevil\u202c",
    "a\u200bb\u200c\u200d\ufeff",
    "👩🏽‍🏫🇩🇪✊🏿",
    "x" * 10_000,
    "nul\x00byte",
    "\x1b[31mrot",
    "' OR 1=1 --",
    "{{ 7*7 }}",
    "{% debug %}",
]
text = st.text(max_size=60) | st.sampled_from(HOSTILE)
number = st.integers(min_value=-3, max_value=10).map(str) | st.sampled_from(
    ["", "1e9", "٣", "0x1", "9" * 30]
)
form_value = text | number
names = [
    "name",
    "group",
    "language",
    "field",
    "kind",
    "text",
    "refs",
    "round",
    "item",
    "value",
    "card",
    "count",
    "action",
    "into",
    "open",
    "method",
    "items",
    "budget",
    "per_item",
    "secret",
    "allow_own",
    "veto",
    "shortlisted",
    "adopted",
    "required",
    "note",
    "username",
    "password",
    "next",
    "phase",
    "minutes",
]
posts = st.dictionaries(st.sampled_from(names), form_value, max_size=8)


def fingerprint(forum):
    forum = Forum.objects.get(pk=forum.pk)
    return (
        forum.rev,
        forum.proposals_open,
        forum.requires_cards,
        forum.phase,
        forum.timer_ends_at,
        forum.announcement,
        sorted(
            Item.objects.filter(forum=forum).values_list(
                "id", "text", "status", "shortlisted", "adopted"
            )
        ),
        sorted(Round.objects.filter(forum=forum).values_list("id", "status")),
        sorted(
            Vote.objects.filter(round__forum=forum).values_list("participant_id", "option", "value")
        ),
        Participant.objects.filter(conference=forum.conference).count(),
    )


@pytest.fixture
def world(db, settings):
    settings.PROPOSALS_PER_MINUTE = 0
    settings.JOINS_PER_MINUTE_PER_ADDRESS = 0
    made = make_dots_round_forum()
    forum, participant, moderator = made["forum"], made["participant"], made["moderator"]
    phone = Client()
    session = phone.session
    remember_participant(session, participant)
    session.save()
    console = Client()
    console.force_login(moderator)
    return {"forum": forum, "phone": phone, "console": console, "anonymous": Client()}


def refused(response) -> bool:
    """Did the page say no? (an error status, or an error message after a redirect)"""
    if response.status_code >= 400:
        return True
    stored = getattr(response.wsgi_request, "_messages", None)
    # only what this request said: messages of earlier posts wait in the session until a
    # page shows them, and the same clients post example after example
    added = getattr(stored, "_queued_messages", [])
    return any(m.level_tag == "error" for m in added)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    target=st.sampled_from(
        ["join", "propose", "vote", "card", "moderate", "cards", "login", "own"]
    ),
    data=posts,
    action=st.sampled_from(sorted(MODERATOR_ACTIONS)) | text,
)
def test_any_form_post_gives_no_server_error_and_refusals_change_nothing(
    world, target, data, action
):
    forum = world["forum"]
    code = forum.code
    client, path = {
        "join": (world["anonymous"], f"/j/{code}"),
        "propose": (world["phone"], f"/f/{code}/propose"),
        "vote": (world["phone"], f"/f/{code}/vote"),
        "card": (world["phone"], f"/f/{code}/card"),
        "moderate": (world["console"], f"/f/{code}/moderate/action"),
        "cards": (world["console"], f"/f/{code}/moderate/cards.pdf"),
        "login": (Client(), "/accounts/login/"),
        "own": (world["phone"], f"/f/{code}/own"),  # edit or withdraw one's own proposal
    }[target]
    if target == "own":
        data = {**data, "action": ("edit", "withdraw", action)[len(data) % 3]}
    if target == "moderate":
        data = {**data, "action": action}
    if target == "cards":
        data = {**data, "count": data.get("count", "0")[:2]}  # keep the PDF small
    before = fingerprint(forum)
    response = client.post(path, data)
    assert response.status_code < 500
    if refused(response):
        assert fingerprint(forum) == before, (target, data, response.status_code)


def test_hostile_text_is_stored_cleaned_and_shown_escaped_everywhere(client, db, settings):
    from workshops.services.items import clean_text, propose_item
    from workshops.services.participants import join_conference

    settings.PROPOSALS_PER_MINUTE = 0
    forum = make_forum()
    moderator = make_moderator(forum.conference)
    field = forum.fields.order_by("position", "id").first()
    author = make_participant(forum.conference)
    stored, refused_texts = {}, []
    for _n, raw in enumerate(HOSTILE):
        try:
            item = propose_item(
                actor=participant_actor(author), forum=forum, field=field.pk, kind="need", text=raw
            )
        except Exception as error:  # noqa: BLE001 - must be the service's refusal
            assert getattr(error, "code", None) == "invalid", (raw[:20], error)
            refused_texts.append(raw)
            continue
        item.refresh_from_db()
        stored[raw] = item.text
        assert item.text == clean_text(raw)  # exactly what the service's cleaning gives
        assert "\x00" not in item.text and "\x1b" not in item.text
    assert refused_texts == ["x" * 10_000]  # over the 500-character limit
    # a participant's name with markup is shown as text, too
    named = join_conference(
        conference=forum.conference,
        participant=None,
        name="<b>Ayşe</b>\u202e",
        group="",
        language="de",
    )
    session = client.session
    remember_participant(session, named)
    session.save()
    pages = {
        "phone": client.get(f"/f/{forum.code}/").content.decode(),
        "screen": client.get(f"/f/{forum.code}/screen/?key={forum.screen_key}").content.decode(),
    }
    client.force_login(moderator)
    pages["console"] = client.get(f"/f/{forum.code}/moderate/").content.decode()
    for page, html in pages.items():
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>Ayşe" not in html, (
            page
        )
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html, page
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, page
        assert "{{ 7*7 }}" in html and "49" not in re.findall(r"\b49\b", html), page
        assert "👩🏽‍🏫🇩🇪✊🏿" in html, page
