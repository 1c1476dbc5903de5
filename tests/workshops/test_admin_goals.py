"""The admin: an action field's guiding goals, a guiding goal's sub-goals."""

import pytest
from django.contrib.auth import get_user_model

from workshops.models import GuidingGoal, SubGoal

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    get_user_model().objects.create_superuser("admin", password="admin-passwort-lang")
    client.login(username="admin", password="admin-passwort-lang")
    return client


def test_guiding_goals_and_sub_goals_are_edited_in_the_admin(admin_client, forum):
    field = forum.fields.order_by("position", "id").first()
    goal = GuidingGoal.objects.create(field=field, title="Alle Kinder haben gleiche Chancen")
    page = admin_client.get(f"/admin/workshops/actionfield/{field.pk}/change/").content.decode()
    assert "Alle Kinder haben gleiche Chancen" in page
    assert admin_client.get("/admin/workshops/guidinggoal/").status_code == 200
    prefix = "sub_goals"
    response = admin_client.post(
        f"/admin/workshops/guidinggoal/{goal.pk}/change/",
        {
            "field": field.pk,
            "position": 0,
            "title": goal.title,
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-0-position": "0",
            f"{prefix}-0-title": "Eltern kennen das Schulsystem",
        },
    )
    assert response.status_code == 302
    assert list(SubGoal.objects.filter(guiding_goal=goal).values_list("title", flat=True)) == [
        "Eltern kennen das Schulsystem"
    ]
