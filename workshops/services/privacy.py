"""Personal data: a participant leaves; a finished conference is purged.

What counts as personal data here: a participant's display name, stakeholder group and
language, the link from a proposal to its author, the browser sessions that hold a
participant id, and the command ids a phone sent (``realtime.CommandReceipt``).

What stays, because it is not about a person: every item, vote, ballot, paper count,
round and tally. Votes keep the stakeholder group they were cast under (a copy taken at
voting time, only ever shown as a group total of at least ``MIN_GROUP_VOTERS``), so the
results, the group breakdown and every export are the same before and after.
"""
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from realtime.models import CommandReceipt
from workshops.exceptions import ServiceError
from workshops.identity import SESSION_KEY as PARTICIPANTS_SESSION_KEY
from workshops.models import AuditEntry, Conference, ForumEvent, Item, Participant, VotingCard
from workshops.selectors import item_data
from workshops.services.events import lock_forums, record_event


def _scrub_events(forum_ids, item_ids=None) -> int:
    """Blank the author's name in logged item events (the log replays to late clients)."""
    changed = 0
    events = ForumEvent.objects.filter(forum_id__in=forum_ids, name__startswith="item.")
    for event in events.iterator():
        data = event.data
        if not isinstance(data, dict) or not data.get("author"):
            continue
        if item_ids is not None and data.get("id") not in item_ids:
            continue
        data["author"] = ""
        ForumEvent.objects.filter(pk=event.pk).update(data=data)
        changed += 1
    return changed


def _receipts_of(participant_ids) -> int:
    senders = [f"p:{pk}" for pk in participant_ids]
    deleted, _by_model = CommandReceipt.objects.filter(sender__in=senders).delete()
    return deleted


def leave_conference(*, participant: Participant) -> Participant:
    """The participant leaves: name, group and language are removed at once.

    Their proposals stay (without a name) and their votes stay in the totals. Every live
    wall that shows one of their proposals gets an ``item.updated`` without the name, and
    the name is blanked in the logged events too. The caller forgets the participant in
    the browser's session (``forget_participant``).
    """
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        items = list(Item.objects.filter(author=participant).select_related("author"))
        forums = lock_forums({item.forum_id for item in items})
        participant.display_name = ""
        participant.group = ""
        participant.language = ""
        participant.save(update_fields=["display_name", "group", "language"])
        _scrub_events(list(forums), {item.pk for item in items})
        for item in items:
            item.author = participant
            if item.status == Item.Status.VISIBLE:
                record_event(forums[item.forum_id], "item.updated", item_data(item))
        _receipts_of([participant.pk])
    return participant


def forget_participant(session, conference_id: int) -> None:
    mapping = dict(session.get(PARTICIPANTS_SESSION_KEY) or {})
    mapping.pop(str(conference_id), None)
    session[PARTICIPANTS_SESSION_KEY] = mapping


def is_finished(conference: Conference) -> bool:
    return conference.date is not None and conference.date < timezone.localdate()


def is_expired(conference: Conference) -> bool:
    """Finished, and the retention period (``PERSONAL_DATA_RETENTION_DAYS``) is over."""
    days = settings.PERSONAL_DATA_RETENTION_DAYS
    return is_finished(conference) and conference.date + timedelta(days=days) <= timezone.localdate()


def _sessions_of(conference_id: int) -> int:
    """Delete every session that holds a participant of the conference."""
    key = str(conference_id)
    doomed = []
    for session in Session.objects.iterator():
        data = session.get_decoded()
        if key in (data.get(PARTICIPANTS_SESSION_KEY) or {}):
            doomed.append(session.pk)
    Session.objects.filter(pk__in=doomed).delete()
    return len(doomed)


def purge_personal_data(*, conference: Conference, force: bool = False) -> dict:
    """Remove all personal data of a finished conference; keep every result.

    Refused (``invalid``) while the conference is not finished (no date, or today or
    later) unless ``force``. Removes names, groups and languages of its participants,
    the author links of its items (and the names in its logged events), the sessions
    that hold its participants and their command receipts; voting cards are unbound.
    Records an ``item.updated`` (without the name) for every shown proposal that had
    one, and ``conference.personal_data.purged`` with the counts, which it returns.
    """
    if not force and not is_finished(conference):
        raise ServiceError(
            ServiceError.INVALID,
            _("The conference is not over yet: personal data is removed only afterwards."),
        )
    with transaction.atomic():
        conference = Conference.objects.select_for_update().get(pk=conference.pk)
        participants = Participant.objects.filter(conference=conference)
        ids = list(participants.values_list("pk", flat=True))
        forum_ids = list(conference.forums.values_list("pk", flat=True))
        forums = lock_forums(forum_ids)
        named = list(Item.objects.filter(forum_id__in=forum_ids, status=Item.Status.VISIBLE)
                     .exclude(author=None).exclude(author__display_name="").values_list("pk", flat=True))
        counts = {
            "participants": participants.exclude(display_name="", group="", language="").update(
                display_name="", group="", language=""
            ),
            "authors": Item.objects.filter(forum_id__in=forum_ids, author__isnull=False).update(author=None),
            "events": _scrub_events(forum_ids),
            "cards": VotingCard.objects.filter(forum_id__in=forum_ids, participant__isnull=False).update(
                participant=None, bound_at=None
            ),
            "receipts": _receipts_of(ids),
            "sessions": _sessions_of(conference.pk),
        }
        # Walls still open (and the consumer's snapshot of this rev) lose the names too:
        # every change to the items bumps the forum's rev.
        for item in Item.objects.filter(pk__in=named).select_related("author"):
            record_event(forums[item.forum_id], "item.updated", item_data(item))
        AuditEntry.objects.create(conference=conference, action="conference.personal_data.purged", data=counts)
    return counts
