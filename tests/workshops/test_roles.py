"""Who may run what: the role × page matrix.

A superuser, an organiser of the conference and a moderator of the conference run every
forum and the conference-wide pages (exports before publishing, the measures, the print
kit); a forum's own moderator runs that forum's console only; a moderator of another
conference, a logged-in stranger and a visitor run nothing."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import make_conference, make_forum, make_participant
from workshops import rules
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import AuditEntry, Forum
from workshops.services.access import remove_moderator
from workshops.services.forums import set_phase

pytestmark = pytest.mark.django_db


def user(name, **kw):
    # force_login needs no password, and hashing one costs a third of a second
    return get_user_model().objects.create_user(username=name, **kw)


@pytest.fixture
def scene():
    conference = make_conference(slug="ik-2026")
    f2 = make_forum(conference, title="Fachforum 2")
    f3 = make_forum(conference, title="Fachforum 3", fields=list(f2.fields.all()))
    people = {
        "superuser": get_user_model().objects.create_superuser("stadt", "s@example.org", None),
        "organiser": user("integrationsbuero"),
        "moderator": user("moderation"),
        "forum2": user("moderation-ff2"),
        "elsewhere": user("moderation-anderswo"),
        "stranger": user("niemand"),
    }
    conference.organisers.add(people["organiser"])
    conference.moderators.add(people["moderator"])
    f2.moderators.add(people["forum2"])
    make_conference(slug="andere-stadt").moderators.add(people["elsewhere"])
    return {"conference": conference, "f2": f2, "f3": f3, "people": people}


ROLES = ["superuser", "organiser", "moderator", "forum2", "elsewhere", "stranger", "visitor"]


def get(client, scene, role, path):
    if role != "visitor":
        client.force_login(scene["people"][role])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.get(path).status_code


# 200: opens; 403: refused; 302: sent to the login
MATRIX = {
    # page: superuser, organiser, moderator, forum2, elsewhere, stranger, visitor
    "/f/{f2}/moderate/": [200, 200, 200, 200, 403, 403, 302],
    "/f/{f3}/moderate/": [200, 200, 200, 403, 403, 403, 302],
    "/c/ik-2026/export/": [200, 200, 200, 403, 403, 403, 403],
    "/c/ik-2026/export/measures.csv": [200, 200, 200, 403, 403, 403, 403],
    "/c/ik-2026/measures/manage/": [200, 200, 200, 403, 403, 403, 302],
    "/c/ik-2026/kit.pdf": [200, 200, 200, 403, 403, 403, 302],
    "/c/ik-2026/": [200, 200, 200, 200, 200, 200, 200],
}


@pytest.mark.parametrize("page", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_role_by_page(client, scene, page, role):
    path = page.format(f2=scene["f2"].code, f3=scene["f3"].code)
    assert get(client, scene, role, path) == MATRIX[page][ROLES.index(role)]


def test_a_forum_moderator_cannot_act_on_another_forum(client, scene):
    client.force_login(scene["people"]["forum2"])
    f2, f3 = scene["f2"], scene["f3"]
    refused = client.post(f"/f/{f3.code}/moderate/action", {"action": "phase", "phase": "voting"})
    assert refused.status_code == 403
    assert Forum.objects.get(pk=f3.pk).phase == "collecting"
    assert client.post(f"/f/{f3.code}/moderate/cards.pdf", {"count": "5"}).status_code == 403
    client.post(f"/f/{f2.code}/moderate/action", {"action": "phase", "phase": "voting"})
    assert Forum.objects.get(pk=f2.pk).phase == "voting"
    with pytest.raises(ServiceError):
        set_phase(actor=Actor(user=scene["people"]["forum2"]), forum=f3, phase="voting")
    assert not AuditEntry.objects.filter(forum=f3).exists()


def test_the_console_of_a_forum_moderator_leaves_out_the_conference_wide_links(client, scene):
    client.force_login(scene["people"]["forum2"])
    html = client.get(f"/f/{scene['f2'].code}/moderate/").content.decode()
    assert "/c/ik-2026/kit.pdf" not in html and "/c/ik-2026/export/" not in html
    client.force_login(scene["people"]["organiser"])
    html = client.get(f"/f/{scene['f2'].code}/moderate/").content.decode()
    assert "/c/ik-2026/kit.pdf" in html and "/c/ik-2026/export/" in html


def test_predicates(scene):
    f2, f3, people = scene["f2"], scene["f3"], scene["people"]
    participant = make_participant(scene["conference"])
    expected = {
        "superuser": (True, True, True),
        "organiser": (True, True, True),
        "moderator": (True, True, True),
        "forum2": (True, False, False),
        "elsewhere": (False, False, False),
        "stranger": (False, False, False),
    }
    for role, (runs_f2, runs_f3, runs_all) in expected.items():
        actor = Actor(user=people[role])
        got = (
            rules.can_moderate(actor, f2),
            rules.can_moderate(actor, f3),
            rules.is_moderator(actor, scene["conference"]),
        )
        assert got == (runs_f2, runs_f3, runs_all), role
    assert not rules.can_moderate(Actor(participant=participant), f2)
    people["organiser"].is_active = False
    people["organiser"].save()
    assert not rules.can_moderate(Actor(user=people["organiser"]), f2)


def test_taking_someone_off_the_conference_keeps_the_forum_they_run_themselves(scene):
    people, f2, f3 = scene["people"], scene["f2"], scene["f3"]
    both = user("beides")
    scene["conference"].moderators.add(both)
    f2.moderators.add(both)
    remove_moderator(
        actor=Actor(user=people["superuser"]), conference=scene["conference"], user=both
    )
    assert rules.can_moderate(Actor(user=both), f2)
    assert not rules.can_moderate(Actor(user=both), f3)


def test_the_purge_removes_the_receipts_of_organisers_and_forum_moderators(scene):
    from realtime.models import CommandReceipt
    from workshops.services.privacy import purge_personal_data

    people = scene["people"]
    for role in ("organiser", "forum2", "elsewhere"):
        CommandReceipt.objects.create(
            sender=f"u:{people[role].pk}", command_id="c-1", answer={"ok": True}
        )
    purge_personal_data(conference=scene["conference"], force=True)
    left = set(CommandReceipt.objects.values_list("sender", flat=True))
    assert left == {f"u:{people['elsewhere'].pk}"}  # another conference's moderator
