"""Personal data: a participant leaves; a finished conference is purged.

What counts as personal data here: a participant's display name, stakeholder group and
language, the link from a proposal to its author, the links from votes and ballots to
their voter, the browser sessions that hold a participant id, the command ids and
answers a phone or a moderator's console sent (the live channel's command receipts,
deleted through ``events.forget_people``), and what
people wrote beyond the shown proposals: the texts of hidden items and the earlier
wording of edited ones in the event log, texts in the moderators' audit log.

What stays, because it is not about a person: every shown item, every vote (as a value
in a round, see ``models.Vote.ballot``), paper count, round and tally. Votes keep the
stakeholder group they were cast under (a copy taken at voting time, only ever shown as
a group total of at least ``MIN_GROUP_VOTERS``), so the results, the group breakdown
and every export are the same before and after. The full list is in
docs/accessibility-privacy.md.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workshops.exceptions import ServiceError
from workshops.identity import SESSION_KEY as PARTICIPANTS_SESSION_KEY
from workshops.models import (
    AuditEntry,
    Ballot,
    Conference,
    Forum,
    ForumEvent,
    Invitation,
    Item,
    Participant,
    Round,
    Vote,
    VotingCard,
)
from workshops.selectors import DETAIL_FIELDS, item_data, plenary_pool
from workshops.services.events import forget_people, lock_forums, record_event

# Audit entries whose data holds text people wrote, and the keys that hold it.
AUDIT_TEXTS = {
    "forum.item.edited": ("before", "after"),
    "forum.measure.details": ("before", "after"),
    "forum.announced": ("text",),
}


def _scrub_events(forum_ids, item_ids=None, name: str = "") -> int:
    """Blank the author's name in logged item events (the log replays to late clients):
    of every item, or of ``item_ids`` and of withdrawn (deleted) items signed ``name``."""
    changed = 0
    events = ForumEvent.objects.filter(forum_id__in=forum_ids, name__startswith="item.")
    existing = None
    for event in events.iterator():
        data = event.data
        if not isinstance(data, dict) or not data.get("author"):
            continue
        if item_ids is not None and data.get("id") not in item_ids:
            if existing is None:
                existing = set(
                    Item.objects.filter(forum_id__in=forum_ids).values_list("pk", flat=True)
                )
            if not name or data["author"] != name or data.get("id") in existing:
                continue
        data["author"] = ""
        ForumEvent.objects.filter(pk=event.pk).update(data=data)
        changed += 1
    return changed


def _scrub_event_texts(forum_ids) -> int:
    """Logged item events keep only what the item shows now: a hidden or merged item's
    events lose its text and details, an edited item's earlier events its earlier
    wording, a withdrawn (deleted) item's events all of it."""
    rows = Item.objects.filter(forum_id__in=forum_ids).values_list(
        "pk", "status", "text", *DETAIL_FIELDS
    )
    items = {
        pk: (status, text, dict(zip(DETAIL_FIELDS, details, strict=True)))
        for pk, status, text, *details in rows
    }
    changed = 0
    events = ForumEvent.objects.filter(forum_id__in=forum_ids, name__startswith="item.")
    for event in events.iterator():
        data = event.data
        if not isinstance(data, dict) or "id" not in data:
            continue
        status, text, details = items.get(data["id"], (None, "", {}))
        shown = status == Item.Status.VISIBLE
        wanted = dict(data)
        if "text" in wanted:
            wanted["text"] = text if shown else ""
        if isinstance(wanted.get("details"), dict):
            wanted["details"] = details if shown else {name: "" for name in DETAIL_FIELDS}
        if wanted.get("author") and not shown:
            wanted["author"] = ""
        if wanted != data:
            ForumEvent.objects.filter(pk=event.pk).update(data=wanted)
            changed += 1
    return changed


def _scrub_announcements(forum_ids) -> int:
    """Logged ``forum.updated`` events keep a forum's current announcement only: earlier
    ones are blanked (their texts leave the audit log too, ``AUDIT_TEXTS``)."""
    current = dict(Forum.objects.filter(pk__in=forum_ids).values_list("pk", "announcement"))
    changed = 0
    events = ForumEvent.objects.filter(forum_id__in=forum_ids, name="forum.updated")
    for event in events.iterator():
        data = event.data
        if not isinstance(data, dict) or not data.get("announcement"):
            continue
        if data["announcement"] != current.get(event.forum_id):
            ForumEvent.objects.filter(pk=event.pk).update(data={**data, "announcement": ""})
            changed += 1
    return changed


def _forget_invitations(conference: Conference) -> int:
    """The invitations to moderators go (names, addresses); the accounts stay."""
    invitations = Invitation.objects.filter(conference=conference)
    count = invitations.count()
    invitations.delete()
    return count


def _scrub_audit(conference: Conference) -> int:
    """Audit entries keep who did what to which item, not the texts (``AUDIT_TEXTS``)."""
    changed = 0
    for entry in AuditEntry.objects.filter(conference=conference, action__in=AUDIT_TEXTS):
        data = dict(entry.data) if isinstance(entry.data, dict) else {}
        keys = [key for key in AUDIT_TEXTS[entry.action] if key in data]
        if not keys:
            continue
        if isinstance(data.get("after"), dict):  # which details changed, without their values
            data["fields"] = sorted(data["after"])
        for key in keys:
            data.pop(key)
        data["texts_removed"] = True
        AuditEntry.objects.filter(pk=entry.pk).update(data=data)
        changed += 1
    return changed


def _unlink_votes(forum_ids) -> int:
    """Replace each vote's link to its participant with a ballot number that holds in
    its round only, in random order (``models.Vote``): the counts of voters per round
    and group stay, and no vote leads to a person or to their votes elsewhere."""
    shuffle = secrets.SystemRandom().shuffle
    changed = 0
    for round_id in Round.objects.filter(forum_id__in=forum_ids).values_list("pk", flat=True):
        votes = Vote.objects.filter(round_id=round_id)
        voters = list(
            votes.exclude(participant=None).values_list("participant_id", flat=True).distinct()
        )
        if not voters:
            continue
        shuffle(voters)
        first = (votes.aggregate(last=Max("ballot"))["last"] or 0) + 1
        for number, participant_id in enumerate(voters, first):
            changed += votes.filter(participant_id=participant_id).update(
                participant=None, ballot=number
            )
    return changed


def _plenaries_of(conference_id: int) -> list[int]:
    return list(
        Forum.objects.filter(conference_id=conference_id, kind=Forum.Kind.PLENARY).values_list(
            "pk", flat=True
        )
    )


def _tell_walls(forums: dict, plenary_ids: list[int], items: list[Item], conference_id: int):
    """An ``item.updated`` (without the name) for every shown item, in its forum and in
    every plenary that shows it: open walls drop the name at once. All locked."""
    pool = (
        set(
            Item.objects.filter(
                plenary_pool(conference_id), pk__in=[i.pk for i in items]
            ).values_list("pk", flat=True)
        )
        if plenary_ids
        else set()
    )
    for item in items:
        if item.status != Item.Status.VISIBLE:
            continue
        data = item_data(item)
        record_event(forums[item.forum_id], "item.updated", data)
        if item.pk in pool:
            for plenary_id in plenary_ids:
                if plenary_id != item.forum_id:
                    record_event(forums[plenary_id], "item.updated", data)


def leave_conference(*, participant: Participant) -> Participant:
    """The participant leaves: name, group and language are removed at once.

    Their proposals stay (without a name) and their votes stay in the totals. Every live
    wall that shows one of their proposals (its forum's, and a plenary's where the
    plenary shows it) gets an ``item.updated`` without the name, and the name is blanked
    in every logged event of the conference's forums, the plenaries' too. Their command
    receipts are deleted. The caller forgets the participant in the browser's session
    (``forget_participant``).
    """
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        conference_id, name = participant.conference_id, participant.display_name
        items = list(Item.objects.filter(author=participant).select_related("author"))
        plenary_ids = _plenaries_of(conference_id) if items else []
        forums = lock_forums({item.forum_id for item in items} | set(plenary_ids))
        participant.display_name = ""
        participant.group = ""
        participant.language = ""
        participant.name_on_screen = False
        participant.save(update_fields=["display_name", "group", "language", "name_on_screen"])
        all_forums = list(
            Forum.objects.filter(conference_id=conference_id).values_list("pk", flat=True)
        )
        _scrub_events(all_forums, {item.pk for item in items}, name)
        for item in items:
            item.author = participant
        _tell_walls(forums, plenary_ids, items, conference_id)
        forget_people(participant_ids=[participant.pk])
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
    return (
        is_finished(conference) and conference.date + timedelta(days=days) <= timezone.localdate()
    )


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
    the author links of its items (and the names in its logged events), the votes'
    links to their voters (``_unlink_votes``) and the ballots, the texts of hidden items
    and the earlier wording of edited ones in the event log, earlier announcements there
    (``_scrub_announcements``), the texts in its audit entries (``AUDIT_TEXTS``), the
    sessions that hold its participants and the command
    receipts of its participants and of whoever ran it (organisers, moderators, its
    forums' own moderators); voting cards are unbound. The counts
    of people the exports show are kept as they were (``participation_at_purge``).
    Records an ``item.updated`` (without the name) for every shown proposal that had
    one, in its forum and the plenaries that show it, and
    ``conference.personal_data.purged`` with the counts, which it returns.
    """
    from workshops.exports.data import participation_to_keep

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
        if not conference.participation_at_purge:  # a second purge finds the links gone
            conference.participation_at_purge = participation_to_keep(conference)
            conference.save(update_fields=["participation_at_purge"])
        named = list(
            Item.objects.filter(forum_id__in=forum_ids, status=Item.Status.VISIBLE)
            .exclude(author=None)
            .exclude(author__display_name="")
            .values_list("pk", flat=True)
        )
        moderators = (
            set(conference.moderators.values_list("pk", flat=True))
            | set(conference.organisers.values_list("pk", flat=True))
            | set(
                Forum.moderators.through.objects.filter(forum_id__in=forum_ids).values_list(
                    "user_id", flat=True
                )
            )
        ) | set(
            AuditEntry.objects.filter(conference=conference)
            .exclude(actor_user=None)
            .values_list("actor_user_id", flat=True)
        )
        counts = {
            "participants": participants.exclude(display_name="", group="", language="").update(
                display_name="", group="", language="", name_on_screen=False
            ),
            "authors": Item.objects.filter(forum_id__in=forum_ids, author__isnull=False).update(
                author=None
            ),
            "events": _scrub_events(forum_ids),
            "event_texts": _scrub_event_texts(forum_ids),
            "announcements": _scrub_announcements(forum_ids),
            "votes": _unlink_votes(forum_ids),
            "ballots": Ballot.objects.filter(round__forum_id__in=forum_ids).delete()[0],
            "audit": _scrub_audit(conference),
            "cards": VotingCard.objects.filter(
                forum_id__in=forum_ids, participant__isnull=False
            ).update(participant=None, bound_at=None),
            "receipts": forget_people(participant_ids=ids, user_ids=moderators),
            "sessions": _sessions_of(conference.pk),
            # names and addresses of invited moderators (their accounts stay)
            "invitations": _forget_invitations(conference),
        }
        # Walls still open (and the consumer's snapshot of this rev) lose the names too:
        # every change to the items bumps the forum's rev.
        items = list(Item.objects.filter(pk__in=named).select_related("author"))
        _tell_walls(forums, _plenaries_of(conference.pk), items, conference.pk)
        AuditEntry.objects.create(
            conference=conference, action="conference.personal_data.purged", data=counts
        )
    return counts
