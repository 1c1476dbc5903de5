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
        fields = [
            make_field(conference, "Bildung, Erziehung & Sprache"),
            make_field(conference, "Wohnen", 1),
        ]
    forum.fields.set(fields)
    return forum


def make_participant(conference: Conference, **kw) -> Participant:
    return Participant.objects.create(conference=conference, **kw)


def make_moderator(
    conference: Conference, username: str | None = None, password: str = "pw-für-tests-123"
):
    user = get_user_model().objects.create_user(
        username=username or f"moderator{next(_seq)}", password=password
    )
    conference.moderators.add(user)
    return user


def participant_actor(participant: Participant) -> Actor:
    return Actor(participant=participant)


def moderator_actor(user) -> Actor:
    return Actor(user=user)


def make_dots_round_forum() -> dict:
    """A forum with a participant, a moderator, three measures and an open dots round
    on them (budget 3, at most 2 per item), made through the services."""
    from workshops.services.items import propose_item
    from workshops.services.rounds import open_round

    forum = make_forum()
    participant = make_participant(forum.conference)
    moderator = make_moderator(forum.conference)
    field = forum.fields.order_by("position", "id").first()
    for n in range(3):
        propose_item(
            actor=participant_actor(participant),
            forum=forum,
            field=field.pk,
            kind="measure",
            text=f"M{n}",
        )
    open_round(
        actor=moderator_actor(moderator),
        forum=forum,
        method="dots",
        kind="measure",
        budget=3,
        per_item=2,
    )
    return {"forum": forum, "participant": participant, "moderator": moderator}


def long_text(n: int, length: int = 500) -> str:
    """A proposal of exactly ``length`` characters that costs the wire the most: quotes
    and backslashes (escaped in JSON), umlauts and an emoji (several bytes each), a line
    break; numbered at the start, so each one can be found."""
    head = f"Vorschlag {n}: "
    body = 'Sprachcafé „mit“ "Kinderbetreuung" \\ Übersetzung 👩🏽‍🏫\nund Beratung im Quartier. '
    return (head + body * (length // len(body) + 1))[:length]


def fill_forum(forum: Forum, count: int, length: int = 500) -> list[str]:
    """``count`` visible needs of ``length`` characters in the forum's first field (as if
    proposed, without an event each: what a snapshot reads). Returns their texts."""
    from workshops.models import Item

    field = forum.fields.order_by("position", "id").first()
    texts = [long_text(n, length) for n in range(1, count + 1)]
    Item.objects.bulk_create(Item(forum=forum, field=field, kind="need", text=t) for t in texts)
    return texts
