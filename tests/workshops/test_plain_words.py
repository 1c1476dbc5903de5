"""The propose form in plain words (workshops/wording.py): each kind with a question, an
example and an icon, no planning fields for participants; and Leichte Sprache for German
readers, switched by a plain POST kept in the session (workshops/languages.py)."""

import re

import pytest
from django.test import Client

from tests.factories import make_conference, make_forum, make_participant
from workshops.identity import remember_participant
from workshops.wording import EASY_SESSION_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def forum():
    return make_forum(make_conference())


def phone_client(forum, language="de"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    session = client.session
    remember_participant(session, make_participant(forum.conference))
    session.save()
    return client


def kind_labels(html) -> dict:
    found = re.findall(
        r'<label class="choice kind-choice kind-(\w+)">(.*?)</label>', html, flags=re.S
    )
    return {kind: " ".join(re.sub(r"<[^>]+>", " ", body).split()) for kind, body in found}


def test_each_kind_says_what_it_is_with_a_question_an_example_and_an_icon(forum):
    html = phone_client(forum).get(f"/f/{forum.code}/").content.decode()
    assert kind_labels(html) == {
        "need": "Bedarf – Was fehlt? z. B. „Es gibt zu wenige Sprachkurse am Abend“",
        "goal": "Ziel – Was wollen wir erreichen? z. B. „Wer arbeitet, kann abends Deutsch lernen“",
        "measure": "Maßnahme – Was tun wir konkret? "
        "z. B. „Die Volkshochschule bietet zwei Abendkurse an“",
    }
    assert html.count('class="icon kind-icon"') == 3
    assert re.search(r'<svg class="icon kind-icon"[^>]*aria-hidden="true"', html)
    # the names and values the form sends stay as they were
    assert re.findall(r'name="kind" value="(\w+)"', html) == ["need", "goal", "measure"]


@pytest.mark.parametrize("name", ["lead", "partners", "timeframe", "resources", "indicator"])
def test_the_phone_does_not_ask_participants_for_planning_fields(forum, name):
    html = phone_client(forum).get(f"/f/{forum.code}/").content.decode()
    assert f'name="{name}"' not in html and "data-measure-details" not in html


def test_the_questions_speak_the_phones_language(forum):
    html = phone_client(forum, "tr").get(f"/f/{forum.code}/").content.decode()
    assert kind_labels(html)["need"].startswith("İhtiyaç – Ne eksik?")
    assert "data-easy-switch" not in html  # Leichte Sprache is German


def test_leichte_sprache_is_a_plain_post_kept_in_the_session(forum):
    client = phone_client(forum)
    page = f"/f/{forum.code}/"
    html = client.get(page).content.decode()
    assert 'aria-pressed="false" data-easy-button>Leichte Sprache</button>' in html
    assert "So geht es" not in html
    response = client.post("/i18n/easy/", {"easy": "1", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert client.session[EASY_SESSION_KEY] is True
    html = client.get(page).content.decode()
    assert 'aria-pressed="true" data-easy-button>Leichte Sprache</button>' in html
    assert "So geht es" in html and "Wählen Sie ein Thema." in html
    assert kind_labels(html)["need"] == (
        "Bedarf – Was fehlt? Was ist hier ein Problem? "
        "Zum Beispiel: Es gibt wenig Sprach-Kurse am Abend."
    )
    assert '<label for="propose-text" data-wording="text-label">Ihre Idee</label>' in html
    # in another language the choice rests: the page speaks that language plainly
    client.post("/i18n/setlang/", {"language": "tr", "next": page})
    assert "Wählen Sie" not in client.get(page).content.decode()
    client.post("/i18n/setlang/", {"language": "de", "next": page})
    client.post("/i18n/easy/", {"easy": "0", "next": page})
    assert EASY_SESSION_KEY not in client.session
    assert "So geht es" not in client.get(page).content.decode()


def test_the_easy_switch_refuses_foreign_targets_and_gets(forum):
    client = Client()
    response = client.post("/i18n/easy/", {"easy": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert client.get("/i18n/easy/").status_code == 405
