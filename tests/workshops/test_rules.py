"""Permissions as a role × state matrix."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import make_conference, make_forum, make_moderator, make_participant
from workshops import rules
from workshops.actors import Actor

pytestmark = pytest.mark.django_db

ROLES = [
    "moderator",
    "superuser",
    "participant",
    "other_participant",
    "other_moderator",
    "screen",
    "stranger",
    "inactive_moderator",
]


def actor_for(role, forum):
    other = make_conference()
    if role == "moderator":
        return Actor(user=make_moderator(forum.conference))
    if role == "superuser":
        return Actor(
            user=get_user_model().objects.create_superuser("admin", password="pw-lang-genug-1")
        )
    if role == "participant":
        return Actor(participant=make_participant(forum.conference))
    if role == "other_participant":
        return Actor(participant=make_participant(other))
    if role == "other_moderator":
        return Actor(user=make_moderator(other))
    if role == "inactive_moderator":
        user = make_moderator(forum.conference)
        user.is_active = False
        user.save()
        return Actor(user=user)
    return Actor(screen=role == "screen")


EXPECTED = {
    # role: (can_moderate, can_propose while open, can_propose while closed)
    "moderator": (True, True, True),
    "superuser": (True, True, True),
    "participant": (False, True, False),
    "other_participant": (False, False, False),
    "other_moderator": (False, False, False),
    "screen": (False, False, False),
    "stranger": (False, False, False),
    "inactive_moderator": (False, False, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(role):
    forum = make_forum()
    actor = actor_for(role, forum)
    moderate, open_, closed = EXPECTED[role]
    assert rules.can_moderate(actor, forum) is moderate
    assert rules.can_propose(actor, forum) is open_
    forum.proposals_open = False
    assert rules.can_propose(actor, forum) is closed
