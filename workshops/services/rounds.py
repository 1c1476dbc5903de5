"""Voting rounds: open, close, reopen as new. Votes themselves are in ``votes``."""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workshops import rules
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import Forum, Item, Round
from workshops.selectors import round_data
from workshops.services.events import audit, lock_forum, record_event

MAX_BUDGET = 100
MAX_ITEMS = 200


def suggest_budget(item_count: int) -> int:
    """Dots per person for ``item_count`` options: about a third of them, 1 to 10.

    The facilitators' rule of thumb (Punkte kleben): few enough that people must choose,
    enough that second choices still show.
    """
    return max(1, min(10, round(item_count / 3)))


def _require_moderator(actor: Actor, forum: Forum) -> None:
    if not rules.can_moderate(actor, forum):
        raise ServiceError(ServiceError.FORBIDDEN, _("Only the forum's moderators can do this."))


def _positive_int(value, name: str, *, maximum: int):
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        value = None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not 1 <= number <= maximum:
        raise ServiceError(
            ServiceError.INVALID,
            _("%(name)s must be a whole number from 1 to %(max)d.") % {"name": name, "max": maximum},
        )
    return number


def _choose_items(forum: Forum, items, field, kind) -> list[Item]:
    visible = forum.items.filter(status=Item.Status.VISIBLE)
    if items:
        if not isinstance(items, (list, tuple)):
            raise ServiceError(ServiceError.INVALID, _("Choose the items of the round."))
        try:
            ids = {int(i) for i in items if not isinstance(i, bool)}
        except (TypeError, ValueError):
            raise ServiceError(ServiceError.INVALID, _("Choose the items of the round.")) from None
        chosen = list(visible.filter(pk__in=ids))
        if len(chosen) != len(ids) or len(ids) != len(items):
            raise ServiceError(
                ServiceError.INVALID, _("An item you chose is not shown in this forum.")
            )
        return chosen
    if field not in (None, ""):
        try:
            field = int(field)
        except (TypeError, ValueError):
            raise ServiceError(ServiceError.INVALID, _("Choose an action field.")) from None
        if not forum.fields.filter(pk=field).exists():
            raise ServiceError(ServiceError.INVALID, _("This action field is not part of this forum. Choose one from the list."))
        visible = visible.filter(field_id=field)
    if kind not in (None, ""):
        if kind not in Item.Kind.values:
            raise ServiceError(ServiceError.INVALID, _("Choose whether this is a need, a goal or a measure."))
        visible = visible.filter(kind=kind)
    return list(visible)


@transaction.atomic
def open_round(
    *,
    actor: Actor,
    forum: Forum,
    method,
    items=None,
    field=None,
    kind=None,
    budget=None,
    per_item=None,
    secret=False,
    allow_own=True,
    veto=None,
    previous: Round | None = None,
) -> Round:
    """Open a voting round on the chosen items, or on all shown items of an action field
    and/or kind (moderators). Records ``round.opened``.

    A dots round without a budget gets ``suggest_budget``; ``per_item`` defaults to the
    smaller of the budget and 3. The round's method, limits and items never change after
    this.
    """
    forum = lock_forum(forum.pk)
    _require_moderator(actor, forum)
    if method not in Round.Method.values:
        raise ServiceError(ServiceError.INVALID, _("Choose a voting method."))
    chosen = _choose_items(forum, items, field, kind)
    if not chosen:
        raise ServiceError(ServiceError.INVALID, _("A round needs at least one shown item."))
    if len(chosen) > MAX_ITEMS:
        raise ServiceError(ServiceError.INVALID, _("A round can have at most %(max)d items.") % {"max": MAX_ITEMS})
    if not isinstance(secret, bool) or not isinstance(allow_own, bool):
        raise ServiceError(ServiceError.INVALID, _("Say yes or no."))
    round_ = Round(forum=forum, method=method, secret=secret, previous=previous)
    if method == Round.Method.DOTS:
        budget = _positive_int(budget, _("The budget"), maximum=MAX_BUDGET) or suggest_budget(len(chosen))
        per_item = _positive_int(per_item, _("The points per item"), maximum=budget) or min(budget, 3)
        round_.budget, round_.per_item, round_.allow_own = budget, per_item, allow_own
    if method == Round.Method.CONSENT and veto not in (None, ""):
        round_.veto = _positive_int(veto, _("The veto threshold"), maximum=10)
    round_.save()
    round_.items.set(chosen)
    record_event(forum, "round.opened", round_data(round_, sorted(i.pk for i in chosen)))
    audit(forum, actor, "forum.round.opened", {"round": round_.pk, "method": method, "items": len(chosen)})
    return round_


def _get_round(forum: Forum, round_id) -> Round:
    try:
        round_id = int(round_id)
    except (TypeError, ValueError):
        raise ServiceError(ServiceError.NOT_FOUND, _("This voting round does not exist.")) from None
    round_ = Round.objects.select_for_update().filter(pk=round_id, forum=forum).first()
    if round_ is None:
        raise ServiceError(ServiceError.NOT_FOUND, _("This voting round does not exist in this forum."))
    return round_


@transaction.atomic
def close_round(*, actor: Actor, forum: Forum, round) -> Round:
    """Close an open round (moderators): no more votes; a secret round's results become
    visible to everyone. Records ``round.closed``; the final tally follows."""
    forum = lock_forum(forum.pk)
    _require_moderator(actor, forum)
    round_ = _get_round(forum, round)
    if round_.status != Round.Status.OPEN:
        raise ServiceError(ServiceError.CLOSED, _("This voting round is already closed."))
    round_.status = Round.Status.CLOSED
    round_.closed_at = timezone.now()
    round_.save(update_fields=["status", "closed_at"])
    record_event(forum, "round.closed", round_data(round_))
    audit(forum, actor, "forum.round.closed", {"round": round_.pk})
    from realtime.tally import tally_changed

    tally_changed(forum_id=forum.pk, round_id=round_.pk)
    return round_


@transaction.atomic
def reopen_round(*, actor: Actor, forum: Forum, round) -> Round:
    """Open a new round like ``round`` (same method, limits and still-shown items); the
    old one is closed first if it is still open. Votes start afresh."""
    forum = lock_forum(forum.pk)
    _require_moderator(actor, forum)
    old = _get_round(forum, round)
    still_shown = list(old.items.filter(status=Item.Status.VISIBLE).values_list("pk", flat=True))
    if not still_shown:
        raise ServiceError(ServiceError.INVALID, _("A round needs at least one shown item."))
    if old.status == Round.Status.OPEN:
        close_round(actor=actor, forum=forum, round=old.pk)
    return open_round(
        actor=actor,
        forum=forum,
        method=old.method,
        items=still_shown,
        budget=old.budget,
        per_item=old.per_item,
        secret=old.secret,
        allow_own=old.allow_own,
        veto=old.veto if old.method == Round.Method.CONSENT else None,
        previous=old,
    )
