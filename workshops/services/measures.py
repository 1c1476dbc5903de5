"""Measures after the vote: their details, their follow-up, publishing the results, and
bringing them into the next conference.

Every function is one state change in one transaction. Changes of an item that live
clients show (details, status, progress) lock the item's forum and the plenaries, bump
``rev`` and record ``item.updated`` there, as ``items`` does; conference-wide switches
write an audit entry with no forum.
"""

import datetime
import unicodedata

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workshops import rules, signatures
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import AuditEntry, Conference, Forum, Item, Lead, MeasureUpdate
from workshops.selectors import DETAIL_FIELDS, item_data
from workshops.services.events import lock_forums, record_event
from workshops.services.plenaries import PlenaryEcho
from workshops.services.values import whole_number

# The longest text each detail may have (the columns' max_length).
DETAIL_LIMITS = {name: Item._meta.get_field(name).max_length for name in DETAIL_FIELDS}
UPDATE_TEXT_MAX = MeasureUpdate._meta.get_field("text").max_length


def _detail_label(name: str):
    return {
        "lead": _("Lead"),
        "partners": _("Partners"),
        "timeframe": _("Time frame"),
        "resources": _("Resources"),
        "indicator": _("Indicator of success"),
    }[name]


def _one_line(raw) -> str:
    """Text on one line: control characters (newlines too) become spaces, runs of
    spaces shrink to one."""
    return " ".join("".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in raw).split())


def clean_details(raw: dict) -> dict:
    """The five details of a measure from ``raw`` (missing keys are empty), each trimmed
    to one line and within its limit; raises ``invalid`` naming the detail otherwise."""
    if not isinstance(raw, dict):
        raise ServiceError(ServiceError.INVALID, _("The details of a measure could not be read."))
    unknown = set(raw) - set(DETAIL_FIELDS)
    if unknown:
        raise ServiceError(ServiceError.INVALID, _("The details of a measure could not be read."))
    cleaned = {}
    for name in DETAIL_FIELDS:
        value = raw.get(name) or ""
        if not isinstance(value, str):
            raise ServiceError(
                ServiceError.INVALID, _("The details of a measure could not be read."), field=name
            )
        value = _one_line(value)
        limit = DETAIL_LIMITS[name]
        if len(value) > limit:
            raise ServiceError(
                ServiceError.INVALID,
                _("%(name)s is too long: at most %(limit)d characters, this one has %(count)d.")
                % {"name": _detail_label(name), "limit": limit, "count": len(value)},
                field=name,
            )
        cleaned[name] = value
    return cleaned


def _get_measure(item, actor: Actor, *, lead_may: bool = False) -> Item:
    """The measure, for a moderator of its conference (or, where ``lead_may``, for the
    lead it is assigned to, through the lead's link). Whether the actor may is asked
    before anything else is told about the item (its kind, its state)."""
    if isinstance(item, Item):
        item = item.pk
    if isinstance(item, bool):
        item = None
    if actor.lead is not None:
        return _get_lead_measure(item, actor.lead, lead_may)
    try:
        item_id = int(item)
    except (TypeError, ValueError):
        raise ServiceError(ServiceError.NOT_FOUND, _("This item does not exist.")) from None
    found = Item.objects.select_related("forum", "author").filter(pk=item_id).first()
    if found is None:
        raise ServiceError(ServiceError.NOT_FOUND, _("This item does not exist."))
    _require_conference_moderator(actor, found.forum.conference_id)
    if found.kind != Item.Kind.MEASURE:
        raise ServiceError(ServiceError.INVALID, _("Only measures have details and a status."))
    return found


def _get_lead_measure(item, lead: Lead, lead_may: bool) -> Item:
    """One of the measures ``lead`` leads, while its link is not revoked. An unknown id
    and another lead's measure get the same answer: a link tells nothing of the rest."""
    if not lead_may:
        raise ServiceError(
            ServiceError.FORBIDDEN, _("Only the conference's moderators can do this.")
        )
    if not Lead.objects.filter(pk=lead.pk, revoked_at=None).exists():
        raise ServiceError(ServiceError.FORBIDDEN, _("This link has been withdrawn."))
    found = None
    if isinstance(item, int) or (isinstance(item, str) and item.isdigit()):
        found = (
            Item.objects.select_related("forum", "author")
            .filter(pk=int(item), lead_org_id=lead.pk, kind=Item.Kind.MEASURE)
            .first()
        )
    if found is None:
        raise ServiceError(ServiceError.FORBIDDEN, _("This is not one of the measures you lead."))
    return found


def _require_conference_moderator(actor: Actor, conference_id: int) -> None:
    if not rules.is_moderator(actor, conference_id):
        raise ServiceError(
            ServiceError.FORBIDDEN, _("Only the conference's moderators can do this.")
        )


def _require_previous_moderator(actor: Actor, conference_id: int) -> None:
    """Only a conference the person may moderate can be named previous and copied from:
    conferences of other cities (or offices) stay separate."""
    if not rules.is_moderator(actor, conference_id):
        raise ServiceError(
            ServiceError.FORBIDDEN,
            _("You can only bring in measures of a conference you moderate."),
        )


def _conference_audit(
    conference_id: int, actor: Actor, action: str, data: dict, forum_id: int | None = None
):
    if actor.lead is not None:  # through the lead's link: no user, the lead is the actor
        data = {**data, "lead": actor.lead.pk}
    AuditEntry.objects.create(
        conference_id=conference_id,
        forum_id=forum_id,
        action=action,
        actor_user_id=actor.user_id,
        data=data,
    )


class _Echo:
    """Locks what a change of ``item`` must tell, in the house order: the item's forum,
    the plenaries of its conference, and the forums (and plenaries) of the conferences
    its carried-over copies live in, since those show its status read-only. ``record``
    then writes ``item.updated`` for the item and for each copy."""

    def __init__(self, item: Item):
        copies = list(Item.objects.filter(origin=item).select_related("forum"))
        conferences = {item.forum.conference_id} | {c.forum.conference_id for c in copies}
        plenaries = list(
            Forum.objects.filter(
                conference_id__in=conferences, kind=Forum.Kind.PLENARY
            ).values_list("pk", "conference_id")
        )
        self.locked = lock_forums(
            [item.forum_id, *(c.forum_id for c in copies), *(pk for pk, _c in plenaries)]
        )
        self.forum = self.locked[item.forum_id]
        self.echo = PlenaryEcho(
            item.forum.conference_id,
            [
                self.locked[pk]
                for pk, conf in plenaries
                if conf == item.forum.conference_id and pk != item.forum_id
            ],
        )
        self.copies = copies
        self.other_plenaries = {
            conf: [self.locked[pk] for pk, c in plenaries if c == conf]
            for conf in conferences - {item.forum.conference_id}
        }

    def record(self, item: Item) -> None:
        self.echo.record(self.forum, "item.updated", item_data(item))
        self.echo.finish()
        for copy in self.copies:
            copy.origin = item
            data = item_data(copy)
            record_event(self.locked[copy.forum_id], "item.updated", data)
            if copy.shortlisted and copy.status == Item.Status.VISIBLE:
                for plenary in self.other_plenaries.get(copy.forum.conference_id, []):
                    if plenary.pk != copy.forum_id:
                        record_event(plenary, "item.updated", data)


@transaction.atomic
def set_measure_details(*, actor: Actor, item, **details) -> Item:
    """Set a measure's lead, partners, time frame, resources and indicator (moderators
    of its conference). Details not named keep their value. Refused for a measure
    carried over from the previous conference. Records ``item.updated`` in its forum
    (and the plenaries) and the audit entry ``forum.measure.details``."""
    measure = _get_measure(item, actor)
    echo = _Echo(measure)
    measure.refresh_from_db()
    if measure.origin_id is not None:
        raise ServiceError(
            ServiceError.INVALID,
            _("This measure comes from the previous conference and cannot be changed here."),
        )
    if measure.status == Item.Status.MERGED:
        raise ServiceError(ServiceError.INVALID, _("This item was merged into another one."))
    current = {name: getattr(measure, name) for name in DETAIL_FIELDS}
    wanted = clean_details({**current, **details})
    changed = {name: value for name, value in wanted.items() if value != current[name]}
    if not changed:
        return measure
    for name, value in changed.items():
        setattr(measure, name, value)
    measure.save(update_fields=[*changed, "updated_at"])
    echo.record(measure)
    _conference_audit(
        measure.forum.conference_id,
        actor,
        "forum.measure.details",
        {"item": measure.pk, "before": {k: current[k] for k in changed}, "after": changed},
        forum_id=measure.forum_id,
    )
    return measure


def _require_adopted(measure: Item) -> None:
    if measure.adopted is not True or measure.status != Item.Status.VISIBLE:
        raise ServiceError(ServiceError.INVALID, _("Only adopted measures are followed up."))


def _progress(value) -> int | None:
    return whole_number(
        value,
        low=0,
        high=100,
        field="progress",
        message=_("The progress is a whole number from 0 to 100."),
    )


@transaction.atomic
def set_implementation_status(*, actor: Actor, item, status, progress=None) -> Item:
    """Set an adopted measure's implementation status (planned, in progress, done,
    dropped) and progress 0-100 (moderators of its conference, or its lead through the
    lead's link: ``Actor(lead=...)``). Without ``progress``
    the progress stays, except that "done" makes it 100. Records ``item.updated`` in its
    forum, the plenaries and wherever it was carried over to, and the audit entry
    ``forum.measure.status``."""
    measure = _get_measure(item, actor, lead_may=True)
    if status not in Item.Implementation.values:
        raise ServiceError(
            ServiceError.INVALID,
            _("Choose a status: planned, in progress, done or dropped."),
            field="status",
        )
    progress = _progress(progress)
    echo = _Echo(measure)
    measure.refresh_from_db()
    _require_adopted(measure)
    if progress is None:
        progress = 100 if status == Item.Implementation.DONE else measure.progress
    before = {"implementation": measure.implementation, "progress": measure.progress}
    if before == {"implementation": status, "progress": progress}:
        return measure
    measure.implementation, measure.progress = status, progress
    measure.save(update_fields=["implementation", "progress", "updated_at"])
    echo.record(measure)
    _conference_audit(
        measure.forum.conference_id,
        actor,
        "forum.measure.status",
        {
            "item": measure.pk,
            "before": before,
            "after": {"implementation": status, "progress": progress},
        },
        forum_id=measure.forum_id,
    )
    return measure


def _date(raw) -> datetime.date:
    today = timezone.localdate()
    if raw in (None, ""):
        return today
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    if not isinstance(raw, datetime.date):
        try:
            raw = datetime.date.fromisoformat(str(raw).strip())
        except ValueError:
            raise ServiceError(
                ServiceError.INVALID, _("Give the date like 2027-03-31."), field="date"
            ) from None
    if raw > today:
        raise ServiceError(
            ServiceError.INVALID,
            _("An update tells what has happened: the date cannot be in the future."),
            field="date",
        )
    return raw


@transaction.atomic
def add_measure_update(*, actor: Actor, item, text, date=None) -> MeasureUpdate:
    """Add a dated note (1 to 500 characters; the date defaults to today and cannot lie
    in the future) to an adopted measure (moderators of its conference, or its lead
    through the lead's link, which the update then names). Shown on the
    public status page and in the exports; records the audit entry
    ``forum.measure.update_added``. Live clients do not show updates, so no event."""
    measure = _get_measure(item, actor, lead_may=True)
    measure = Item.objects.select_for_update().select_related("forum").get(pk=measure.pk)
    _require_adopted(measure)
    if not isinstance(text, str) or not _one_line(text):
        raise ServiceError(ServiceError.INVALID, _("Please write some text."), field="text")
    text = "\n".join(_one_line(line) for line in text.strip().splitlines()).strip()
    if len(text) > UPDATE_TEXT_MAX:
        raise ServiceError(
            ServiceError.INVALID,
            _("The text is too long: at most %(limit)d characters, this one has %(count)d.")
            % {"limit": UPDATE_TEXT_MAX, "count": len(text)},
            field="text",
        )
    update = MeasureUpdate.objects.create(
        item=measure,
        date=_date(date),
        text=text,
        author_user_id=actor.user_id,
        lead_id=actor.lead.pk if actor.lead is not None else None,
    )
    _conference_audit(
        measure.forum.conference_id,
        actor,
        "forum.measure.update_added",
        {"item": measure.pk, "update": update.pk},
        forum_id=measure.forum_id,
    )
    return update


@transaction.atomic
def publish_results(*, actor: Actor, conference: Conference, published: bool = True) -> Conference:
    """Make the conference's exports readable by everyone (or moderators only again)
    (moderators). Records the audit entry ``conference.results.published`` or
    ``...unpublished``."""
    if not isinstance(published, bool):
        raise ServiceError(ServiceError.INVALID, _("Say yes or no."))
    _require_conference_moderator(actor, conference.pk)
    conference = Conference.objects.select_for_update().get(pk=conference.pk)
    if conference.results_published == published:
        return conference
    conference.results_published = published
    conference.save(update_fields=["results_published"])
    _conference_audit(
        conference.pk,
        actor,
        "conference.results.published" if published else "conference.results.unpublished",
        {},
    )
    return conference


def _field_for(forum: Forum, title: str, fields: list):
    for field in fields:
        if field.title == title:
            return field
    return fields[0]


@transaction.atomic
def carry_over_measures(
    *, actor: Actor, conference: Conference, forum: Forum, previous: Conference | None = None
) -> list[Item]:
    """Bring the previous conference's adopted measures into ``forum`` for evaluation
    (moderators of ``conference``). ``previous`` names the previous conference and is
    remembered; without it ``conference.previous`` is used.

    Each adopted measure becomes a measure of the forum, linked to its origin (``origin``),
    in the forum's action field with the same title (else the forum's first one), with
    the origin's text and details. It cannot be edited or merged; it shows the origin's
    status and progress, and it can be put to a vote like any measure (an ``adoption``
    round evaluates it). Measures brought in before are skipped, so running it again
    brings only new ones. The person must moderate the previous conference too
    (``forbidden`` otherwise, also for one named in the admin). Records ``item.added``
    per measure and the audit entry ``forum.measures.carried_over``; returns the new
    items.
    """
    _require_conference_moderator(actor, conference.pk)
    if forum.conference_id != conference.pk:
        raise ServiceError(ServiceError.INVALID, _("This forum belongs to another conference."))
    if previous is not None:
        _require_previous_moderator(actor, previous.pk)
    conference = Conference.objects.select_for_update().get(pk=conference.pk)
    if previous is not None:
        if previous.pk == conference.pk:
            raise ServiceError(ServiceError.INVALID, _("A conference cannot follow itself."))
        if previous.previous_id == conference.pk:
            raise ServiceError(ServiceError.INVALID, _("That conference came after this one."))
        if conference.previous_id != previous.pk:
            conference.previous = previous
            conference.save(update_fields=["previous"])
    if conference.previous_id is None:
        raise ServiceError(ServiceError.INVALID, _("Name the previous conference first."))
    # also when the city's staff named it in the admin
    _require_previous_moderator(actor, conference.previous_id)
    forum = lock_forums([forum.pk])[forum.pk]
    fields = list(forum.fields.order_by("position", "id"))
    if not fields:
        raise ServiceError(
            ServiceError.INVALID, _("This forum has no action field to put the measures in.")
        )
    done = set(
        Item.objects.filter(forum__conference=conference, origin__isnull=False).values_list(
            "origin_id", flat=True
        )
    )
    measures = (
        Item.objects.filter(
            forum__conference_id=conference.previous_id,
            kind=Item.Kind.MEASURE,
            adopted=True,
            status=Item.Status.VISIBLE,
        )
        .exclude(pk__in=done)
        .select_related("field", "forum")
        .order_by("field__position", "field_id", "id")
    )
    created = []
    for origin in measures:
        copy = Item.objects.create(
            forum=forum,
            field=_field_for(forum, origin.field.title, fields),
            kind=Item.Kind.MEASURE,
            text=origin.text,
            origin=origin,
            author_user_id=actor.user_id,
            **{name: getattr(origin, name) for name in DETAIL_FIELDS},
        )
        signatures.index_item(copy)
        record_event(forum, "item.added", item_data(copy, []))
        created.append(copy)
    if created:
        _conference_audit(
            conference.pk,
            actor,
            "forum.measures.carried_over",
            {"from": conference.previous_id, "items": [c.pk for c in created]},
            forum_id=forum.pk,
        )
    return created


def evaluation_text(round_, copy: Item, conference: Conference) -> str:
    """What a round of a later conference said of a carried-over measure, in one line of
    the site's language (the history is read by the city, whoever closed the round):
    "Bewertet (6. Integrationskonferenz) – Plenum, Abstimmung (…): ja 9 · …"."""
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext

    from workshops.exports.layout import result_detail, round_label
    from workshops.methods import method_of
    from workshops.selectors import round_totals

    totals = round_totals(round_)
    tally = totals["totals"][str(copy.pk)]
    result = {
        "forum": round_.forum.title,
        "method": round_.method,
        "status": round_.status,
        "voters": totals["voters"],
        "revealed": True,
        "analog": tally.get("analog"),
        "total": method_of(round_.method).combined(tally),
        "groups": {},
        "broad": False,
    }
    with translation.override(settings.LANGUAGE_CODE):
        text = gettext("Evaluated (%(conference)s) – %(round)s: %(result)s") % {
            "conference": conference.title,
            "round": round_label(result),
            "result": result_detail(result),
        }
    return text[:UPDATE_TEXT_MAX]


def record_evaluations(*, actor: Actor, round_) -> list[MeasureUpdate]:
    """Write the result of a just-closed round back to the history of every carried-over
    measure it voted on: a dated update on the origin (``round`` set, the date the round
    closed) stating the result, shown on the status pages of both conferences and in the
    monitoring report. Called by ``rounds.close_round`` inside its transaction, so the
    round closes with its evaluations or not at all; the origins' rows are locked (by
    id), as ``add_measure_update`` locks a measure. A round evaluates a measure once; an origin
    no longer adopted and shown is left alone. Records ``forum.measure.evaluated`` in the
    origin's conference per update. Live clients do not show updates, so no event."""
    copies = list(
        round_.items.filter(
            kind=Item.Kind.MEASURE, status=Item.Status.VISIBLE, origin__isnull=False
        ).order_by("origin_id")
    )
    if not copies:
        return []
    conference = round_.forum.conference
    origins = {
        o.pk: o
        # the items' rows only (of "self"): the round's forums are held already, and an
        # origin's forum is locked in the house order by the services that lock forums
        for o in Item.objects.select_for_update(of=("self",))
        .select_related("forum")
        .filter(pk__in=[c.origin_id for c in copies])
        .order_by("pk")
    }
    done = set(MeasureUpdate.objects.filter(round=round_).values_list("item_id", flat=True))
    day = timezone.localdate(round_.closed_at) if round_.closed_at else timezone.localdate()
    written = []
    for copy in copies:
        origin = origins.get(copy.origin_id)
        if origin is None or origin.pk in done:
            continue
        if origin.adopted is not True or origin.status != Item.Status.VISIBLE:
            continue
        update = MeasureUpdate.objects.create(
            item=origin,
            date=day,
            text=evaluation_text(round_, copy, conference),
            author_user_id=actor.user_id,
            round=round_,
        )
        _conference_audit(
            origin.forum.conference_id,
            actor,
            "forum.measure.evaluated",
            {"item": origin.pk, "copy": copy.pk, "round": round_.pk, "update": update.pk},
            forum_id=origin.forum_id,
        )
        written.append(update)
    return written
