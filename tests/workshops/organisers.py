"""Organisers for tests: accounts given the permission the way make_organiser gives it."""

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from workshops.actors import Actor

_seq = itertools.count(1)
PASSWORD = "organiser-pw-für-tests-7"


def make_organiser(*conferences, username: str | None = None):
    user = get_user_model().objects.create_user(
        username=username or f"organiser{next(_seq)}", password=PASSWORD
    )
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="workshops", codename="organise")
    )
    for conference in conferences:
        conference.organisers.add(user)
    # has_perm caches the permissions on the instance: a fresh one sees the new grant
    return get_user_model().objects.get(pk=user.pk)


def organiser_actor(*conferences, username: str | None = None) -> Actor:
    return Actor(user=make_organiser(*conferences, username=username))
