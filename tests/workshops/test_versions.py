"""Versions of a contribution in other languages, written by people (services.versions):
who may write them, what is refused (and changes nothing), and the pages that show them."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import (
    make_conference,
    make_forum,
    make_moderator,
    make_participant,
    moderator_actor,
    participant_actor,
)
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import AuditEntry, ForumEvent, Item
from workshops.services.items import propose_item
from workshops.services.versions import remove_item_version, set_item_version

pytestmark = pytest.mark.django_db

TURKISH = "Anneler için çocuk bakımlı dil kursları"
GERMAN = "Sprachkurse für Mütter mit Kinderbetreuung"


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def world():
    conference = make_conference(languages=["de", "tr", "ar"])
    forum = make_forum(conference)
    ayse = make_participant(conference, display_name="Ayşe", language="tr")
    ben = make_participant(conference, display_name="Ben", language="de")
    interpreter = get_user_model().objects.create_user(username="dolmetscherin")
    conference.interpreters.add(interpreter)
    field = forum.fields.order_by("position", "id").first()
    item = propose_item(
        actor=participant_actor(ayse), forum=forum, field=field.pk, kind="need", text=TURKISH
    )
    return {
        "conference": conference,
        "forum": forum,
        "item": item,
        "ayse": participant_actor(ayse),
        "ben": participant_actor(ben),
        "mod": moderator_actor(make_moderator(conference)),
        "interpreter": Actor(user=interpreter),
    }


def test_a_proposal_keeps_the_language_it_was_written_in(world):
    assert world["item"].language == "tr"
    assert world["item"].versions == {}


@pytest.mark.parametrize("who", ["ayse", "mod", "interpreter"])
def test_author_moderator_and_interpreter_add_a_german_version(world, who):
    item = world["item"]
    world["forum"].refresh_from_db()
    rev = world["forum"].rev
    set_item_version(actor=world[who], item=item, language="de", text=f"  {GERMAN}\n")
    item.refresh_from_db()
    assert item.text == TURKISH
    assert item.versions == {"de": GERMAN}
    event = ForumEvent.objects.filter(forum=world["forum"]).latest("rev")
    assert event.rev == rev + 1
    assert event.name == "item.updated"
    assert event.data["versions"] == {"de": GERMAN}
    assert event.data["language"] == "tr"
    entry = AuditEntry.objects.get(action="forum.item.version_set")
    assert entry.data["language"] == "de"
    assert entry.data["by"] == {"ayse": "author", "mod": "moderator"}.get(who, "interpreter")


def test_a_version_can_be_removed(world):
    item = world["item"]
    set_item_version(actor=world["mod"], item=item, language="de", text=GERMAN)
    set_item_version(actor=world["mod"], item=item, language="ar", text="دورات لغة")
    remove_item_version(actor=world["ayse"], item=item, language="de")
    item.refresh_from_db()
    assert item.versions == {"ar": "دورات لغة"}
    assert AuditEntry.objects.filter(action="forum.item.version_removed").count() == 1


def _unchanged(world, before_rev):
    item = Item.objects.get(pk=world["item"].pk)
    assert item.versions == {}
    assert ForumEvent.objects.filter(forum=world["forum"]).latest("rev").rev == before_rev
    assert not AuditEntry.objects.filter(action__startswith="forum.item.version").exists()


@pytest.mark.parametrize("who", ["ben", "stranger", "other_conference"])
def test_others_are_refused_and_nothing_changes(world, who):
    rev = ForumEvent.objects.filter(forum=world["forum"]).latest("rev").rev
    if who == "ben":
        actor = world["ben"]
    elif who == "stranger":
        actor = Actor()
    else:
        other = make_conference()
        user = get_user_model().objects.create_user(username="fremd")
        other.interpreters.add(user)
        other.moderators.add(user)
        actor = Actor(user=user)
    with pytest.raises(ServiceError) as refused:
        set_item_version(actor=actor, item=world["item"], language="de", text=GERMAN)
    assert refused.value.code == ServiceError.FORBIDDEN
    assert "the moderators and the interpreters can translate it" in str(refused.value.message)
    _unchanged(world, rev)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("ru", "Choose one of the conference's languages"),
        ("", "Choose one of the conference's languages"),
        (None, "Choose one of the conference's languages"),
        ("tr", "written in this language already"),
    ],
)
def test_a_language_the_conference_does_not_offer_is_refused(world, language, message):
    rev = ForumEvent.objects.filter(forum=world["forum"]).latest("rev").rev
    with pytest.raises(ServiceError) as refused:
        set_item_version(actor=world["mod"], item=world["item"], language=language, text=GERMAN)
    assert message in str(refused.value.message)
    _unchanged(world, rev)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x" * 501, "The text is too long: at most 500 characters, this one has 501."),
        ("  \u200b \n", "Please write some text."),
        (None, "Please write some text."),
    ],
)
def test_bad_text_is_refused(world, text, message):
    rev = ForumEvent.objects.filter(forum=world["forum"]).latest("rev").rev
    with pytest.raises(ServiceError) as refused:
        set_item_version(actor=world["ayse"], item=world["item"], language="de", text=text)
    assert str(refused.value.message) == message
    _unchanged(world, rev)


def test_a_hidden_item_is_translated_by_moderators_only(world):
    from workshops.services.items import hide_item

    hide_item(actor=world["mod"], forum=world["forum"], item=world["item"].pk)
    with pytest.raises(ServiceError):
        set_item_version(actor=world["ayse"], item=world["item"], language="de", text=GERMAN)
    set_item_version(actor=world["mod"], item=world["item"], language="de", text=GERMAN)
    assert Item.objects.get(pk=world["item"].pk).versions == {"de": GERMAN}
