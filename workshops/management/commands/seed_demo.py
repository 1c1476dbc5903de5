"""``manage.py seed_demo [--json] [--base-url URL]``: the demo conference, ready to open.

``make run`` prints the summary on start, so it is what a person reads first: the first
forum's three addresses on top, then the others, then the login.
"""
import json

from django.core.management.base import BaseCommand

from workshops.services.setup import seed_demo

RULE = "=" * 72


class Command(BaseCommand):
    help = "Create the demo conference (or reuse it) and print how to open it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--json",
            action="store_true",
            help="print only one JSON object (the shape of PROTOCOL.md)",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="where phones and browsers reach the server (default: http://127.0.0.1:8000)",
        )

    def handle(self, *args, **options):
        demo = seed_demo()
        if options["json"]:
            # Machine readers (bench/load.py, test robots) parse stdout as one object.
            self.stdout.write(json.dumps(demo, ensure_ascii=False))
            return
        self.stdout.write(summary(demo, options["base_url"].rstrip("/")))


def summary(demo: dict, base: str) -> str:
    """The demo's addresses and login as a person reads them on the terminal."""
    login = demo["moderator"]
    lines = [
        "",
        RULE,
        "  Mitwirken: the demo conference is ready",
        f"  Moderator login:  {login['username']} / {login['password']}   ({base}/accounts/login/)",
    ]
    for forum in demo["forums"]:
        code = forum["code"]
        lines += [
            "",
            f"  {forum['title']}   (code {code})",
            f"    Phone:      {base}/j/{code}",
            f"    Moderation: {base}/f/{code}/moderate/",
            f"    Screen:     {base}/f/{code}/screen/?key={forum['screen_key']}",
        ]
    lines += [
        "",
        f"  Admin:        {base}/admin/   (an account: manage.py createsuperuser)",
        RULE,
        "",
    ]
    return "\n".join(lines)
