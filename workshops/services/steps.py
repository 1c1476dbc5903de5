"""The step bar's "Next" and "Back": one press moves phones, projector, proposals and the
round together (the steps are workshops/steps.py).

What each step means for the room:

- Sammeln (collect): phase collecting, proposals open.
- Sortieren (sort): phase discussing, proposals closed; the moderator merges and hides
  duplicates.
- Abstimmen (vote): phase voting with a round open. If none is open, "Next" opens the
  default prioritising round ("Punkte verteilen": dots, ``DEFAULT_BUDGET`` points, at most
  ``DEFAULT_PER_ITEM`` per item, totals shown when it closes) on the forum's shown
  measures, or on those of them marked for the plenary when there are any. Without
  measures, and in a plenary, the moderator opens the round of their choice.
- Ergebnis (result): phase results; every open round is closed, so its ranking shows.
- Plenum (plenary, workshops only): the forum's result goes to the plenary (the measures
  marked for it); the phase stays "results".

"Back" reverses the last "Next" only, within ``steps.UNDO_SECONDS`` and while the forum is
still at the step it reached; it never sets votes aside (see ``step_back``).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workshops import rules, steps
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import Forum, Item, Round
from workshops.selectors import forum_data
from workshops.services import rounds as round_services
from workshops.services.events import audit, lock_forum, record_event

DEFAULT_METHOD = Round.Method.DOTS
DEFAULT_BUDGET = 3
DEFAULT_PER_ITEM = 2


def _require_moderator(actor: Actor, forum: Forum) -> None:
    if not rules.can_moderate(actor, forum):
        raise ServiceError(ServiceError.FORBIDDEN, _("Only the forum's moderators can do this."))


def _refuse(message) -> None:
    raise ServiceError(ServiceError.INVALID, message)


def default_round_items(forum: Forum) -> list[int]:
    """The items "Next" puts to the vote: the forum's shown measures, or only those
    marked for the plenary when some are."""
    measures = Item.objects.filter(forum=forum, kind=Item.Kind.MEASURE, status=Item.Status.VISIBLE)
    shortlisted = measures.filter(shortlisted=True)
    chosen = shortlisted if shortlisted.exists() else measures
    return list(chosen.order_by("pk").values_list("pk", flat=True))


def _open_rounds(forum: Forum) -> list[int]:
    return list(
        forum.rounds.filter(status=Round.Status.OPEN).order_by("pk").values_list("pk", flat=True)
    )


def _settle(forum: Forum, actor: Actor, *, phase, proposals_open=None, handed=False) -> Forum:
    """Bring the (re-locked) forum to the step's phase, proposals and plenary mark;
    records ``forum.updated`` when anything of it changed."""
    forum = lock_forum(forum.pk)  # fresh: a round service may have moved rev and phase
    before = (forum.phase, forum.proposals_open, forum.handed_to_plenary)
    forum.phase = phase
    if proposals_open is not None:
        forum.proposals_open = proposals_open
    forum.handed_to_plenary = handed
    if (forum.phase, forum.proposals_open, forum.handed_to_plenary) != before:
        forum.save(update_fields=["phase", "proposals_open", "handed_to_plenary"])
        record_event(forum, "forum.updated", forum_data(forum))
    return forum


@transaction.atomic
def advance(*, actor: Actor, forum: Forum, step: str | None = None) -> Forum:
    """Move the forum to its next step (moderators), all in one transaction: phase,
    proposals and the round as the module says. ``step``: the step the console showed
    as current; when the forum has moved on meanwhile (another moderator, a second
    click) nothing happens and the refusal says where it is now.

    Records ``forum.updated`` (and ``round.opened`` or ``round.closed`` with their own
    audit entries, through services/rounds.py) and the audit entry
    ``forum.step.advanced`` ``{"from", "to", "opened", "closed"}``; keeps what it did in
    ``Forum.step_undo`` for ``step_back``."""
    _require_moderator(actor, forum)
    forum = lock_forum(forum.pk)
    current = steps.current_step(forum)
    if step is not None and step != current:
        if step not in steps.NAMES:
            _refuse(_("Choose a step of the session."))
        _refuse(
            _("The session has moved on already: it is now at “%(step)s”.")
            % {"step": steps.BY_NAME[current].label}
        )
    following = steps.next_step(forum)
    if following is None:
        _refuse(_("This is the last step of the session."))
    record = {
        "from": current,
        "to": following,
        "at": timezone.now().isoformat(),
        "proposals_open": forum.proposals_open,
        "opened": None,
        "closed": [],
    }
    if following == "sort":
        forum = _settle(forum, actor, phase=Forum.Phase.DISCUSSING, proposals_open=False)
    elif following == "vote":
        if not _open_rounds(forum):
            record["opened"] = _open_default_round(actor, forum).pk
        forum = _settle(forum, actor, phase=Forum.Phase.VOTING, proposals_open=False)
    elif following == "result":
        for round_id in _open_rounds(forum):
            round_services.close_round(actor=actor, forum=forum, round=round_id)
            record["closed"].append(round_id)
        forum = _settle(forum, actor, phase=Forum.Phase.RESULTS)
    else:  # the plenary
        forum = _settle(forum, actor, phase=Forum.Phase.RESULTS, handed=True)
    forum.step_undo = record
    forum.save(update_fields=["step_undo"])
    audit(
        forum,
        actor,
        "forum.step.advanced",
        {k: record[k] for k in ("from", "to", "opened", "closed")},
    )
    return forum


def _open_default_round(actor: Actor, forum: Forum) -> Round:
    if forum.kind == Forum.Kind.PLENARY:
        _refuse(
            _(
                "In the plenary, open the round of your choice under “Open a voting round” "
                "(usually an adoption round); “Next” then closes it."
            )
        )
    items = default_round_items(forum)
    if not items:
        _refuse(
            _(
                "There are no measures to vote on. Open a round of your choice under "
                "“Open a voting round”; “Next” then closes it."
            )
        )
    return round_services.open_round(
        actor=actor,
        forum=forum,
        method=DEFAULT_METHOD,
        items=items,
        budget=DEFAULT_BUDGET,
        per_item=DEFAULT_PER_ITEM,
        # no ``secret``: the method's rule (totals when it closes, the turnout meanwhile)
    )


def _has_votes(round_: Round) -> bool:
    return round_.votes.exists() or round_.analog_counts.exists()


@transaction.atomic
def step_back(*, actor: Actor, forum: Forum) -> Forum:
    """Take the last "Next" back (moderators): the step before, as it was.

    Only the last step, within ``steps.UNDO_SECONDS``, and while the forum is still at
    the step it reached (a phase or round changed with the other switches ends it).
    Votes are never set aside: back from Abstimmen closes the round that "Next" opened
    only while it holds no vote (otherwise refused), without deciding anything; back
    from Ergebnis opens the rounds it closed again as they were, votes kept
    (``rounds.resume_round``; refused when closing decided measures).

    Records ``forum.updated`` (and the rounds' events) and the audit entry
    ``forum.step.undone`` ``{"from", "to"}``; afterwards there is nothing to take back."""
    _require_moderator(actor, forum)
    forum = lock_forum(forum.pk)
    record = forum.step_undo or {}
    if not record.get("to"):
        _refuse(_("There is no step to take back."))
    if steps.current_step(forum) != record["to"]:
        _refuse(
            _(
                "The session was changed after the last step, so it cannot be taken back. "
                "Use the switches below for phase, proposals and rounds."
            )
        )
    if not steps.undo_left(forum):
        _refuse(
            _("A step can be taken back for %(minutes)d minutes only.")
            % {"minutes": steps.UNDO_SECONDS // 60}
        )
    reached = record["to"]
    if reached == "sort":
        forum = _settle(
            forum, actor, phase=Forum.Phase.COLLECTING, proposals_open=record["proposals_open"]
        )
    elif reached == "vote":
        opened = forum.rounds.filter(pk=record.get("opened")).first()
        if opened is not None:
            if _has_votes(opened):
                _refuse(
                    _(
                        "People have voted in this round already: going back would set "
                        "their votes aside. Close the round with “Next” instead."
                    )
                )
            if opened.status == Round.Status.OPEN:
                round_services.close_round(actor=actor, forum=forum, round=opened.pk, decide=False)
        forum = _settle(
            forum, actor, phase=Forum.Phase.DISCUSSING, proposals_open=record["proposals_open"]
        )
    elif reached == "result":
        closed = list(forum.rounds.filter(pk__in=record.get("closed") or []).order_by("pk"))
        for round_ in closed:  # every refusal before anything changes
            refusal = round_services.resume_refusal(forum, round_)
            if refusal is not None:
                _refuse(refusal)
        for round_ in closed:
            if round_.status == Round.Status.CLOSED:
                round_services.resume_round(actor=actor, forum=forum, round=round_.pk)
        forum = _settle(forum, actor, phase=Forum.Phase.VOTING)
    else:  # back from the plenary to the result
        forum = _settle(forum, actor, phase=Forum.Phase.RESULTS, handed=False)
    forum.step_undo = {}
    forum.save(update_fields=["step_undo"])
    audit(forum, actor, "forum.step.undone", {"from": reached, "to": record["from"]})
    return forum
