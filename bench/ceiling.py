"""The Python ceiling: a bare asyncio `websockets` server that does only what a burst
needs (snapshot, ack, one coalesced tally broadcast every 250 ms), no Django, no
database. The same load generator runs against it, so the report gives ratios.

    python -m bench.ceiling --port 8792
"""
import argparse
import asyncio
import json

ITEMS = [101, 102, 103, 104, 105, 106]
TICK = 0.25


async def serve(port: int) -> None:
    import websockets

    clients = set()
    totals = {str(i): 0 for i in ITEMS}
    voters = set()
    dirty = asyncio.Event()

    async def handler(ws):
        clients.add(ws)
        try:
            await ws.send(json.dumps({"type": "snapshot", "rev": 0, "forum": {}, "fields": [],
                                      "items": [{"id": i} for i in ITEMS], "rounds": [], "tallies": {},
                                      "me": {"role": "participant"}}))
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "vote":
                    totals[str(frame["item"])] += 1
                    voters.add(id(ws))
                    dirty.set()
                    await ws.send(json.dumps({"type": "ack", "id": frame["id"], "ok": True,
                                              "result": {"votes": {}, "points_left": 0}}))
                elif frame.get("type") == "moderate":
                    await ws.send(json.dumps({"type": "ack", "id": frame["id"], "ok": True, "result": {"id": 1}}))
        finally:
            clients.discard(ws)

    async def ticker():
        while True:
            await dirty.wait()
            dirty.clear()
            frame = json.dumps({"type": "tally", "round": 1, "voters": len(voters),
                                "totals": {k: {"dots": v} for k, v in totals.items()}})
            websockets.broadcast(clients, frame)
            await asyncio.sleep(TICK)

    asyncio.get_running_loop().create_task(ticker())
    async with websockets.serve(handler, "127.0.0.1", port, max_size=2**16):
        await asyncio.Future()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling")
    parser.add_argument("--port", type=int, default=8792)
    asyncio.run(serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
