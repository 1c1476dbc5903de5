"""``manage.py purge_personal_data SLUG [--force]`` or ``--expired``: remove the personal
data of finished conferences, keeping every result (workshops/services/privacy.py)."""

from django.core.management.base import BaseCommand, CommandError

from workshops.exceptions import ServiceError
from workshops.models import Conference
from workshops.services.privacy import is_expired, purge_personal_data


class Command(BaseCommand):
    help = (
        "Remove the personal data of a finished conference (participants' names, groups and "
        "languages, authors of proposals, sessions, command ids). Results, tallies and "
        "exports stay as they are. With --expired: every conference whose retention period "
        "(PERSONAL_DATA_RETENTION_DAYS after its date) is over, e.g. from a daily cron job."
    )

    def add_arguments(self, parser):
        parser.add_argument("conference", nargs="?", help="the conference's short name (slug)")
        parser.add_argument(
            "--expired",
            action="store_true",
            help="purge every conference whose retention period is over",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="purge even if the conference's date is not in the past",
        )

    def handle(self, *args, **options):
        slug = options["conference"]
        if bool(slug) == options["expired"]:
            raise CommandError("Name one conference, or use --expired (not both).")
        if slug:
            conference = Conference.objects.filter(slug=slug).first()
            if conference is None:
                raise CommandError(f"No conference with the short name '{slug}'.")
            conferences = [conference]
        else:
            conferences = [c for c in Conference.objects.exclude(date=None) if is_expired(c)]
        for conference in conferences:
            try:
                counts = purge_personal_data(conference=conference, force=options["force"])
            except ServiceError as exc:
                raise CommandError(f"{conference.slug}: {exc.message}") from None
            summary = ", ".join(f"{k} {v}" for k, v in counts.items())
            self.stdout.write(f"{conference.slug}: personal data removed ({summary}).")
        if not conferences:
            self.stdout.write("No conference is past its retention period.")
