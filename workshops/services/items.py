"""Items: propose, edit, hide, restore, merge; and an author's edit or withdrawal of their own.

Each public function is one state change: check the rules, lock the forum, write, record
the event (and, for moderators, the audit entry), all in one transaction.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workshops import rules, signatures
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.methods import method_of
from workshops.models import ActionField, Forum, Item
from workshops.selectors import item_data, round_data
from workshops.services.events import (
    audit,
    lock_forum,
    lock_forums,
    record_event,
    tally_changed,
)
from workshops.services.goals import check_sub_goal
from workshops.services.plenaries import PlenaryEcho
from workshops.text import clean_user_text

# What an item may answer: a goal answers needs, a measure answers goals.
REF_KIND = {Item.Kind.GOAL: Item.Kind.NEED, Item.Kind.MEASURE: Item.Kind.GOAL}
MAX_REFS = 20


def clean_text(raw) -> str:
    """The text cleaned by ``workshops.text.clean_user_text`` (several lines allowed).

    Raises ``invalid`` for empty text and for text over the limit, both counted after
    cleaning, as docs/protocol.md says.
    """
    if not isinstance(raw, str):
        raise ServiceError(ServiceError.INVALID, _("Please write some text."), field="text")
    text = clean_user_text(raw, multiline=True)
    if not text:
        raise ServiceError(ServiceError.INVALID, _("Please write some text."), field="text")
    limit = settings.ITEM_TEXT_MAX
    if len(text) > limit:
        raise ServiceError(
            ServiceError.INVALID,
            _("The text is too long: at most %(limit)d characters, this one has %(count)d.")
            % {"limit": limit, "count": len(text)},
            field="text",
        )
    return text


def _check_kind(kind) -> str:
    if kind not in Item.Kind.values:
        raise ServiceError(
            ServiceError.INVALID,
            _("Choose whether this is a need, a goal or a measure."),
            field="kind",
        )
    return kind


def _check_field(forum: Forum, field_id) -> ActionField:
    if isinstance(field_id, bool) or not isinstance(field_id, (int, str)):
        raise ServiceError(ServiceError.INVALID, _("Choose an action field."), field="field")
    try:
        field_id = int(field_id)
    except ValueError:
        raise ServiceError(
            ServiceError.INVALID, _("Choose an action field."), field="field"
        ) from None
    field = forum.fields.filter(pk=field_id).first()
    if field is None:
        raise ServiceError(
            ServiceError.INVALID,
            _("This action field is not part of this forum. Choose one from the list."),
            field="field",
        )
    return field


def _check_refs(forum: Forum, kind: str, refs: Iterable) -> list[Item]:
    ref_ids = set()
    for ref in refs:
        if isinstance(ref, bool) or not isinstance(ref, (int, str)):
            raise ServiceError(ServiceError.INVALID, _("These links are not valid."), field="refs")
        try:
            ref_ids.add(int(ref))
        except ValueError:
            raise ServiceError(
                ServiceError.INVALID, _("These links are not valid."), field="refs"
            ) from None
    if not ref_ids:
        return []
    wanted = REF_KIND.get(kind)
    if wanted is None:
        raise ServiceError(
            ServiceError.INVALID, _("A need does not answer other items."), field="refs"
        )
    if len(ref_ids) > MAX_REFS:
        raise ServiceError(
            ServiceError.INVALID,
            _("An item can answer at most %(max)d others.") % {"max": MAX_REFS},
            field="refs",
        )
    found = list(Item.objects.filter(pk__in=ref_ids, forum=forum, status=Item.Status.VISIBLE))
    if len(found) != len(ref_ids):
        raise ServiceError(
            ServiceError.INVALID,
            _("An item you linked is not in this forum or is no longer shown."),
            field="refs",
        )
    if any(item.kind != wanted for item in found):
        if kind == Item.Kind.GOAL:
            message = _("A goal can only answer needs.")
        else:
            message = _("A measure can only answer goals.")
        raise ServiceError(ServiceError.INVALID, message, field="refs")
    return found


def _get_item(forum: Forum, item_id: int) -> Item:
    item = Item.objects.select_related("author").filter(pk=item_id, forum=forum).first()
    if item is None:
        raise ServiceError(ServiceError.NOT_FOUND, _("This item does not exist in this forum."))
    return item


def _lock_with_plenaries(forum: Forum) -> tuple[Forum, PlenaryEcho]:
    """Lock the forum and its conference's plenaries (house order: plenaries first).
    Only moderators' item changes take this wider lock, after the permission check (a
    refused command costs no lock); proposals lock their forum only."""
    plenary_ids = [pk for pk in _plenary_ids(forum.conference_id) if pk != forum.pk]
    locked = lock_forums([forum.pk, *plenary_ids])
    return locked[forum.pk], PlenaryEcho(forum.conference_id, [locked[pk] for pk in plenary_ids])


def _refuse_carried(item: Item) -> None:
    """A measure brought in from the previous conference keeps its wording: it is the
    record of what that conference adopted."""
    if item.origin_id is not None:
        raise ServiceError(
            ServiceError.INVALID,
            _("This measure comes from the previous conference and cannot be changed here."),
        )


def _require_moderator(actor: Actor, forum: Forum) -> None:
    if not rules.can_moderate(actor, forum):
        raise ServiceError(ServiceError.FORBIDDEN, _("Only the forum's moderators can do this."))


def _check_proposal_rate(actor: Actor) -> None:
    """At most ``PROPOSALS_PER_MINUTE`` proposals per participant in any 60 seconds,
    counted in the database: every socket, tab and server process of one participant
    shares the limit. Moderators are not limited (they capture what the room says)."""
    limit = settings.PROPOSALS_PER_MINUTE
    if not limit or actor.participant is None or actor.user_id:
        return
    since = timezone.now() - timedelta(seconds=60)
    if Item.objects.filter(author=actor.participant, created_at__gte=since).count() >= limit:
        raise ServiceError(
            ServiceError.RATE_LIMITED,
            _("You have made many proposals in a short time. Please wait a minute."),
        )


def _check_room(forum: Forum) -> None:
    """At most ``FORUM_ITEMS_MAX`` items in a forum (every status): what bounds the
    forum's snapshot (docs/operations.md). Counted under the forum's lock."""
    limit = settings.FORUM_ITEMS_MAX
    if limit and Item.objects.filter(forum=forum).count() >= limit:
        raise ServiceError(
            ServiceError.CLOSED,
            _("This forum has reached its limit of %(limit)d proposals.") % {"limit": limit},
        )


def _proposal_language(actor: Actor) -> str:
    """The language a new proposal is taken to be written in: the participant's language
    (a moderator capturing what the room says writes German)."""
    if actor.participant is not None and not actor.user_id:
        return actor.participant.language or ""
    return "de"


@transaction.atomic
def propose_item(
    *,
    actor: Actor,
    forum: Forum,
    field,
    kind,
    text,
    refs: Iterable = (),
    details: dict | None = None,
    sub_goal: int | None = None,
) -> Item:
    """Add a need, goal or measure to the forum.

    Precondition: the actor is a participant of the forum's conference while proposals
    are open, or a moderator. A measure may come with ``details`` (lead, partners,
    timeframe, resources, indicator; each optional, see ``measures.clean_details``); a
    goal or measure with the id of the sub-goal of its action field it works towards
    (``goals.check_sub_goal``). Records ``item.added``.
    """
    forum = lock_forum(forum.pk)
    if not rules.can_take_part(actor, forum):
        raise ServiceError(
            ServiceError.FORBIDDEN, _("Join this forum with its code before you make a proposal.")
        )
    if not rules.can_propose(actor, forum):
        raise ServiceError(
            ServiceError.CLOSED, _("Proposals are closed in this forum at the moment.")
        )
    _check_proposal_rate(actor)
    _check_room(forum)
    text = clean_text(text)
    kind = _check_kind(kind)
    field = _check_field(forum, field)
    ref_items = _check_refs(forum, kind, refs)
    from workshops.services.measures import clean_details

    linked = check_sub_goal(forum, field, kind, sub_goal)

    detail_values = clean_details(details or {})
    if kind != Item.Kind.MEASURE and any(detail_values.values()):
        raise ServiceError(
            ServiceError.INVALID, _("Only measures have a lead, partners and a time frame.")
        )
    item = Item.objects.create(
        forum=forum,
        field=field,
        kind=kind,
        text=text,
        author=actor.participant if actor.participant and not actor.user_id else None,
        author_user_id=actor.user_id,
        language=_proposal_language(actor),
        sub_goal=linked,
        **detail_values,
    )
    if ref_items:
        item.refs.set(ref_items)
    signatures.index_item(item)
    record_event(forum, "item.added", item_data(item, sorted(r.pk for r in ref_items)))
    return item


def held_items(items: list[Item]) -> set[int]:
    """The ids of those items whose wording something already rests on, so that their
    author can no longer change or withdraw them: a voting round (open or closed), the
    plenary, a decision, a measure carried over, or proposals merged into it."""
    from workshops.models import Round

    ids = [i.pk for i in items]
    held = {
        i.pk for i in items if i.shortlisted or i.adopted is not None or i.origin_id is not None
    }
    in_rounds = Round.items.through.objects.filter(item_id__in=ids)
    held |= set(in_rounds.values_list("item_id", flat=True))
    held |= set(Item.objects.filter(merged_into__in=ids).values_list("merged_into_id", flat=True))
    return held


def _check_own(actor: Actor, forum: Forum, item: Item) -> None:
    """Refuse unless the actor may change this own proposal now (rules.can_change_own_item),
    with the reason in words."""
    held = item.pk in held_items([item])
    if rules.can_change_own_item(actor, forum, item, held=held):
        return
    if not rules.is_author(actor, item):
        raise ServiceError(
            ServiceError.FORBIDDEN, _("Only the person who proposed this can change it.")
        )
    if not forum.proposals_open:
        raise ServiceError(
            ServiceError.CLOSED, _("Proposals are closed, so proposals can no longer be changed.")
        )
    if item.status != Item.Status.VISIBLE:
        raise ServiceError(
            ServiceError.INVALID,
            _("This proposal is not shown at the moment, so it cannot be changed."),
        )
    raise ServiceError(
        ServiceError.INVALID,
        _("This proposal is already part of a vote or of the results, so it stays as it is."),
    )


@transaction.atomic
def edit_own_item(*, actor: Actor, forum: Forum, item: int, text: str) -> Item:
    """Change the text of one's own proposal while nothing holds it (``_check_own``).
    Records ``item.updated`` (and in the plenaries, when the item is in their pool)."""
    forum, echo = _lock_with_plenaries(forum)
    item = _get_item(forum, item)
    _check_own(actor, forum, item)
    text = clean_text(text)
    if text == item.text:
        return item
    item.text = text
    item.save(update_fields=["text", "updated_at"])
    signatures.index_item(item)
    echo.record(forum, "item.updated", item_data(item))
    echo.finish()
    return item


@transaction.atomic
def withdraw_own_item(*, actor: Actor, forum: Forum, item: int) -> int:
    """Withdraw one's own proposal while nothing holds it (``_check_own``): it is deleted,
    with the links to it. Records ``item.removed`` (``{"id"}``) and ``item.updated`` for
    every item that answered it (its refs shrank). Returns the id it had."""
    forum, echo = _lock_with_plenaries(forum)
    item = _get_item(forum, item)
    _check_own(actor, forum, item)
    answering = list(item.answered_by.select_related("author").order_by("pk"))
    item_id = item.pk
    item.delete()
    echo.record(forum, "item.removed", {"id": item_id})
    for other in answering:
        echo.record(forum, "item.updated", item_data(other))
    echo.finish()
    return item_id


@transaction.atomic
def edit_item(*, actor: Actor, forum: Forum, item: int, text: str) -> Item:
    """Change an item's text (moderators). Records ``item.updated``."""
    _require_moderator(actor, forum)
    forum, echo = _lock_with_plenaries(forum)
    item = _get_item(forum, item)
    if item.status == Item.Status.MERGED:
        raise ServiceError(ServiceError.INVALID, _("This item was merged into another one."))
    _refuse_carried(item)
    text = clean_text(text)
    if text == item.text:
        return item
    before = item.text
    item.text = text
    item.save(update_fields=["text", "updated_at"])
    signatures.index_item(item)
    echo.record(forum, "item.updated", item_data(item))
    echo.finish()
    audit(forum, actor, "forum.item.edited", {"item": item.pk, "before": before, "after": text})
    return item


@transaction.atomic
def hide_item(*, actor: Actor, forum: Forum, item: int) -> Item:
    """Hide a visible item from participants and the screen (moderators). Records
    ``item.hidden``."""
    _require_moderator(actor, forum)
    forum, echo = _lock_with_plenaries(forum)
    item = _get_item(forum, item)
    if item.status != Item.Status.VISIBLE:
        raise ServiceError(
            ServiceError.INVALID, _("This item is not shown, so it cannot be hidden.")
        )
    item.status = Item.Status.HIDDEN
    item.save(update_fields=["status", "updated_at"])
    signatures.index_item(item)
    echo.record(forum, "item.hidden", item_data(item))
    echo.finish()
    audit(forum, actor, "forum.item.hidden", {"item": item.pk})
    return item


@transaction.atomic
def restore_item(*, actor: Actor, forum: Forum, item: int) -> Item:
    """Show a hidden or merged item again (moderators). Records ``item.restored``.

    Restoring a merged item undoes the merge for the item itself; links that were moved to
    the other item stay there.
    """
    _require_moderator(actor, forum)
    forum, echo = _lock_with_plenaries(forum)
    item = _get_item(forum, item)
    if item.status == Item.Status.VISIBLE:
        raise ServiceError(ServiceError.INVALID, _("This item is already shown."))
    item.status = Item.Status.VISIBLE
    item.merged_into = None
    item.save(update_fields=["status", "merged_into", "updated_at"])
    signatures.index_item(item)
    echo.record(forum, "item.restored", item_data(item))
    echo.finish()
    audit(forum, actor, "forum.item.restored", {"item": item.pk})
    return item


@transaction.atomic
def merge_items(*, actor: Actor, forum: Forum, item: int, into: int) -> Item:
    """Merge a duplicate ``item`` into ``into`` (moderators).

    Both must be visible items of the same kind in this forum. The duplicate's links move
    to ``into``: what it answered, ``into`` now answers; what answered it, now answers
    ``into``. Records ``item.merged`` (the duplicate) and ``item.updated`` (``into``, whose
    refs may have grown), and returns ``into``.
    """
    _require_moderator(actor, forum)
    forum, echo = _lock_with_plenaries(forum)
    duplicate = _get_item(forum, item)
    target = _get_item(forum, into)
    if duplicate.pk == target.pk:
        raise ServiceError(ServiceError.INVALID, _("An item cannot be merged into itself."))
    if duplicate.status != Item.Status.VISIBLE or target.status != Item.Status.VISIBLE:
        raise ServiceError(ServiceError.INVALID, _("Only items that are shown can be merged."))
    _refuse_carried(duplicate)
    _refuse_carried(target)
    if duplicate.kind != target.kind:
        raise ServiceError(
            ServiceError.INVALID,
            _("Only items of the same kind (need, goal, measure) can be merged."),
        )
    target_refs = set(target.refs.values_list("pk", flat=True))
    moved_refs = set(duplicate.refs.values_list("pk", flat=True)) - target_refs
    if moved_refs:
        target.refs.add(*moved_refs)
    answering = list(duplicate.answered_by.exclude(pk=target.pk))
    for other in answering:
        other.refs.remove(duplicate)
        other.refs.add(target)
    duplicate.status = Item.Status.MERGED
    duplicate.merged_into = target
    duplicate.save(update_fields=["status", "merged_into", "updated_at"])
    signatures.index_item(duplicate)
    duplicate.refs.clear()
    echo.record(forum, "item.merged", item_data(duplicate, []))
    if moved_refs:
        echo.record(forum, "item.updated", item_data(target, sorted(target_refs | moved_refs)))
    for other in answering:
        echo.record(forum, "item.updated", item_data(other))
    echo.finish()
    report = _move_votes(forum, duplicate, target)
    audit(forum, actor, "forum.item.merged", {"item": duplicate.pk, "into": target.pk, **report})
    target.merge_report = report
    return target


def _move_votes(forum: Forum, duplicate: Item, target: Item) -> dict:
    """Move the duplicate's votes in the forum's open rounds to the target, within each
    round's limits. Closed rounds keep their result as it was.

    A person who voted on both keeps the vote on the target; for dots the two add up to
    at most the per-item limit and the points over it go back to the person. Returns
    {"moved": n, "not_moved": n} for the console and the audit log.
    """
    from workshops.models import Ballot, Round, Vote

    moved = not_moved = 0
    # Locked by id, the order the vote path share-locks rounds in (services/votes.py).
    rounds = (
        Round.objects.select_for_update()
        .filter(forum=forum, status=Round.Status.OPEN, items=duplicate)
        .order_by("pk")
    )
    for round_ in rounds:
        if not round_.items.filter(pk=target.pk).exists():
            round_.items.add(target)
        round_.items.remove(duplicate)
        for vote in Vote.objects.filter(round=round_, option=duplicate.pk):
            existing = None
            if vote.participant_id is not None:  # None: unlinked by the purge (services.privacy)
                existing = Vote.objects.filter(
                    round=round_, participant_id=vote.participant_id, option=target.pk
                ).first()
            if existing is None:
                Vote.objects.filter(pk=vote.pk).update(option=target.pk)
                moved += 1
                continue
            combined = method_of(round_.method).merged_value(round_, existing.value, vote.value)
            if combined is not None:
                given_back = existing.value + vote.value - combined
                Vote.objects.filter(pk=existing.pk).update(value=combined)
                if given_back:
                    Ballot.objects.filter(round=round_, participant_id=vote.participant_id).update(
                        used=models.F("used") - given_back
                    )
                    not_moved += 1
                else:
                    moved += 1
            else:
                not_moved += 1
            vote.delete()
        record_event(forum, "round.updated", round_data(round_))
        tally_changed(forum_id=forum.pk, round_id=round_.pk)
    return {"moved": moved, "not_moved": not_moved}


def _plenary_ids(conference_id: int) -> list[int]:
    return list(
        Forum.objects.filter(conference_id=conference_id, kind=Forum.Kind.PLENARY).values_list(
            "pk", flat=True
        )
    )


@transaction.atomic
def shortlist_item(*, actor: Actor, forum: Forum, item: int, shortlisted: bool) -> Item:
    """Send a measure of this forum to the plenary, or take it back (moderators).
    Records ``item.updated`` here and in every plenary of the conference, where the
    measure (with the goals and needs it answers) now shows or no longer does."""
    _require_moderator(actor, forum)
    forum, echo = _lock_with_plenaries(forum)
    item = _get_item(forum, item)
    if item.kind != Item.Kind.MEASURE:
        raise ServiceError(ServiceError.INVALID, _("Only measures go to the plenary."))
    if item.status != Item.Status.VISIBLE:
        raise ServiceError(
            ServiceError.INVALID, _("Only items that are shown can go to the plenary.")
        )
    if item.shortlisted == shortlisted:
        return item
    item.shortlisted = shortlisted
    item.save(update_fields=["shortlisted", "updated_at"])
    echo.record(forum, "item.updated", item_data(item))
    echo.finish()
    audit(
        forum,
        actor,
        "forum.item.shortlisted" if shortlisted else "forum.item.unshortlisted",
        {"item": item.pk},
    )
    return item


def _visible_in(forum: Forum, item_id: int) -> Item:
    """An item this forum shows: its own, or (in a plenary) one of the conference's pool."""
    from workshops.selectors import plenary_pool

    found = Item.objects.filter(pk=item_id, forum=forum).first()
    if found is None and forum.kind == Forum.Kind.PLENARY:
        found = Item.objects.filter(plenary_pool(forum.conference_id), pk=item_id).first()
    if found is None:
        raise ServiceError(ServiceError.NOT_FOUND, _("This item does not exist in this forum."))
    return found


def set_adopted(*, forum: Forum, item: Item, adopted: bool | None, locked: dict) -> None:
    """Write a decision and tell the item's forum and the plenaries (all locked)."""
    if item.adopted == adopted:
        return
    item.adopted = adopted
    item.save(update_fields=["adopted", "updated_at"])
    data = item_data(item)
    for locked_forum in locked.values():
        # its own forum and the plenaries, not the forums of the round's other items
        if locked_forum.pk == item.forum_id or locked_forum.kind == Forum.Kind.PLENARY:
            record_event(locked_forum, "item.updated", data)


@transaction.atomic
def adopt_item(*, actor: Actor, forum: Forum, item: int, adopted: bool | None) -> Item:
    """Mark a measure adopted (True) or rejected (False) by the plenary, or undecided
    (None) (moderators). Records ``item.updated`` in the measure's forum and the
    plenaries."""
    _require_moderator(actor, forum)
    target = _visible_in(forum, item)
    locked = lock_forums([forum.pk, target.forum_id, *_plenary_ids(forum.conference_id)])
    forum = locked[forum.pk]
    target.refresh_from_db()
    if target.kind != Item.Kind.MEASURE or target.status != Item.Status.VISIBLE:
        raise ServiceError(ServiceError.INVALID, _("Only measures that are shown can be adopted."))
    if _voted_on_now(target):
        raise ServiceError(
            ServiceError.CLOSED,
            _(
                "The plenary is still voting on this measure. Close the round first, then "
                "record the decision."
            ),
        )
    before = target.adopted
    set_adopted(forum=forum, item=target, adopted=adopted, locked=locked)
    if before != adopted:
        # ``adopted``: the decision now (also the key of entries written before ``before``)
        audit(
            forum,
            actor,
            "forum.item.adopted",
            {"item": target.pk, "before": before, "adopted": adopted},
        )
    return target


def _voted_on_now(item: Item) -> bool:
    """Whether a deciding round (adoption) that holds the item is still open, in any
    forum: its decision waits for the vote. Read under the forums' locks, which
    ``close_round`` and ``open_round`` take too."""
    from workshops.methods import METHODS
    from workshops.models import Round

    deciding = [name for name, method in METHODS.items() if method.decides]
    return Round.objects.filter(items=item, status=Round.Status.OPEN, method__in=deciding).exists()


@dataclass(frozen=True)
class Top:
    """What ``shortlist_top`` sent: the measures (rank order) and the N asked for; more
    when measures share the last place, fewer when fewer got votes."""

    items: list[Item]
    count: int


# The most measures one "Top N to the plenary" sends (workshops/commands.py bounds it).
MAX_TOP = 50


@transaction.atomic
def shortlist_top(*, actor: Actor, forum: Forum, round: int, count: int) -> "Top":
    """Send the ``count`` best-ranked measures of a closed round of this forum to the
    plenary in one step (moderators). Returns the measures of the top, in rank order,
    with the count asked for (``Top``).

    The ranking is the method's (``VotingMethod.rank_key`` over phone and paper votes
    together, as the console and the exports rank). Only shown measures of this forum
    take part (needs and goals do not go to the plenary), and only those the round
    carried (``VotingMethod.carried``: points, supporters, yes over no, a mean
    resistance below the veto), so an option nobody voted for is never sent. Ties: the
    measures that share the last place all go, so "Top 3" over places 1, 2, 3, 3 sends
    four; no draw decides for the room. Measures of the top that are already
    shortlisted stay so, others of the forum are left as they are. Records
    ``item.updated`` (here and in the plenaries) and ``forum.item.shortlisted`` for
    every measure it sends, all in one transaction.
    """
    from workshops.models import Round
    from workshops.selectors import round_totals

    _require_moderator(actor, forum)
    forum, echo = _lock_with_plenaries(forum)
    round_ = Round.objects.filter(pk=round, forum=forum).first()
    if round_ is None:
        raise ServiceError(
            ServiceError.NOT_FOUND, _("This voting round does not exist in this forum.")
        )
    if round_.status != Round.Status.CLOSED:
        raise ServiceError(
            ServiceError.CLOSED,
            _("This round is still open. Close it first: its ranking decides the top."),
        )
    if not 1 <= count <= MAX_TOP:
        raise ServiceError(
            ServiceError.INVALID,
            _("Choose how many measures go to the plenary: 1 to %(max)d.") % {"max": MAX_TOP},
            field="count",
        )
    method = method_of(round_.method)
    totals = round_totals(round_)["totals"]
    measures = list(
        round_.items.filter(forum=forum, kind=Item.Kind.MEASURE, status=Item.Status.VISIBLE)
    )
    ranked = []
    for measure in measures:
        tally = method.combined(totals.get(str(measure.pk)) or {})
        if tally and method.carried(tally, round_):
            ranked.append((method.rank_key(tally), measure.pk, measure))
    if not ranked:
        raise ServiceError(
            ServiceError.INVALID,
            _("No measure of this round got votes for it, so none goes to the plenary."),
        )
    ranked.sort(key=lambda entry: (entry[0], entry[1]))
    last = ranked[min(count, len(ranked)) - 1][0]
    top = [measure for key, _pk, measure in ranked if key <= last]
    for measure in top:
        if measure.shortlisted:
            continue
        measure.shortlisted = True
        measure.save(update_fields=["shortlisted", "updated_at"])
        echo.record(forum, "item.updated", item_data(measure))
        audit(
            forum,
            actor,
            "forum.item.shortlisted",
            {"item": measure.pk, "round": round_.pk, "top": count},
        )
    echo.finish()
    return Top(items=top, count=count)


@transaction.atomic
def set_sub_goal(*, actor: Actor, forum: Forum, item: int, sub_goal: int | None) -> Item:
    """Link a shown goal or measure to a sub-goal of its action field, or unlink it
    (``sub_goal`` None). ``item`` is of ``forum`` or, when ``forum`` is a plenary, of any
    forum of its conference. Precondition: the actor moderates the item's forum. Records
    ``item.updated`` (in the plenaries too, while the item is in their pool) and the
    audit entry ``forum.item.sub_goal_set``; setting the link it has changes nothing."""
    found_item = Item.objects.select_related("forum__conference").filter(pk=item).first()
    if found_item is None or not (
        found_item.forum_id == forum.pk
        or (
            forum.kind == Forum.Kind.PLENARY
            and found_item.forum.conference_id == forum.conference_id
        )
    ):
        raise ServiceError(ServiceError.NOT_FOUND, _("This item does not exist in this forum."))
    forum = found_item.forum
    _require_moderator(actor, forum)
    forum, echo = _lock_with_plenaries(forum)
    item = _get_item(forum, found_item.pk)
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
