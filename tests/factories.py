"""Small factories for tests: real rows, created the way the product creates them."""
import itertools

from django.contrib.auth import get_user_model

from workshops.actors import Actor
from workshops.models import ActionField, Conference, Forum, Participant

_seq = itertools.count(1)


def make_conference(**kw) -> Conference:
    n = next(_seq)
    defaults = {
        "slug": f"konferenz-{n}",
        "title": f"{n}. Integrationskonferenz",
        "stakeholder_groups": ["Verwaltung", "Wohlfahrtsverband", "Migrantenorganisation"],
        "languages": ["de", "en", "tr", "ar"],
    }
    defaults.update(kw)
    return Conference.objects.create(**defaults)


def make_field(conference: Conference, title: str | None = None, position: int = 0) -> ActionField:
    return ActionField.objects.create(
        conference=conference, title=title or f"Handlungsfeld {next(_seq)}", position=position
    )


def make_forum(conference: Conference | None = None, *, fields=None, **kw) -> Forum:
    conference = conference or make_conference()
    kw.setdefault("title", f"Fachforum {next(_seq)}")
    forum = Forum.objects.create(conference=conference, **kw)
    if fields is None:
        fields = [make_field(conference, "Bildung, Erziehung & Sprache"), make_field(conference, "Wohnen", 1)]
    forum.fields.set(fields)
    return forum


def make_participant(conference: Conference, **kw) -> Participant:
    return Participant.objects.create(conference=conference, **kw)


def make_moderator(conference: Conference, username: str | None = None, password: str = "pw-für-tests-123"):
    user = get_user_model().objects.create_user(
        username=username or f"moderator{next(_seq)}", password=password
    )
    conference.moderators.add(user)
    return user


def participant_actor(participant: Participant) -> Actor:
    return Actor(participant=participant)


def moderator_actor(user) -> Actor:
    return Actor(user=user)
