"""The venue scenario: a hall behind one address, on the server's default settings.

    python -m bench.venue                      # 400 phones, what `make bench` runs
    python -m bench.venue --phones 150 --long-proposals 20

Everything comes from 127.0.0.1, as a hall comes through the venue's Wi-Fi, and the
server runs with no limit switched off (unlike bench/load.py, which measures speed):

1. the room joins within a minute: every phone loads the join page, joins, loads the
   phone page and, like a browser, the icons (``/favicon.ico``, the touch icons), then
   opens its socket;
2. a moderator opens a dot-voting round and the phones vote, while one participant of
   the room sends a stream of poison (numbers beyond any database column, NUL in ids,
   wrong types, ``sync`` from absurd revisions, broken JSON, a frame at the size limit);
3. the moderator hides an item that is in the open round;
4. sixty long proposals of made-up words arrive, and ten phones look up similar items;
5. a late phone joins and the moderator's console connects afresh.

Checked, each failure named on stderr (exit 1): every honest command acked ``ok``; every
phone ends with the tally the acks add up to and at the forum's rev; no honest socket
closed; the hidden text in no frame and no page a participant or the screen gets; the
late arrivals get their snapshot. One line of figures, each beside its ceiling.
"""

import argparse
import asyncio
import json
import random
import string
import sys
import time

from bench.load import LocalServer, percentile
from bench.phones import BenchError, Phone, http, join, login

# The ceilings the figures are printed beside (issue-free targets of docs/operations.md).
JOIN_WITHIN_S = 60.0
CONSOLE_MS = 100.0
LOOKUP_MS = 20.0
ICONS = ["/favicon.ico", "/apple-touch-icon.png", "/apple-touch-icon-precomposed.png"]


class Listener(Phone):
    """A phone that also keeps every frame it gets after ``listen()``, as text."""

    def __init__(self, cookies: dict):
        super().__init__(cookies)
        self.heard: list[str] | None = None

    def listen(self) -> None:
        self.heard = []

    def _take(self, frame: dict, now: float) -> None:
        if self.heard is not None:
            self.heard.append(json.dumps(frame, ensure_ascii=False))
        super()._take(frame, now)


def made_up_words(rng: random.Random, chars: int) -> str:
    """Text no dictionary knows: the duplicate finder's worst case."""
    words = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 11))))
    return " ".join(words)[:chars]


def poison(round_id: int, item: int, field: int) -> list[str]:
    """What a hostile participant sends: each must be refused alone and cost no one else."""
    huge = 99999999999999999999
    frames = [
        {"type": "vote", "id": "p-huge-round", "round": huge, "item": item, "value": 1},
        {"type": "vote", "id": "p-huge-item", "round": round_id, "item": huge, "value": 1},
        {"type": "vote", "id": "p-huge-value", "round": round_id, "item": item, "value": huge},
        {"type": "vote", "id": "p-float", "round": round_id, "item": item, "value": 1e308},
        {
            "type": "propose",
            "id": "p-huge-refs",
            "field": field,
            "kind": "goal",
            "text": "x",
            "refs": [huge],
        },
        {"type": "propose", "id": "p-huge-field", "field": huge, "kind": "need", "text": "x"},
        {"type": "vote", "id": "nul\u0000id", "round": round_id, "item": item, "value": 1},
        {"type": "propose", "id": "p-nul-text", "field": field, "kind": "need", "text": "a\u0000b"},
        {"type": "vote", "id": "p-types", "round": "eins", "item": [], "value": {}},
        {"type": "propose", "id": "p-kind", "field": field, "kind": {"x": 1}, "text": ["a"]},
        {"type": "sync", "id": "p-sync-neg", "rev": -huge},
        {"type": "sync", "id": "p-sync-big", "rev": huge},
        {"type": "sync", "id": "p-sync-str", "rev": "latest"},
        {"type": "moderate", "id": "p-mod", "action": "hide", "item": item},
        {"type": "propose", "id": "x" * 200, "field": field, "kind": "need", "text": "x"},
        {"type": "nonsense", "id": "p-type"},
        {"type": "ping"},
    ]
    raw = [json.dumps(f) for f in frames]
    raw += [
        "{{{{",
        "[]",
        "null",
        "123",
        '"text"',
        '{"type": 1}',
        json.dumps(
            {"type": "propose", "id": "p-long", "field": field, "kind": "need", "text": "y" * 15000}
        ),
    ]
    return raw


async def run(
    port: int, phones_n: int, long_proposals: int, lookups: int
) -> tuple[dict, list[str]]:
    failures: list[str] = []
    server = LocalServer(port, {}, venue_defaults=True)
    try:
        await server.ready()
        target = server.target
        host, code = "127.0.0.1", target.code
        ws_url, origin = target.ws_url(port), f"http://{host}:{port}"

        # 1. The room arrives.
        statuses: dict[str, int] = {}

        async def arrive(k: int) -> Listener:
            cookies = await join(host, port, code)
            for path in [f"/f/{code}/", *ICONS]:
                status, _, _ = await http(host, port, "GET", path, cookies=cookies)
                statuses[f"{path}:{status}"] = statuses.get(f"{path}:{status}", 0) + 1
            phone = Listener(cookies)
            await phone.connect(ws_url, origin)
            return phone

        gate = asyncio.Semaphore(50)

        async def gated(k):
            async with gate:
                return await arrive(k)

        cpu0, start = target.cpu(), time.perf_counter()
        phones = list(await asyncio.gather(*(gated(k) for k in range(phones_n))))
        while any(p.snapshot is None for p in phones):
            if time.perf_counter() - start > JOIN_WITHIN_S * 2:
                raise BenchError("not every phone got its snapshot")
            await asyncio.sleep(0.05)
        joined_s = time.perf_counter() - start
        join_cpu = target.cpu() - cpu0
        if joined_s > JOIN_WITHIN_S:
            failures.append(
                f"the room needed {joined_s:.1f} s to join (at most {JOIN_WITHIN_S:.0f})"
            )
        bad = {k: v for k, v in statuses.items() if not k.endswith(":200")}
        if bad:
            failures.append(f"pages or icons not answered 200: {bad}")

        creds = target.demo["moderator"]
        mod_cookies = await login(host, port, creds["username"], creds["password"])
        moderator = Listener(mod_cookies)
        await moderator.connect(ws_url, origin)
        while moderator.snapshot is None:
            await asyncio.sleep(0.05)

        # 2. A round, the votes, and the poison.
        items = [i for i in moderator.snapshot["items"] if i.get("status", "visible") == "visible"][
            :4
        ]
        if len(items) < 3:
            raise BenchError("the demo forum has too few items")
        field = items[0]["field"]
        item_ids = [i["id"] for i in items]
        ack = await moderator.command(
            {
                "type": "moderate",
                "action": "open_round",
                "method": "dots",
                "items": item_ids,
                "budget": 2,
                "per_item": 1,
                "secret": False,
            }
        )
        if not ack["ok"]:
            raise BenchError(f"the round could not be opened: {ack}")
        round_id = ack["result"]["id"]
        await asyncio.sleep(1.0)
        hostile, honest = phones[0], phones[1:]
        rng = random.Random(21)

        async def vote(phone, item, at):
            await asyncio.sleep(at)
            return item, await phone.command(
                {"type": "vote", "round": round_id, "item": item, "value": 1}
            )

        async def poison_stream():
            frames = poison(round_id, item_ids[0], field)
            sent = 0
            for _ in range(5):
                for raw in frames:
                    if hostile.ws is None or hostile.ws.close_code is not None:
                        return sent
                    try:
                        await hostile.ws.send(raw)
                    except Exception:  # noqa: BLE001 - the server may close the hostile one
                        return sent
                    sent += 1
                    await asyncio.sleep(0.02)
            return sent

        cpu0 = target.cpu()
        votes = [
            vote(p, item, rng.uniform(0, 4.0)) for p in honest for item in rng.sample(item_ids, 2)
        ]
        results, poison_sent = await asyncio.gather(asyncio.gather(*votes), poison_stream())
        vote_cpu = target.cpu() - cpu0
        refused = [a for _, a in results if not a["ok"]]
        if refused:
            failures.append(f"{len(refused)} honest votes refused, e.g. {refused[0]}")
        expected = {str(i): 0 for i in item_ids}
        for item, answer in results:
            if answer["ok"]:
                expected[str(item)] += 1

        def last_totals(phone):
            frames = [f for _, f in phone.tallies if f["round"] == round_id]
            return {k: v.get("dots") for k, v in frames[-1]["totals"].items()} if frames else None

        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline and any(last_totals(p) != expected for p in honest):
            await asyncio.sleep(0.1)
        inexact = sum(1 for p in honest if last_totals(p) != expected)
        if inexact:
            failures.append(f"{inexact} phones do not show the tally the acks add up to")

        # 3. The moderator hides an item that is in the open round.
        hidden = items[1]
        for phone in honest:
            phone.listen()
        ack = await moderator.command({"type": "moderate", "action": "hide", "item": hidden["id"]})
        if not ack["ok"]:
            failures.append(f"hiding was refused: {ack}")

        # 4. Sixty long proposals and ten look-ups.
        text_rng = random.Random(5)
        proposers = honest[:long_proposals]
        answers = await asyncio.gather(
            *(
                p.command(
                    {
                        "type": "propose",
                        "field": field,
                        "kind": "need",
                        "text": made_up_words(text_rng, 480),
                    }
                )
                for p in proposers
            )
        )
        refused = [a for a in answers if not a["ok"]]
        if refused:
            failures.append(f"{len(refused)} long proposals refused, e.g. {refused[0]}")
        # The sixty proposals reach every phone first (60 events to each of the room's
        # sockets): the look-ups and the console are timed on a server at rest, not
        # queued behind that fan-out.
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline and any(p.rev < moderator.rev for p in honest):
            await asyncio.sleep(0.1)
        lookup_ms, cpu0 = [], target.cpu()
        for phone in honest[-lookups:]:
            query = made_up_words(text_rng, 300).replace(" ", "+")
            t0 = time.perf_counter()
            status, _, _ = await http(
                host, port, "GET", f"/f/{code}/similar?text={query}", cookies=phone.cookies
            )
            lookup_ms.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                failures.append(f"a look-up of similar items answered {status}")
        lookup_cpu = target.cpu() - cpu0
        console_ms, cpu0 = [], target.cpu()
        for _ in range(3):
            t0 = time.perf_counter()
            status, _, _ = await http(
                host, port, "GET", f"/f/{code}/moderate/", cookies=mod_cookies
            )
            console_ms.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                failures.append(f"the console answered {status}")

        console_cpu = target.cpu() - cpu0

        # 5. Late arrivals: a phone and the moderator, afresh.
        late = Listener(await join(host, port, code))
        late.listen()
        await late.connect(ws_url, origin)
        await moderator.close()
        console = Listener(mod_cookies)
        await console.connect(ws_url, origin)
        deadline = time.perf_counter() + 15
        while (
            late.snapshot is None or console.snapshot is None
        ) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        if late.snapshot is None or console.snapshot is None:
            failures.append("a late phone or the console got no snapshot")
        await asyncio.sleep(1.5)
        rev = console.rev
        behind = sum(1 for p in honest if p.rev != rev)
        if behind:
            failures.append(f"{behind} phones are not at the forum's rev {rev}")
        closed = sum(
            1 for p in honest if p.errors or (p.ws is not None and p.ws.close_code is not None)
        )
        if closed:
            failures.append(f"{closed} honest sockets were closed")

        # Nothing hidden leaves for a participant or the screen.
        secret = hidden["text"]
        leaks = sum(1 for p in [*honest, late] for raw in (p.heard or []) if secret in raw)
        if leaks:
            failures.append(f"the hidden text reached participants in {leaks} frames")
        screen_key = target.demo["forums"][0]["screen_key"]
        for who, path, cookies in [
            ("phone page", f"/f/{code}/", honest[0].cookies),
            ("screen page", f"/f/{code}/screen/?key={screen_key}", {}),
        ]:
            status, _, html = await http(host, port, "GET", path, cookies=cookies)
            if status != 200 or secret in html:
                failures.append(f"the {who} answered {status} or shows the hidden text")
        figures = {
            "phones": phones_n,
            "joined_s": f"{joined_s:.1f}/{JOIN_WITHIN_S:.0f}",
            "join_cpu_ms_per_phone": round(join_cpu * 1000 / phones_n, 1),
            "votes_ok": f"{sum(1 for _, a in results if a['ok'])}/{len(results)}",
            "vote_cpu_s": round(vote_cpu, 2),
            "poison_frames": poison_sent,
            "exact_phones": f"{len(honest) - inexact}/{len(honest)}",
            "long_proposals_ok": f"{len(answers) - len(refused)}/{len(answers)}",
            "lookup_ms_p95": f"{percentile(lookup_ms, 95):.1f}/{LOOKUP_MS:.0f}",
            "lookup_cpu_ms": round(lookup_cpu * 1000 / max(1, len(lookup_ms)), 1),
            "console_page_ms_max": f"{max(console_ms):.1f}/{CONSOLE_MS:.0f}",
            "console_page_cpu_ms": round(console_cpu * 1000 / max(1, len(console_ms)), 1),
            "late_snapshot_items": len(late.snapshot["items"]) if late.snapshot else None,
            "closed_honest": closed,
            "hidden_leaks": leaks,
        }
        for p in [*phones, late, console]:
            await p.close()
        return figures, failures
    except BenchError:
        tail = server.log.read_text(errors="replace").splitlines()[-12:]
        print("the server's last log lines:\n  " + "\n  ".join(tail), file=sys.stderr)
        raise
    finally:
        server.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.venue",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--phones", type=int, default=400)
    parser.add_argument("--long-proposals", type=int, default=60)
    parser.add_argument("--lookups", type=int, default=10)
    parser.add_argument("--port", type=int, default=8795)
    args = parser.parse_args(argv)
    try:
        figures, failures = asyncio.run(
            run(args.port, args.phones, args.long_proposals, args.lookups)
        )
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 2
    print("venue[product]: " + " ".join(f"{k}={v}" for k, v in figures.items()), flush=True)
    for failure in failures:
        print(f"venue: FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
