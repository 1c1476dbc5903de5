"""``manage.py send_lead_reminders [--date YYYY-MM-DD]``: e-mail the leads of adopted
measures whose report is due (workshops/services/reminders.py), e.g. from a daily cron
job or systemd timer. Each lead hears once per reporting date."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from workshops.services.reminders import send_due_reminders


class Command(BaseCommand):
    help = (
        "E-mail the leads whose measures have no update since the previous reporting date, "
        "with a fresh personal link; once per lead and reporting date."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="act as if today were this date (YYYY-MM-DD), e.g. to catch up"
        )

    def handle(self, *args, **options):
        today = None
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must look like 2027-03-31.") from None
        sent = send_due_reminders(today=today)
        for reminder in sent:
            self.stdout.write(
                f"{reminder.lead.conference.slug}: lead {reminder.lead.pk} reminded for "
                f"{reminder.due.isoformat()} ({len(reminder.measures)} measures)"
            )
        self.stdout.write(f"{len(sent)} reminders sent.")
