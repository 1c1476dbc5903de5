"""The city's guiding goals (Leitziele) and sub-goals (Teilziele) in the forums: which
sub-goal a forum's goal or measure works towards.

A participant may choose the sub-goal when proposing (``items.propose_item`` checks it
with ``check_sub_goal``); a moderator sets or corrects it with ``set_sub_goal``.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import ActionField, Forum, Item, SubGoal
from workshops.selectors import item_data
from workshops.services.events import audit

# Only what a forum formulates towards the city's goals links to a sub-goal.
LINKABLE_KINDS = (Item.Kind.GOAL, Item.Kind.MEASURE)


def check_sub_goal(forum: Forum, field: ActionField, kind: str, sub_goal: int | None):
    """The sub-goal with this id, if an item of ``kind`` in ``field`` of ``forum``'s
    conference may work towards it; None for None. Refuses (``invalid``, field
    ``sub_goal``) a need, a sub-goal of another conference, and one of another field."""
    if sub_goal is None:
        return None
    if kind not in LINKABLE_KINDS:
        raise ServiceError(
            ServiceError.INVALID,
            _("Only goals and measures can work towards a sub-goal."),
            field="sub_goal",
        )
    found = (
        SubGoal.objects.select_related("guiding_goal__field")
        .filter(pk=sub_goal, guiding_goal__field__conference_id=forum.conference_id)
        .first()
    )
    if found is None:
        raise ServiceError(
            ServiceError.INVALID,
            _("This sub-goal is not part of this conference. Choose one from the list."),
            field="sub_goal",
        )
    if found.guiding_goal.field_id != field.pk:
        raise ServiceError(
            ServiceError.INVALID,
            _("This sub-goal belongs to another action field. Choose one of “%(field)s”.")
            % {"field": field.title},
            field="sub_goal",
        )
    return found


@transaction.atomic
def set_sub_goal(*, actor: Actor, item: Item, sub_goal: int | None) -> Item:
    """Link a shown goal or measure to a sub-goal of its action field, or unlink it
    (``sub_goal`` None). Precondition: the actor moderates the item's forum. Records
    ``item.updated`` (in the plenaries too, while the item is in their pool) and the
    audit entry ``forum.item.sub_goal_set``; setting the link it has changes nothing."""
    from workshops.services.items import _get_item, _lock_with_plenaries, _require_moderator

    forum = item.forum
    _require_moderator(actor, forum)
    forum, echo = _lock_with_plenaries(forum)
    item = _get_item(forum, item.pk)
    if item.status != Item.Status.VISIBLE:
        raise ServiceError(
            ServiceError.INVALID,
            _("This item is not shown at the moment, so its sub-goal cannot be changed."),
        )
    found = check_sub_goal(forum, item.field, item.kind, sub_goal)
    new = found.pk if found is not None else None
    if item.sub_goal_id == new:
        return item
    previous = item.sub_goal_id
    item.sub_goal = found
    item.save(update_fields=["sub_goal", "updated_at"])
    echo.record(forum, "item.updated", item_data(item))
    echo.finish()
    audit(
        forum,
        actor,
        "forum.item.sub_goal_set",
        {"item": item.pk, "sub_goal": new, "previous": previous},
    )
    return item
