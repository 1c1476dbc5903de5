"""The organiser's pages: who may open them (organiser of this or another conference,
superuser, moderator of the conference or of one forum, participant, stranger), each
step through its forms with the refusals shown on the page, the conference file in and
out, and an invitation from the organiser's form to the moderator's console."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_conference, make_field, make_forum, make_moderator
from tests.workshops.organisers import make_organiser
from workshops.models import AuditEntry, Conference, Forum, GuidingGoal, Invitation

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """A browser that asks for English (the source texts the assertions quote); German
    is checked on its own (test_the_pages_speak_german)."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


HOME_PAGES = ["workshops:organise", "workshops:organise_new", "workshops:organise_import"]
CONFERENCE_PAGES = [
    "workshops:organise_details",
    "workshops:organise_fields",
    "workshops:organise_forums",
    "workshops:organise_moderators",
    "workshops:organise_copy",
    "workshops:organise_export",
]


@pytest.fixture
def scene():
    conference = make_conference(slug="ik-musterstadt", title="IK Musterstadt")
    other = make_conference(slug="ik-nachbarstadt", title="IK Nachbarstadt")
    forum = make_forum(conference, title="Fachforum 2")
    users = get_user_model().objects
    forum_moderator = users.create_user("forum-moderation")
    forum.moderators.add(forum_moderator)
    return {
        "conference": conference,
        "other": other,
        "forum": forum,
        "organiser": make_organiser(conference, username="integrationsbuero"),
        "other_organiser": make_organiser(other, username="nachbar"),
        "superuser": users.create_superuser("admin"),
        "moderator": make_moderator(conference, username="moderation"),
        "forum_moderator": forum_moderator,
    }


def _client_as(client, scene, role):
    if role == "participant":
        client.post(
            reverse("workshops:join", args=[scene["forum"].code]), {"name": "Ayşe"}, follow=True
        )
    elif role != "stranger":
        client.force_login(scene[role])
    return client


# role → (home pages, this conference's pages)
MATRIX = {
    "organiser": (200, 200),
    "other_organiser": (200, 403),
    "superuser": (200, 200),
    "moderator": (403, 403),
    "forum_moderator": (403, 403),
    "participant": ("login", "login"),
    "stranger": ("login", "login"),
}


@pytest.mark.parametrize("role", list(MATRIX))
def test_who_may_open_the_organiser_pages(client, scene, role):
    _client_as(client, scene, role)
    home_expected, conference_expected = MATRIX[role]
    pages = [(name, [], home_expected) for name in HOME_PAGES] + [
        (name, [scene["conference"].slug], conference_expected) for name in CONFERENCE_PAGES
    ]
    for name, args, expected in pages:
        response = client.get(reverse(name, args=args))
        if expected == "login":
            assert response.status_code == 302, name
            assert response["Location"].startswith("/accounts/login/"), name
        else:
            assert response.status_code == expected, name
        if expected == 403:
            text = response.content.decode()
            if role == "other_organiser":
                assert "You do not organise this conference" in text
            else:
                assert "Only the city's organisers" in text


def test_an_organiser_cannot_change_another_citys_conference(client, scene):
    client.force_login(scene["other_organiser"])
    conference = scene["conference"]
    response = client.post(
        reverse("workshops:organise_fields", args=[conference.slug]),
        {"action": "add_field", "new-title": "Eingeschleust"},
    )
    assert response.status_code == 403
    assert not conference.fields.filter(title="Eingeschleust").exists()


def test_the_home_lists_only_the_organisers_conferences_with_their_state(client, scene):
    conference = scene["conference"]
    conference.date = timezone.localdate() + datetime.timedelta(days=30)
    conference.save()
    client.force_login(scene["organiser"])
    text = client.get(reverse("workshops:organise")).content.decode()
    assert "IK Musterstadt" in text and "IK Nachbarstadt" not in text
    assert "in preparation" in text and "New conference" in text
    client.force_login(scene["superuser"])
    text = client.get(reverse("workshops:organise")).content.decode()
    assert "IK Musterstadt" in text and "IK Nachbarstadt" in text


def test_the_pages_speak_german(client, scene):
    client.force_login(scene["organiser"])
    response = client.get(
        reverse("workshops:organise_forums", args=[scene["conference"].slug]),
        HTTP_ACCEPT_LANGUAGE="de",
    )
    text = response.content.decode()
    assert "Neues Forum" in text and "Beginn" in text and "Zugangscode" in text


# The steps.


def test_a_new_conference_from_the_form(client, scene):
    client.force_login(scene["organiser"])
    response = client.post(
        reverse("workshops:organise_new"),
        {
            "title": "5. Integrationskonferenz",
            "slug": "ik-2027",
            "date": "2027-05-08",
            "venue": "Rathaus",
            "languages": ["de", "tr"],
            "stakeholder_groups": "Verwaltung\n\nMigrantenorganisation\n",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("workshops:organise_fields", args=["ik-2027"])
    conference = Conference.objects.get(slug="ik-2027")
    assert conference.languages == ["de", "tr"]
    assert conference.stakeholder_groups == ["Verwaltung", "Migrantenorganisation"]
    assert list(conference.organisers.all()) == [scene["organiser"]]


def test_a_taken_short_name_is_shown_next_to_the_field(client, scene):
    client.force_login(scene["organiser"])
    response = client.post(
        reverse("workshops:organise_new"),
        {"title": "Doppelt", "slug": "ik-musterstadt", "languages": ["de"]},
    )
    assert response.status_code == 200
    assert "The short name ik-musterstadt is taken" in response.content.decode()
    assert Conference.objects.count() == 2


def test_details_are_saved(client, scene):
    client.force_login(scene["organiser"])
    conference = scene["conference"]
    url = reverse("workshops:organise_details", args=[conference.slug])
    response = client.post(
        url,
        {"title": "IK Musterstadt 2027", "motto": "Vielfalt", "languages": ["de", "en", "ar"]},
        follow=True,
    )
    assert "The details are saved." in response.content.decode()
    conference.refresh_from_db()
    assert conference.title == "IK Musterstadt 2027" and conference.languages == ["de", "en", "ar"]


def test_action_fields_and_goals_on_their_page(client, scene):
    client.force_login(scene["organiser"])
    conference = scene["conference"]
    url = reverse("workshops:organise_fields", args=[conference.slug])
    client.post(
        url, {"action": "add_field", "new-title": "Gesundheit", "new-description": "Zugang"}
    )
    health = conference.fields.get(title="Gesundheit")
    client.post(url, {"action": "field_up", "id": health.pk})
    assert list(conference.fields.order_by("position").values_list("title", flat=True))[-2:] == [
        "Gesundheit",
        "Wohnen",
    ]
    client.post(
        url, {"action": "add_goal", "id": health.pk, f"goal-{health.pk}-title": "Versorgung"}
    )
    goal = GuidingGoal.objects.get(field=health)
    client.post(
        url, {"action": "add_sub_goal", "id": goal.pk, f"sub-{goal.pk}-title": "Dolmetschen"}
    )
    text = client.get(url).content.decode()
    assert "Guiding goal 1" in text and "Versorgung" in text and "Dolmetschen" in text
    # the same title again: the message on the page, nothing added
    response = client.post(url, {"action": "add_field", "new-title": "Gesundheit"}, follow=True)
    assert "The action field Gesundheit exists already." in response.content.decode()
    assert conference.fields.filter(title="Gesundheit").count() == 1


def _forum_post(conference, **values):
    data = {
        "action": "save_forum",
        "new-title": "Fachforum 3",
        "new-kind": "workshop",
        "new-fields": [str(f.pk) for f in conference.fields.all()[:1]],
        "new-room": "Raum 2.14",
        "new-starts_at": "14:00",
        "new-ends_at": "15:30",
        "new-code": "",
    }
    data.update({f"new-{key}": value for key, value in values.items()})
    return data


def test_a_forum_is_added_and_its_code_shown(client, scene):
    client.force_login(scene["organiser"])
    conference = scene["conference"]
    url = reverse("workshops:organise_forums", args=[conference.slug])
    response = client.post(url, _forum_post(conference), follow=True)
    forum = conference.forums.get(title="Fachforum 3")
    assert (forum.room, forum.starts_at, forum.ends_at) == (
        "Raum 2.14",
        datetime.time(14, 0),
        datetime.time(15, 30),
    )
    text = response.content.decode()
    assert f"its join code is {forum.code}" in text and "14:00–15:30" in text


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"code": "TAKEN2"}, "The join code TAKEN2 belongs to another forum"),
        ({"fields": []}, "Choose at least one action field of this conference."),
        ({"starts_at": "15:30", "ends_at": "14:00"}, "The forum ends at 14:00, before it starts"),
        ({"starts_at": "25:00"}, "Enter a valid time."),
    ],
)
def test_bad_forums_get_a_message_and_change_nothing(client, scene, values, message):
    make_forum(scene["other"], code="TAKEN2")
    client.force_login(scene["organiser"])
    conference = scene["conference"]
    before = Forum.objects.count()
    response = client.post(
        reverse("workshops:organise_forums", args=[conference.slug]),
        _forum_post(conference, **values),
    )
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert Forum.objects.count() == before


def test_two_forums_cannot_share_a_code(client, scene):
    client.force_login(scene["organiser"])
    conference = scene["conference"]
    first = scene["forum"]
    response = client.post(
        reverse("workshops:organise_forums", args=[conference.slug]),
        _forum_post(conference, code=first.code.lower()),
    )
    assert f"The join code {first.code} belongs to another forum" in response.content.decode()
    assert not conference.forums.filter(title="Fachforum 3").exists()


# The conference file.


def test_the_downloaded_file_imports_back_equal(client, scene):
    conference = scene["conference"]
    forum = scene["forum"]
    forum.room, forum.starts_at, forum.ends_at = "Aula", datetime.time(9), datetime.time(12)
    forum.save()
    GuidingGoal.objects.create(field=forum.fields.first(), title="Gleiche Chancen")
    client.force_login(scene["organiser"])
    response = client.get(reverse("workshops:organise_export", args=[conference.slug]))
    assert response["Content-Disposition"] == 'attachment; filename="ik-musterstadt.toml"'
    text = response.content.decode()
    conference.delete()
    upload = SimpleUploadedFile("ik.toml", text.encode(), content_type="application/toml")
    response = client.post(reverse("workshops:organise_import"), {"file": upload})
    assert response.status_code == 302
    loaded = Conference.objects.get(slug="ik-musterstadt")
    assert scene["organiser"] in loaded.organisers.all()
    again = client.get(reverse("workshops:organise_export", args=[loaded.slug]))
    assert again.content.decode() == text


def test_a_broken_upload_says_why_and_creates_nothing(client, scene):
    client.force_login(scene["organiser"])
    bad = b'[conference]\ntitle = "Kaputt"\n[[fields]]\ntitle = "A"\n[[forums]]\ntitle = "F"\n'
    response = client.post(
        reverse("workshops:organise_import"), {"file": SimpleUploadedFile("k.toml", bad)}
    )
    text = response.content.decode()
    assert "nothing was created" in text and "forums[0].fields" in text
    response = client.post(
        reverse("workshops:organise_import"), {"file": SimpleUploadedFile("k.toml", b"[[[")}
    )
    assert "not valid TOML" in response.content.decode()
    assert not Conference.objects.filter(title="Kaputt").exists()


def test_a_copy_from_its_page(client, scene):
    client.force_login(scene["organiser"])
    conference = scene["conference"]
    response = client.post(
        reverse("workshops:organise_copy", args=[conference.slug]),
        {"title": "IK Musterstadt 2028", "slug": "ik-2028", "date": "2028-11-18"},
    )
    assert response["Location"] == reverse("workshops:organise_details", args=["ik-2028"])
    copy = Conference.objects.get(slug="ik-2028")
    assert copy.previous == conference
    assert copy.forums.get().code != scene["forum"].code


# Invitations.


def _invite(client, conference, forum, email="lea@beispiel.example"):
    return client.post(
        reverse("workshops:organise_moderators", args=[conference.slug]),
        {"action": "invite", "name": "Lea Yılmaz", "email": email, "forums": [forum.pk]},
    )


def test_an_invited_moderator_sets_a_password_logs_in_and_runs_their_forum(
    client, scene, django_capture_on_commit_callbacks
):
    conference = scene["conference"]
    forum = scene["forum"]
    other_forum = make_forum(conference, title="Fachforum 3", fields=list(forum.fields.all()))
    client.force_login(scene["organiser"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, conference, forum)
    page = response.content.decode()
    [message] = mail.outbox
    link = re.search(r"http://testserver(/invitation/[^/\s]+/)", message.body).group(1)
    assert link in page  # shown to copy as well
    client.logout()

    response = client.get(link)
    assert "Welcome, Lea Yılmaz" in response.content.decode()
    assert "Fachforum 2" in response.content.decode()
    # Django's password validators: too short, then two different passwords
    response = client.post(link, {"password1": "kurz", "password2": "kurz"})
    assert "This password is too short" in response.content.decode()
    response = client.post(
        link, {"password1": "Sonnenblume-Rathaus-7", "password2": "Sonnenblume-Rathaus-8"}
    )
    assert "The two passwords differ." in response.content.decode()
    assert not get_user_model().objects.filter(email="lea@beispiel.example").exists()
    response = client.post(
        link, {"password1": "Sonnenblume-Rathaus-7", "password2": "Sonnenblume-Rathaus-7"}
    )
    assert response["Location"] == reverse("workshops:moderate", args=[forum.code])
    client.logout()

    response = client.post(
        reverse("login"),
        {"username": "lea@beispiel.example", "password": "Sonnenblume-Rathaus-7"},
    )
    assert response.status_code == 302
    console = client.get(reverse("workshops:moderate", args=[forum.code]))
    assert console.status_code == 200 and "Fachforum 2" in console.content.decode()
    assert client.get(reverse("workshops:moderate", args=[other_forum.code])).status_code == 403
    assert client.get(reverse("workshops:organise")).status_code == 403

    # the link worked once
    response = client.get(link)
    assert response.status_code == 410
    assert "has been used already" in response.content.decode()
    assert AuditEntry.objects.filter(action="conference.invitation.accepted").exists()


def test_a_second_invitation_to_the_same_address_is_refused_on_the_page(client, scene):
    client.force_login(scene["organiser"])
    conference, forum = scene["conference"], scene["forum"]
    _invite(client, conference, forum)
    response = _invite(client, conference, forum)
    assert "has been invited already" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_an_expired_link_says_so(client, scene):
    client.force_login(scene["organiser"])
    response = _invite(client, scene["conference"], scene["forum"])
    link = re.search(r'value="http://testserver(/invitation/[^"]+)"', response.content.decode())
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(days=1))
    client.logout()
    response = client.get(link.group(1))
    assert response.status_code == 410
    assert "This invitation has expired" in response.content.decode()
    response = client.post(
        link.group(1), {"password1": "Sonnenblume-Rathaus-7", "password2": "Sonnenblume-Rathaus-7"}
    )
    assert response.status_code == 410
    assert not get_user_model().objects.filter(email="lea@beispiel.example").exists()
    assert client.get("/invitation/erfunden/").status_code == 404


def test_no_shared_password_on_the_organiser_pages(client, scene):
    from workshops.services.setup import DEMO_MODERATOR, seed_demo

    seed_demo()
    client.force_login(scene["superuser"])
    demo = Conference.objects.get(slug="integrationskonferenz-beispielstadt")
    for name in CONFERENCE_PAGES:
        text = client.get(reverse(name, args=[demo.slug])).content.decode()
        assert DEMO_MODERATOR["password"] not in text, name
    # a copy of the demo does not carry its moderators (nor the demo login)
    client.post(
        reverse("workshops:organise_copy", args=[demo.slug]),
        {"title": "Meine Konferenz", "slug": "meine"},
    )
    assert not Conference.objects.get(slug="meine").moderators.exists()


def test_make_organiser_grants_the_pages(client, scene):
    from django.core.management import call_command

    user = get_user_model().objects.create_user("kollegin")
    client.force_login(user)
    assert client.get(reverse("workshops:organise")).status_code == 403
    call_command("make_organiser", "kollegin", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert client.get(reverse("workshops:organise")).status_code == 200
    call_command("make_organiser", "kollegin", "--remove", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert client.get(reverse("workshops:organise")).status_code == 403


def test_field_helpers_of_another_conference_are_not_offered(client, scene):
    make_field(scene["other"], "Fremdes Feld")
    client.force_login(scene["organiser"])
    text = client.get(
        reverse("workshops:organise_forums", args=[scene["conference"].slug])
    ).content.decode()
    assert "Fremdes Feld" not in text


def test_guessing_an_existing_accounts_password_on_the_invitation_is_throttled(
    client, scene, settings
):
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    get_user_model().objects.create_user(
        "lea@beispiel.example", email="lea@beispiel.example", password="Eigenes-Passwort-99"
    )
    organiser = Client(HTTP_ACCEPT_LANGUAGE="en")
    organiser.force_login(scene["organiser"])
    response = _invite(organiser, scene["conference"], scene["forum"])
    link = re.search(r'value="http://testserver(/invitation/[^"]+)"', response.content.decode())
    link = link.group(1)
    assert "has an account already" in client.get(link).content.decode()
    for n in range(3):
        response = client.post(link, {"password1": f"falsch-{n}"})
        assert "This is not the password of the account" in response.content.decode()
    response = client.post(link, {"password1": "Eigenes-Passwort-99"})
    assert "Too many failed attempts" in response.content.decode()
    assert not scene["forum"].moderators.filter(username="lea@beispiel.example").exists()
