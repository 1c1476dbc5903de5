"""Real server processes for browser and multi-process tests: Daphne started as a
subprocess on a free port, against its own database, exactly as `make run` starts it."""

import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
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
    if "DATABASE_URL" in env:
        migrate(env)
    else:
        # An embedded server's SQLite file starts as a copy of one migrated once per run:
        # the same schema and rows that `migrate` writes, without its 5 to 10 s each time.
        target = Path(env.get("SQLITE_PATH") or Path(env["DATA_DIR"]) / "mitwirken.sqlite3")
        if not target.exists():
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.copyfile(migrated_sqlite(), target)
            target.chmod(0o600)  # as settings.private_file makes it
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


def migrate(env: dict) -> None:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )


_migrated: list[Path] = []


def migrated_sqlite() -> Path:
    """A SQLite database migrated by `manage.py migrate`, once per test run."""
    if not _migrated:
        data_dir = Path(tempfile.mkdtemp(prefix="mitwirken-migrated-"))
        atexit.register(shutil.rmtree, data_dir, True)
        migrate(base_env(data_dir))
        database = data_dir / "mitwirken.sqlite3"
        # migrate's connection closed cleanly: everything is in the file, no -wal left
        assert not (data_dir / "mitwirken.sqlite3-wal").exists()  # nosec B101
        _migrated.append(database)
    return _migrated[0]


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
