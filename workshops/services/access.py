"""Taking roles and keys away while a conference runs.

A moderator removed from a conference and a projector whose screen key was changed must
stop receiving what the role showed them (hidden texts, secret tallies) at once, not at
their next reconnect: after commit the change reaches every server process through the
forums' groups (``events.roles_revoked``, workshops/signals.py), and each process's hub closes
the sockets that held the role with 4403 (docs/protocol.md).
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workshops import rules
from workshops.actors import Actor
from workshops.codes import new_screen_key as make_screen_key
from workshops.exceptions import ServiceError
from workshops.models import AuditEntry, Conference, Forum
from workshops.services.events import audit, lock_forum, roles_revoked


def _require_setup_desk(actor: Actor) -> None:
    user = actor.user
    allowed = (
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or (user.is_staff and user.has_perm("workshops.change_conference")))
    )
    if not allowed:
        raise ServiceError(
            ServiceError.FORBIDDEN, _("Only the city's staff can change who moderates.")
        )


@transaction.atomic
def remove_moderator(*, actor: Actor, conference: Conference, user) -> bool:
    """Take ``user`` off the conference's moderators (the city's staff: superusers and
    staff who may change conferences). Records ``conference.moderator.removed``; after
    commit every open socket the user holds as a moderator of one of the conference's
    forums is closed with 4403 (unless they still moderate it, as a superuser does).
    Returns whether they were a moderator."""
    _require_setup_desk(actor)
    user_id = user.pk if isinstance(user, get_user_model()) else int(user)
    conference = Conference.objects.select_for_update().get(pk=conference.pk)
    if not conference.moderators.filter(pk=user_id).exists():
        return False
    conference.moderators.remove(user_id)
    AuditEntry.objects.create(
        conference=conference,
        action="conference.moderator.removed",
        actor_user_id=actor.user_id,
        data={"user": user_id},
    )
    removed = get_user_model().objects.filter(pk=user_id).first()
    if removed is None or not rules.is_moderator(Actor(user=removed), conference.pk):
        # the forums they still run as that forum's own moderator stay open
        forum_ids = list(
            Forum.objects.filter(conference=conference)
            .exclude(moderators=user_id)
            .values_list("pk", flat=True)
        )
        roles_revoked(forum_ids=forum_ids, user_id=user_id)
    return True


@transaction.atomic
def new_screen_key(*, actor: Actor, forum: Forum) -> Forum:
    """Give the forum's projector a new screen key (moderators): the old link stops
    working, and after commit the screens connected with the old key are closed with
    4403. Records ``forum.screen_key.changed`` (without the key)."""
    if not rules.can_moderate(actor, forum):
        raise ServiceError(ServiceError.FORBIDDEN, _("Only the forum's moderators can do this."))
    forum = lock_forum(forum.pk)
    forum.screen_key = make_screen_key()
    forum.save(update_fields=["screen_key"])
    audit(forum, actor, "forum.screen_key.changed")
    roles_revoked(forum_ids=[forum.pk], screens=True)
    return forum


def _moderated_forum_ids(user_id: int, *, superuser: bool) -> list[int]:
    forums = (
        Forum.objects.all()
        if superuser
        else Forum.objects.filter(
            Q(moderators=user_id)
            | Q(conference__moderators=user_id)
            | Q(conference__organisers=user_id)
        )
    )
    return list(forums.values_list("pk", flat=True).distinct())


def account_changing(user) -> None:
    """Before an account is saved (``pre_save``): note on it the forums whose moderator
    sockets it will lose, switched off (``is_active``) or no longer a superuser."""
    user._revoked_forums = []
    if user.pk is None:
        return
    before = type(user).objects.filter(pk=user.pk).values("is_active", "is_superuser").first()
    if before is None or not before["is_active"]:
        return
    if not user.is_active:
        user._revoked_forums = _moderated_forum_ids(user.pk, superuser=before["is_superuser"])
    elif before["is_superuser"] and not user.is_superuser:
        kept = set(_moderated_forum_ids(user.pk, superuser=False))
        user._revoked_forums = [
            pk for pk in _moderated_forum_ids(user.pk, superuser=True) if pk not in kept
        ]


def account_changed(user) -> None:
    """After the save (``post_save``): those sockets are closed with 4403 after commit."""
    forum_ids = getattr(user, "_revoked_forums", None)
    user._revoked_forums = []
    if forum_ids:
        roles_revoked(forum_ids=forum_ids, user_id=user.pk)


def account_deleting(user) -> None:
    """An account deleted (``pre_delete``): its moderator sockets are closed after commit."""
    if user.pk is not None and user.is_active:
        forum_ids = _moderated_forum_ids(user.pk, superuser=user.is_superuser)
        roles_revoked(forum_ids=forum_ids, user_id=user.pk)


def roles_removed(*, user_ids, forums) -> None:
    """Someone left a forum's own moderators or the conference's organisers (however:
    the admin, the organiser's pages, a script; ``m2m_changed``, workshops/apps.py): after
    commit their sockets in each of ``forums`` they no longer run are closed with 4403."""
    users = get_user_model().objects.filter(pk__in=list(user_ids))
    for user in users:
        gone = [f.pk for f in forums if not rules.can_moderate(Actor(user=user), f)]
        if gone:
            roles_revoked(forum_ids=gone, user_id=user.pk)
