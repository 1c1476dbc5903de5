"""The conference file gives a forum its room and time and a moderator their forums."""

import datetime
import tomllib

import pytest
from django.contrib.auth import get_user_model

from workshops import rules
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import Conference, Forum
from workshops.services.setup import load_conference

pytestmark = pytest.mark.django_db
User = get_user_model()

FILE = """
[conference]
slug = "ik-raum"
title = "Integrationskonferenz Raumstadt"

[[fields]]
title = "Arbeit"

[[fields]]
title = "Wohnen"

[[forums]]
title = "Fachforum 2"
fields = ["Arbeit"]
room = "Raum 2.14"
start = 14:00:00
end = "15:30"

[[forums]]
title = "Fachforum 3"
fields = ["Wohnen"]
room = "Raum 3.01"
start = "14:00"
end = "15:30"

[[forums]]
title = "Plenum"
kind = "plenary"

[[moderators]]
username = "buero"

[[moderators]]
username = "ff2"
forums = ["Fachforum 2"]
"""


def load(text=FILE, **kw):
    return load_conference(data=tomllib.loads(text), **kw)


def test_rooms_times_and_forum_moderators_from_the_file():
    conference = load()
    ff2, ff3, plenum = conference.forums.order_by("position")
    assert (ff2.room, ff2.starts_at, ff2.ends_at) == (
        "Raum 2.14",
        datetime.time(14, 0),
        datetime.time(15, 30),
    )
    assert (ff3.starts_at, ff3.ends_at) == (datetime.time(14, 0), datetime.time(15, 30))
    assert (plenum.room, plenum.starts_at, plenum.ends_at) == ("", None, None)
    own = User.objects.get(username="ff2")
    assert list(ff2.moderators.all()) == [own]
    assert list(conference.moderators.values_list("username", flat=True)) == ["buero"]
    assert rules.can_moderate(Actor(user=own), ff2)
    assert not rules.can_moderate(Actor(user=own), ff3)
    assert not rules.is_moderator(Actor(user=own), conference)


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('end = "15:30"', 'end = "13:30"', "forums[0].end: 13:30 is not after the start (14:00)"),
        ('end = "15:30"', 'end = "14:00"', "forums[0].end: 14:00 is not after the start (14:00)"),
        ("start = 14:00:00", 'start = "zwei Uhr"', "forums[0].start: 'zwei Uhr' is not a time"),
        ("start = 14:00:00", "start = 14", "forums[0].start: '14' is not a time"),
        (
            'forums = ["Fachforum 2"]',
            'forums = ["Fachforum 9"]',
            "moderators[1].forums: unknown forum 'Fachforum 9'",
        ),
        ('forums = ["Fachforum 2"]', "forums = []", None),
        ('room = "Raum 2.14"', "room = 214", "forums[0].room: must be text"),
    ],
)
def test_a_wrong_time_room_or_forum_is_named_and_nothing_is_created(old, new, message):
    assert old in FILE
    text = FILE.replace(old, new, 1)
    if message is None:  # an empty list: a conference-wide moderator, as without the key
        conference = load(text)
        assert conference.moderators.filter(username="ff2").exists()
        return
    with pytest.raises(ServiceError) as info:
        load(text)
    assert str(info.value.message).startswith(message)
    assert not Conference.objects.exists() and not Forum.objects.exists()
    assert not User.objects.exists()


def test_update_adds_a_forum_moderator_to_an_existing_forum():
    load()
    later = FILE.replace('username = "ff2"', 'username = "ff3"').replace(
        '"Fachforum 2"]', '"Fachforum 3"]'
    )
    conference = load(later, update=True)
    ff3 = conference.forums.get(title="Fachforum 3")
    assert list(ff3.moderators.values_list("username", flat=True)) == ["ff3"]
    assert conference.forums.get(title="Fachforum 2").moderators.get().username == "ff2"
