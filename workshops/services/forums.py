"""Forum-wide switches a moderator flips."""
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from workshops import rules
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import Forum
from workshops.selectors import forum_data
from workshops.services.events import audit, lock_forum, record_event


@transaction.atomic
def set_proposals_open(*, actor: Actor, forum: Forum, open: bool) -> Forum:
    """Open or close proposals for participants (moderators). Records ``forum.updated``.

    Setting the state it already has changes nothing and records nothing.
    """
    forum = lock_forum(forum.pk)
    if not rules.can_moderate(actor, forum):
        raise ServiceError(ServiceError.FORBIDDEN, _("Only the forum's moderators can do this."))
    if not isinstance(open, bool):
        raise ServiceError(ServiceError.INVALID, _("Say whether proposals are open or closed."))
    if forum.proposals_open == open:
        return forum
    forum.proposals_open = open
    forum.save(update_fields=["proposals_open"])
    record_event(forum, "forum.updated", forum_data(forum))
    audit(forum, actor, "forum.proposals.opened" if open else "forum.proposals.closed")
    return forum
