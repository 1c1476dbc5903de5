"""A name next to a proposal on the projector only when its author chose so when joining
(workshops/visibility.py, ``shows_author``): the rule, and every exit the projector reads
(its page, its snapshot, the live event, the replay on ``sync``); the phones and the
console keep showing names. Joining asks (a checkbox, off unless ticked); leaving undoes it.
"""

import pytest
from django.test import Client

from tests.factories import make_conference, make_forum, make_participant
from workshops import visibility
from workshops.actors import Actor
from workshops.identity import remember_participant
from workshops.models import Participant
from workshops.selectors import events_since, forum_snapshot, item_data
from workshops.services.items import propose_item
from workshops.services.participants import join_conference
from workshops.services.privacy import leave_conference

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "audience,agreed,shown",
    [
        (visibility.MODERATOR, False, True),
        (visibility.MODERATOR, True, True),
        (visibility.PARTICIPANT, False, True),
        (visibility.PARTICIPANT, True, True),
        (visibility.SCREEN, False, False),
        (visibility.SCREEN, True, True),
        (visibility.PUBLIC, False, True),
    ],
)
def test_only_the_projector_asks_whether_the_author_agreed(audience, agreed, shown):
    assert visibility.shows_author(audience, agreed) is shown
    data = {"id": 1, "status": "visible", "text": "Sprachkurse", "author": "Ayşe"}
    data["name_on_screen"] = agreed
    assert visibility.item_for(audience, data)["author"] == ("Ayşe" if shown else "")
    assert visibility.item_for(audience, data)["text"] == "Sprachkurse"


@pytest.fixture
def room():
    conference = make_conference()
    forum = make_forum(conference)
    field = forum.fields.first()
    shy = make_participant(conference, display_name="Ayşe")
    proud = make_participant(conference, display_name="Boris", name_on_screen=True)
    items = {
        p.display_name: propose_item(
            actor=Actor(participant=p),
            forum=forum,
            field=field.pk,
            kind="need",
            text=f"Vorschlag von {p.display_name}",
        )
        for p in (shy, proud)
    }
    forum.refresh_from_db()
    return {"forum": forum, "shy": shy, "proud": proud, "items": items}


def _authors(items) -> dict:
    return {i["text"]: i["author"] for i in items}


def test_the_projector_snapshot_and_replay_name_only_who_agreed(room):
    forum = room["forum"]
    screen = _authors(forum_snapshot(forum, Actor(screen=True))["items"])
    assert screen == {"Vorschlag von Ayşe": "", "Vorschlag von Boris": "Boris"}
    phone = _authors(forum_snapshot(forum, Actor(participant=room["shy"]))["items"])
    assert phone == {"Vorschlag von Ayşe": "Ayşe", "Vorschlag von Boris": "Boris"}
    replay = events_since(forum, 0, visibility.SCREEN, limit=100)
    added = [f["data"] for f in replay if f["name"] == "item.added"]
    assert _authors(added) == {"Vorschlag von Ayşe": "", "Vorschlag von Boris": "Boris"}
    # the live fan-out encodes each audience's copy through the same rule (realtime/hub.py)
    frame = {"type": "event", "rev": 1, "name": "item.added"}
    frame["data"] = item_data(room["items"]["Ayşe"])
    assert visibility.frame_for(visibility.SCREEN, frame)["data"]["author"] == ""
    assert visibility.frame_for(visibility.PARTICIPANT, frame)["data"]["author"] == "Ayşe"


def test_the_projector_page_names_only_who_agreed_and_the_phone_names_both(room):
    forum = room["forum"]
    html = Client().get(f"/f/{forum.code}/screen/?key={forum.screen_key}").content.decode()
    assert '<bdi class="item-author">Boris</bdi>' in html
    assert "Vorschlag von Ayşe" in html and '<bdi class="item-author">Ayşe</bdi>' not in html
    phone = Client()
    session = phone.session
    remember_participant(session, room["shy"])
    session.save()
    html = phone.get(f"/f/{forum.code}/").content.decode()
    assert '<bdi class="item-author">Ayşe</bdi>' in html
    assert '<bdi class="item-author">Boris</bdi>' in html


def test_joining_asks_with_a_box_left_empty_and_keeps_the_answer(room):
    forum = room["forum"]
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    html = client.get(f"/j/{forum.code}").content.decode()
    assert "Meinen Namen auf der Leinwand zeigen" in html
    assert '<input type="checkbox" name="name_on_screen" value="1">' in html  # not ticked
    client.post(f"/j/{forum.code}", {"name": "Chiara", "name_on_screen": "1"})
    chiara = Participant.objects.get(display_name="Chiara")
    assert chiara.name_on_screen is True
    html = client.get(f"/j/{forum.code}").content.decode()
    assert 'name="name_on_screen" value="1" checked' in html
    client.post(f"/j/{forum.code}", {"name": "Chiara"})  # unticked on a second visit
    chiara.refresh_from_db()
    assert chiara.name_on_screen is False


def test_leaving_takes_back_the_agreement_with_the_name():
    conference = make_conference()
    person = join_conference(conference=conference, name="Boris", name_on_screen=True)
    left = leave_conference(participant=person)
    left.refresh_from_db()
    assert (left.display_name, left.name_on_screen) == ("", False)
