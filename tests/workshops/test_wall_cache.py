"""The phone page's wall is read and rendered once per forum, rev and language and
shared by the phones without anything of their own on it (workshops/walls.py): what
each person sees must be what a fresh rendering shows them."""

import re

import pytest
from django.test import Client

from tests.factories import make_conference, make_forum, make_moderator
from workshops.models import Item
from workshops.services.items import hide_item
from workshops.services.organise import change_field
from workshops.walls import wall_items

pytestmark = pytest.mark.django_db

WALL = re.compile(r'<div class="live-announcer[^>]*></div>(.*?)<template data-own', re.S)


@pytest.fixture
def forum():
    return make_forum(make_conference())


def field_id(forum):
    return forum.fields.order_by("position", "id").first().pk


def phone_of(forum, name: str, language: str = "de") -> Client:
    client = Client()
    client.post(f"/j/{forum.code}", {"name": name, "language": language})
    return client


def page(client, forum) -> str:
    response = client.get(f"/f/{forum.code}/")
    assert response.status_code == 200
    return response.content.decode()


def wall_of(html: str) -> str:
    return WALL.search(html).group(1)


def propose(client, forum, text, kind="need"):
    response = client.post(
        f"/f/{forum.code}/propose", {"field": field_id(forum), "kind": kind, "text": text}
    )
    assert response.status_code == 302, response.content.decode()[:400]
    return Item.objects.get(text=text)


def moderator(forum):
    from tests.factories import moderator_actor

    return moderator_actor(make_moderator(forum.conference))


def test_the_shared_wall_equals_a_fresh_rendering(forum):
    author = phone_of(forum, "Ayşe")
    propose(author, forum, "Sprachkurse mit Kinderbetreuung")
    propose(author, forum, "Mehr Bänke im Park")
    reader = phone_of(forum, "Ben")
    kept = wall_of(page(reader, forum))
    assert "Sprachkurse mit Kinderbetreuung" in kept
    assert wall_items.entries, "the wall is kept"
    assert wall_of(page(phone_of(forum, "Cem"), forum)) == kept  # from what is kept
    wall_items.clear()
    assert wall_of(page(reader, forum)) == kept  # rendered afresh: the same


def test_a_new_item_shows_at_once_to_every_phone(forum):
    reader, author = phone_of(forum, "Ben"), phone_of(forum, "Ayşe")
    assert "Spielplatz" not in page(reader, forum)
    propose(author, forum, "Ein Spielplatz am Fluss")
    assert "Ein Spielplatz am Fluss" in wall_of(page(reader, forum))


def test_a_hidden_item_leaves_every_wall_at_once(forum):
    author, reader = phone_of(forum, "Ayşe"), phone_of(forum, "Ben")
    item = propose(author, forum, "Ein Text, der gleich verschwindet")
    assert "Ein Text, der gleich verschwindet" in page(reader, forum)  # now kept
    hide_item(actor=moderator(forum), forum=forum, item=item.pk)
    assert "Ein Text, der gleich verschwindet" not in page(reader, forum)
    assert "Ein Text, der gleich verschwindet" not in page(phone_of(forum, "Cem"), forum)


def test_ones_own_items_and_their_forms_stay_on_ones_own_page(forum):
    author, reader = phone_of(forum, "Ayşe"), phone_of(forum, "Ben")
    item = propose(author, forum, "Sprachkurse mit Kinderbetreuung")
    shared = page(reader, forum)  # kept, then the author's page
    mine = page(author, forum)
    assert "data-own-actions" in wall_of(mine) and "badge-own" in wall_of(mine)
    assert f'name="item" value="{item.pk}"' in wall_of(mine)
    for html in (shared, page(reader, forum), page(phone_of(forum, "Cem"), forum)):
        wall = wall_of(html)
        assert "data-own-actions" not in wall and "badge-own" not in wall
        assert "csrfmiddlewaretoken" not in wall  # nobody's form token in what is shared
        assert "is-own" not in wall


def test_each_language_gets_its_own_wall(forum):
    german, turkish = phone_of(forum, "Ben", "de"), phone_of(forum, "Ayşe", "tr")
    forum.conference.languages = ["de", "tr"]
    forum.conference.save()
    german_wall = wall_of(page(german, forum))
    turkish_page = page(turkish, forum)
    assert '<html lang="tr"' in turkish_page
    assert wall_of(turkish_page) != german_wall  # the kinds' labels, "Nothing yet." ...
    assert wall_of(page(german, forum)) == german_wall


def test_a_renamed_action_field_shows_at_once(forum):
    reader = phone_of(forum, "Ben")
    assert "Wohnen am Wasser" not in page(reader, forum)
    organiser = moderator(forum)
    organiser.user.is_superuser = True
    organiser.user.save()
    field = forum.fields.order_by("position", "id").first()
    change_field(
        actor=organiser,
        conference=forum.conference,
        field_id=field.pk,
        title="Wohnen am Wasser",
        description="",
    )
    assert "Wohnen am Wasser" in wall_of(page(reader, forum))


def test_a_moderator_on_the_phone_page_gets_the_translation_forms(forum):
    item = propose(phone_of(forum, "Ayşe"), forum, "Sprachkurse mit Kinderbetreuung")
    form = f'id="version-text-{item.pk}"'  # the item's translation form
    assert form not in page(phone_of(forum, "Ben"), forum)  # now kept
    client = Client()
    client.force_login(make_moderator(forum.conference))
    assert form in page(client, forum)
