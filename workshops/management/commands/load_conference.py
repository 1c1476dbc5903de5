"""``manage.py load_conference FILE [--update]``: set up a whole conference from a file."""

import json
import tomllib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workshops.exceptions import ServiceError
from workshops.services.setup import load_conference


def read_description(path: Path) -> dict:
    """The conference description in a TOML or JSON file, or a CommandError saying why not."""
    suffix = path.suffix.lower()
    if suffix not in {".toml", ".json"}:
        raise CommandError(f"{path}: use a .toml or .json file (see docs/conference.example.toml)")
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    try:
        return tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line N, column M)"
        raise CommandError(f"{path}: not valid TOML: {exc}") from None
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{path}: not valid JSON: {exc.msg} (at line {exc.lineno}, column {exc.colno})"
        ) from None


class Command(BaseCommand):
    help = (
        "Set up a conference with its action fields (and their guiding goals), forums and "
        "moderators from a TOML or "
        "JSON file (see docs/conference.example.toml). All or nothing: a file with any "
        "mistake creates nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a .toml or .json file")
        parser.add_argument(
            "--update",
            action="store_true",
            help="add to an existing conference of the same slug (never deletes anything)",
        )

    def handle(self, *args, **options):
        path = options["file"]
        data = read_description(path)
        notes: list[str] = []
        try:
            conference = load_conference(data=data, update=options["update"], notes=notes)
        except ServiceError as exc:
            raise CommandError(f"{path}: {exc.message}\nNothing was created or changed.") from None

        write = self.stdout.write
        write(self.style.SUCCESS(f"{conference.title} ({conference.slug})"))
        for forum in conference.forums.order_by("position", "id").prefetch_related("fields"):
            ordered = sorted(forum.fields.all(), key=lambda f: (f.position, f.pk))
            fields = ", ".join(f.title for f in ordered)
            write(f"  {forum.code}  {forum.title}  [{fields}]")
            when = "–".join(f"{t:%H:%M}" for t in (forum.starts_at, forum.ends_at) if t)
            if forum.room or when:
                write(f"          where:  {', '.join(p for p in (forum.room, when) if p)}")
            own = ", ".join(
                forum.moderators.order_by("username").values_list("username", flat=True)
            )
            if own:
                write(f"          moderators of this forum: {own}")
            write(f"          join:   /j/{forum.code}")
            write(f"          screen: /f/{forum.code}/screen/?key={forum.screen_key}")
        from workshops.models import GuidingGoal, SubGoal

        goals = GuidingGoal.objects.filter(field__conference=conference).count()
        if goals:
            subs = SubGoal.objects.filter(guiding_goal__field__conference=conference).count()
            write(f"  guiding goals: {goals}, sub-goals: {subs}")
        names = conference.moderators.order_by("username").values_list("username", flat=True)
        moderators = ", ".join(names)
        write(f"  moderators: {moderators or '(none yet)'}")
        for note in notes:
            write(self.style.WARNING(f"  note: {note}"))
