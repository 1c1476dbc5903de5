"""The forum's revision, event log and audit trail: the last step of every service."""

from django.db import transaction

from realtime import publisher
from workshops.actors import Actor
from workshops.models import AuditEntry, Forum, ForumEvent


def lock_forum(forum_id: int) -> Forum:
    """Lock the forum's row for the rest of the transaction and return it fresh.

    Every change of a forum takes this lock first, so changes of one forum are serialized
    and their revs are gapless. On SQLite the immediate transaction already holds the
    database's write lock; ``select_for_update`` is a no-op there.
    """
    assert transaction.get_connection().in_atomic_block, (
        "lock_forum needs a transaction"
    )  # guards a programming error, not input  # nosec B101
    return Forum.objects.select_for_update().select_related("conference").get(pk=forum_id)


def lock_forums(forum_ids) -> dict[int, Forum]:
    """Lock several forums in the house order: plenaries first, then the others, each by
    id. Every service that locks more than one forum uses this order, so two of them can
    never wait for each other."""
    assert transaction.get_connection().in_atomic_block, (
        "lock_forums needs a transaction"
    )  # guards a programming error, not input  # nosec B101
    forums = list(Forum.objects.filter(pk__in=set(forum_ids)).values_list("pk", "kind"))
    order = sorted(forums, key=lambda f: (f[1] != Forum.Kind.PLENARY, f[0]))
    return {pk: lock_forum(pk) for pk, _kind in order}


def record_event(forum: Forum, name: str, data: dict) -> ForumEvent:
    """Bump the (locked) forum's rev, store the event and publish it after commit."""
    forum.rev += 1
    Forum.objects.filter(pk=forum.pk).update(rev=forum.rev)
    event = ForumEvent.objects.create(forum=forum, rev=forum.rev, name=name, data=data)
    publisher.publish_event(forum_id=forum.pk, rev=event.rev, name=name, data=data)
    return event


def audit(forum: Forum, actor: Actor, action: str, data: dict | None = None) -> None:
    """Record a moderator's action (dotted name, e.g. ``forum.item.hidden``)."""
    AuditEntry.objects.create(
        conference_id=forum.conference_id,
        forum=forum,
        action=action,
        actor_user_id=actor.user_id,
        data=data or {},
    )
