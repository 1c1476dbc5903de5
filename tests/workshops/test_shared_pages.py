"""The join page of a first visit and the phone page of a participant with nothing of
their own on it are rendered once and shared (workshops/shared_pages.py): each person
must get exactly the page a rendering for them shows, with their own form token, which
works, and their own name, and never anyone else's."""

import re

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client

from tests.factories import make_conference, make_forum, make_moderator, moderator_actor
from workshops import shared_pages
from workshops.models import Item
from workshops.services import forums as forum_services
from workshops.services.items import propose_item
from workshops.services.rounds import open_round

pytestmark = pytest.mark.django_db

TOKEN_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


@pytest.fixture
def forum():
    return make_forum(make_conference(languages=["de", "tr", "ar"]))


def tokens(html: str) -> set[str]:
    return set(TOKEN_FIELD.findall(html))


def without_tokens(html: str) -> str:
    return TOKEN_FIELD.sub('name="csrfmiddlewaretoken" value="…"', html)


def phone(forum, language="de", **details) -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    page = client.get(f"/j/{forum.code}").content.decode()
    sent = {"csrfmiddlewaretoken": tokens(page).pop(), **details}
    assert client.post(f"/j/{forum.code}", sent).status_code == 302
    return client


def get(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def rendered_for_the_person(monkeypatch, client, path) -> str:
    """The page as it is rendered for this one request, sharing switched off."""
    with monkeypatch.context() as patched:
        patched.setattr(shared_pages, "join_page", lambda *args: None)
        patched.setattr(shared_pages, "phone_page", lambda *args: None)
        return get(client, path)


def test_every_phone_gets_a_token_of_its_own_that_works(forum):
    phones = [phone(forum) for _ in range(3)]
    pages = [get(p, f"/f/{forum.code}/") for p in phones]
    secrets = set()
    for client, html in zip(phones, pages, strict=True):
        (token,) = tokens(html)  # one token, in every form of the page
        secret = _unmask_cipher_token(token)
        assert secret == client.cookies["csrftoken"].value
        secrets.add(secret)
        sent = {"csrfmiddlewaretoken": token, "field": forum.fields.first().pk, "kind": "need"}
        text = f"Sprachkurs {len(secrets)}"
        assert client.post(f"/f/{forum.code}/propose", {**sent, "text": text}).status_code == 302
    assert len(secrets) == 3
    assert Item.objects.count() == 3


def test_a_first_visit_gets_the_join_page_with_its_own_working_token(forum):
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        response = client.get(f"/j/{forum.code}")
        (token,) = tokens(response.content.decode())
        assert _unmask_cipher_token(token) == response.cookies["csrftoken"].value
        joined = client.post(f"/j/{forum.code}", {"csrfmiddlewaretoken": token})
        assert joined.status_code == 302


@pytest.mark.parametrize("language", ["de", "tr", "ar"])
def test_the_shared_pages_are_the_pages_rendered_for_the_person(monkeypatch, forum, language):
    first = Client(HTTP_ACCEPT_LANGUAGE=language)
    get(first, f"/j/{forum.code}")  # kept for every first visit
    newcomer = Client(HTTP_ACCEPT_LANGUAGE=language)
    shared = get(newcomer, f"/j/{forum.code}")
    assert without_tokens(shared) == without_tokens(
        rendered_for_the_person(monkeypatch, newcomer, f"/j/{forum.code}")
    )
    phone(forum, language)  # the phone page, kept
    for details in ({}, {"name": 'Ayşe <b>& "Co"</b>'}):
        client = phone(forum, language, **details)
        shared = get(client, f"/f/{forum.code}/")
        assert without_tokens(shared) == without_tokens(
            rendered_for_the_person(monkeypatch, client, f"/f/{forum.code}/")
        )


def test_names_stay_with_their_person(monkeypatch, forum):
    zeynep = phone(forum, name="Zeynep")
    nameless = phone(forum)
    ali = phone(forum, name="Ali <3")
    pages = {who: get(c, f"/f/{forum.code}/") for who, c in (("z", zeynep), ("n", nameless))}
    pages["a"] = get(ali, f"/f/{forum.code}/")
    assert "Sie nehmen teil als <bdi>Zeynep</bdi>." in pages["z"]
    assert "Zeynep" not in pages["n"] and "Zeynep" not in pages["a"]
    assert "<bdi>Ali &lt;3</bdi>" in pages["a"] and "Ali" not in pages["n"]
    # the nameless phone's "More" menu stays hidden, as rendered for them
    assert without_tokens(pages["n"]) == without_tokens(
        rendered_for_the_person(monkeypatch, nameless, f"/f/{forum.code}/")
    )


def test_what_is_a_persons_own_is_rendered_for_them(forum):
    author, other = phone(forum), phone(forum)
    get(other, f"/f/{forum.code}/")  # the shared page is kept
    page = get(author, f"/f/{forum.code}/")
    token = tokens(page).pop()
    sent = {"csrfmiddlewaretoken": token, "field": forum.fields.first().pk, "kind": "need"}
    author.post(f"/f/{forum.code}/propose", {**sent, "text": "Kita am Abend"})
    item = Item.objects.get()
    # the thanks, then one's own proposal marked; the other phone sees neither
    thanked = get(author, f"/f/{forum.code}/")
    assert "Danke, Ihr Vorschlag ist an der Pinnwand." in thanked
    assert f'<a href="#item-{item.pk}">#{item.pk}</a>' in thanked
    assert f'<a href="#item-{item.pk}">#{item.pk}</a>' in get(author, f"/f/{forum.code}/")
    seen = get(other, f"/f/{forum.code}/")
    assert "Kita am Abend" in seen
    assert f'<a href="#item-{item.pk}">#{item.pk}</a>' not in seen
    assert 'class="messages"' not in seen


def test_changes_of_the_forum_reach_the_next_page_at_once(forum):
    client = phone(forum)
    mod = moderator_actor(make_moderator(forum.conference))
    assert 'data-proposals-open="true"' in get(client, f"/f/{forum.code}/")
    forum_services.set_proposals_open(actor=mod, forum=forum, open=False)
    assert 'data-proposals-open="false"' in get(client, f"/f/{forum.code}/")
    forum_services.set_proposals_open(actor=mod, forum=forum, open=True)
    item = propose_item(
        actor=mod, forum=forum, field=forum.fields.first().pk, kind="need", text="Sprachcafé"
    )
    assert "Sprachcafé" in get(client, f"/f/{forum.code}/")
    open_round(actor=mod, forum=forum, method="support", items=[item.pk])
    page = get(client, f"/f/{forum.code}/")
    assert 'class="round"' in page and "data-vote-form" in page
    forum_services.start_timer(actor=mod, forum=forum, seconds=300)
    assert re.search(r"data-timer>[^<]*: (5:00|4:5\d)<", get(client, f"/f/{forum.code}/"))
