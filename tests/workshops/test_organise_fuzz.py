"""Property-based fuzzing of the organiser's forms: whatever is posted, no server error;
a page that answers with the form again (a refusal) has changed nothing, and text that
was stored is shown escaped."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_conference, make_forum
from tests.workshops.organisers import make_organiser
from workshops.models import ActionField, AuditEntry, Conference, Forum, GuidingGoal, Invitation

HOSTILE = [
    "<script>alert('x')</script>",
    "\u202eevil\u202c",
    "x" * 5000,
    "nul\x00byte",
    "{{ 7*7 }}",
    "25:61",
    "14:00",
    "ABC234",
    "1",
    "",
]
value = st.text(max_size=40) | st.sampled_from(HOSTILE)
names = [
    "action",
    "id",
    "user",
    "title",
    "slug",
    "motto",
    "date",
    "venue",
    "languages",
    "stakeholder_groups",
    "new-title",
    "new-description",
    "new-kind",
    "new-fields",
    "new-room",
    "new-starts_at",
    "new-ends_at",
    "new-code",
    "name",
    "email",
    "forums",
]
actions = st.sampled_from(
    [
        "add_field",
        "change_field",
        "field_up",
        "remove_field",
        "add_goal",
        "add_sub_goal",
        "remove_goal",
        "save_forum",
        "remove_forum",
        "invite",
        "withdraw",
        "remove",
        "x",
    ]
)
posts = st.builds(
    lambda action, rest: {**rest, "action": action},
    actions,
    st.dictionaries(st.sampled_from(names), value, max_size=8),
)
PAGES = [
    "workshops:organise_details",
    "workshops:organise_fields",
    "workshops:organise_forums",
    "workshops:organise_moderators",
    "workshops:organise_copy",
]


def state():
    return (
        sorted(Conference.objects.values_list("slug", "title", "motto", "venue", "languages")),
        sorted(ActionField.objects.values_list("id", "title", "position")),
        sorted(GuidingGoal.objects.values_list("id", "title", "position")),
        sorted(Forum.objects.values_list("id", "title", "code", "room", "starts_at", "ends_at")),
        Invitation.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def office(db):
    conference = make_conference(slug="ik-fuzz", title="IK Fuzz")
    make_forum(conference, title="Fachforum 1")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_organiser(conference))
    return {"conference": conference, "client": client}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(page=st.sampled_from(PAGES), post=posts)
def test_any_post_to_a_step_is_answered_and_a_refusal_changes_nothing(office, page, post):
    before = state()
    response = office["client"].post(reverse(page, args=["ik-fuzz"]), post)
    assert response.status_code in (200, 302), response.status_code
    sent = b'id="invitation-link"' in response.content  # an invitation, shown once
    if response.status_code == 200 and not sent:  # the form again, with what was wrong
        assert state() == before
    text = office["client"].get(reverse(page, args=["ik-fuzz"])).content.decode()
    assert "<script>alert" not in text
