"""The arrival's Daphne floor: Daphne, started as production starts it (config/serve.py),
with an ASGI application that does no more than the arrival's ceiling does
(bench/ceiling.py, ``--arrive``): the recorded bytes of each page and asset, a join
answered with a fresh session cookie and a redirect, a socket that sends the recorded
snapshot. No Django, no database.

What an arriving phone costs on top of the ceiling splits in two: what Daphne costs
(this floor against the ceiling) and what the product's own code costs (the product
against this floor). ``python -m bench.load --scenario arrive --compare`` runs it
between the two; by itself:

    ARRIVE_RECORDING=FILE python -m config.serve -b 127.0.0.1 -p 8800 bench.daphne_floor:application
"""

import json
import os
import secrets

from bench.arrive import recorded_answer


def _load() -> tuple[dict, dict]:
    with open(os.environ["ARRIVE_RECORDING"]) as source:
        recorded = json.load(source)
    answers = {
        path: recorded_answer(raw.encode("latin-1")) for path, raw in recorded["get"].items()
    }
    return recorded, answers


RECORDED, ANSWERS = _load()
MISSING = (404, [(b"content-length", b"0")], b"")


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        return
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": RECORDED["snapshot"]})
        while (await receive())["type"] != "websocket.disconnect":
            pass
        return
    # http: read the body to its end, as a server must before answering a POST
    while (await receive()).get("more_body"):
        pass
    if scope["method"] == "POST" and scope["path"] == RECORDED["join_path"]:
        status, body = 302, b""
        headers = [
            (b"location", RECORDED["phone_path"].encode()),
            (
                b"set-cookie",
                f"sessionid={secrets.token_hex(16)}; HttpOnly; Path=/; SameSite=Lax".encode(),
            ),
            (b"content-length", b"0"),
        ]
    else:
        status, headers, body = ANSWERS.get(scope["path"], MISSING)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
