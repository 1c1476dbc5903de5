"""The way to PostgreSQL is cut for a few seconds (a TCP proxy between Daphne and the
database drops every connection and refuses new ones). Commands are answered with a clear
``unavailable`` error at once, the socket stays open, /healthz says 503, and once the
database is back the same commands (same ids) are applied exactly once.

SQLite is a file beside the process: it cannot become unreachable over a network, so this
fault is tested on PostgreSQL only (skipped without it, a failure in CI)."""

import asyncio
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from tests.faults.harness import (
    SETUP_PHONES,
    STATE,
    Phone,
    TcpProxy,
    postgres_database,
    run_script,
    until,
)
from tests.faults.test_kill_and_restart import in_thread
from tests.live import Server, base_env, prepare

POOL_TIMEOUT = 2


def healthz(url):
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_database_unreachable_gives_unavailable_then_works_again(tmp_path, capsys):
    with postgres_database() as url:
        parts = urlsplit(url)
        proxy = TcpProxy(parts.port or 5432, parts.hostname)
        proxied = url.replace(f"{parts.hostname}:{parts.port or 5432}", f"127.0.0.1:{proxy.port}")
        # The pool waits this long for a connection before a command is "unavailable".
        env = base_env(tmp_path, DATABASE_URL=proxied, DATABASE_POOL_TIMEOUT=str(POOL_TIMEOUT))
        info = prepare(env)
        setup = run_script(env, SETUP_PHONES, info["code"], 1, 0)
        server = Server(env).start()
        try:
            report = in_thread(outage(server, proxy, info, setup))
            alive = server.process.poll() is None
        finally:
            server.stop()
            proxy.close()
        stored = run_script(base_env(tmp_path, DATABASE_URL=url), STATE, info["code"], 0)

    with capsys.disabled():
        print(
            f"\n[faults] database cut: answers during the cut {report['during']} "
            f"(slowest {report['slowest']:.2f} s); acked after restore: {report['acked']}, "
            f"stored: {len(stored['texts'])}"
        )
    assert alive, "the server process must survive the outage"
    assert all(code == "unavailable" for code in report["during"]) and len(report["during"]) == 3
    # Bounded by the pool's wait for a connection (DATABASE_POOL_TIMEOUT), not a hang.
    assert report["slowest"] < POOL_TIMEOUT + 2, (
        "an unavailable database must not make commands hang"
    )
    assert report["pong_without_rev"] is True
    assert report["health"][0] == 503 and report["health"][1]["database"].startswith("error")
    assert report["health_after"][0] == 200
    assert report["connects"] == 1, "the socket stays open through the outage"
    assert report["acked"] == ["vorher", "waehrend 0", "waehrend 1", "waehrend 2", "nachher"]
    assert sorted(stored["texts"]) == sorted(report["acked"])  # each exactly once
    assert report["rev"] == stored["rev"]


async def outage(server, proxy, info, setup):
    phone = Phone(server.url, info["code"], setup["phones"][0]["cookie"]).start()
    field = info["fields"][0]

    def propose(command_id, text):
        return phone.send(
            {"type": "propose", "id": command_id, "field": field, "kind": "need", "text": text}
        )

    try:
        assert await until(lambda: phone.rev is not None, 20)
        await propose("a", "vorher")
        assert await until(lambda: "a" in phone.acks, 10)

        proxy.cut()
        during, slowest = [], 0.0
        for n in range(3):
            started = time.monotonic()
            await propose(f"b{n}", f"waehrend {n}")
            assert await until(lambda n=n: f"b{n}" in phone.acks, 15), (
                "no answer while the database is away"
            )
            slowest = max(slowest, time.monotonic() - started)
            during.append(
                phone.acks[f"b{n}"]["error"]["code"] if not phone.acks[f"b{n}"]["ok"] else "ok"
            )
        pongs = []
        original = phone._receive

        async def spy(frame):
            if frame["type"] == "pong":
                pongs.append(frame)
            await original(frame)

        phone._receive = spy
        await phone.ping()
        assert await until(lambda: pongs, 10)
        health = await asyncio.to_thread(healthz, server.url)

        proxy.restore()
        # Like live.js: what was refused as unavailable stays in the outbox and goes again.
        for n in range(3):
            phone.acks.pop(f"b{n}")
        assert await until(
            lambda: all(phone.acks.get(f"b{n}", {}).get("ok") for n in range(3)),
            20,
            tick=phone.resend,
        )
        await propose("c", "nachher")
        assert await until(lambda: phone.acks.get("c", {}).get("ok"), 10)
        health_after = await asyncio.to_thread(healthz, server.url)
        await until(lambda: len(phone.items) == 5, 5, tick=phone.ping)
        order = ["a", "b0", "b1", "b2", "c"]
        texts = {"a": "vorher", "c": "nachher", **{f"b{n}": f"waehrend {n}" for n in range(3)}}
        return {
            "during": during,
            "slowest": slowest,
            "pong_without_rev": "rev" not in pongs[0],
            "health": health,
            "health_after": health_after,
            "connects": phone.connects,
            "acked": [texts[i] for i in order if phone.acks.get(i, {}).get("ok")],
            "rev": phone.rev,
        }
    finally:
        await phone.stop()
