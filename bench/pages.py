"""What Django itself spends on an arriving phone's three pages, without a network or a
server: the join page, the join, the phone page, each through the whole middleware
chain with Django's test client, on a fresh SQLite with the demo conference. One line:

    python -m bench.pages --phones 300

Each phone is a new browser (no cookies), as in ``bench.load --scenario arrive``; the
first 20 are not counted (templates and statements are compiled then). Figures: the
process's CPU milliseconds per phone for each page, and their sum. Compare with the
server's CPU per phone in the arrive scenario: the rest is Daphne, the event loop and
the socket.
"""

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
WARM_UP = 20


def prepare(folder: str) -> str:
    """A migrated database with the demo conference; the demo forum's join code."""
    os.environ.update(
        DATA_DIR=folder,
        SECRET_KEY="bench-only",
        LOG_LEVEL="WARNING",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        JOINS_PER_MINUTE_PER_ADDRESS="0",
        SOCKETS_PER_ADDRESS="0",
        CODE_MISSES_PER_MINUTE="0",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True)
    out = subprocess.run(
        [python, "manage.py", "seed_demo", "--json"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)["forums"][0]["code"]


def body(response) -> bytes:
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(response.content)
    return response.content


def run(phones: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="mitwirken-pages-") as folder:
        code = prepare(folder)
        import django

        django.setup()
        from django.test import Client

        client = Client(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9", HTTP_ACCEPT_ENCODING="gzip")
        spent = {"join_page_ms": 0.0, "join_ms": 0.0, "phone_page_ms": 0.0}
        for n in range(phones + WARM_UP):
            client.cookies.clear()  # a new browser
            took = []
            start = time.process_time()
            page = client.get(f"/j/{code}")
            took.append(time.process_time() - start)
            token = TOKEN.search(body(page)).group(1).decode()
            start = time.process_time()
            joined = client.post(f"/j/{code}", {"csrfmiddlewaretoken": token})
            took.append(time.process_time() - start)
            if joined.status_code != 302:
                raise SystemExit(f"the join was refused with HTTP {joined.status_code}")
            start = time.process_time()
            phone = client.get(joined["Location"])
            took.append(time.process_time() - start)
            if phone.status_code != 200:
                raise SystemExit(f"the phone page answered HTTP {phone.status_code}")
            if n >= WARM_UP:
                for key, seconds in zip(spent, took, strict=True):
                    spent[key] += seconds
    figures = {key: round(1000 * value / phones, 2) for key, value in spent.items()}
    figures["sum_ms"] = round(sum(figures.values()), 2)
    return {"phones": phones, **figures}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pages",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--phones", type=int, default=300)
    args = parser.parse_args(argv)
    figures = run(args.phones)
    print("pages[django]: " + " ".join(f"{k}={v}" for k, v in figures.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
