"""Taking roles and keys away while a conference runs.

A moderator removed from a conference and a projector whose screen key was changed must
stop receiving what the role showed them (hidden texts, secret tallies) at once, not at
their next reconnect: after commit the change reaches every server process through the
forums' groups (``realtime.publisher.publish_revocation``), and each process's hub closes
the sockets that held the role with 4403 (docs/protocol.md).
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from realtime import publisher
from workshops import rules
from workshops.actors import Actor
from workshops.codes import new_screen_key as make_screen_key
from workshops.exceptions import ServiceError
from workshops.models import AuditEntry, Conference, Forum
from workshops.services.events import audit, lock_forum


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
        forum_ids = list(Forum.objects.filter(conference=conference).values_list("pk", flat=True))
        publisher.publish_revocation(forum_ids=forum_ids, user_id=user_id)
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
    publisher.publish_revocation(forum_ids=[forum.pk], screens=True)
    return forum
