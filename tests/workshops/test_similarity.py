"""Likely duplicates in German: the console's merge suggestions and the phone's "this is
already there" (workshops/similarity.py, workshops/console.py)."""

import re

import pytest

from tests.factories import make_forum, moderator_actor, participant_actor
from workshops.services.items import hide_item, propose_item
from workshops.services.rounds import open_round
from workshops.similarity import THRESHOLD, normalise, similarity, stem, units

# Pairs a moderator would merge: they must be suggested.
SAME = [
    ("Sprachkurse mit Kinderbetreuung", "Deutschkurs + Kita-Platz"),
    ("Mehr Kita-Plätze", "Kitaplaetze ausbauen"),
    ("Deutschkurs am Abend", "Abendsprachkurse"),
    ("Sprachkurse für Mütter", "Deutschkurse für Mütter mit Kinderbetreuung"),
    ("Dolmetscher beim Arzt", "Sprachmittler in Arztpraxen"),
    ("Bezahlbarer Wohnraum", "Bezahlbare Wohnungen für Familien"),
    ("Kinderbetreung am Abend", "Kinderbetreuung abends"),  # a typo
    ("Hausaufgabenhilfe für Grundschüler", "Hausaufgaben-Hilfe für Grundschulkinder"),
    ("ELTERNCAFÉ IN DER GRUNDSCHULE", "Elterncafés an Grundschulen"),
]

# Different proposals that share a word or a theme: they must not be suggested.
DIFFERENT = [
    ("Wohnungen für große Familien", "Sprachkurse mit Kinderbetreuung"),
    ("Sprachkurse für Senioren", "Sprachkurse für Mütter"),
    ("Sprachkurse mit Kinderbetreuung", "Mehr Kita-Plätze in der Nordstadt"),
    ("Interkulturelle Öffnung der Verwaltung", "Mehrsprachige Formulare im Bürgeramt"),
    ("Sportverein für Mädchen öffnen", "Elterncafé an Grundschulen"),
    ("Mehr Ärzte mit Sprachkenntnissen", "Mehr Lehrkräfte mit Migrationsgeschichte"),
    ("Mehr Angebote schaffen", "Mehr Angebote ausbauen"),  # nothing but filler words
]


@pytest.mark.parametrize("a, b", SAME)
def test_duplicates_are_found(a, b):
    assert similarity(a, b) >= THRESHOLD
    assert similarity(b, a) == similarity(a, b)


@pytest.mark.parametrize("a, b", DIFFERENT)
def test_different_proposals_are_not_suggested(a, b):
    assert similarity(a, b) < THRESHOLD


def test_normalise_folds_umlauts_case_and_punctuation():
    assert normalise("Kita-Plätze für Mütter!") == "kita platze fur mutter"
    assert normalise("Kitaplaetze fuer Muetter") == "kitaplatze fur mutter"
    assert normalise("Straße, STRASSE") == "strasse strasse"


def test_stem_strips_plural_and_inflection_endings():
    assert stem("sprachkurse") == stem("sprachkursen") == "sprachkurs"
    assert stem("familien") == stem("familie")
    assert stem("kita") == "kita"  # short words stay


def test_compounds_carry_their_concepts():
    assert units("Abendsprachkurs") == {"@sprachkurs", "abend"}
    assert units("Kita-Platz") == units("Kitaplatz") == {"@kinderbetreuung"}
    assert units("der die das und mit") == frozenset()


def test_empty_text_is_similar_to_nothing():
    assert similarity("", "Sprachkurse") == 0.0
    assert similarity("und mit", "und mit") == 0.0


# --- in a forum ------------------------------------------------------------------------


@pytest.fixture
def propose(forum, participant):
    field = forum.fields.first().pk

    def _propose(text, kind="need"):
        return propose_item(
            actor=participant_actor(participant), forum=forum, field=field, kind=kind, text=text
        )

    return _propose


@pytest.mark.django_db
def test_console_suggests_merging_the_newer_into_the_older(client, forum, moderator, propose):
    first = propose("Sprachkurse mit Kinderbetreuung")
    second = propose("Deutschkurs + Kita-Platz")
    third = propose("Bezahlbarer Wohnraum")
    measure = propose(
        "Deutschkurs mit Kita-Platz", kind="measure"
    )  # another kind: not merged with needs
    client.force_login(moderator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = client.get(f"/f/{forum.code}/moderate/").content.decode()
    wall = html.split('id="items"')[1]  # the item list, below the live controls
    assert (
        wall.count(
            f'name="item" value="{second.pk}"><input type="hidden" name="into" value="{first.pk}"'
        )
        == 2
    )
    assert f"Merge #{second.pk} into #{first.pk}" in wall
    assert html.count("data-suggested-merge") == 2  # the pair, once on each item
    # the live controls' newest contributions offer the same merge, on both of the pair
    newest = html.split("data-newest>")[1].split("</section>")[0]
    assert newest.count(f"Merge #{second.pk} into #{first.pk}") == 2
    for unrelated in (third, measure):
        assert f'name="item" value="{unrelated.pk}"><input type="hidden" name="into"' not in html
        assert not re.search(
            rf"Merge #{unrelated.pk} into #\d+|Merge #\d+ into #{unrelated.pk}\b", html
        )
    # one click: the suggested merge is an ordinary merge POST
    response = client.post(
        f"/f/{forum.code}/moderate/action", {"action": "merge", "item": second.pk, "into": first.pk}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == "merged" and second.merged_into_id == first.pk
    html = client.get(f"/f/{forum.code}/moderate/").content.decode()
    assert "data-suggested-merge" not in html


@pytest.mark.django_db
def test_phone_gets_similar_shown_items_only_and_the_open_support_round(
    client, forum, participant, moderator, propose
):
    kita = propose("Mehr Kita-Plätze")
    hidden = propose("Kitaplätze in der Innenstadt")
    propose("Bezahlbarer Wohnraum")
    hide_item(actor=moderator_actor(moderator), forum=forum, item=hidden.pk)
    from tests.workshops.test_views import join

    join(client, forum, name="Ayşe")
    data = client.get(f"/f/{forum.code}/similar", {"text": "Kitaplaetze ausbauen"}).json()
    assert [i["id"] for i in data["items"]] == [kita.pk]
    assert (
        data["items"][0]["support_round"] is None and data["items"][0]["text"] == "Mehr Kita-Plätze"
    )
    round_ = open_round(
        actor=moderator_actor(moderator), forum=forum, method="support", items=[kita.pk]
    )
    data = client.get(f"/f/{forum.code}/similar", {"text": "Kitaplaetze ausbauen"}).json()
    assert data["items"][0]["support_round"] == round_.pk
    # a kind filter, short text and nothing similar give nothing
    assert client.get(
        f"/f/{forum.code}/similar", {"text": "Kitaplaetze ausbauen", "kind": "goal"}
    ).json() == {"items": []}
    assert client.get(f"/f/{forum.code}/similar", {"text": "Kita"}).json() == {"items": []}
    assert client.get(f"/f/{forum.code}/similar", {"text": "Sportverein für Mädchen"}).json() == {
        "items": []
    }


@pytest.mark.django_db
def test_similar_is_for_people_of_the_conference_only(client, forum, propose):
    propose("Mehr Kita-Plätze")
    response = client.get(f"/f/{forum.code}/similar", {"text": "Mehr Kita-Plätze"})
    # the same answer as for a code that names no forum (workshops/page_access.py: refuse_code)
    unknown = client.get("/f/ZZZZZZ/similar", {"text": "Kita"})
    assert response.status_code == unknown.status_code == 404
    assert response.content == unknown.content
    from tests.workshops.test_views import join

    join(client, make_forum(), name="Gast")  # a participant of another conference
    response = client.get(f"/f/{forum.code}/similar", {"text": "Mehr Kita-Plätze"})
    assert response.status_code == 404 and "items" not in response.json()
