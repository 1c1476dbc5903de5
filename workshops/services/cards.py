"""Voting cards: one person, one vote where it matters (typically the plenary).

The moderator prints a sheet of single-use cards; each card's code is shown once, on the
sheet, and stored only as a hash salted per forum. The first phone that uses a card
holds it; without a card a phone can watch but not vote.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workshops import rules
from workshops.actors import Actor
from workshops.codes import card_hash, new_card_code, normalize_card_code
from workshops.exceptions import ServiceError
from workshops.models import Forum, VotingCard
from workshops.selectors import forum_data
from workshops.services.events import audit, lock_forum, record_event

MAX_CARDS = 1000


@transaction.atomic
def issue_cards(*, actor: Actor, forum: Forum, count: int) -> list[str]:
    """Create ``count`` new cards (moderators) and return their codes, the only time
    they exist in plain text. Records nothing live: cards are paper."""
    if not rules.can_moderate(actor, forum):
        raise ServiceError(ServiceError.FORBIDDEN, _("Only the forum's moderators can do this."))
    forum = lock_forum(forum.pk)
    if not 1 <= count <= MAX_CARDS:
        raise ServiceError(
            ServiceError.INVALID, _("Print 1 to %(max)d cards at a time.") % {"max": MAX_CARDS}
        )
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(new_card_code())
    taken = set(
        VotingCard.objects.filter(
            forum=forum, code_hash__in=[card_hash(forum.card_salt, c) for c in codes]
        ).values_list("code_hash", flat=True)
    )
    codes = [c for c in codes if card_hash(forum.card_salt, c) not in taken]
    VotingCard.objects.bulk_create(
        VotingCard(forum=forum, code_hash=card_hash(forum.card_salt, c)) for c in codes
    )
    audit(forum, actor, "forum.cards.issued", {"count": len(codes)})
    return sorted(codes)


@transaction.atomic
def issue_kit_cards(*, actor: Actor, conference, count) -> dict[int, list[str]]:
    """For the print kit: ``count`` new cards for every forum of ``conference`` that
    requires cards (whoever runs the conference), by forum id. All or none."""
    if not rules.is_moderator(actor, conference):
        raise ServiceError(
            ServiceError.FORBIDDEN, _("Only the conference's moderators can do this.")
        )
    forums = list(conference.forums.filter(requires_cards=True).order_by("position", "id"))
    if not forums:
        raise ServiceError(
            ServiceError.INVALID, _("No forum of this conference requires voting cards.")
        )
    return {forum.pk: issue_cards(actor=actor, forum=forum, count=count) for forum in forums}


@transaction.atomic
def set_cards_required(
    *, actor: Actor, forum: Forum, required: bool, restart: bool = False
) -> Forum:
    """Require voting cards in this forum, or not (moderators). Records ``forum.updated``.

    Votes are never kept silently from before the switch: switching cards on while a
    round of the forum is open and already holds votes from phones is refused, since
    those votes were cast without a card (anyone can join again with fresh cookies and
    vote again) and would count, in a plenary's adoption round even decide. With
    ``restart`` each such round is closed without deciding anything and opened again
    (same items and limits; votes start afresh, now with cards); the audit entry names
    the rounds. Open rounds without votes simply continue with cards.
    """
    from workshops.models import Round
    from workshops.services.rounds import reopen_round

    if not rules.can_moderate(actor, forum):
        raise ServiceError(ServiceError.FORBIDDEN, _("Only the forum's moderators can do this."))
    forum = lock_forum(forum.pk)
    if forum.requires_cards == required:
        return forum
    voted = []
    if required:
        # The open rounds locked first: a vote share-locks its round before it reads
        # whether cards are required (services.votes), so a vote being written now is
        # waited for and counted here, and one arriving now waits and then needs a card.
        list(
            Round.objects.select_for_update()
            .filter(forum=forum, status=Round.Status.OPEN)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        voted = sorted(
            set(
                Round.objects.filter(
                    forum=forum, status=Round.Status.OPEN, votes__isnull=False
                ).values_list("pk", flat=True)
            )
        )
    if voted and not restart:
        raise ServiceError(
            ServiceError.INVALID,
            _(
                "Voting cards cannot be switched on while a round already holds votes cast without "
                "a card: they would count. Switch cards on with “Require voting cards and vote "
                "again” next to the round (it starts a new round), or close the round first."
            ),
        )
    forum.requires_cards = required
    forum.save(update_fields=["requires_cards"])
    record_event(forum, "forum.updated", forum_data(forum))
    audit(
        forum,
        actor,
        "forum.cards.required" if required else "forum.cards.not_required",
        {"restarted": voted} if voted else None,
    )
    for round_id in voted:
        reopen_round(actor=actor, forum=forum, round=round_id, decide=False)
    return lock_forum(forum.pk)


@transaction.atomic
def redeem_card(*, actor: Actor, forum: Forum, code) -> VotingCard:
    """Give the participant the card with this code. A card already held by another
    phone is refused; using one's own card again changes nothing."""
    participant = actor.participant
    if participant is None or not rules.is_participant(actor, forum.conference_id):
        raise ServiceError(
            ServiceError.FORBIDDEN, _("Join this forum with its code before you vote.")
        )
    normalized = normalize_card_code(code if isinstance(code, str) else "")
    card = None
    if normalized:
        card = VotingCard.objects.filter(
            forum=forum, code_hash=card_hash(forum.card_salt, normalized)
        ).first()
    if card is None:
        raise ServiceError(
            ServiceError.INVALID, _("This voting card code is not valid here. Please check it.")
        )
    if card.participant_id == participant.pk:
        return card
    if VotingCard.objects.filter(forum=forum, participant=participant).exists():
        raise ServiceError(ServiceError.INVALID, _("This phone already holds a voting card."))
    try:
        with transaction.atomic():
            # Conditional: of two phones using the same card at once, exactly one wins.
            won = VotingCard.objects.filter(pk=card.pk, participant__isnull=True).update(
                participant=participant, bound_at=timezone.now()
            )
    except IntegrityError:
        won = 0
    if not won:
        raise ServiceError(
            ServiceError.FORBIDDEN, _("This voting card is already used on another phone.")
        )
    card.refresh_from_db()
    return card
