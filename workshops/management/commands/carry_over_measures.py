"""Bring the previous conference's adopted measures into a forum of the new one.

    python manage.py carry_over_measures NEW-SLUG --from OLD-SLUG --forum CODE --as USERNAME

Runs ``services.measures.carry_over_measures`` as the named moderator (the audit log
says who), so the forum's live clients see the measures arrive. Running it again brings
only measures not brought in before.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from workshops.actors import Actor
from workshops.codes import normalize_join_code
from workshops.exceptions import ServiceError
from workshops.models import Conference
from workshops.services.measures import carry_over_measures


class Command(BaseCommand):
    help = (
        "Bring the previous conference's adopted measures into a forum "
        "of a new conference for evaluation."
    )

    def add_arguments(self, parser):
        parser.add_argument("conference", help="slug of the new conference")
        parser.add_argument(
            "--from",
            dest="previous",
            help="slug of the previous conference (remembered; "
            "without it the one named before is used)",
        )
        parser.add_argument(
            "--forum", required=True, help="join code of the forum that evaluates them"
        )
        parser.add_argument(
            "--as", dest="username", required=True, help="a moderator of the new conference"
        )

    def handle(self, *args, **options):
        conference = Conference.objects.filter(slug=options["conference"]).first()
        if conference is None:
            raise CommandError(f"no conference '{options['conference']}'")
        previous = None
        if options["previous"]:
            previous = Conference.objects.filter(slug=options["previous"]).first()
            if previous is None:
                raise CommandError(f"no conference '{options['previous']}'")
        code = normalize_join_code(options["forum"])
        forum = conference.forums.filter(code=code).first() if code else None
        if forum is None:
            raise CommandError(f"no forum '{options['forum']}' in {conference.slug}")
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user '{options['username']}'")
        try:
            created = carry_over_measures(
                actor=Actor(user=user), conference=conference, forum=forum, previous=previous
            )
        except ServiceError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(f"{len(created)} measures brought into {forum.title} ({forum.code})")
