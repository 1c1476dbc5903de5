"""Reminders to the leads of adopted measures before a reporting date.

The rule (docs/operations.md, "Leads of measures"): for a conference whose reporting date
``D = Conference.report_due`` is at most ``LEAD_REMINDER_DAYS_BEFORE`` days away (or has
passed), every lead with an e-mail address and a link that is not revoked gets one
e-mail for ``D`` if at least one of its open measures (adopted, shown, neither done nor
dropped) has not reported in the current period. A measure has reported when a dated
update or an indicator value of it was *written* (``created_at``, by the lead or by staff)
after the start of the period: the day after the previous reporting date
(``Conference.reports_since``), or else the day after the conference. The e-mail names
those measures and carries a fresh link.

A fresh link, because only the hash of a link is stored: the token sent before cannot be
sent again. The new link replaces the old one (which then says it has expired).
``ReminderSent(lead, due)`` is unique, so a lead hears once per reporting date, however
often (or however concurrently) the command runs.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from workshops.models import (
    AuditEntry,
    Conference,
    IndicatorValue,
    Item,
    Lead,
    MeasureUpdate,
    ReminderSent,
)
from workshops.services.leads import _new_token, lead_measures


@dataclass(frozen=True)
class Reminder:
    lead: Lead
    due: datetime.date
    measures: list


def period_start(conference: Conference) -> datetime.date | None:
    """Updates written after this day count for the current reporting date (None: all)."""
    return conference.reports_since or conference.date


def unreported_measures(lead: Lead, since: datetime.date | None) -> list[Item]:
    """The lead's open measures with no update and no indicator value written after
    ``since`` (every open measure without any, when ``since`` is None)."""
    measures = lead_measures(lead).exclude(
        implementation__in=[Item.Implementation.DONE, Item.Implementation.DROPPED]
    )
    updates = MeasureUpdate.objects.filter(item=OuterRef("pk"))
    values = IndicatorValue.objects.filter(indicator__item=OuterRef("pk"))
    if since is not None:
        cutoff = timezone.make_aware(
            datetime.datetime.combine(since + datetime.timedelta(days=1), datetime.time.min)
        )
        updates = updates.filter(created_at__gte=cutoff)
        values = values.filter(created_at__gte=cutoff)
    return list(measures.filter(~Q(Exists(updates)), ~Q(Exists(values))))


def due_conferences(today: datetime.date):
    ahead = today + datetime.timedelta(days=max(settings.LEAD_REMINDER_DAYS_BEFORE, 0))
    return Conference.objects.filter(report_due__isnull=False, report_due__lte=ahead)


def link_url(token: str) -> str:
    return settings.SITE_URL + reverse("workshops:lead_page", args=[token])


def _message(conference, lead, due, since, measures, url) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Report on your measures due %(date)s: %(conference)s") % {
            "date": due.strftime("%d.%m.%Y"),
            "conference": conference.title,
        }
        body = render_to_string(
            "workshops/email/lead_reminder.txt",
            {
                "conference": conference,
                "lead": lead,
                "due": due,
                "since": since,
                "measures": measures,
                "url": url,
            },
        )
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=[lead.email])


def send_due_reminders(*, today: datetime.date | None = None, connection=None) -> list[Reminder]:
    """E-mail every lead due a reminder (see the module's docstring) and return who was
    reminded. Per lead one transaction: the ``ReminderSent`` row, the fresh link and the
    audit entry ``conference.lead.reminded`` are written, then the mail is handed to the
    mail server; if that fails, the transaction rolls back (the old link keeps working)
    and the next run tries again."""
    today = today or timezone.localdate()
    connection = connection or get_connection()
    sent = []
    for conference in due_conferences(today):
        due = conference.report_due
        since = period_start(conference)
        leads = (
            Lead.objects.filter(conference=conference, revoked_at=None)
            .exclude(email="")
            .exclude(Exists(ReminderSent.objects.filter(lead=OuterRef("pk"), due=due)))
        )
        for lead_id in leads.values_list("pk", flat=True):
            reminder = _remind(conference, lead_id, due, since, connection)
            if reminder is not None:
                sent.append(reminder)
    return sent


@transaction.atomic
def _remind(conference, lead_id, due, since, connection) -> Reminder | None:
    lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
    if lead is None or lead.revoked_at is not None or not lead.email:
        return None
    measures = unreported_measures(lead, since)
    if not measures:
        return None
    try:
        with transaction.atomic():
            ReminderSent.objects.create(lead=lead, due=due)
    except IntegrityError:  # another run reminded it meanwhile
        return None
    token = _new_token(lead)
    AuditEntry.objects.create(
        conference=conference,
        action="conference.lead.reminded",
        data={"lead": lead.pk, "due": due.isoformat(), "items": [m.pk for m in measures]},
    )
    message = _message(conference, lead, due, since, measures, link_url(token))
    message.connection = connection
    message.send()  # raises on failure: nothing above is kept
    return Reminder(lead, due, measures)
