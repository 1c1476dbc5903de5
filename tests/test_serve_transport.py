"""The server's TCP transport (config/serve.py): a frame goes out at once when nothing is
queued, and what the kernel does not take is queued in order behind it."""

import socket

from twisted.internet.protocol import Protocol
from twisted.internet.testing import MemoryReactor

from config.serve import DirectWriteServer


def connection():
    ours, phone = socket.socketpair()
    phone.setblocking(False)
    reactor = MemoryReactor()
    transport = DirectWriteServer(ours, Protocol(), ("127.0.0.1", 50000), None, 1, reactor)
    return transport, phone, reactor


def drain(phone) -> bytes:
    got = b""
    while True:
        try:
            chunk = phone.recv(1 << 20)
        except BlockingIOError:
            return got
        if not chunk:
            return got
        got += chunk


def test_a_frame_reaches_the_phone_without_waiting_for_the_event_loop():
    transport, phone, reactor = connection()
    transport.write(b'{"type":"tally"}')
    # no turn of the reactor has happened, and none is asked for
    assert drain(phone) == b'{"type":"tally"}'
    assert reactor.getWriters() == []
    transport.write(b"second")
    assert drain(phone) == b"second"


def test_a_phone_that_stops_reading_gets_everything_in_order_once_it_reads_again():
    transport, phone, reactor = connection()
    big = bytes(range(256)) * 40_000  # far more than the socket buffers hold
    transport.write(big)
    assert reactor.getWriters() == [transport]  # the rest waits for the socket to drain
    transport.write(b"after")  # queued behind it, not sent past it
    received = b""
    for _ in range(10_000):
        received += drain(phone)
        if not reactor.getWriters():
            break
        transport.doWrite()  # what the reactor calls when the socket is writable again
    received += drain(phone)
    assert received == big + b"after"
    transport.write(b"again")  # nothing queued any more: straight out
    assert drain(phone) == b"again"


def test_a_pull_producer_is_still_asked_for_more():
    """Twisted asks a pull producer for its next chunk when the socket has taken the last
    one; writing around the queue must not leave it waiting."""
    transport, phone, reactor = connection()

    class Chunks:
        left = 3

        def resumeProducing(self):
            if self.left:
                self.left -= 1
                transport.write(b"chunk ")
            else:
                transport.unregisterProducer()

        def stopProducing(self):
            pass

    transport.registerProducer(Chunks(), False)
    for _ in range(20):
        if not reactor.getWriters():
            break
        transport.doWrite()
    assert drain(phone) == b"chunk chunk chunk "
