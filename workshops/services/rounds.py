"""Voting rounds: open, close, reopen as new. Votes themselves are in ``votes``."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workshops import rules
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.methods import METHODS, PASSIVE_OPTION, Dots, method_of
from workshops.models import Forum, Item, Round
from workshops.selectors import round_data
from workshops.services.events import (
    audit,
    lock_forum,
    lock_forums,
    record_event,
    tally_changed,
)
from workshops.services.forums import move_phase
from workshops.services.measures import record_evaluations
from workshops.services.values import whole_number
from workshops.text import clean_user_text

MAX_BUDGET = Dots.MAX_BUDGET
MAX_ITEMS = 200
suggest_budget = Dots.suggest_budget


def _require_moderator(actor: Actor, forum: Forum) -> None:
    if not rules.can_moderate(actor, forum):
        raise ServiceError(ServiceError.FORBIDDEN, _("Only the forum's moderators can do this."))


def _positive_int(value, name: str, *, maximum: int):
    return whole_number(
        value,
        low=1,
        high=maximum,
        message=_("%(name)s must be a whole number from 1 to %(max)d.")
        % {"name": name, "max": maximum},
    )


def _choose_items(
    forum: Forum, items: list[int] | None, field: int | None, kind: str | None
) -> list[Item]:
    from django.db.models import Q

    from workshops.selectors import plenary_pool

    pool = Q(forum=forum)
    if forum.kind == Forum.Kind.PLENARY:  # the plenary votes on the shortlisted measures too
        pool |= plenary_pool(forum.conference_id)
    visible = Item.objects.filter(pool, status=Item.Status.VISIBLE)
    if items:
        ids = set(items)
        chosen = list(visible.filter(pk__in=ids))
        if len(chosen) != len(ids) or len(ids) != len(items):
            raise ServiceError(
                ServiceError.INVALID, _("An item you chose is not shown in this forum.")
            )
        return chosen
    if field is not None:
        if not forum.fields.filter(pk=field).exists():
            raise ServiceError(
                ServiceError.INVALID,
                _("This action field is not part of this forum. Choose one from the list."),
            )
        visible = visible.filter(field_id=field)
    if kind is not None:
        if kind not in Item.Kind.values:
            raise ServiceError(
                ServiceError.INVALID, _("Choose whether this is a need, a goal or a measure.")
            )
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
    secret: bool | None = None,
    allow_own=True,
    veto=None,
    previous: Round | None = None,
) -> Round:
    """Open a voting round on the chosen items, or on all shown items of an action field
    and/or kind (moderators). Records ``round.opened``.

    The method checks and sets its limits (``VotingMethod.configure``): a dots round
    without a budget gets ``suggest_budget``, ``per_item`` defaults to the smaller of the
    budget and 3; a consent round's veto threshold defaults to 8. The round's method,
    limits and items never change after this.

    ``secret``: whether the room sees the tally only once the round closes (or the
    moderator reveals it); None leaves it to the method (``VotingMethod.hides_tally``:
    hidden, and an adoption round always).
    """
    _require_moderator(actor, forum)
    forum = lock_forum(forum.pk)
    if method not in METHODS:
        raise ServiceError(ServiceError.INVALID, _("Choose a voting method."))
    chosen = _choose_items(forum, items, field, kind)
    if not chosen:
        raise ServiceError(ServiceError.INVALID, _("A round needs at least one shown item."))
    if len(chosen) > MAX_ITEMS:
        raise ServiceError(
            ServiceError.INVALID, _("A round can have at most %(max)d items.") % {"max": MAX_ITEMS}
        )
    round_ = Round(
        forum=forum,
        method=method,
        secret=method_of(method).hides_tally(secret),
        previous=previous,
    )
    method_of(method).configure(
        round_,
        item_count=len(chosen),
        budget=budget,
        per_item=per_item,
        allow_own=allow_own,
        veto=veto,
    )
    round_.save()
    round_.items.set(chosen)
    # The room votes now: phones and the screen put the ballot first (recorded before the
    # round, so a client shows the ballot the moment the round arrives).
    move_phase(forum, Forum.Phase.VOTING)
    record_event(forum, "round.opened", round_data(round_, sorted(i.pk for i in chosen)))
    audit(
        forum,
        actor,
        "forum.round.opened",
        {"round": round_.pk, "method": method, "items": len(chosen)},
    )
    return round_


def _get_round(forum: Forum, round_id: int) -> Round:
    round_ = Round.objects.select_for_update().filter(pk=round_id, forum=forum).first()
    if round_ is None:
        raise ServiceError(
            ServiceError.NOT_FOUND, _("This voting round does not exist in this forum.")
        )
    return round_


@transaction.atomic
def close_round(*, actor: Actor, forum: Forum, round: int, decide: bool = True) -> Round:
    """Close an open round (moderators): no more votes; a secret round's results become
    visible to everyone. Records ``round.closed``; the final tally follows.

    An adoption round in a plenary proposes, it does not decide: the console shows for
    each measure the decision its tally carries (``Adoption.proposal``) and the moderator
    confirms it or decides otherwise (``items.adopt_item``), so no measure is adopted
    without a person saying so. ``decide=False`` (a round set aside because its votes
    cannot count, ``cards.set_cards_required``) writes no evaluations either.
    """
    _require_moderator(actor, forum)  # before anything is read or locked
    item_forums = []
    if forum.kind == Forum.Kind.PLENARY:  # its evaluations reach the measures' forums
        item_forums = list(
            Item.objects.filter(rounds__pk=round, rounds__forum=forum).values_list(
                "forum_id", flat=True
            )
        )
    plenaries = Forum.objects.filter(
        conference_id=forum.conference_id, kind=Forum.Kind.PLENARY
    ).values_list("pk", flat=True)
    locked = lock_forums([forum.pk, *item_forums, *(plenaries if item_forums else [])])
    forum = locked[forum.pk]
    round_ = _get_round(forum, round)
    if round_.status != Round.Status.OPEN:
        raise ServiceError(ServiceError.CLOSED, _("This voting round is already closed."))
    round_.status = Round.Status.CLOSED
    round_.closed_at = timezone.now()
    round_.save(update_fields=["status", "closed_at"])
    if not forum.rounds.filter(status=Round.Status.OPEN).exclude(pk=round_.pk).exists():
        # The last open round closes: the room looks at the results.
        move_phase(forum, Forum.Phase.RESULTS)
    record_event(forum, "round.closed", round_data(round_))
    audit(forum, actor, "forum.round.closed", {"round": round_.pk})
    if decide:  # a measure carried over from the previous conference keeps the result
        record_evaluations(actor=actor, round_=round_)

    tally_changed(forum_id=forum.pk, round_id=round_.pk)
    return round_


@transaction.atomic
def reopen_round(*, actor: Actor, forum: Forum, round: int, decide: bool = True) -> Round:
    """Open a new round like ``round`` (same method, limits and still-shown items); the
    old one is closed first if it is still open (deciding as ``close_round`` does, unless
    ``decide`` is False). Votes start afresh."""
    _require_moderator(actor, forum)
    forum = lock_forum(forum.pk)
    old = _get_round(forum, round)
    still_shown = list(old.items.filter(status=Item.Status.VISIBLE).values_list("pk", flat=True))
    if not still_shown:
        raise ServiceError(ServiceError.INVALID, _("A round needs at least one shown item."))
    if old.status == Round.Status.OPEN:
        close_round(actor=actor, forum=forum, round=old.pk, decide=decide)
    return open_round(
        actor=actor,
        forum=forum,
        method=old.method,
        items=still_shown,
        secret=old.secret,
        previous=old,
        **method_of(old.method).reopen_limits(old),
    )


def resume_refusal(forum: Forum, round_: Round):
    """Why a closed round cannot be opened again as it was (None: it can): the plenary's
    decision on one of its measures is recorded since (the moderator confirmed what its
    result proposed), or its closing wrote evaluations of carried-over measures; opening
    it again would leave those standing."""
    if (
        forum.kind == Forum.Kind.PLENARY
        and method_of(round_.method).decides
        and round_.items.filter(adopted__isnull=False).exists()
    ):
        return _(
            "The plenary's decision on a measure of this round is recorded, so the round "
            "cannot be opened again; “Vote again (new round)” starts a new one."
        )
    if round_.evaluations.exists():
        return _(
            "This round has written its result to carried-over measures and cannot be "
            "opened again; “Vote again (new round)” starts a new one."
        )
    return None


@transaction.atomic
def resume_round(*, actor: Actor, forum: Forum, round: int) -> Round:
    """Open a closed round again as it was, its votes and paper votes kept (moderators;
    the step bar's "Back", services/steps.py): phones may vote and change their votes
    again; a secret round's totals are hidden again. Refused when its closing decided
    something (``resume_refusal``). Moves the forum to voting; records ``round.opened``
    (the same id) and the audit entry ``forum.round.resumed``; the tally follows."""
    _require_moderator(actor, forum)
    forum = lock_forum(forum.pk)
    round_ = _get_round(forum, round)
    if round_.status != Round.Status.CLOSED:
        raise ServiceError(ServiceError.INVALID, _("This voting round is still open."))
    refusal = resume_refusal(forum, round_)
    if refusal is not None:
        raise ServiceError(ServiceError.INVALID, refusal)
    round_.status = Round.Status.OPEN
    round_.closed_at = None
    round_.save(update_fields=["status", "closed_at"])
    move_phase(forum, Forum.Phase.VOTING)
    record_event(forum, "round.opened", round_data(round_))
    audit(forum, actor, "forum.round.resumed", {"round": round_.pk})

    tally_changed(forum_id=forum.pk, round_id=round_.pk)
    return round_


@transaction.atomic
def reveal_round(*, actor: Actor, forum: Forum, round: int) -> Round:
    """Show a secret (blind) round's tally to everyone before it closes (moderators).
    A vote on a decision (adoption) shows its result when it closes, never before: the
    room would see how it goes while people still decide. Records ``round.updated``;
    the tally follows to every client."""
    _require_moderator(actor, forum)
    forum = lock_forum(forum.pk)
    round_ = _get_round(forum, round)
    if method_of(round_.method).decides:
        raise ServiceError(
            ServiceError.INVALID,
            _("The result of a vote on a decision shows when the round closes, not before."),
        )
    if not round_.secret or round_.revealed or round_.status != Round.Status.OPEN:
        raise ServiceError(
            ServiceError.INVALID, _("The results of this round are already visible.")
        )
    round_.revealed = True
    round_.save(update_fields=["revealed"])
    record_event(forum, "round.updated", round_data(round_))
    audit(forum, actor, "forum.round.revealed", {"round": round_.pk})

    tally_changed(forum_id=forum.pk, round_id=round_.pk)
    return round_


@transaction.atomic
def add_analog_count(
    *, actor: Actor, forum: Forum, round: int, item: int, count: int, value: int = 1, note: str = ""
) -> None:
    """Add votes cast on paper or a pin board to an option of a round (moderators):
    ``count`` times ``value`` (the method's ``analog_values``; support and dots: value 1,
    so ``count`` supporters or points; consent: a resistance 0-10; adoption: 1, -1 or 0).
    Shown as "on paper", never mixed into the phone votes; the ranking counts both."""
    from workshops.models import AnalogCount

    _require_moderator(actor, forum)
    forum = lock_forum(forum.pk)
    round_ = _get_round(forum, round)
    option = item
    method = method_of(round_.method)
    if not round_.items.filter(pk=option).exists() and not (
        method.passive_option and option == PASSIVE_OPTION
    ):
        raise ServiceError(ServiceError.INVALID, _("This item is not part of this voting round."))
    count = _positive_int(count, _("The number"), maximum=10000)
    value = method.check_analog_value(value)
    AnalogCount.objects.create(
        round=round_,
        option=option,
        value=value,
        count=count,
        note=clean_user_text(note)[:200],
    )
    audit(
        forum,
        actor,
        "forum.round.analog_added",
        {"round": round_.pk, "item": option, "value": value, "count": count},
    )

    tally_changed(forum_id=forum.pk, round_id=round_.pk)
