"""The forum's revision, event log and audit trail: the last step of every service.

Also the services' one way to announce a change to whoever delivers it (the signals of
workshops/signals.py): ``record_event``, ``tally_changed``, ``roles_revoked`` and
``forget_people``. Services never import the live channel (realtime/).
"""

from django.db import transaction

from workshops import signals
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
    """Bump the (locked) forum's rev, store the event and announce it
    (``signals.event_recorded``: the live channel publishes it after commit)."""
    forum.rev += 1
    Forum.objects.filter(pk=forum.pk).update(rev=forum.rev)
    event = ForumEvent.objects.create(forum=forum, rev=forum.rev, name=name, data=data)
    signals.event_recorded.send(
        sender=ForumEvent, forum_id=forum.pk, rev=event.rev, name=name, data=data
    )
    return event


def tally_changed(*, forum_id: int, round_id: int) -> None:
    """Inside the transaction of a vote or a round change: the round's tally may differ
    (the live channel sends a fresh one after commit)."""
    signals.tally_changed.send(sender=Forum, forum_id=forum_id, round_id=round_id)


def roles_revoked(*, forum_ids, user_id: int | None = None, screens: bool = False) -> None:
    """Inside the transaction that took a role away in these forums: the moderator
    ``user_id``, or the screens (the screen key changed). After commit the live channel
    closes the sockets that held it (docs/protocol.md)."""
    signals.roles_revoked.send(
        sender=Forum, forum_ids=list(forum_ids), user_id=user_id, screens=screens
    )


def forget_people(*, participant_ids, user_ids=()) -> int:
    """Inside the transaction that removes these people's data: whatever else keeps data
    about them (the live channel's command receipts) deletes it too. Returns how many rows
    were deleted."""
    answers = signals.people_forgotten.send(
        sender=Forum, participant_ids=list(participant_ids), user_ids=list(user_ids)
    )
    return sum(deleted for _receiver, deleted in answers)


def audit(forum: Forum, actor: Actor, action: str, data: dict | None = None) -> None:
    """Record a moderator's action (dotted name, e.g. ``forum.item.hidden``)."""
    AuditEntry.objects.create(
        conference_id=forum.conference_id,
        forum=forum,
        action=action,
        actor_user_id=actor.user_id,
        data=data or {},
    )
