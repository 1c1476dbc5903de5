"""One participant fires dot votes from several tabs at once against a real Daphne on the
embedded SQLite: the budget holds, every command is answered, nothing is half-applied."""

import asyncio
import concurrent.futures
import json
import subprocess

import pytest

from tests.live import PYTHON, ROOT, Server, base_env, prepare
from tests.realtime.test_two_processes import frames_until, join

ROUND = r"""
import json, sys, django
django.setup()
from workshops.actors import Actor
from workshops.models import Forum, Participant
from django.contrib.auth import get_user_model
from workshops.services.items import propose_item
from workshops.services.rounds import open_round
forum = Forum.objects.get(code=sys.argv[1])
author = Actor(participant=Participant.objects.create(conference=forum.conference))
field = forum.fields.order_by("position", "id").first().pk
items = [propose_item(actor=author, forum=forum, field=field, kind="measure", text=f"M {n}").pk
         for n in range(8)]
mod = Actor(user=get_user_model().objects.get(username="moderation"))
round_ = open_round(actor=mod, forum=forum, method="dots", kind="measure", budget=5, per_item=2)
print(json.dumps({"round": round_.pk, "items": items}))
"""

COUNT = r"""
import json, sys, django
django.setup()
from workshops.models import Ballot, Vote
votes = list(Vote.objects.filter(round_id=int(sys.argv[1])).values_list("value", flat=True))
print(json.dumps({"spent": sum(votes), "votes": len(votes),
                  "ballots": list(Ballot.objects.values_list("used", flat=True))}))
"""


def run(env, script, *args):
    out = subprocess.run(
        [PYTHON, "-c", script, *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=False)
def test_a_dots_budget_holds_against_many_tabs_on_sqlite(tmp_path):
    env = base_env(tmp_path)
    info = prepare(env)
    setup = run(env, ROUND, info["code"])
    server = Server(env).start()
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            acks = pool.submit(asyncio.run, fire(server.url, info["code"], setup)).result(
                timeout=60
            )
    finally:
        server.stop()
    assert len(acks) == 6 * 3  # every command answered
    assert {a["ok"] or a["error"]["code"] for a in acks} == {True, "budget"}
    assert all(a["result"]["points_left"] >= 0 for a in acks if a["ok"])
    stored = run(env, COUNT, str(setup["round"]))
    # 2 points on each of two items fit the budget of 5; a third item never does.
    assert stored == {"spent": 4, "votes": 2, "ballots": [4]}


async def fire(url, code, setup):
    import websockets

    cookie = await asyncio.to_thread(join, url, code)
    ws_url = url.replace("http://", "ws://") + f"/ws/forum/{code}/"
    tabs = [
        await websockets.connect(ws_url, additional_headers={"Cookie": cookie}, origin=url)
        for _ in range(6)
    ]
    try:
        for tab in tabs:
            await frames_until(tab, lambda f: f["type"] == "snapshot")
        frames = [
            (
                tab,
                {
                    "type": "vote",
                    "id": f"t{t}-{n}",
                    "round": setup["round"],
                    "item": setup["items"][(t + n) % 8],
                    "value": 2,
                },
            )
            for t, tab in enumerate(tabs)
            for n in range(3)
        ]  # 18: within one person's burst
        await asyncio.gather(*(tab.send(json.dumps(frame)) for tab, frame in frames))

        async def acks_of(tab):
            return [await frames_until(tab, lambda f: f["type"] == "ack") for _ in range(3)]

        return [
            ack for acks in await asyncio.gather(*(acks_of(tab) for tab in tabs)) for ack in acks
        ]
    finally:
        for tab in tabs:
            await tab.close()
