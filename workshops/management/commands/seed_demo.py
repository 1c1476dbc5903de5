import json

from django.core.management.base import BaseCommand

from workshops.services.setup import seed_demo


class Command(BaseCommand):
    help = "Create the demo conference (or reuse it) and print how to open it."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print one JSON object (PROTOCOL.md)")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="where the server is reached")

    def handle(self, *args, **options):
        demo = seed_demo()
        if options["json"]:
            self.stdout.write(json.dumps(demo, ensure_ascii=False))
            return
        base = options["base_url"].rstrip("/")
        first = demo["forums"][0]
        user = demo["moderator"]
        lines = [
            "",
            "Mitwirken – demo conference ready",
            "",
            f"  Phone:      {base}/j/{first['code']}    (code {first['code']}, {first['title']})",
            f"  Moderation: {base}/f/{first['code']}/moderate/    login {user['username']} / {user['password']}",
            f"  Screen:     {base}/f/{first['code']}/screen/?key={first['screen_key']}",
            "",
            "  Other forums:",
        ]
        for forum in demo["forums"][1:]:
            lines.append(f"    {forum['code']}  {forum['title']}  (screen: {base}/f/{forum['code']}/screen/?key={forum['screen_key']})")
        lines.append(f"  Admin:      {base}/admin/")
        lines.append("")
        self.stdout.write("\n".join(lines))
