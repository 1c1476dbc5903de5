"""The admin: set-up edited directly, forum state only through the services."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages

from tests.factories import make_conference, make_field, moderator_actor, participant_actor
from workshops.models import AuditEntry, ForumEvent, Item
from workshops.services.items import hide_item, propose_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    get_user_model().objects.create_superuser("admin", password="admin-passwort-lang")
    client.login(username="admin", password="admin-passwort-lang")
    return client


@pytest.fixture
def item(forum, participant):
    return propose_item(
        actor=participant_actor(participant),
        forum=forum,
        field=forum.fields.first().pk,
        kind="need",
        text="Werbung",
    )


def action(client, model, name, ids):
    return client.post(f"/admin/workshops/{model}/", {"action": name, "_selected_action": ids})


def test_changelists_load(admin_client, forum, item):
    for model in ["conference", "forum", "participant", "item", "forumevent", "auditentry"]:
        assert admin_client.get(f"/admin/workshops/{model}/").status_code == 200, model
    assert admin_client.get(f"/admin/workshops/forum/{forum.pk}/change/").status_code == 200
    assert (
        admin_client.get(f"/admin/workshops/conference/{forum.conference.pk}/change/").status_code
        == 200
    )
    assert admin_client.get(f"/admin/workshops/item/{item.pk}/change/").status_code == 200


def test_hiding_from_the_admin_goes_through_the_service(admin_client, forum, item):
    response = action(admin_client, "item", "hide", [item.pk])
    assert response.status_code == 302
    item.refresh_from_db()
    forum.refresh_from_db()
    assert item.status == "hidden"
    assert forum.rev == 2
    assert ForumEvent.objects.filter(forum=forum).last().name == "item.hidden"
    assert AuditEntry.objects.get().action == "forum.item.hidden"


def test_restoring_from_the_admin_goes_through_the_service(admin_client, forum, moderator, item):
    hide_item(actor=moderator_actor(moderator), forum=forum, item=item.pk)
    action(admin_client, "item", "restore", [item.pk])
    item.refresh_from_db()
    forum.refresh_from_db()
    assert item.status == "visible" and forum.rev == 3
    assert ForumEvent.objects.filter(forum=forum).last().name == "item.restored"


def test_a_refusal_of_the_service_is_shown_as_a_message(client, forum, item):
    # staff who may look at items, but no moderator of this conference: the service says no
    user = get_user_model().objects.create_user(
        "sachbearbeitung", password="lang-genug-passwort", is_staff=True
    )
    user.user_permissions.add(Permission.objects.get(codename="view_item"))
    client.login(username="sachbearbeitung", password="lang-genug-passwort")
    response = action(client, "item", "hide", [item.pk])
    item.refresh_from_db()
    assert item.status == "visible"
    shown = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert shown and shown[0][0] == "warning" and shown[0][1].startswith("Werbung: "), shown


def test_proposals_are_opened_and_closed_through_the_service(admin_client, forum):
    action(admin_client, "forum", "close_proposals", [forum.pk])
    forum.refresh_from_db()
    assert not forum.proposals_open and forum.rev == 1
    assert ForumEvent.objects.get(forum=forum).name == "forum.updated"
    action(admin_client, "forum", "open_proposals", [forum.pk])
    forum.refresh_from_db()
    assert forum.proposals_open and forum.rev == 2
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "forum.proposals.closed",
        "forum.proposals.opened",
    ]


def forum_post(forum, **changes):
    data = {
        "title": forum.title,
        "kind": forum.kind,
        "code": forum.code,
        "position": forum.position,
        "fields": [f.pk for f in forum.fields.all()],
    }
    data.update(changes)
    return data


def test_editing_a_forum_never_writes_its_live_state_back(admin_client, forum, participant):
    # The page was opened at rev 0; items are proposed while it is open.
    page = forum_post(forum, title="Fachforum Bildung", code="bqrk24")
    for n in range(3):
        propose_item(
            actor=participant_actor(participant),
            forum=forum,
            field=forum.fields.first().pk,
            kind="need",
            text=f"Bedarf {n}",
        )
    response = admin_client.post(f"/admin/workshops/forum/{forum.pk}/change/", page)
    assert response.status_code == 302
    forum.refresh_from_db()
    assert (forum.title, forum.code, forum.rev) == ("Fachforum Bildung", "BQRK24", 3)


def test_forum_fields_must_belong_to_its_conference(admin_client, forum):
    foreign = make_field(make_conference(), "Fremd")
    response = admin_client.post(
        f"/admin/workshops/forum/{forum.pk}/change/", forum_post(forum, fields=[foreign.pk])
    )
    assert response.status_code == 200  # the form again, with the error
    assert foreign not in forum.fields.all()


def test_a_new_forum_checks_its_fields_and_code(admin_client, forum):
    foreign = make_field(make_conference(), "Fremd")
    data = {
        "conference": forum.conference.pk,
        "title": "Neu",
        "kind": "workshop",
        "code": "OOOOOO",
        "position": 1,
        "fields": [foreign.pk],
    }
    response = admin_client.post("/admin/workshops/forum/add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "code" in errors and "fields" in errors
    data.update(code="neu234", fields=[forum.fields.first().pk])
    assert admin_client.post("/admin/workshops/forum/add/", data).status_code == 302
    assert forum.conference.forums.get(title="Neu").code == "NEU234"


def test_items_and_logs_cannot_be_deleted_or_changed_in_the_admin(admin_client, forum, item):
    assert (
        admin_client.post(f"/admin/workshops/item/{item.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    action(admin_client, "item", "delete_selected", [item.pk])
    assert Item.objects.filter(pk=item.pk).exists()
    event = ForumEvent.objects.get()
    assert (
        admin_client.post(
            f"/admin/workshops/forumevent/{event.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert admin_client.get("/admin/workshops/item/add/").status_code == 403


def test_the_languages_offered_are_ticked_in_the_admin(admin_client, forum):
    from django.test import Client

    conference = forum.conference
    page = admin_client.get(f"/admin/workshops/conference/{conference.pk}/change/").content.decode()
    assert 'type="checkbox" name="languages" value="ru"' in page
    data = {
        "slug": conference.slug,
        "title": conference.title,
        "stakeholder_groups": "[]",
        "languages": ["de", "uk", "ru"],
        "fields-TOTAL_FORMS": "0",
        "fields-INITIAL_FORMS": "0",
    }
    response = admin_client.post(f"/admin/workshops/conference/{conference.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    conference.refresh_from_db()
    assert conference.languages == ["de", "uk", "ru"]
    # the join page offers exactly those, and guesses Ukrainian for a Ukrainian browser
    html = Client(HTTP_ACCEPT_LANGUAGE="uk").get(f"/j/{forum.code}").content.decode()
    assert (
        '<html lang="uk"' in html
        and 'value="tr"' not in html.split('id="join-language"')[1].split("</select>")[0]
    )
