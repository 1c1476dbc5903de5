"""A slow phone in the crowd: real Chromium on a throttled network (1.6 Mbit/s, 150 ms
latency, through the DevTools protocol) with a 4x slower processor joins the demo forum,
first alone on the server, then while ``--phones`` others arrive (bench/arrive.py, 100 at
a time). One line each:

    python -m bench.arrive_browser --phones 999

join_usable_s: from the tap on the QR code (navigation) until the join page has loaded
(its stylesheet applied, the button ready); wall_s: from the tap on "join" until the
phone page's wall is drawn; live_s: until its socket holds the snapshot
(``html[data-live=online]``); kb and requests: what the browser downloaded (compressed,
as the DevTools protocol counts it) and asked for until then.
"""

import argparse
import asyncio
import sys
import time

from bench.load import LocalServer, arrival, line
from bench.phones import BenchError

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
# Chromium's DevTools throttling counts bytes per second.
NETWORK = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6e6 / 8,
    "uploadThroughput": 1.6e6 / 8,
}
CPU_SLOWDOWN = 4


async def slow_phone(browser, base: str, code: str) -> dict:
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    await cdp.send("Network.emulateNetworkConditions", NETWORK)
    await cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    received = {"bytes": 0, "requests": 0}

    def finished(event):
        received["bytes"] += event.get("encodedDataLength", 0)

    cdp.on("Network.loadingFinished", finished)
    page.on("request", lambda request: received.__setitem__("requests", received["requests"] + 1))
    try:
        start = time.perf_counter()
        await page.goto(f"{base}/j/{code}", wait_until="load")
        await page.locator("button[type=submit]").first.wait_for(state="visible")
        join_usable = time.perf_counter() - start
        tap = time.perf_counter()
        await page.locator("button[type=submit]").first.click()
        await page.wait_for_url(f"**/f/{code}/", wait_until="commit")
        await page.locator(".wall").first.wait_for(state="visible")
        wall = time.perf_counter() - tap
        await page.wait_for_selector("html[data-live=online]", timeout=60_000)
        live = time.perf_counter() - tap
        await asyncio.sleep(0.5)  # the last responses' byte counts
    finally:
        await context.close()
    return {
        "join_usable_s": round(join_usable, 2),
        "wall_s": round(wall, 2),
        "live_s": round(live, 2),
        "kb": round(received["bytes"] / 1024, 1),
        "requests": received["requests"],
    }


async def run(args) -> int:
    from playwright.async_api import async_playwright

    server = LocalServer(args.port, {}, venue_defaults=True)  # the limits a hall has
    try:
        await server.ready()
        target = server.target
        base = f"http://127.0.0.1:{args.port}"
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                line("arrive-browser", "alone", await slow_phone(browser, base, target.code))
                crowd = asyncio.get_running_loop().create_task(
                    arrival(target, target.ws_url(args.port), args.phones, args.at_once)
                )
                await asyncio.sleep(args.after)
                if crowd.done():
                    raise BenchError("the crowd was in before the slow phone started")
                figures = await slow_phone(browser, base, target.code)
                crowd_figures = await crowd
                figures["crowd_phones"] = args.phones
                figures["crowd_all_in_s"] = crowd_figures["all_in_s"]
                line("arrive-browser", "in-crowd", figures)
            finally:
                await browser.close()
    finally:
        server.stop()
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.arrive_browser",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--phones", type=int, default=999, help="the crowd arriving meanwhile")
    parser.add_argument("--at-once", type=int, default=100)
    parser.add_argument(
        "--after", type=float, default=1.0, help="seconds into the crowd's arrival to start"
    )
    parser.add_argument("--port", type=int, default=8795)
    args = parser.parse_args(argv)
    try:
        return asyncio.run(run(args))
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
