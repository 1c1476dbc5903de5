"""Voting cards: one person, one vote."""

import re

import pytest

from tests.factories import make_moderator, make_participant, moderator_actor, participant_actor
from workshops.exceptions import ServiceError
from workshops.models import VotingCard
from workshops.services.cards import issue_cards, redeem_card, set_cards_required
from workshops.services.items import propose_item
from workshops.services.rounds import open_round
from workshops.services.votes import cast_vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod(forum):
    return moderator_actor(make_moderator(forum.conference, password="geheim-und-lang-42"))


def test_codes_are_stored_only_as_salted_hashes(forum, mod):
    codes = issue_cards(actor=mod, forum=forum, count=20)
    assert len(set(codes)) == 20 and all(len(c) == 8 for c in codes)
    stored = list(VotingCard.objects.values_list("code_hash", flat=True))
    assert len(stored) == 20
    assert not set(codes) & set(stored)
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in stored)
    with pytest.raises(ServiceError):
        issue_cards(
            actor=participant_actor(make_participant(forum.conference)), forum=forum, count=1
        )
    for bad in (0, 1001):  # "viele": refused where the form is read (test_commands_registry)
        with pytest.raises(ServiceError):
            issue_cards(actor=mod, forum=forum, count=bad)


def test_a_card_binds_to_the_first_phone_and_only_card_holders_vote(forum, mod):
    code = issue_cards(actor=mod, forum=forum, count=1)[0]
    set_cards_required(actor=mod, forum=forum, required=True)
    field = forum.fields.first().pk
    author = participant_actor(make_participant(forum.conference))
    item = propose_item(actor=author, forum=forum, field=field, kind="measure", text="Maßnahme")
    round_ = open_round(actor=mod, forum=forum, method="adoption", kind="measure")
    first, second = (participant_actor(make_participant(forum.conference)) for _ in range(2))
    with pytest.raises(ServiceError) as info:
        cast_vote(actor=first, forum=forum, round=round_.pk, item=item.pk, value=1)
    assert info.value.code == "forbidden"
    redeem_card(actor=first, forum=forum, code=code.lower()[:4] + "-" + code.lower()[4:])
    redeem_card(actor=first, forum=forum, code=code)  # again: fine
    with pytest.raises(ServiceError) as info:
        redeem_card(actor=second, forum=forum, code=code)
    assert info.value.code == "forbidden"
    with pytest.raises(ServiceError):
        redeem_card(actor=second, forum=forum, code="ABCDEFGH")
    assert cast_vote(actor=first, forum=forum, round=round_.pk, item=item.pk, value=1)["votes"] == {
        str(item.pk): 1
    }
    with pytest.raises(ServiceError):
        cast_vote(actor=second, forum=forum, round=round_.pk, item=item.pk, value=1)


def test_the_console_prints_a_pdf_and_a_scanned_card_joins_and_binds(client, forum, mod):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.login(username=mod.user.username, password="geheim-und-lang-42")
    response = client.post(f"/f/{forum.code}/moderate/cards.pdf", {"count": "9"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert VotingCard.objects.count() == 9
    client.post(f"/f/{forum.code}/moderate/action", {"action": "cards_required", "required": "1"})
    forum.refresh_from_db()
    assert forum.requires_cards
    client.logout()  # (forgets every cookie)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    code = issue_cards(actor=mod, forum=forum, count=1)[0]
    page = client.get(f"/j/{forum.code}", {"card": code}).content.decode()
    assert f'name="card" value="{code}"' in page
    client.post(f"/j/{forum.code}", {"card": code})
    assert VotingCard.objects.filter(participant__isnull=False).count() == 1
    html = client.get(f"/f/{forum.code}/").content.decode()
    assert "Your voting card is on this phone" in html
    assert 'id="card-code"' not in html


def _plenary_adoption_with_a_cardless_vote(forum, mod):
    """A plenary with one measure in an open adoption round and one vote cast without a
    card (the default)."""
    from workshops.models import Forum

    forum.kind = Forum.Kind.PLENARY
    forum.save(update_fields=["kind"])
    author = participant_actor(make_participant(forum.conference))
    item = propose_item(
        actor=author, forum=forum, field=forum.fields.first().pk, kind="measure", text="Maßnahme"
    )
    round_ = open_round(actor=mod, forum=forum, method="adoption", kind="measure")
    stuffer = participant_actor(make_participant(forum.conference))
    cast_vote(actor=stuffer, forum=forum, round=round_.pk, item=item.pk, value=1)
    return item, round_


def test_cards_are_not_switched_on_under_an_open_round_that_holds_cardless_votes(forum, mod):
    from django.utils import translation

    from workshops.models import AuditEntry, Round

    _item, round_ = _plenary_adoption_with_a_cardless_vote(forum, mod)
    rev = forum.__class__.objects.get(pk=forum.pk).rev
    with pytest.raises(ServiceError) as info:
        set_cards_required(actor=mod, forum=forum, required=True)
    with translation.override("en"):
        assert info.value.code == "invalid" and "without a card" in str(info.value.message)
    forum.refresh_from_db()
    round_.refresh_from_db()
    assert not forum.requires_cards and forum.rev == rev and round_.status == Round.Status.OPEN
    assert not AuditEntry.objects.filter(action="forum.cards.required").exists()


def test_cards_switched_on_with_a_restart_set_cardless_votes_aside_deciding_nothing(forum, mod):
    from workshops.models import AuditEntry, Round

    item, round_ = _plenary_adoption_with_a_cardless_vote(forum, mod)
    set_cards_required(actor=mod, forum=forum, required=True, restart=True)
    forum.refresh_from_db()
    round_.refresh_from_db()
    item.refresh_from_db()
    assert forum.requires_cards
    assert round_.status == Round.Status.CLOSED
    assert item.adopted is None  # the card-less round decided nothing
    fresh = Round.objects.get(forum=forum, status=Round.Status.OPEN)
    assert fresh.previous_id == round_.pk and fresh.method == "adoption"
    assert list(fresh.items.values_list("pk", flat=True)) == [item.pk] and not fresh.votes.exists()
    assert AuditEntry.objects.get(action="forum.cards.required").data == {"restarted": [round_.pk]}
    with pytest.raises(ServiceError):  # the new round takes votes with a card only
        cast_vote(
            actor=participant_actor(make_participant(forum.conference)),
            forum=forum,
            round=fresh.pk,
            item=item.pk,
            value=1,
        )


def test_cards_switched_on_under_an_open_round_without_votes_keep_the_round(forum, mod):
    from workshops.models import Round

    propose_item(
        actor=mod, forum=forum, field=forum.fields.first().pk, kind="measure", text="Maßnahme"
    )
    round_ = open_round(actor=mod, forum=forum, method="adoption", kind="measure")
    set_cards_required(actor=mod, forum=forum, required=True)
    assert Round.objects.get(forum=forum, status=Round.Status.OPEN) == round_
    forum.refresh_from_db()
    assert forum.requires_cards


def test_the_console_refuses_cards_under_cardless_votes_and_offers_the_restart(client, forum, mod):
    _plenary_adoption_with_a_cardless_vote(forum, mod)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.login(username=mod.user.username, password="geheim-und-lang-42")
    console = f"/f/{forum.code}/moderate/"
    html = client.get(console).content.decode()
    # the open adoption round says plainly that it runs without cards, and offers them
    warning = re.search(r'<div class="round-warning"[^>]*>(.*?)</div>', html, re.DOTALL)
    assert warning, "no warning next to the adoption round"
    assert "without voting cards" in warning.group(1) and "proposes the plenary" in warning.group(1)
    assert 'name="restart" value="1"' in warning.group(1)
    action = {"action": "cards_required", "required": "1"}
    html = client.post(f"{console}action", action, follow=True).content.decode()
    assert "already holds votes cast without a card" in html
    forum.refresh_from_db()
    assert not forum.requires_cards
    html = client.post(f"{console}action", {**action, "restart": "1"}, follow=True).content.decode()
    forum.refresh_from_db()
    assert forum.requires_cards
    assert "votes cast without a card do not count" in html
    assert 'class="round-warning"' not in html


def test_opening_an_adoption_round_without_cards_says_so_at_once(client, forum, mod):
    propose_item(
        actor=mod, forum=forum, field=forum.fields.first().pk, kind="measure", text="Maßnahme"
    )
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.login(username=mod.user.username, password="geheim-und-lang-42")
    html = client.post(
        f"/f/{forum.code}/moderate/action",
        {"action": "open_round", "method": "adoption", "kind": "measure"},
        follow=True,
    ).content.decode()
    assert re.search(
        r'class="message message-warning">This adoption round runs without voting '
        r"cards",
        html,
    )
    set_cards_required(actor=mod, forum=forum, required=True)
    html = client.post(
        f"/f/{forum.code}/moderate/action",
        {"action": "open_round", "method": "adoption", "kind": "measure"},
        follow=True,
    ).content.decode()
    assert "message-warning" not in html


def _phone(forum):
    from django.test import Client

    phone = Client(HTTP_ACCEPT_LANGUAGE="en")
    phone.post(f"/j/{forum.code}", {"name": ""})
    return phone


def _enter(phone, forum, code) -> str:
    phone.post(f"/f/{forum.code}/card", {"card": code})
    return phone.get(f"/f/{forum.code}/").content.decode()


def test_guessing_card_codes_on_one_phone_is_throttled_like_a_login(forum, mod, settings):
    """After CARD_FAILURES_PER_PHONE wrong codes in 15 minutes, the phone's entries are
    not even checked: the right code is refused too, and no card is bound."""
    settings.CARD_FAILURES_PER_PHONE = 4
    code = issue_cards(actor=mod, forum=forum, count=1)[0]
    set_cards_required(actor=mod, forum=forum, required=True)
    phone = _phone(forum)
    for guess in ("AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD"):
        assert "This voting card code is not valid here" in _enter(phone, forum, guess)
    page = _enter(phone, forum, code)
    assert "Too many wrong voting card codes" in page and "You can vote" not in page
    assert not VotingCard.objects.filter(participant__isnull=False).exists()
    # another phone in the same room (same address) is not held up
    assert "Your voting card is on this phone" in _enter(_phone(forum), forum, code)


def test_one_card_code_tried_on_many_phones_is_throttled(forum, mod, settings):
    settings.CARD_FAILURES_PER_CODE = 3
    code = issue_cards(actor=mod, forum=forum, count=1)[0]
    assert "Your voting card is on this phone" in _enter(_phone(forum), forum, code)
    for _n in range(3):
        assert "already used on another phone" in _enter(_phone(forum), forum, code)
    assert "Too many wrong voting card codes" in _enter(_phone(forum), forum, code)
    assert VotingCard.objects.filter(participant__isnull=False).count() == 1


def test_guessing_card_codes_from_fresh_phones_at_one_address_is_throttled(forum, mod, settings):
    """A guesser who joins afresh for every few tries (a new session, so a new phone
    counter) and tries a new code each time still meets the address's limit."""
    settings.CARD_FAILURES_PER_ADDRESS = 5
    code = issue_cards(actor=mod, forum=forum, count=1)[0]
    for guess in ("AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD", "EEEE-EEEE"):
        assert "This voting card code is not valid here" in _enter(_phone(forum), forum, guess)
    page = _enter(_phone(forum), forum, code)
    assert "Too many wrong voting card codes" in page and "You can vote" not in page
    assert not VotingCard.objects.filter(participant__isnull=False).exists()
    # a phone at another address is not held up
    from django.test import Client

    phone = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.20")
    phone.post(f"/j/{forum.code}", {"name": ""})
    assert "Your voting card is on this phone" in _enter(phone, forum, code)
