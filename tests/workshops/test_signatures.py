"""The duplicate finder's stored side (workshops/signatures.py): signatures written with
the items, pairs found once per written item, look-ups that score a bounded number of
candidates and are counted per session, and scores equal to comparing every pair."""

import random

import pytest

from tests.factories import make_forum, make_participant, moderator_actor, participant_actor
from tests.workshops.test_similarity import DIFFERENT, SAME
from workshops import models, signatures, similarity
from workshops.models import Item, ItemShingle, ItemSignature, SimilarPair
from workshops.services.items import (
    edit_item,
    edit_own_item,
    hide_item,
    merge_items,
    propose_item,
    restore_item,
    withdraw_own_item,
)
from workshops.similarity import _reference_score, score, units

SYLLABLES = [
    "bra",
    "kel",
    "mun",
    "dor",
    "fis",
    "gal",
    "hem",
    "lut",
    "pro",
    "sav",
    "tin",
    "wer",
    "zol",
]


def invented(rng: random.Random, words: int) -> str:
    def word():
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))

    return " ".join(word() for _ in range(words))


def test_the_score_is_the_same_as_weighing_every_pair_of_units():
    rng = random.Random(4)
    texts = [text for pair in SAME + DIFFERENT for text in pair]
    texts += [
        "Kinderbetreung Sprachmittlr Hausarzte Wohnungen",
        "Kitaplatz Dolmetscher Arztpraxen Wohnraum",
    ]
    long = [invented(rng, n) for n in (3, 8, 30, 60)]
    texts += long + [
        " ".join(t.split()[: len(t.split()) * 3 // 4] + [invented(rng, 1)]) for t in long
    ]
    for a in texts:
        for b in texts:
            assert score(units(a), units(b)) == _reference_score(units(a), units(b)), (a, b)


@pytest.fixture
def mod(moderator):
    return moderator_actor(moderator)


def _propose(forum, actor, text, kind="need"):
    field = forum.fields.first().pk
    return propose_item(actor=actor, forum=forum, field=field, kind=kind, text=text)


def _pairs(forum):
    rows = SimilarPair.objects.filter(forum=forum).values_list("item_id", "other_id", "score")
    return {frozenset((a, b)): s for a, b, s in rows}


def _console(client, moderator, forum):
    client.force_login(moderator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.get(f"/f/{forum.code}/moderate/").content.decode()


@pytest.mark.django_db
def test_pairs_are_found_when_items_are_written_and_follow_edit_hide_restore_merge(
    client, forum, moderator, mod
):
    first = _propose(forum, mod, "Sprachkurse mit Kinderbetreuung")
    second = _propose(forum, mod, "Deutschkurs + Kita-Platz")
    housing = _propose(forum, mod, "Bezahlbarer Wohnraum")
    assert set(ItemSignature.objects.filter(forum=forum).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
        housing.pk,
    }
    assert ItemShingle.objects.filter(signature_id=housing.pk).exists()
    assert _pairs(forum) == {frozenset((first.pk, second.pk)): 1.0}
    assert f"Merge #{second.pk} into #{first.pk}" in _console(client, moderator, forum)

    # edited into something else: no longer a duplicate, and its new words are indexed
    edit_item(actor=mod, forum=forum, item=second.pk, text="Bezahlbare Wohnungen für Familien")
    assert _pairs(forum) == {frozenset((housing.pk, second.pk)): 0.8}
    assert "wohnung" not in ItemSignature.objects.get(pk=first.pk).data["units"]
    assert "@wohnung" in ItemSignature.objects.get(pk=second.pk).data["units"]
    html = _console(client, moderator, forum)
    assert f"Merge #{housing.pk} into #{second.pk}" in html  # the newer into the older
    assert f"Merge #{second.pk} into #{first.pk}" not in html

    # hidden: gone from the index (no signature, keys or pairs); restored: back
    hide_item(actor=mod, forum=forum, item=second.pk)
    assert not ItemSignature.objects.filter(pk=second.pk).exists()
    assert not ItemShingle.objects.filter(signature_id=second.pk).exists()
    assert _pairs(forum) == {}
    assert "data-suggested-merge" not in _console(client, moderator, forum)
    restore_item(actor=mod, forum=forum, item=second.pk)
    assert _pairs(forum) == {frozenset((housing.pk, second.pk)): 0.8}

    # merged: the duplicate leaves the index, the console suggests nothing more
    merge_items(actor=mod, forum=forum, item=second.pk, into=housing.pk)
    assert not ItemSignature.objects.filter(pk=second.pk).exists()
    assert _pairs(forum) == {}
    assert "data-suggested-merge" not in _console(client, moderator, forum)
    found = signatures_lookup(forum, "Bezahlbare Wohnungen für Familien")
    assert [i["id"] for i in found] == [housing.pk]


def signatures_lookup(forum, text, kind=None):
    from workshops.console import similar_data

    return similar_data(forum, text, kind=kind)


@pytest.mark.django_db
def test_only_items_of_the_same_kind_are_paired_and_found(forum, mod):
    need = _propose(forum, mod, "Mehr Kita-Plätze")
    measure = _propose(forum, mod, "Kitaplaetze ausbauen", kind="measure")
    assert _pairs(forum) == {}

    def found(kind=None):
        return [i["id"] for i in signatures_lookup(forum, "Kitaplätze schaffen", kind=kind)]

    assert found("need") == [need.pk]
    assert found("measure") == [measure.pk]
    assert set(found()) == {need.pk, measure.pk}


@pytest.mark.django_db
def test_a_look_up_scores_a_bounded_number_of_candidates(forum, mod, settings):
    settings.SIMILAR_CANDIDATES = 3
    rng = random.Random(2)
    common = invented(rng, 6)
    items = [_propose(forum, mod, f"{common} {invented(rng, 2)}") for _ in range(30)]
    wanted = items[17]
    keys = signatures.sketch(similarity.index_keys(similarity.signature(wanted.text), "need"))
    candidates = signatures._candidates(models, forum.pk, keys, len(keys))
    assert len(candidates) == 3 and candidates[0] == wanted.pk  # its own text shares every key
    found = signatures_lookup(forum, wanted.text, kind="need")
    assert found[0]["id"] == wanted.pk and found[0]["score"] == 1.0 and len(found) == 3
    # a text that shares (almost) nothing is scored against nothing
    other = invented(random.Random(99), 8).replace("a", "y").replace("e", "y")
    keys = signatures.sketch(similarity.index_keys(similarity.signature(other), "need"))
    assert signatures._candidates(models, forum.pk, keys, len(keys)) == []
    # each new item was compared with at most three others: so it has at most three pairs
    per_item = {}
    for item_id in SimilarPair.objects.filter(forum=forum).values_list("item_id", flat=True):
        per_item[item_id] = per_item.get(item_id, 0) + 1
    assert max(per_item.values()) == 3


@pytest.mark.django_db
def test_the_console_shows_three_suggestions_an_item_at_most_best_first(forum, mod):
    base = _propose(forum, mod, "Sprachkurse mit Kinderbetreuung am Abend")
    copies = [
        _propose(forum, mod, text)
        for text in (
            "Sprachkurse mit Kinderbetreuung abends",
            "Deutschkurs mit Kita-Platz am Abend",
            "Sprachkurs und Kinderbetreuung",
            "Abendsprachkurse mit Kinderbetreuung im Quartier",
        )
    ]
    found = signatures.suggestions(list(Item.objects.filter(forum=forum)))
    assert len(found[base.pk]) == 3
    scores = [m.score for m in found[base.pk]]
    assert scores == sorted(scores, reverse=True)
    assert {m.item.pk for m in found[base.pk]} <= {c.pk for c in copies}


@pytest.mark.django_db
def test_rebuilding_the_index_gives_what_the_services_stored(forum, mod):
    rng = random.Random(6)
    texts = [
        "Mehr Kita-Plätze",
        "Kitaplaetze ausbauen",
        "Bezahlbarer Wohnraum",
        "Bezahlbare Wohnungen",
    ]
    texts += [invented(rng, 12) for _ in range(6)]
    texts += [t + " " + invented(rng, 1) for t in texts[-6:]]
    for text in texts:
        _propose(forum, mod, text)
    stored = _pairs(forum)
    data = dict(ItemSignature.objects.values_list("pk", "data"))
    keys = set(ItemShingle.objects.values_list("signature_id", "key"))
    assert len(stored) >= 8
    ItemSignature.objects.all().delete()
    assert signatures.rebuild() == len(texts)
    assert _pairs(forum) == stored
    assert dict(ItemSignature.objects.values_list("pk", "data")) == data
    assert set(ItemShingle.objects.values_list("signature_id", "key")) == keys


@pytest.mark.django_db
def test_carried_over_measures_are_indexed():
    from tests.factories import make_conference, make_field, make_moderator
    from tests.workshops.export_conference import ADOPTED_TEXT, build_conference
    from workshops.services.measures import carry_over_measures

    built = build_conference()
    conference = make_conference()
    forum = make_forum(conference, fields=[make_field(conference, "Bildung, Erziehung & Sprache")])
    user = make_moderator(conference)
    built.conference.moderators.add(user)  # who brings measures in moderates both
    mod = moderator_actor(user)
    [copy] = carry_over_measures(
        actor=mod, conference=conference, forum=forum, previous=built.conference
    )
    assert ItemSignature.objects.filter(pk=copy.pk).exists()
    assert [i["id"] for i in signatures_lookup(forum, ADOPTED_TEXT)] == [copy.pk]


@pytest.mark.django_db
def test_look_ups_are_counted_per_session_not_per_address(client, forum, mod, settings):
    from django.test import Client

    from tests.workshops.test_views import join

    settings.SIMILAR_LOOKUPS_PER_MINUTE = 3
    _propose(forum, mod, "Mehr Kita-Plätze")
    join(client, forum, name="Ayşe")
    for _ in range(3):
        response = client.get(f"/f/{forum.code}/similar", {"text": "Kitaplätze ausbauen"})
        assert response.status_code == 200 and len(response.json()["items"]) == 1
    refused = client.get(f"/f/{forum.code}/similar", {"text": "Kitaplätze ausbauen"})
    assert refused.status_code == 429
    assert refused.json()["error"].startswith("Sie fragen sehr oft nach ähnlichen Vorschlägen")
    assert 1 <= int(refused["Retry-After"]) <= 60
    # the person next to her, behind the same Wi-Fi, still gets answers
    neighbour = Client()
    join(neighbour, forum, name="Ben")
    answer = neighbour.get(f"/f/{forum.code}/similar", {"text": "Kitaplätze ausbauen"})
    assert answer.status_code == 200


@pytest.mark.django_db
def test_a_participants_look_up_shows_shown_items_only(forum, mod):
    participant = make_participant(forum.conference)
    shown = _propose(forum, participant_actor(participant), "Elterncafé an Grundschulen")
    hidden = _propose(forum, mod, "Elterncafés in der Grundschule")
    hide_item(actor=mod, forum=forum, item=hidden.pk)
    found = signatures_lookup(forum, "ELTERNCAFÉ IN DER GRUNDSCHULE")
    assert [i["id"] for i in found] == [shown.pk]


@pytest.mark.django_db
def test_a_participants_own_edit_and_withdrawal_update_the_index(forum, mod):
    me = participant_actor(make_participant(forum.conference))
    kita = _propose(forum, mod, "Mehr Kita-Plätze")
    mine = _propose(forum, me, "Bezahlbarer Wohnraum")
    assert _pairs(forum) == {}
    edit_own_item(actor=me, forum=forum, item=mine.pk, text="Kitaplaetze ausbauen")
    assert _pairs(forum) == {frozenset((kita.pk, mine.pk)): 1.0}
    withdraw_own_item(actor=me, forum=forum, item=mine.pk)
    assert not ItemSignature.objects.filter(pk=mine.pk).exists()
    assert not ItemShingle.objects.filter(signature_id=mine.pk).exists()
    assert _pairs(forum) == {}
