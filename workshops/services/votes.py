"""Casting, changing and withdrawing a vote.

Votes do not bump the forum's rev and are not forum events: at the moment a round
opens, hundreds of votes a second arrive, and their effect reaches clients as coalesced
tallies (realtime/tally.py), computed from the database. The voter's own ballot comes
back in the ack.

Limits hold in the database, not in Python: one vote per (round, participant, option) is
a unique constraint, and a dots budget is spent on the participant's ``Ballot`` row,
locked for the transaction and changed with a conditional UPDATE, so a participant
firing votes from several tabs at several server processes cannot overspend.
"""
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from workshops import rules
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import PASSIVE_OPTION, Ballot, Forum, Item, Round, Vote

VALUE_RANGE = {
    Round.Method.SUPPORT: (1, 1),
    Round.Method.CONSENT: (0, 10),
    Round.Method.ADOPTION: (-1, 1),
}


def _as_int(value, message):
    if isinstance(value, bool):
        raise ServiceError(ServiceError.INVALID, message)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ServiceError(ServiceError.INVALID, message) from None


def _check_value(round_: Round, value):
    if value is None:
        return None
    value = _as_int(value, _("This vote is not valid."))
    if round_.method == Round.Method.DOTS:
        low, high = 1, round_.per_item
    else:
        low, high = VALUE_RANGE[round_.method]
    if not low <= value <= high:
        if round_.method == Round.Method.DOTS:
            message = _("At most %(max)d points on one item.") % {"max": high}
        else:
            message = _("This vote must be between %(low)d and %(high)d.") % {"low": low, "high": high}
        raise ServiceError(ServiceError.INVALID, message)
    return value


def my_ballot(round_: Round, participant_id: int) -> dict:
    """The participant's own votes in the round and, for dots, the points left."""
    votes = dict(Vote.objects.filter(round=round_, participant_id=participant_id).values_list("option", "value"))
    me = {"votes": {str(k): v for k, v in votes.items()}}
    if round_.method == Round.Method.DOTS:
        me["points_left"] = round_.budget - sum(votes.values())
    return me


@transaction.atomic
def cast_vote(*, actor: Actor, forum: Forum, round, item, value) -> dict:
    """Set the actor's vote on one option of an open round; ``value=None`` withdraws it.

    Precondition: a participant of the forum's conference; the round is open and in this
    forum; the option is one of its items still shown (or the Passivlösung of a consent
    round); the value is in the method's range; dots stay within ``per_item`` and the
    budget; dots on one's own proposal only if the round allows it. Returns the
    participant's ballot in this round (``my_ballot``) and schedules a tally.
    """
    participant = actor.participant
    if participant is None or not rules.is_participant(actor, forum.conference_id):
        raise ServiceError(ServiceError.FORBIDDEN, _("Join this forum with its code before you vote."))
    round_id = _as_int(round, _("This voting round does not exist."))
    # The forum as it is now (the caller's copy may be older than a moderator's switch).
    round_ = Round.objects.select_related("forum").filter(pk=round_id, forum_id=forum.pk).first()
    if round_ is None:
        raise ServiceError(ServiceError.NOT_FOUND, _("This voting round does not exist in this forum."))
    if round_.forum.requires_cards:
        from workshops.services.cards import holds_card

        if not holds_card(round_.forum, participant.pk):
            raise ServiceError(
                ServiceError.FORBIDDEN, _("Voting here needs a voting card. Scan yours or type its code.")
            )
    if round_.status != Round.Status.OPEN:
        raise ServiceError(ServiceError.CLOSED, _("This voting round is closed."))
    option = _as_int(item, _("This item is not part of this voting round."))
    if not (round_.method == Round.Method.CONSENT and option == PASSIVE_OPTION):
        target = round_.items.filter(pk=option).only("status", "author_id").first()
        if target is None:
            raise ServiceError(ServiceError.INVALID, _("This item is not part of this voting round."))
        if target.status != Item.Status.VISIBLE:
            raise ServiceError(ServiceError.INVALID, _("This item is no longer shown, so it cannot get votes."))
        if round_.method == Round.Method.DOTS and not round_.allow_own and target.author_id == participant.pk:
            raise ServiceError(ServiceError.INVALID, _("In this round you cannot give points to your own proposal."))
    value = _check_value(round_, value)

    if round_.method == Round.Method.DOTS:
        _spend_points(round_, participant, option, value)
    else:
        _write_vote(round_, participant, option, value)

    from realtime.tally import tally_changed

    tally_changed(forum_id=forum.pk, round_id=round_.pk)
    return my_ballot(round_, participant.pk)


def _write_vote(round_: Round, participant, option: int, value) -> None:
    rows = Vote.objects.filter(round=round_, participant=participant, option=option)
    if value is None:
        rows.delete()
        return
    if rows.update(value=value, group=participant.group):
        return
    try:
        with transaction.atomic():
            Vote.objects.create(round=round_, participant=participant, option=option, value=value, group=participant.group)
    except IntegrityError:
        # The same person's other tab created it a moment ago: last write wins.
        rows.update(value=value, group=participant.group)


def _spend_points(round_: Round, participant, option: int, value) -> None:
    participant_id, group = participant.pk, participant.group
    ballot, _created = Ballot.objects.get_or_create(round=round_, participant_id=participant_id)
    # Lock the ballot: this participant's votes in this round now run one at a time,
    # on every server process and database.
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    current = Vote.objects.filter(round=round_, participant_id=participant_id, option=option).first()
    delta = (value or 0) - (current.value if current else 0)
    if delta > 0:
        spent = Ballot.objects.filter(pk=ballot.pk, used__lte=round_.budget - delta).update(used=F("used") + delta)
        if not spent:
            left = round_.budget - ballot.used
            raise ServiceError(
                ServiceError.BUDGET,
                _("Not enough points left: you have %(left)d of %(budget)d.") % {"left": left, "budget": round_.budget},
            )
    elif delta < 0:
        Ballot.objects.filter(pk=ballot.pk).update(used=F("used") + delta)
    if value is None:
        if current:
            current.delete()
    elif current:
        Vote.objects.filter(pk=current.pk).update(value=value, group=group)
    else:
        Vote.objects.create(round=round_, participant_id=participant_id, option=option, value=value, group=group)
