"""Production settings, the dependency floor, the server's frame limit, health and logs."""

import asyncio
import concurrent.futures
import json
import logging
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from packaging.version import Version

from tests.live import Server, base_env, prepare

ROOT = Path(__file__).resolve().parent.parent

# Known-fixed versions: nothing below these may be installed.
FLOOR = {
    "Django": "5.2.19",
    "daphne": "4.2.2",  # WebSocket size limits, header smuggling
    "twisted": "24.7.0",
    "autobahn": "20.12.3",
}

PRODUCTION = {
    "SECRET_KEY": "p" * 20 + "-production-like-key-" + "q" * 30,
    "BEHIND_HTTPS_PROXY": "true",
    "ALLOWED_HOSTS": "mitwirken.example.de",
    "CSRF_TRUSTED_ORIGINS": "https://mitwirken.example.de",
}


def test_installed_versions_are_not_below_the_known_fixed_floor():
    for name, floor in FLOOR.items():
        installed = Version(version(name))
        assert installed >= Version(floor), f"{name} {installed} is below the fixed floor {floor}"


def test_the_floor_comparison_is_by_version_not_by_text():
    # "4.10" > "4.9" only as versions; "20.12.3" < "26.10.2" although "2" < "20" as text
    assert Version("4.10.0") > Version("4.9.9") and "4.10.0" < "4.9.9"
    assert Version("5.2.9") < Version("5.2.19")


def run_manage(args, tmp_path, **env_extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DATA_DIR=str(tmp_path), **env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    # and it is not clean by accident: without the proxy settings it warns
    bare = run_manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        **{k: v for k, v in PRODUCTION.items() if k != "BEHIND_HTTPS_PROXY"},
    )
    assert bare.returncode != 0 and "security.W004" in bare.stderr + bare.stdout


PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({"ssl": s.SECURE_PROXY_SSL_HEADER, "hsts": s.SECURE_HSTS_SECONDS,
    "redirect": s.SECURE_SSL_REDIRECT,
    "secure": [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE],
    "httponly": [s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY],
    "samesite": [s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SAMESITE, s.LANGUAGE_COOKIE_SAMESITE]}))
"""


def test_behind_https_cookies_are_secure_httponly_lax_and_hsts_is_on(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DATA_DIR=str(tmp_path), **PRODUCTION)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    seen = json.loads(out.stdout)
    assert seen["ssl"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert seen["hsts"] >= 31536000 and seen["redirect"] is True
    assert seen["secure"] == [True, True, True]
    assert seen["httponly"] == [True, True]
    assert seen["samesite"] == ["Lax", "Lax", "Lax"]


def test_hsts_header_and_secure_cookie_when_behind_https(client, db, settings):
    from tests.factories import make_forum

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    forum = make_forum()
    response = client.get(f"/j/{forum.code}", HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.cookies["csrftoken"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_healthz_reports_database_and_channel_layer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": "ok", "channel_layer": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_says_503_when_the_channel_layer_is_away(client, db, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert (
        body["ok"] is False
        and body["database"] == "ok"
        and body["channel_layer"].startswith("error")
    )


def test_json_logs_are_one_object_per_line_without_personal_data(client, db, caplog):
    from config.logs import JsonFormatter
    from tests.factories import make_forum

    forum = make_forum()
    with caplog.at_level(logging.DEBUG):
        client.post(f"/j/{forum.code}", {"name": "Ayşe Geheimname", "group": "Verwaltung"})
        client.post(
            f"/f/{forum.code}/propose", {"field": "x", "kind": "need", "text": "Geheimer Vorschlag"}
        )
    lines = [JsonFormatter().format(record) for record in caplog.records]
    assert lines, "the refused proposal is logged (400)"
    for line in lines:
        entry = json.loads(line)
        assert {"time", "level", "logger", "message"} <= set(entry)
        assert (
            "Geheimname" not in line
            and "Geheimer Vorschlag" not in line
            and "sessionid" not in line
        )


def test_a_20_kib_frame_is_refused_by_the_server_before_the_application(tmp_path):
    env = base_env(tmp_path)
    info = prepare(env)
    server = Server(env).start()
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            result = pool.submit(asyncio.run, oversize(server.url, info)).result(timeout=60)
    finally:
        server.stop()
    assert result["small"] == "pong"  # 15 KiB passes
    assert result["code"] == 1009  # "message too big", from autobahn itself
    assert "payload" in result["reason"].lower() or "exceed" in result["reason"].lower(), result[
        "reason"
    ]


async def oversize(url, info):
    import websockets

    ws_url = url.replace("http://", "ws://") + f"/ws/forum/{info['code']}/?key={info['screen_key']}"
    async with websockets.connect(ws_url, origin=url, max_size=None) as ws:
        assert json.loads(await ws.recv())["type"] == "snapshot"
        await ws.send(json.dumps({"type": "ping", "pad": "x" * (15 * 1024)}))
        small = None
        async with asyncio.timeout(5):
            while small != "pong":
                small = json.loads(await ws.recv())["type"]
        await ws.send(json.dumps({"type": "ping", "pad": "x" * (20 * 1024)}))
        try:
            async with asyncio.timeout(5):
                async for _ in ws:
                    pass
        except Exception:  # noqa: BLE001 - the close is what we want to see
            pass
        return {"small": small, "code": ws.close_code, "reason": ws.close_reason or ""}


def test_the_entry_point_sets_the_limits_and_keeps_explicit_options():
    from config.serve import MAX_WEBSOCKET_BYTES, ProductionCommandLine

    parsed = ProductionCommandLine().parser.parse_args(
        ["-b", "127.0.0.1", "config.asgi:application"]
    )
    assert parsed.websocket_max_message_size == MAX_WEBSOCKET_BYTES == 16 * 1024
    assert parsed.websocket_max_frame_size == MAX_WEBSOCKET_BYTES
    assert parsed.verbosity == 0  # no access log with addresses and screen keys
    # Daphne's keepalive ping after 45 s for a socket that sends nothing (the pages do
    # not ping while the heartbeats come)
    from config.serve import KEEPALIVE_SECONDS

    assert parsed.ping_interval == KEEPALIVE_SECONDS == 45
    explicit = ProductionCommandLine().parser.parse_args(
        ["--websocket-max-message-size", "4096", "x:y"]
    )
    assert explicit.websocket_max_message_size == 4096


def test_daphnes_walks_over_every_connection_run_every_fifteen_seconds(monkeypatch):
    """Daphne's timers still fire every 1 and 2 s; the walk over the connections behind
    them runs only when WALK_EVERY_SECONDS have passed since the last one."""
    from config import serve

    clock = [100.0]
    pending = []  # (when, method) asked of the reactor
    walks = []
    monkeypatch.setattr(serve.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(
        serve.reactor, "callLater", lambda delay, f: pending.append((clock[0] + delay, f))
    )
    monkeypatch.setattr(
        serve.Server,
        "application_checker",
        lambda self: (
            walks.append(("applications", clock[0])),
            serve.reactor.callLater(1, self.application_checker),
        ),
    )
    monkeypatch.setattr(
        serve.Server,
        "timeout_checker",
        lambda self: (
            walks.append(("timeouts", clock[0])),
            serve.reactor.callLater(2, self.timeout_checker),
        ),
    )
    server = object.__new__(serve.GracefulServer)
    server.walked_at = {}
    pending += [
        (101.0, server.application_checker),
        (102.0, server.timeout_checker),
    ]  # Daphne's run()
    while True:
        pending.sort(key=lambda entry: entry[0])
        when, method = pending.pop(0)
        if when > 150:
            break
        clock[0] = when
        method()
    assert [at for walk, at in walks if walk == "applications"] == [101, 116, 131, 146]
    assert [at for walk, at in walks if walk == "timeouts"] == [102, 118, 134, 150]


def test_the_server_puts_what_it_loaded_out_of_the_collectors_reach_before_it_serves(monkeypatch):
    """Django and the views, loaded before the first socket, are frozen; the young
    generation is collected after YOUNG_COLLECTION_AFTER new objects (config/serve.py)."""
    import gc

    from config import serve

    served = []
    monkeypatch.setattr(serve.Server, "run", lambda self: served.append(gc.get_freeze_count()))
    threshold = gc.get_threshold()
    try:
        serve.GracefulServer.run(object.__new__(serve.GracefulServer))
        assert served and served[0] > 10_000  # frozen before serving, not after
        assert gc.get_threshold() == (serve.YOUNG_COLLECTION_AFTER, threshold[1], threshold[2])
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
