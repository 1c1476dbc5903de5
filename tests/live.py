"""Real server processes for browser and multi-process tests: Daphne started as a
subprocess on a free port, against its own database, exactly as `make run` starts it."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Our entry point: Daphne with the 16 KiB WebSocket limits and the 1012 close on SIGTERM.
SERVE = [PYTHON, "-m", "config.serve"]

SETUP = r"""
import json, django
django.setup()
from tests.factories import make_conference, make_forum, make_moderator
conference = make_conference(slug="live", title="Live-Konferenz")
forum = make_forum(conference, title="Fachforum Live")
make_moderator(conference, username="moderation", password="live-test-passwort-1")
print(json.dumps({"code": forum.code, "screen_key": forum.screen_key, "forum": forum.pk,
                  "fields": [f.pk for f in forum.fields.order_by("position", "id")],
                  "username": "moderation", "password": "live-test-passwort-1"}))
"""


def require(what: str, available: bool, reason: str) -> None:
    """Skip without ``what``, but fail in CI, where everything must be there."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required in CI: {reason}")
    pytest.skip(f"{what} not available: {reason}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(data_dir: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATA_DIR=str(data_dir),
        SECRET_KEY="live-test-only",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def prepare(env: dict, setup: str = SETUP) -> dict:
    """Migrate the server's database and run ``setup`` in it (by default: a conference
    with a forum and a moderator); the JSON object its last line prints."""
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    out = subprocess.run(
        [PYTHON, "-c", setup],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


class Server:
    def __init__(self, env: dict, port: int | None = None):
        self.env = env
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self) -> "Server":
        self.process = subprocess.Popen(
            [*SERVE, "-b", "127.0.0.1", "-p", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("daphne did not answer /healthz within 30 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
