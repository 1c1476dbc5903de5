"""Settings from the environment, checked in a fresh interpreter each time."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, django
from django.conf import settings
django.setup()
from django.db import connection
with connection.cursor() as c:
    c.execute("PRAGMA journal_mode") if connection.vendor == "sqlite" else c.execute("SELECT 'n/a'")
    mode = c.fetchone()[0]
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "journal_mode": mode,
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "debug": settings.DEBUG,
    "hosts": settings.ALLOWED_HOSTS,
    "daphne_first": settings.INSTALLED_APPS[0] == "daphne",
}))
"""


def run(env_extra: dict, tmp_path, code=PROBE):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    }
    env.update(
        {"DJANGO_SETTINGS_MODULE": "config.settings", "DATA_DIR": str(tmp_path)}, **env_extra
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_no_configuration_gives_sqlite_in_wal_mode_and_the_in_memory_layer(tmp_path):
    result = run({}, tmp_path)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["engine"] == "django.db.backends.sqlite3"
    assert seen["journal_mode"] == "wal"
    assert seen["layer"] == "channels.layers.InMemoryChannelLayer"
    assert seen["debug"] is False
    assert seen["daphne_first"] is True
    # the generated key is kept, so sessions survive a restart
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_redis_url_selects_the_redis_layer_and_env_lists_are_read(tmp_path):
    code = (
        PROBE.replace("with connection.cursor() as c:", "if False:")
        .replace("mode = c.fetchone()[0]", "pass")
        .replace('"journal_mode": mode,', "")
    )
    result = run(
        {"REDIS_URL": "redis://127.0.0.1:6379/3", "ALLOWED_HOSTS": "a.example, b.example"},
        tmp_path,
        code,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["layer"] == "channels_redis.core.RedisChannelLayer"
    assert seen["hosts"] == ["a.example", "b.example"]


def test_database_url_without_secret_key_is_refused_with_a_clear_message(tmp_path):
    result = run(
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x"},
        tmp_path,
        "import django; django.setup()",
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DATABASE_URL is set" in result.stderr


def test_a_bad_boolean_is_refused(tmp_path):
    result = run({"DEBUG": "vielleicht"}, tmp_path, "import django; django.setup()")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_a_heartbeat_interval_under_a_second_is_refused(tmp_path):
    result = run({"HEARTBEAT_INTERVAL_MS": "0"}, tmp_path, "import django; django.setup()")
    assert result.returncode != 0
    assert "HEARTBEAT_INTERVAL_MS must be at least 1000" in result.stderr
    result = run(
        {"HEARTBEAT_INTERVAL_MS": "15000"},
        tmp_path,
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.HEARTBEAT_INTERVAL)",
    )
    assert result.returncode == 0 and result.stdout.strip() == "15.0"


def test_a_fresh_data_dir_holds_the_key_and_the_database_for_the_owner_only(tmp_path):
    """The key and the database (sessions, names, password hashes) are never readable by
    others, not even for a moment: both are created 0600, whatever the umask."""
    code = (
        "import os; os.umask(0o022)\n"
        + PROBE
        + (
            "\nfrom pathlib import Path\n"
            "from django.contrib.sessions.backends.db import SessionStore\n"
            "from django.core.management import call_command\n"
            "call_command('migrate', verbosity=0)\n"
            "s = SessionStore(); s['x'] = 1; s.save()\n"
            "print(json.dumps({p.name: oct(p.stat().st_mode & 0o777)\n"
            "                  for p in settings.DATA_DIR.iterdir()}))\n"
        )
    )
    result = run({}, tmp_path, code)
    assert result.returncode == 0, result.stderr
    modes = json.loads(result.stdout.splitlines()[-1])  # while the database is open
    names = {"secret_key", "mitwirken.sqlite3", "mitwirken.sqlite3-wal", "mitwirken.sqlite3-shm"}
    assert names <= set(modes), modes
    assert {modes[name] for name in names} == {"0o600"}, modes
    assert oct((tmp_path / "mitwirken.sqlite3").stat().st_mode & 0o777) == "0o600"


RACE = """
import sys, time
import django
from django.conf import settings
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
print(settings.SECRET_KEY)
"""


def test_concurrent_first_starts_agree_on_one_key(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DATA_DIR": str(tmp_path / "var")})
    at = str(time.time() + 3)  # every process reads the settings at this moment
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, at],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    keys = set()
    for start in starts:
        out, err = start.communicate(timeout=60)
        assert start.returncode == 0, err
        keys.add(out.strip())
    assert len(keys) == 1 and keys == {(tmp_path / "var" / "secret_key").read_text().strip()}
    assert [p.name for p in (tmp_path / "var").iterdir() if "secret" in p.name] == ["secret_key"]


MAIL_PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({k: getattr(settings, k) for k in (
    "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL",
    "DEFAULT_FROM_EMAIL", "SITE_URL")}))
"""


def test_mail_is_printed_unless_an_smtp_server_is_named(tmp_path):
    env = {k: "" for k in ("EMAIL_HOST", "EMAIL_BACKEND", "EMAIL_USE_SSL", "SITE_URL")}
    result = run(env, tmp_path, MAIL_PROBE)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert seen["SITE_URL"] == "http://localhost:8000"
    result = run(
        {
            **env,
            "EMAIL_HOST": "mail.stadt.example",
            "EMAIL_PORT": "465",
            "EMAIL_USE_SSL": "true",
            "DEFAULT_FROM_EMAIL": "integration@stadt.example",
            "SITE_URL": "https://mitwirken.stadt.example/",
        },
        tmp_path,
        MAIL_PROBE,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (seen["EMAIL_HOST"], seen["EMAIL_PORT"]) == ("mail.stadt.example", 465)
    assert (seen["EMAIL_USE_SSL"], seen["EMAIL_USE_TLS"]) == (True, False)
    assert seen["DEFAULT_FROM_EMAIL"] == "integration@stadt.example"
    assert seen["SITE_URL"] == "https://mitwirken.stadt.example"
    result = run({**env, "EMAIL_PORT": "fünf"}, tmp_path, MAIL_PROBE)
    assert result.returncode != 0 and "EMAIL_PORT must be a whole number" in result.stderr
