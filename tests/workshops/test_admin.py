import pytest
from django.contrib.auth import get_user_model

from tests.factories import participant_actor
from workshops.models import ForumEvent
from workshops.services.items import propose_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    get_user_model().objects.create_superuser("admin", password="admin-passwort-lang")
    client.login(username="admin", password="admin-passwort-lang")
    return client


def test_changelists_load(admin_client, forum, participant):
    for model in ["conference", "forum", "participant", "item", "forumevent", "auditentry"]:
        assert admin_client.get(f"/admin/workshops/{model}/").status_code == 200, model
    assert admin_client.get(f"/admin/workshops/forum/{forum.pk}/change/").status_code == 200


def test_hiding_from_the_admin_goes_through_the_service(admin_client, forum, participant):
    item = propose_item(actor=participant_actor(participant), forum=forum,
                        field=forum.fields.first().pk, kind="need", text="Werbung")
    response = admin_client.post("/admin/workshops/item/", {"action": "hide", "_selected_action": [item.pk]})
    assert response.status_code == 302
    item.refresh_from_db()
    forum.refresh_from_db()
    assert item.status == "hidden"
    assert forum.rev == 2
    assert ForumEvent.objects.filter(forum=forum).last().name == "item.hidden"


def test_forum_fields_must_belong_to_its_conference(admin_client, forum):
    from tests.factories import make_conference, make_field

    foreign = make_field(make_conference(), "Fremd")
    response = admin_client.post(f"/admin/workshops/forum/{forum.pk}/change/", {
        "conference": forum.conference.pk, "title": forum.title, "kind": "workshop",
        "fields": [foreign.pk], "code": forum.code, "position": 0,
    })
    assert response.status_code == 200  # the form again, with the error
    assert list(forum.fields.all()) != [foreign]
