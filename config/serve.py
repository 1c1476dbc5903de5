"""Start Daphne the way production runs it: ``python -m config.serve [daphne options]``.

Daphne's own command line, with these differences:

- WebSocket messages and frames are limited to 16 KiB (``--websocket-max-message-size``
  and ``--websocket-max-frame-size``; the protocol's frame limit), so autobahn refuses an
  oversize frame with close code 1009 before the application reads a byte of it. Options
  given on the command line still win. Autobahn applies the limit to what the server
  sends as well, so the consumer sends a larger frame in parts (realtime/parts.py).
- On SIGTERM (a deploy, ``systemctl restart``) every open WebSocket is closed with 1012
  "service restart" before the process stops, so clients reconnect at once (to another
  process behind the proxy, or to this one when it is back) instead of waiting for a
  dead TCP connection to time out.
- A frame written to a socket whose send buffer is empty goes out at once
  (``DirectWriteServer``), as asyncio's own transports do, instead of waiting for the
  next turn of the event loop with the socket registered for writing and unregistered
  again: two ``epoll_ctl`` calls and a trip through the reactor per frame, most of what
  a broadcast to a thousand phones costs.
- The garbage collector leaves alone what lives as long as the process (``settle_heap``):
  Django, the URL map and the views are frozen out of its reach once loaded; and the
  youngest generation is collected after 10 000 new objects instead of 700, so what a
  page request or a closed socket leaves in reference cycles is freed while it is young
  instead of piling up for a full collection.
- Daphne's keepalive ping goes to a socket silent for 45 s (``--ping-interval``), not
  20 s: the pages do not ping while they hear the server's heartbeats (realtime/hub.py),
  so this ping, answered by the browser itself, is what finds a connection whose phone
  is gone (no pong within Daphne's ``--ping-timeout``, 30 s: closed).
- Daphne's walks over every connection (finished applications, timeouts) run every 15 s
  instead of every 1 and 2 s (``GracefulServer.application_checker``).
- No access log unless ``--access-log`` is given (addresses and screen keys are personal
  or secret; the proxy keeps access records), and then one without client addresses and
  query strings (``config.logs.AnonymousAccessLog``).

The application defaults to ``config.asgi:application``.
"""

import gc
import logging
import re
import sys
import time

from daphne import cli
from daphne.cli import CommandLineInterface
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import reactor, tcp
from twisted.internet.task import deferLater

MAX_WEBSOCKET_BYTES = 16 * 1024
CLOSE_SERVICE_RESTART = 1012
# Time for the close frames to leave before the connections are cut.
CLOSE_GRACE_SECONDS = 0.5
APPLICATION = "config.asgi:application"
KEEPALIVE_SECONDS = 45
# Seconds between Daphne's walks over every connection (its own: 1 and 2).
WALK_EVERY_SECONDS = 15
# A collection of the youngest generation after this many more objects were made than
# freed (CPython: 700); the older generations keep CPython's thresholds.
YOUNG_COLLECTION_AFTER = 10_000

log = logging.getLogger("config.serve")


class DirectWriteServer(tcp.Server):
    """Twisted's accepted TCP connection, writing at once when nothing is queued.

    Twisted's ``write`` always queues and asks the reactor to call back when the socket
    is writable; on the asyncio reactor that is an ``add_writer``, one loop turn and a
    ``remove_writer`` per frame. When nothing is queued before it, sending straight
    away keeps the order and the bytes the same; whatever the kernel does not take
    (a slow reader's full buffer) is queued the usual way, and a failed send is left
    to Twisted's own write path to report as a lost connection. A connection that
    started TLS itself (``startTLS``) keeps Twisted's path, which encrypts, and so does
    one feeding a pull producer, which Twisted asks for more each time the socket has
    taken everything.
    """

    def write(self, data: bytes) -> None:
        if (
            self.connected
            and not self.TLS
            and not self.disconnecting
            and not self._writeDisconnected
            and not self._tempDataBuffer
            and self.offset == len(self.dataBuffer)
            and (self.producer is None or self.streamingProducer)
            and isinstance(data, bytes)
        ):
            sent = self.writeSomeData(data)
            if isinstance(sent, int) and sent > 0:
                if sent == len(data):
                    return
                data = data[sent:]
        super().write(data)


def settle_heap() -> None:
    """Keep the cyclic garbage collector off what lives as long as the process, and let
    it free short-lived cycles while they are young.

    A full collection walks every object the collector tracks, with the event loop
    standing still. Frozen (``gc.freeze``), what was loaded at start-up (Django, the URL
    map, the views: ~120 000 objects) is never walked again; it is still freed by
    reference counting if it ever goes.

    Each page request (Django's ASGI handler: its task, the exception that ends its
    disconnect listener, a database wrapper for its thread) and each closed socket leave
    a few hundred objects in reference cycles. With CPython's 700 new objects between
    young collections, a request lives through several of them, so its cycles were
    promoted to the oldest generation and waited there for a full collection: measured
    on the machine of the sixth run in docs/performance.md, 1000 phones joining left
    ~300 000 such objects (the server's memory: 124 KB per socket, 70 KB without them)
    until a full collection of 0.6 s stopped the event loop in the middle of the
    reconnect that followed. After ``YOUNG_COLLECTION_AFTER`` new objects most requests
    are over when the young generation is collected, and their cycles go with it.
    Measured there: with 5 000 a full collection of 0.3 s still came during the
    scenarios; with 20 000 the collections of the middle generation grew so large that
    the burst's ack p95 doubled.
    """
    from django.apps import apps

    if apps.ready:
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 - imports every view, as a first request would
    gc.collect()
    gc.freeze()
    _, threshold1, threshold2 = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_AFTER, threshold1, threshold2)


class GracefulServer(Server):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.walked_at: dict[str, float] = {}  # walk -> when it last ran (time.monotonic)
        ready, self.ready_callable = self.ready_callable, None

        def tune():  # runs once the WebSocket factory exists, before the reactor starts
            # Refuse an oversize frame with a close frame (1009) instead of cutting the
            # TCP connection (autobahn's default), so clients see why.
            self.ws_factory.setProtocolOptions(failByDrop=False)
            if ready:
                ready()

        self.ready_callable = tune

    def run(self):
        # The application is loaded by now (Daphne's command line imports it first).
        settle_heap()
        super().run()

    # Daphne walks every connection each second (finished applications) and every two
    # seconds (timeouts, its keepalive pings). With 2000 idle sockets the two walks
    # were three quarters of what the process spent while no frame moved (a profile of
    # the idle scenario, docs/performance.md), and a walk costs the same however long
    # the pause before it: after a second of idling the objects it reads are out of the
    # processor's caches (on a virtual machine sharing its host, 2000 of them read in
    # 10-20 ms instead of 1 ms). What the walks look for (an application that ended, a
    # handshake past its 5 s, a socket silent for 45 s) can wait a few seconds, so each
    # walks at most every WALK_EVERY_SECONDS: Daphne's timer still fires at its own pace,
    # and finds nothing to do in between.
    def application_checker(self):
        if self._walk_due("applications"):
            super().application_checker()  # walks, and asks the reactor to call this again
        else:
            reactor.callLater(1, self.application_checker)

    def timeout_checker(self):
        if self._walk_due("timeouts"):
            super().timeout_checker()  # walks, and asks the reactor to call this again
        else:
            reactor.callLater(2, self.timeout_checker)

    def _walk_due(self, walk: str) -> bool:
        now = time.monotonic()
        # A timer may fire a little early: 0.1 s of slack keeps the walks every 15 s
        # (and every 16 s for the one on Daphne's two-second timer).
        if now - self.walked_at.get(walk, float("-inf")) < WALK_EVERY_SECONDS - 0.1:
            return False
        self.walked_at[walk] = now
        return True

    def kill_all_applications(self):
        closed = 0
        for protocol in list(self.connections):
            if (
                isinstance(protocol, WebSocketProtocol)
                and protocol.state == WebSocketProtocol.STATE_OPEN
            ):
                # sendClose refuses codes outside 1000 and 3000-4999; 1012 is a
                # registered server code, so the frame is sent directly.
                protocol.sendCloseFrame(code=CLOSE_SERVICE_RESTART, isReply=False)
                closed += 1
        log.info("shutting down: closed %d WebSocket(s) with %d", closed, CLOSE_SERVICE_RESTART)
        wait = deferLater(reactor, CLOSE_GRACE_SECONDS if closed else 0, lambda: None)
        wait.addCallback(lambda _: Server.kill_all_applications(self))
        return wait


class ProductionCommandLine(CommandLineInterface):
    server_class = GracefulServer

    def __init__(self):
        super().__init__()
        self.parser.set_defaults(
            websocket_max_message_size=MAX_WEBSOCKET_BYTES,
            websocket_max_frame_size=MAX_WEBSOCKET_BYTES,
            # No access log unless asked for (--access-log): it would record every
            # address and the screen key in /f/<code>/screen/?key=... (config/logs.py).
            verbosity=0,
            # Pages do not ping while the heartbeats come (realtime/hub.py), so each
            # socket gets Daphne's keepalive ping every 45-60 s (the walk's pace), and
            # the pong the browser sends back wakes the server: at Daphne's default
            # (20 s) a room of 2000 phones woke it 100 times a second for nothing else.
            # A phone gone without closing is found within this, a walk and the ping
            # timeout (30 s): 90 s.
            ping_interval=KEEPALIVE_SECONDS,
        )


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not (args and re.fullmatch(r"[\w.]+:[\w.]+", args[-1])):
        args.append(APPLICATION)
    from config.logs import AnonymousAccessLog

    # Daphne's command line builds its access log from this module-level name.
    cli.AccessLogGenerator = AnonymousAccessLog
    # Connections accepted on TCP ports (Daphne's -b/-p and tcp: endpoints) use it.
    tcp.Port.transport = DirectWriteServer
    ProductionCommandLine().run(args)


if __name__ == "__main__":
    main()
