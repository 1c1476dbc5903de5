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


# --- the pages and the documents ---------------------------------------------------------


def _phone(client, forum, name, language):
    client.post(f"/j/{forum.code}", {"name": name, "language": language})
    return client


def _ayse_client(client, world):
    """Ayşe's phone: the participant who proposed the item, in Turkish."""
    from workshops.identity import remember_participant

    session = client.session
    remember_participant(session, world["ayse"].participant)
    session.save()
    from workshops.languages import remember_language

    session = client.session
    remember_language(session, "tr")
    session.save()
    return client


def test_the_author_adds_a_german_version_from_the_phone_and_the_german_wall_shows_it(
    client, django_user_model, world
):
    from django.test import Client

    forum, item = world["forum"], world["item"]
    ayse = _ayse_client(client, world)
    page = ayse.get(f"/f/{forum.code}/").content.decode()
    own = page.split(f'id="item-{item.pk}"', 1)[1].split("</li>", 1)[0]
    assert "Çeviri ekle" in own  # "Add a translation", in her language
    response = ayse.post(
        f"/f/{forum.code}/translate", {"item": item.pk, "language": "de", "translation": GERMAN}
    )
    assert response.status_code == 302
    assert Item.objects.get(pk=item.pk).versions == {"de": GERMAN}

    reader = _phone(Client(), forum, "Ben", "de")
    wall = reader.get(f"/f/{forum.code}/").content.decode()
    line = wall.split(f'id="item-{item.pk}"', 1)[1].split("</li>", 1)[0]
    assert TURKISH in line and f'Deutsch:</span> <bdi dir="auto">{GERMAN}' in line
    assert "Übersetzung hinzufügen" not in line  # not his proposal
    refused = reader.post(
        f"/f/{forum.code}/translate", {"item": item.pk, "language": "de", "translation": "Anders"}
    )
    assert refused.status_code == 400
    assert "Nur die Person, die dies vorgeschlagen hat" in refused.content.decode()
    assert Item.objects.get(pk=item.pk).versions == {"de": GERMAN}


def test_a_reader_sees_the_version_in_their_own_language_too(client, world):
    item = world["item"]
    set_item_version(actor=world["mod"], item=item, language="de", text=GERMAN)
    set_item_version(actor=world["mod"], item=item, language="ar", text="دورات لغة للأمهات")
    arabic = _phone(client, world["forum"], "Samira", "ar")
    line = arabic.get(f"/f/{world['forum'].code}/").content.decode()
    line = line.split(f'id="item-{item.pk}"', 1)[1].split("</li>", 1)[0]
    assert GERMAN in line and "دورات لغة للأمهات" in line and 'lang="ar"' in line


def test_the_console_translates_any_item_and_the_ballot_shows_the_german_version(client, world):
    from workshops.services.rounds import open_round

    forum, item = world["forum"], world["item"]
    client.force_login(world["mod"].user)
    console = client.get(f"/f/{forum.code}/moderate/").content.decode()
    assert "Übersetzung hinzufügen" in console
    client.post(
        f"/f/{forum.code}/moderate/action",
        {"action": "translate", "item": item.pk, "language": "de", "translation": GERMAN},
    )
    assert Item.objects.get(pk=item.pk).versions == {"de": GERMAN}
    open_round(actor=world["mod"], forum=forum, method="support", items=[item.pk])
    client.logout()
    page = _phone(client, forum, "Ben", "de").get(f"/f/{forum.code}/").content.decode()
    line = page.split(f'data-option="{item.pk}"', 1)[1].split("</li>", 1)[0]
    assert TURKISH in line and "Deutsch:" in line and GERMAN in line


def test_an_interpreter_translates_on_the_phone_page(client, world):
    forum, item = world["forum"], world["item"]
    client.force_login(world["interpreter"].user)
    _phone(client, forum, "Dolmetscherin", "de")
    page = client.get(f"/f/{forum.code}/").content.decode()
    line = page.split(f'id="item-{item.pk}"', 1)[1].split("</li>", 1)[0]
    assert "Übersetzung hinzufügen" in line
    client.post(
        f"/f/{forum.code}/translate", {"item": item.pk, "language": "de", "translation": GERMAN}
    )
    assert Item.objects.get(pk=item.pk).versions == {"de": GERMAN}


def test_forum_and_action_field_titles_in_the_readers_language(client, world):
    forum = world["forum"]
    forum.titles = {"tr": "Dil ve Eğitim Forumu"}
    forum.save(update_fields=["titles"])
    field = forum.fields.order_by("position", "id").first()
    field.titles = {"tr": "Eğitim ve Dil"}
    field.save(update_fields=["titles"])
    turkish = _ayse_client(client, world).get(f"/f/{forum.code}/").content.decode()
    assert "<h1><bdi>Dil ve Eğitim Forumu</bdi></h1>" in turkish and "Eğitim ve Dil" in turkish
    from django.test import Client

    german = _phone(Client(), forum, "Ben", "de").get(f"/f/{forum.code}/").content.decode()
    assert f"<h1><bdi>{forum.title}</bdi></h1>" in german and "Eğitim ve Dil" not in german


def _adopted_measure(world, text, language_actor="ayse"):
    from workshops.services.items import adopt_item

    forum = world["forum"]
    field = forum.fields.order_by("position", "id").first()
    measure = propose_item(
        actor=world[language_actor], forum=forum, field=field.pk, kind="measure", text=text
    )
    adopt_item(actor=world["mod"], forum=forum, item=measure.pk, adopted=True)
    return measure


def test_the_documents_carry_the_original_and_the_german_version(client, world):
    import io
    import json

    import docx
    import pypdf

    from workshops.services.measures import publish_results

    measure = _adopted_measure(world, "Mahallede dil kafeleri açmak")
    set_item_version(
        actor=world["mod"], item=measure, language="de", text="Sprachcafés im Quartier eröffnen"
    )
    set_item_version(actor=world["mod"], item=world["item"], language="de", text=GERMAN)
    publish_results(actor=world["mod"], conference=world["conference"])
    base = f"/c/{world['conference'].slug}/export"
    report = json.loads(client.get(f"{base}/documentation.json").content)
    entry = report["fields"][0]["measures"][0]
    assert entry["text"] == "Mahallede dil kafeleri açmak" and entry["language"] == "tr"
    assert entry["german"] == "Sprachcafés im Quartier eröffnen"
    assert entry["versions"] == {"de": "Sprachcafés im Quartier eröffnen"}
    need = report["fields"][0]["needs"][0]
    assert (need["text"], need["german"]) == (TURKISH, GERMAN)

    document = docx.Document(io.BytesIO(client.get(f"{base}/documentation.docx").content))
    text = "\n".join(p.text for p in document.paragraphs).replace("\u2068", "")
    text = text.replace("\u2069", "")
    assert "Mahallede dil kafeleri açmak" in text
    assert (
        f"#{measure.pk} Mahallede dil kafeleri açmak\nDeutsch: Sprachcafés im Quartier eröffnen"
        in text
    )
    # the forums' work: the need with its number, its German version beneath
    assert f"#{world['item'].pk} {TURKISH}\nDeutsch: {GERMAN}" in text

    pdf = pypdf.PdfReader(io.BytesIO(client.get(f"{base}/measures.pdf").content))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)
    assert "Mahallede dil kafeleri açmak" in text
    assert "Sprachcafés im Quartier eröffnen" in text

    csv_text = client.get(f"{base}/measures.csv").content.decode("utf-8-sig")
    header = csv_text.splitlines()[0].split(";")
    assert header[-1] == "Deutsche Fassung"
    assert "Sprachcafés im Quartier eröffnen" in csv_text


def test_the_exports_page_warns_of_adopted_measures_without_german(client, world):
    untranslated = _adopted_measure(world, "Mahallede dil kafeleri açmak")
    _adopted_measure(world, "Mehr Sprachkurse am Abend", language_actor="ben")
    client.force_login(world["mod"].user)
    page = client.get(f"/c/{world['conference'].slug}/export/").content.decode()
    assert "1 verabschiedete Maßnahme hat noch keine deutsche Fassung" in page
    warning = page.split("data-without-german", 1)[1].split("</div>", 1)[0]
    assert f"#{untranslated.pk}" in warning and "Mehr Sprachkurse" not in warning
    set_item_version(actor=world["mod"], item=untranslated, language="de", text="Sprachcafés")
    page = client.get(f"/c/{world['conference'].slug}/export/").content.decode()
    assert "data-without-german" not in page


def test_the_conference_file_gives_titles_in_other_languages():
    import tomllib
    from pathlib import Path

    from workshops.models import ActionField, Forum
    from workshops.services.setup import load_conference

    example = Path(__file__).resolve().parents[2] / "docs" / "conference.example.toml"
    data = tomllib.loads(example.read_text())
    data["forums"][0]["titles"] = {"tr": "Dil kapıları açar"}
    conference = load_conference(data=data)
    health = ActionField.objects.get(conference=conference, title="Gesundheit")
    assert health.titles["tr"] == "Sağlık" and health.titles["ar"] == "الصحة"
    forum = Forum.objects.get(conference=conference, title=data["forums"][0]["title"])
    assert forum.titles == {"tr": "Dil kapıları açar"}

    data["conference"]["slug"] = "andere"
    data["forums"] = [{**data["forums"][1], "titles": {"xx": "?"}, "code": None}]
    data["forums"][0].pop("code")
    with pytest.raises(ServiceError) as refused:
        load_conference(data=data)
    assert "forums[0].titles: unknown language 'xx'" in str(refused.value.message)


def test_the_status_page_shows_an_adopted_measures_german_version(client, world):
    from workshops.services.measures import publish_results

    measure = _adopted_measure(world, "Mahallede dil kafeleri açmak")
    set_item_version(actor=world["mod"], item=measure, language="de", text="Sprachcafés")
    publish_results(actor=world["mod"], conference=world["conference"])
    page = client.get(f"/c/{world['conference'].slug}/measures/").content.decode()
    article = page.split(f'id="measure-{measure.pk}"', 1)[1].split("</article>", 1)[0]
    assert "Mahallede dil kafeleri açmak" in article
    assert 'Deutsch:</span> <bdi dir="auto">Sprachcafés</bdi>' in article


def test_the_admin_takes_titles_by_known_language_only(admin_client, world):
    forum = world["forum"]
    field = forum.fields.order_by("position", "id").first()
    url = f"/admin/workshops/actionfield/{field.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200 and 'name="titles"' in page.content.decode()
    form = {
        "conference": field.conference_id,
        "position": field.position,
        "title": field.title,
        "description": "",
        "titles": '{"xx": "?"}',
        "guiding_goals-TOTAL_FORMS": "0",
        "guiding_goals-INITIAL_FORMS": "0",
    }
    refused = admin_client.post(url, form)
    assert refused.status_code == 200 and "Sprachkürzel" in refused.content.decode()
    admin_client.post(url, {**form, "titles": '{"tr": " Eğitim ve Dil "}'})
    field.refresh_from_db()
    assert field.titles == {"tr": "Eğitim ve Dil"}


def test_no_template_note_shows_on_the_pages(client, world):
    """A one-line template comment cannot span lines: the notes are block comments, so
    none of them reaches a page (on an own item, or in the console)."""
    page = _ayse_client(client, world).get(f"/f/{world['forum'].code}/").content.decode()
    assert "{#" not in page and "#}" not in page
    client.force_login(world["mod"].user)
    console = client.get(f"/f/{world['forum'].code}/moderate/").content.decode()
    assert "{#" not in console and "#}" not in console
