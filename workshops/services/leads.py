"""The leads of adopted measures (a department or partner organisation) and their
personal links, which let them report on their own measures without an account.

A link carries ``secrets.token_urlsafe(32)`` (256 random bits); only its SHA-256 is
stored, so the token is shown once, to the staff who issue it (or sent once, with a
reminder: services.reminders). Issuing a new token replaces the old one, whose hash is
kept as retired so that opening it says so. Every change is one transaction with an
audit entry (``conference.lead.*``, ``forum.measure.lead_assigned``); the staff are the
conference's moderators and organisers (``rules.can_follow_up``).
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workshops import rules
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import AuditEntry, Conference, Item, Lead, RetiredLeadLink
from workshops.text import clean_user_text

NAME_MAX = Lead._meta.get_field("name").max_length
CONTACT_MAX = Lead._meta.get_field("contact").max_length
EMAIL_MAX = Lead._meta.get_field("email").max_length
# token_urlsafe(32) is 43 characters; anything much longer is not a link of ours.
TOKEN_MAX = 64


@dataclass(frozen=True)
class IssuedLink:
    """A lead with the token of its new link: the only moment the token is known."""

    lead: Lead
    token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _audit(conference_id: int, actor: Actor, action: str, data: dict, forum_id=None) -> None:
    AuditEntry.objects.create(
        conference_id=conference_id,
        forum_id=forum_id,
        action=action,
        actor_user_id=actor.user_id,
        data=data,
    )


def require_staff(actor: Actor, conference: Conference | int) -> None:
    if not rules.can_follow_up(actor, conference):
        raise ServiceError(
            ServiceError.FORBIDDEN,
            _("Only the conference's moderators and organisers can do this."),
        )


def _text(value, *, limit: int, field: str, label, required: bool = False) -> str:
    value = clean_user_text(value) if isinstance(value, str) else ""
    if required and not value:
        raise ServiceError(
            ServiceError.INVALID, _("%(name)s is missing.") % {"name": label}, field=field
        )
    if len(value) > limit:
        raise ServiceError(
            ServiceError.INVALID,
            _("%(name)s is too long: at most %(limit)d characters, this one has %(count)d.")
            % {"name": label, "limit": limit, "count": len(value)},
            field=field,
        )
    return value


def _email(value) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    value = _text(value, limit=EMAIL_MAX, field="email", label=_("The e-mail address"))
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ServiceError(
                ServiceError.INVALID,
                _("This is not an e-mail address: %(value)s") % {"value": value},
                field="email",
            ) from None
    return value


def _lead_fields(name, contact, email, public_contact) -> dict:
    return {
        "name": _text(name, limit=NAME_MAX, field="name", label=_("The name"), required=True),
        "contact": _text(contact, limit=CONTACT_MAX, field="contact", label=_("The contact")),
        "email": _email(email),
        "public_contact": _text(
            public_contact,
            limit=CONTACT_MAX,
            field="public_contact",
            label=_("The public contact"),
        ),
    }


def _new_token(lead: Lead) -> str:
    """Give ``lead`` a fresh token (its row locked by the caller); the old one retires."""
    if lead.token_hash:
        RetiredLeadLink.objects.get_or_create(token_hash=lead.token_hash, defaults={"lead": lead})
    token = secrets.token_urlsafe(32)
    lead.token_hash = token_hash(token)
    lead.link_issued_at = timezone.now()
    lead.revoked_at = None
    lead.save(update_fields=["token_hash", "link_issued_at", "revoked_at"])
    return token


def _locked_lead(lead: Lead | int, conference: Conference | None = None) -> Lead:
    lead_id = lead.pk if isinstance(lead, Lead) else lead
    found = Lead.objects.select_for_update().filter(pk=lead_id).first()
    if found is None or (conference is not None and found.conference_id != conference.pk):
        raise ServiceError(ServiceError.NOT_FOUND, _("This lead does not exist."))
    return found


@transaction.atomic
def create_lead(
    *,
    actor: Actor,
    conference: Conference,
    name: str,
    contact: str = "",
    email: str = "",
    public_contact: str = "",
) -> IssuedLink:
    """Add a lead to the conference (staff) with its first link; the name is unique in the
    conference; ``public_contact`` is what the public status page shows to reach it.
    Returns the lead with its token, to show once. Records the audit entry
    ``conference.lead.created``."""
    require_staff(actor, conference)
    fields = _lead_fields(name, contact, email, public_contact)
    if Lead.objects.filter(conference=conference, name__iexact=fields["name"]).exists():
        raise ServiceError(
            ServiceError.INVALID,
            _("A lead of this name exists already: %(name)s") % {"name": fields["name"]},
            field="name",
        )
    try:
        with transaction.atomic():
            lead = Lead.objects.create(conference=conference, **fields)
    except IntegrityError:  # the same name added at the same moment
        raise ServiceError(
            ServiceError.INVALID,
            _("A lead of this name exists already: %(name)s") % {"name": fields["name"]},
            field="name",
        ) from None
    token = _new_token(lead)
    # the organisation's name only: a contact person and an address are personal data,
    # which the audit log would keep longer than the lead itself
    _audit(conference.pk, actor, "conference.lead.created", {"lead": lead.pk, "name": lead.name})
    return IssuedLink(lead, token)


@transaction.atomic
def edit_lead(
    *,
    actor: Actor,
    lead: Lead,
    name: str,
    contact: str = "",
    email: str = "",
    public_contact: str = "",
) -> Lead:
    """Change a lead's name, contact, e-mail address and public contact (staff). Records
    ``conference.lead.edited`` with the names of the fields that changed (and the old and
    new name)."""
    require_staff(actor, lead.conference_id)
    fields = _lead_fields(name, contact, email, public_contact)
    lead = _locked_lead(lead)
    if (
        Lead.objects.filter(conference_id=lead.conference_id, name__iexact=fields["name"])
        .exclude(pk=lead.pk)
        .exists()
    ):
        raise ServiceError(
            ServiceError.INVALID,
            _("A lead of this name exists already: %(name)s") % {"name": fields["name"]},
            field="name",
        )
    before = {k: getattr(lead, k) for k in fields}
    changed = {k: v for k, v in fields.items() if v != before[k]}
    if not changed:
        return lead
    for key, value in changed.items():
        setattr(lead, key, value)
    lead.save(update_fields=list(changed))
    data = {"lead": lead.pk, "changed": sorted(changed)}
    if "name" in changed:  # the organisation's name; contact and address stay out (above)
        data.update(before={"name": before["name"]}, after={"name": changed["name"]})
    _audit(lead.conference_id, actor, "conference.lead.edited", data)
    return lead


@transaction.atomic
def issue_lead_link(*, actor: Actor, lead: Lead) -> IssuedLink:
    """Give the lead a new link (staff), also after it was revoked: the previous link
    stops working at once. Returns the token, to show once. Records
    ``conference.lead.link_issued``."""
    require_staff(actor, lead.conference_id)
    lead = _locked_lead(lead)
    token = _new_token(lead)
    _audit(lead.conference_id, actor, "conference.lead.link_issued", {"lead": lead.pk})
    return IssuedLink(lead, token)


@transaction.atomic
def revoke_lead_link(*, actor: Actor, lead: Lead) -> Lead:
    """Withdraw the lead's link (staff): it opens nothing any more, and no reminder is
    sent, until a new link is issued. Records ``conference.lead.link_revoked``."""
    require_staff(actor, lead.conference_id)
    lead = _locked_lead(lead)
    if lead.revoked_at is not None:
        return lead
    lead.revoked_at = timezone.now()
    lead.save(update_fields=["revoked_at"])
    _audit(lead.conference_id, actor, "conference.lead.link_revoked", {"lead": lead.pk})
    return lead


@transaction.atomic
def assign_measure_lead(*, actor: Actor, item: Item | int, lead: Lead | None) -> Item:
    """Make ``lead`` (a lead of the same conference) the one who reports on an adopted
    measure, or nobody (``None``) (staff). Records ``forum.measure.lead_assigned``."""
    item_id = item.pk if isinstance(item, Item) else item
    measure = Item.objects.select_related("forum").filter(pk=item_id).first()
    if measure is None:
        raise ServiceError(ServiceError.NOT_FOUND, _("This item does not exist."))
    conference_id = measure.forum.conference_id
    require_staff(actor, conference_id)
    measure = Item.objects.select_for_update().select_related("forum").get(pk=measure.pk)
    if (
        measure.kind != Item.Kind.MEASURE
        or measure.adopted is not True
        or measure.status != Item.Status.VISIBLE
    ):
        raise ServiceError(ServiceError.INVALID, _("Only adopted measures are followed up."))
    if measure.origin_id is not None:
        raise ServiceError(
            ServiceError.INVALID,
            _("This measure comes from the previous conference and cannot be changed here."),
        )
    if lead is not None and lead.conference_id != conference_id:
        raise ServiceError(ServiceError.INVALID, _("This lead belongs to another conference."))
    new_id = lead.pk if lead is not None else None
    if measure.lead_org_id == new_id:
        return measure
    before = measure.lead_org_id
    measure.lead_org_id = new_id
    measure.save(update_fields=["lead_org", "updated_at"])
    _audit(
        conference_id,
        actor,
        "forum.measure.lead_assigned",
        {"item": measure.pk, "before": before, "after": new_id},
        forum_id=measure.forum_id,
    )
    return measure


@transaction.atomic
def set_report_due(
    *, actor: Actor, conference: Conference, due: datetime.date | None
) -> Conference:
    """Set the date the leads report by (staff), or none (no reminders). A date that has
    passed becomes the start of the next reporting period: updates written after it count
    for the new date (services.reminders). The new date cannot lie in the past nor before
    that start. Records ``conference.report_due.set``."""
    require_staff(actor, conference)
    if due is not None and not isinstance(due, datetime.date):
        raise ServiceError(ServiceError.INVALID, _("Give the date like 2027-03-31."), field="due")
    conference = Conference.objects.select_for_update().get(pk=conference.pk)
    today = timezone.localdate()
    if due == conference.report_due:
        return conference
    if due is not None and due < today:
        raise ServiceError(
            ServiceError.INVALID, _("The reporting date cannot be in the past."), field="due"
        )
    since = conference.reports_since
    if conference.report_due is not None and conference.report_due < today:
        since = conference.report_due  # that date has passed: the next period starts
    if due is not None and since is not None and due <= since:
        raise ServiceError(
            ServiceError.INVALID,
            _("The reporting date must come after the previous one (%(date)s).")
            % {"date": since.isoformat()},
            field="due",
        )
    before = conference.report_due
    conference.report_due, conference.reports_since = due, since
    conference.save(update_fields=["report_due", "reports_since"])
    _audit(
        conference.pk,
        actor,
        "conference.report_due.set",
        {
            "before": before.isoformat() if before else None,
            "after": due.isoformat() if due else None,
        },
    )
    return conference


# --- opening a link ------------------------------------------------------------------------


class LinkRefused(ServiceError):
    """A lead link that opens nothing; ``code`` says why (unknown, replaced, revoked)."""


def open_lead_link(token: str) -> Lead:
    """The lead whose current link carries ``token``. Refuses (``LinkRefused``, code
    ``not_found``) a token that is unknown, replaced by a newer link, or revoked, each
    with its own message. Reads only."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
        raise LinkRefused(ServiceError.NOT_FOUND, _unknown_message())
    digest = token_hash(token)
    lead = Lead.objects.select_related("conference").filter(token_hash=digest).first()
    if lead is not None:
        if lead.revoked_at is not None:
            raise LinkRefused(
                ServiceError.FORBIDDEN,
                _("This link has been withdrawn. Please ask the integration office for a new one."),
            )
        return lead
    if RetiredLeadLink.objects.filter(token_hash=digest).exists():
        raise LinkRefused(
            ServiceError.NOT_FOUND,
            _(
                "This link has expired: a newer link replaced it. Please use the link "
                "from the latest e-mail, or ask the integration office for a new one."
            ),
        )
    raise LinkRefused(ServiceError.NOT_FOUND, _unknown_message())


def _unknown_message():
    return _(
        "This link is not valid. Please check that it was copied whole, or ask the "
        "integration office for a new one."
    )


def lead_measures(lead: Lead):
    """The adopted measures ``lead`` reports on, in the action fields' order."""
    return (
        Item.objects.filter(
            lead_org=lead, kind=Item.Kind.MEASURE, adopted=True, status=Item.Status.VISIBLE
        )
        .select_related("field", "forum")
        .order_by("field__position", "field_id", "id")
    )
