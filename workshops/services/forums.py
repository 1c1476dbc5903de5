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
    if not rules.can_moderate(actor, forum):
        raise ServiceError(ServiceError.FORBIDDEN, _("Only the forum's moderators can do this."))
    forum = lock_forum(forum.pk)
    if forum.proposals_open == open:
        return forum
    forum.proposals_open = open
    forum.save(update_fields=["proposals_open"])
    record_event(forum, "forum.updated", forum_data(forum))
    audit(forum, actor, "forum.proposals.opened" if open else "forum.proposals.closed")
    return forum


# The countdown a moderator may start: from ten seconds to two hours.
TIMER_MIN_SECONDS = 10
TIMER_MAX_SECONDS = 2 * 60 * 60
ANNOUNCEMENT_MAX = 140


def _require_moderator(actor: Actor, forum: Forum) -> None:
    if not rules.can_moderate(actor, forum):
        raise ServiceError(ServiceError.FORBIDDEN, _("Only the forum's moderators can do this."))


def _changed(
    forum: Forum, actor: Actor, fields: list[str], action: str, data: dict | None = None
) -> Forum:
    forum.save(update_fields=fields)
    record_event(forum, "forum.updated", forum_data(forum))
    audit(forum, actor, action, data)
    return forum


@transaction.atomic
def set_screen_blank(*, actor: Actor, forum: Forum, blank: bool) -> Forum:
    """Black out the projector, or show it again (moderators): while blank, the screen
    page shows nothing but black, so the room looks at the speaker; phones are not
    affected. Records ``forum.updated``; the same state again changes nothing."""
    _require_moderator(actor, forum)
    forum = lock_forum(forum.pk)
    if forum.screen_blank == blank:
        return forum
    forum.screen_blank = blank
    return _changed(
        forum, actor, ["screen_blank"], "forum.screen.blanked" if blank else "forum.screen.shown"
    )


@transaction.atomic
def set_phase(*, actor: Actor, forum: Forum, phase: str) -> Forum:
    """Tell the room what it is doing now: collecting, discussing, voting or results
    (moderators). Records ``forum.updated``; the same phase again changes nothing.

    The phase is what phones and the screen put first; it does not open or close
    proposals or rounds by itself (those are their own switches, so a moderator can
    e.g. keep proposals open while discussing).
    """
    _require_moderator(actor, forum)
    forum = lock_forum(forum.pk)
    if phase not in Forum.Phase.values:
        raise ServiceError(
            ServiceError.INVALID, _("Choose a phase: collecting, discussing, voting or results.")
        )
    if forum.phase == phase:
        return forum
    before = forum.phase
    forum.phase = phase
    forum.handed_to_plenary = False  # a new phase: the step bar follows it (workshops/steps.py)
    return _changed(
        forum,
        actor,
        ["phase", "handed_to_plenary"],
        "forum.phase.changed",
        {"before": before, "after": phase},
    )


def move_phase(forum: Forum, phase: str) -> None:
    """Move a locked forum to ``phase`` as part of another moderator action (opening a
    round moves to voting, closing the last open one to results). Records
    ``forum.updated`` only when the phase changes; the calling service audits."""
    if forum.phase == phase:
        return
    forum.phase = phase
    forum.handed_to_plenary = False
    forum.save(update_fields=["phase", "handed_to_plenary"])
    record_event(forum, "forum.updated", forum_data(forum))


@transaction.atomic
def start_timer(*, actor: Actor, forum: Forum, seconds: int | None) -> Forum:
    """Start (or restart) a countdown of ``seconds`` shown on phones and the screen
    (moderators). ``None`` or 0 stops it. Records ``forum.updated``."""
    from datetime import timedelta

    from django.utils import timezone

    _require_moderator(actor, forum)
    forum = lock_forum(forum.pk)
    if not seconds:
        return _stop(forum, actor)
    if not TIMER_MIN_SECONDS <= seconds <= TIMER_MAX_SECONDS:
        raise ServiceError(
            ServiceError.INVALID,
            _("A timer runs from %(min)d seconds to %(max)d minutes.")
            % {"min": TIMER_MIN_SECONDS, "max": TIMER_MAX_SECONDS // 60},
        )
    forum.timer_seconds = seconds
    forum.timer_ends_at = timezone.now() + timedelta(seconds=seconds)
    fields = ["timer_seconds", "timer_ends_at"]
    return _changed(forum, actor, fields, "forum.timer.started", {"seconds": seconds})


@transaction.atomic
def stop_timer(*, actor: Actor, forum: Forum) -> Forum:
    """Take the countdown off phones and the screen (moderators). Records
    ``forum.updated`` when a timer was set."""
    _require_moderator(actor, forum)
    forum = lock_forum(forum.pk)
    return _stop(forum, actor)


def _stop(forum: Forum, actor: Actor) -> Forum:
    if forum.timer_ends_at is None:
        return forum
    forum.timer_ends_at = None
    forum.timer_seconds = None
    return _changed(forum, actor, ["timer_seconds", "timer_ends_at"], "forum.timer.stopped")


@transaction.atomic
def announce(*, actor: Actor, forum: Forum, text) -> Forum:
    """Show one line to the room on phones and the screen, or clear it with empty text
    (moderators). At most ANNOUNCEMENT_MAX characters after trimming; line breaks become
    spaces. Records ``forum.updated``."""
    _require_moderator(actor, forum)
    forum = lock_forum(forum.pk)
    if not isinstance(text, str):
        raise ServiceError(
            ServiceError.INVALID, _("The announcement must be text."), field="announcement"
        )
    import unicodedata

    text = " ".join("".join(ch if unicodedata.category(ch) != "Cc" else " " for ch in text).split())
    if len(text) > ANNOUNCEMENT_MAX:
        raise ServiceError(
            ServiceError.INVALID,
            _("The announcement is too long: at most %(limit)d characters, this one has %(count)d.")
            % {"limit": ANNOUNCEMENT_MAX, "count": len(text)},
            field="announcement",
        )
    if text == forum.announcement:
        return forum
    forum.announcement = text
    return _changed(
        forum,
        actor,
        ["announcement"],
        "forum.announced" if text else "forum.announcement.cleared",
        {"text": text},
    )
