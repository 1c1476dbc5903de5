"""User text is cleaned in one place (workshops.text.clean_user_text) and every service
that stores what people type uses it."""

import pytest

from tests.factories import moderator_actor, participant_actor
from workshops.models import AnalogCount, Item, Participant
from workshops.services.items import edit_item, propose_item
from workshops.services.participants import join_conference
from workshops.text import clean_user_text

RLO, LRO, PDF, LRI, RLI, FSI, PDI = (
    "\u202e",
    "\u202d",
    "\u202c",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
)
ZWSP, WJ, BOM, ZWNJ, ZWJ = "\u200b", "\u2060", "\ufeff", "\u200c", "\u200d"


@pytest.mark.parametrize(
    "raw,clean",
    [
        (f"Sprach{RLO}kurse{PDF}", "Sprachkurse"),
        (f"{LRI}a{PDI} {RLI}b{PDI} {FSI}c{PDI} {LRO}d{PDF}", "a b c d"),
        (f"un{ZWSP}sicht{WJ}bar{BOM}", "unsichtbar"),
        ("Null\x00Byte\x07Glocke\x1bEsc\x7fDel", "NullByteGlockeEscDel"),
        ("  viel   Platz\t hier  ", "viel Platz hier"),
        ("Zeile 1\nZeile 2\r\nZeile 3", "Zeile 1 Zeile 2 Zeile 3"),
        ("\u3164\u115f", ""),  # Hangul fillers: an "invisible name"
        ("lone \ud800 surrogate", "lone surrogate"),
        ("Cafe\u0301", "Café"),  # NFC
    ],
)
def test_single_line_text_loses_controls_bidi_overrides_and_invisibles(raw, clean):
    assert clean_user_text(raw) == clean


def test_scripts_keep_what_they_need():
    persian = f"می{ZWNJ}خواهم"  # the non-joiner is part of the spelling
    family = f"👩{ZWJ}👩{ZWJ}👧"
    arabic = "\u200fمرحبا\u200e"  # RLM/LRM only nudge neutral characters: they stay
    for text in (persian, family, arabic, "Ayşe Öztürk", "Олена", "ליאת"):
        assert clean_user_text(text) == text


def test_multi_line_text_keeps_line_breaks_and_one_empty_line_at_most():
    raw = f"Erste Zeile  \r\nZweite{RLO} Zeile\u2028Dritte\n\n\n\n\nNach Pause\t!\n\n"
    assert (
        clean_user_text(raw, multiline=True) == "Erste Zeile\nZweite Zeile\nDritte\n\nNach Pause !"
    )


@pytest.mark.django_db
def test_every_service_that_stores_user_text_cleans_it(forum, participant, moderator):
    field = forum.fields.first()
    item = propose_item(
        actor=participant_actor(participant),
        forum=forum,
        field=field.pk,
        kind="need",
        text=f"{RLO}Mehr{ZWSP} Kitaplätze{PDF}\n\x00Bitte",
    )
    assert Item.objects.get(pk=item.pk).text == "Mehr Kitaplätze\nBitte"
    edit_item(
        actor=moderator_actor(moderator), forum=forum, item=item.pk, text=f"Mehr{LRO} Kitas{PDF}"
    )
    assert Item.objects.get(pk=item.pk).text == "Mehr Kitas"
    person = join_conference(conference=forum.conference, name=f"{RLO}Ayşe{PDF}{ZWSP}\n K.")
    assert Participant.objects.get(pk=person.pk).display_name == "Ayşe K."


@pytest.mark.django_db
def test_text_of_only_invisible_characters_counts_as_empty(forum, participant):
    from workshops.exceptions import ServiceError

    with pytest.raises(ServiceError) as refused:
        propose_item(
            actor=participant_actor(participant),
            forum=forum,
            field=forum.fields.first().pk,
            kind="need",
            text=f"{ZWSP}{RLO}{PDF}\u3164 \n",
        )
    assert refused.value.field == "text"


@pytest.mark.django_db
def test_a_paper_count_note_is_cleaned(forum, moderator, participant):
    from workshops.services.rounds import add_analog_count, open_round

    field = forum.fields.first()
    item = propose_item(
        actor=participant_actor(participant), forum=forum, field=field.pk, kind="measure", text="M"
    )
    mod = moderator_actor(moderator)
    round_ = open_round(actor=mod, forum=forum, method="support")
    add_analog_count(
        actor=mod, forum=forum, round=round_.pk, item=item.pk, count=3, note=f"Tisch{RLO} 4{PDF}"
    )
    assert AnalogCount.objects.get().note == "Tisch 4"


@pytest.mark.django_db
def test_user_text_is_isolated_wherever_a_page_shows_it(forum):
    from django.test import Client

    from tests.factories import make_moderator
    from workshops.services.rounds import open_round

    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.post(f"/j/{forum.code}", {"name": "ليلى"})
    client.post(
        f"/f/{forum.code}/propose",
        {"field": forum.fields.first().pk, "kind": "measure", "text": "مقهى لغوي"},
    )
    open_round(
        actor=moderator_actor(make_moderator(forum.conference)), forum=forum, method="support"
    )
    html = client.get(f"/f/{forum.code}/").content.decode()
    assert "Sie nehmen teil als <bdi>ليلى</bdi>." in html
    assert '<p class="item-text" dir="auto">مقهى لغوي</p>' in html  # on the wall and on the ballot
    assert html.count('dir="auto">مقهى لغوي') == 2
    assert '<bdi class="item-author">ليلى</bdi>' in html
    assert 'id="propose-text" name="text" dir="auto"' in html
