"""``manage.py seed_demo [--json] [--base-url URL] [--host HOST]``: the demo conference,
ready to open.

``make run`` prints the summary on start, so it is what a person reads first: the first
forum's three addresses on top, then the others, then the login.

The demo login's password is public. It is set only when the login is created, so a
password someone changed survives every restart; and when the server is reached from a
network (``--base-url`` names no loopback address, or ``--host``, where ``make run`` binds
Daphne, is none: ``HOST=0.0.0.0 make run``, whatever ``BASE_URL`` says), the public
password is replaced by a random one, printed this once; so it is behind an HTTPS proxy
(``BEHIND_HTTPS_PROXY``), which phones reach from the network.
"""

import ipaddress
import json
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand

from workshops.services.setup import DEMO_MODERATOR, seed_demo

RULE = "=" * 72


class Command(BaseCommand):
    help = "Create the demo conference (or reuse it) and print how to open it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--json",
            action="store_true",
            help="print only one JSON object (the shape of docs/protocol.md)",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="where phones and browsers reach the server (default: http://127.0.0.1:8000)",
        )
        parser.add_argument(
            "--host",
            default="127.0.0.1",
            help="the address the server binds (make run's HOST; default: 127.0.0.1)",
        )

    def handle(self, *args, **options):
        # beyond this machine (a network address, or behind a proxy): never the public one
        bound = f"http://{bracketed(options['host'])}"
        local = (
            is_loopback(options["base_url"])
            and is_loopback(bound)
            and not settings.BEHIND_HTTPS_PROXY
        )
        demo = seed_demo(public_password=local)
        if options["json"]:
            # Machine readers (bench/load.py, test robots) parse stdout as one object.
            self.stdout.write(json.dumps(demo, ensure_ascii=False))
            return
        self.stdout.write(summary(demo, options["base_url"].rstrip("/")))


def is_loopback(url: str) -> bool:
    """Is ``url`` reached only from this machine (localhost, 127.0.0.0/8, ::1)?"""
    host = (urlsplit(url).hostname or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bracketed(host: str) -> str:
    """A bare IPv6 address (``::``) as a URL holds it (``[::]``)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def summary(demo: dict, base: str) -> str:
    """The demo's addresses and login as a person reads them on the terminal."""
    login = demo["moderator"]
    if login["password"] is None:
        credentials = (
            f"{login['username']} with the password set before (another: "
            f"manage.py changepassword {login['username']})"
        )
    elif login["password"] == DEMO_MODERATOR["password"]:
        credentials = f"{login['username']} / {login['password']}"
    else:
        credentials = (
            f"{login['username']} / {login['password']}   (made for this network and "
            "shown only now: note it down)"
        )
    lines = [
        "",
        RULE,
        "  Mitwirken: the demo conference is ready",
        f"  Moderator login:  {credentials}",
        f"                    {base}/accounts/login/",
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
