"""A Daphne process is killed with SIGKILL in the middle of a voting burst, then started
again. Every vote that had been acked is in the database; the phones reconnect by
themselves, resend what was not acked (same ids), and converge on exact tallies.

Also: SIGTERM closes every socket with 1012, so clients come back at once."""

import asyncio
import concurrent.futures
import json
import signal
import time

from tests.faults.harness import SETUP_PHONES, STATE, Phone, postgres_database, run_script, until
from tests.live import Server, base_env, prepare

PHONES = 24
ITEMS = 12
KILL_AFTER_ACKS = 80


def in_thread(coro, timeout=120):
    # A loop of its own: the browser tests' Playwright may own this thread's loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result(timeout=timeout)


def test_sigkill_during_a_voting_burst_loses_no_acked_vote(tmp_path, capsys):
    with postgres_database() as url:
        env = base_env(tmp_path, DATABASE_URL=url)
        info = prepare(env)
        setup = run_script(env, SETUP_PHONES, info["code"], PHONES, ITEMS)
        server = Server(env).start()
        try:
            report = in_thread(burst_with_kill(server, info, setup))
        finally:
            server.stop()
        stored = run_script(env, STATE, info["code"], setup["round"])

    votes = {(p, o) for p, o, v in stored["votes"]}
    by_participant = {ph["participant"]: n for n, ph in enumerate(setup["phones"])}
    acked_before = {
        (setup["phones"][n]["participant"], item) for n, item in report["acked_before_kill"]
    }
    with capsys.disabled():
        print(
            f"\n[faults] SIGKILL: {len(acked_before)} votes acked before the kill, all present: "
            f"{acked_before <= votes}; after restart {report['acked_total']} acked, "
            f"{len(stored['votes'])} votes stored (expected {PHONES * ITEMS})"
        )
    assert len(acked_before) >= KILL_AFTER_ACKS
    assert acked_before <= votes, "an acked vote is missing after the kill"
    # After the restart every vote is acked exactly once and stored exactly once.
    assert report["acked_total"] == PHONES * ITEMS
    assert len(stored["votes"]) == PHONES * ITEMS
    assert votes == {(ph["participant"], item) for ph in setup["phones"] for item in setup["items"]}
    assert all(by_participant[p] is not None for p, _ in votes)
    # Every phone converged: the database's rev, and exact tallies (PHONES on every item).
    assert report["revs"] == [stored["rev"]] * PHONES
    expected = {str(item): PHONES for item in setup["items"]}
    for totals in report["tallies"]:
        assert {k: v["support"] for k, v in totals.items()} == expected
    assert min(report["connects"]) >= 2  # every phone came back by itself


async def burst_with_kill(server, info, setup):
    phones = [Phone(server.url, info["code"], ph["cookie"]).start() for ph in setup["phones"]]
    ids = {}  # command id -> (phone number, item)
    try:
        assert await until(lambda: all(p.rev is not None for p in phones), 20)

        async def vote_all(n, phone):
            for item in setup["items"]:
                command_id = f"v{n}-{item}"
                ids[command_id] = (n, item)
                await phone.send(
                    {
                        "type": "vote",
                        "id": command_id,
                        "round": setup["round"],
                        "item": item,
                        "value": 1,
                    }
                )
                await asyncio.sleep(0.04)

        voting = asyncio.gather(*(vote_all(n, p) for n, p in enumerate(phones)))
        assert await until(
            lambda: sum(len(p.acked_ok() & ids.keys()) for p in phones) >= KILL_AFTER_ACKS,
            20,
            every=0.005,
        )
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        acked_before = [ids[i] for p in phones for i in p.acked_ok() if i in ids]
        await voting
        # The process is gone: the phones are offline and keep their unacked votes.
        await asyncio.sleep(0.5)
        assert any(p.outbox for p in phones)
        await asyncio.to_thread(server.start)

        async def ping_all():
            for p in phones:
                await p.ping()

        everything_acked = await until(lambda: all(not p.outbox for p in phones), 40, tick=ping_all)
        assert everything_acked, [len(p.outbox) for p in phones]
        # The tally frame with the final state follows the last vote within a second.
        await asyncio.sleep(1.5)
        final_rev = max(p.rev for p in phones)
        await until(lambda: all(p.rev == final_rev for p in phones), 10, tick=ping_all)
        return {
            "acked_before_kill": acked_before,
            "acked_total": sum(len(p.acked_ok() & ids.keys()) for p in phones),
            "revs": [p.rev for p in phones],
            "tallies": [p.tallies.get(str(setup["round"]), {}) for p in phones],
            "connects": [p.connects for p in phones],
        }
    finally:
        for p in phones:
            await p.stop()


def test_sigterm_closes_every_socket_with_1012(tmp_path):
    env = base_env(tmp_path)
    info = prepare(env)
    setup = run_script(env, SETUP_PHONES, info["code"], 3, 0)
    server = Server(env).start()
    try:
        codes, exited_in = in_thread(terminate(server, info, setup))
    finally:
        server.stop()
    assert codes == [1012, 1012, 1012]
    assert exited_in < 10


async def terminate(server, info, setup):
    import websockets

    url = server.url.replace("http://", "ws://") + f"/ws/forum/{info['code']}/"
    sockets = [
        await websockets.connect(
            url, additional_headers={"Cookie": ph["cookie"]}, origin=server.url
        )
        for ph in setup["phones"]
    ]
    for ws in sockets:
        assert json.loads(await ws.recv())["type"] == "snapshot"
    started = time.monotonic()
    server.process.send_signal(signal.SIGTERM)

    async def close_code(ws):
        try:
            async with asyncio.timeout(5):
                async for _ in ws:
                    pass
        except Exception:  # noqa: BLE001
            pass
        return ws.close_code

    codes = await asyncio.gather(*(close_code(ws) for ws in sockets))
    await asyncio.to_thread(server.process.wait, 15)
    return list(codes), time.monotonic() - started
