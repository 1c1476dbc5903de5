import json
import tomllib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workshops.exceptions import ServiceError
from workshops.services.setup import load_conference


def read_description(path: Path) -> dict:
    """The conference description in a TOML or JSON file, or a CommandError saying why not."""
    if not path.exists():
        raise CommandError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in {".toml", ".json"}:
        raise CommandError(f"{path}: use a .toml or .json file (see docs/conference.example.toml)")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    try:
        return tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CommandError(f"{path}: not valid TOML: {exc}") from None
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None


class Command(BaseCommand):
    help = "Set up a conference with its action fields, forums and moderators from a TOML or JSON file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--update", action="store_true",
                            help="add to an existing conference of the same slug (never deletes)")

    def handle(self, *args, **options):
        data = read_description(options["file"])
        try:
            conference = load_conference(data=data, update=options["update"])
        except ServiceError as exc:
            raise CommandError(f"{options['file']}: {exc.message}\nNothing was created.") from None
        self.stdout.write(f"{conference.title} ({conference.slug})")
        for forum in conference.forums.order_by("position", "id"):
            fields = ", ".join(forum.fields.order_by("position", "id").values_list("title", flat=True))
            self.stdout.write(
                f"  {forum.code}  {forum.title}  [{fields}]\n"
                f"          join /j/{forum.code}   screen /f/{forum.code}/screen/?key={forum.screen_key}"
            )
        for user in conference.moderators.order_by("username"):
            note = "" if user.has_usable_password() else "  (set a password: manage.py changepassword " + user.username + ")"
            self.stdout.write(f"  moderator {user.username}{note}")
