"""The city's guiding goals (Leitziele) and sub-goals (Teilziele) in the forums: which
sub-goal a forum's goal or measure works towards.

A participant may choose the sub-goal when proposing (``items.propose_item`` checks it
with ``check_sub_goal``); a moderator sets or corrects it with
``items.set_sub_goal``.
"""

from django.utils.translation import gettext_lazy as _

from workshops.exceptions import ServiceError
from workshops.models import ActionField, Forum, Item, SubGoal

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
