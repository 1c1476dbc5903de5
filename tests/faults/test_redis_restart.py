"""Redis (the channel layer between two Daphne processes) is restarted during a session:
it comes back empty. Commands keep being acked meanwhile (the database is the truth),
and every phone on either process converges on what the database holds."""

import asyncio

from tests.faults.harness import (
    SETUP_PHONES,
    STATE,
    Phone,
    RedisServer,
    postgres_database,
    run_script,
    until,
)
from tests.faults.test_kill_and_restart import in_thread
from tests.live import Server, base_env, prepare

PHONES = 8
BEFORE, DURING, AFTER = 2, 2, 2  # proposals per phone in each phase


def test_redis_restart_with_two_processes_loses_nothing_and_phones_converge(tmp_path, capsys):
    redis = RedisServer().start()
    try:
        with postgres_database() as url:
            env = base_env(tmp_path, DATABASE_URL=url, REDIS_URL=redis.url)
            info = prepare(env)
            setup = run_script(env, SETUP_PHONES, info["code"], PHONES, 0)
            servers = [Server(env).start(), Server(env).start()]
            try:
                report = in_thread(
                    session(
                        servers, redis, info, setup, lambda: run_script(env, STATE, info["code"], 0)
                    )
                )
            finally:
                for server in servers:
                    server.stop()
            stored = run_script(env, STATE, info["code"], 0)
    finally:
        redis.stop()

    sent = PHONES * (BEFORE + DURING + AFTER)
    with capsys.disabled():
        print(
            f"\n[faults] Redis restart: {report['acked']} of {sent} proposals acked, "
            f"{len(stored['texts'])} stored; acked during the outage: {report['acked_during']}; "
            f"socket connects per phone: {report['connects']}"
        )
    assert report["acked"] == sent
    # every acked proposal is stored, exactly once
    assert sorted(stored["texts"]) == sorted(report["texts"])
    # every phone on both processes has the database's rev and items
    assert report["revs"] == [stored["rev"]] * PHONES
    assert all(items == stored["items"] for items in report["items"])


async def session(servers, redis, info, setup, read_state):
    phones = [
        Phone(servers[n % 2].url, info["code"], ph["cookie"]).start()
        for n, ph in enumerate(setup["phones"])
    ]
    field = info["fields"][0]
    texts = []

    async def propose(phase, count):
        for n, phone in enumerate(phones):
            for k in range(count):
                text = f"{phase} {n}-{k}"
                texts.append(text)
                await phone.send(
                    {
                        "type": "propose",
                        "id": f"{phase}-{n}-{k}",
                        "field": field,
                        "kind": "need",
                        "text": text,
                    }
                )

    def all_acked():
        return all(not p.outbox for p in phones)

    async def ping_all():
        for p in phones:
            await p.ping()

    try:
        assert await until(lambda: all(p.rev is not None for p in phones), 20)
        await propose("vorher", BEFORE)
        assert await until(all_acked, 20)
        redis.stop()
        await propose("waehrend", DURING)
        assert await until(all_acked, 20), "commands must be acked while Redis is away"
        acked_during = sum(1 for p in phones for i in p.acked_ok() if i.startswith("waehrend"))
        await asyncio.sleep(1)
        redis.start()
        await asyncio.sleep(2)  # the processes notice and listen again
        await propose("nachher", AFTER)
        assert await until(all_acked, 20)
        state = await asyncio.to_thread(read_state)
        # No pings here: the events after the restart must reach both processes again
        # (their gap to the lost ones makes each phone sync).
        converged = await until(
            lambda: all(
                p.rev == state["rev"] and sorted(p.items) == state["items"] for p in phones
            ),
            15,
        )
        assert converged, [(p.rev, len(p.items)) for p in phones]
        return {
            "acked": sum(1 for p in phones for i in p.acked_ok() if i.count("-") == 2),
            "acked_during": acked_during,
            "texts": texts,
            "revs": [p.rev for p in phones],
            "items": [sorted(p.items) for p in phones],
            "connects": [p.connects for p in phones],
        }
    finally:
        for p in phones:
            await p.stop()
