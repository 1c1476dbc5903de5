"""The hub passes on at most one tally per interval and round, and always the newest.

With several server processes each one computes tallies of the votes it committed; the
hub of every process must still give a phone at most one tally per interval, and the
last one it gets must be the one computed last.
"""

import asyncio

import pytest

from realtime.hub import Hub


class Socket:
    """What the hub needs of a consumer: a role and a send; records the frames."""

    role = "participant"
    backlog = None
    sent_rev = 0

    def __init__(self):
        self.frames = []

    async def send(self, text_data):
        self.frames.append(text_data)


def tally(round_id, dots, as_of):
    return {
        "type": "forum.tally",
        "forum": 1,
        "as_of": as_of,
        "frame": {
            "type": "tally",
            "round": round_id,
            "totals": {"5": {"dots": dots}},
            "voters": dots,
        },
    }


@pytest.fixture
async def hub(settings):
    settings.TALLY_INTERVAL = 0.2
    hub = Hub()
    hub.loop = asyncio.get_running_loop()
    hub.channel = "test"
    return hub


async def test_tallies_sooner_than_the_interval_wait_and_the_newest_goes_out(hub):
    socket = Socket()
    hub.local[1].add(socket)
    await hub.deliver(tally(7, 1, as_of=1.0))
    await hub.deliver(tally(7, 2, as_of=2.0))  # from another process, 0 s later
    await hub.deliver(tally(7, 3, as_of=3.0))
    assert len(socket.frames) == 1 and '"dots":1' in socket.frames[0]
    await asyncio.sleep(0.3)
    assert len(socket.frames) == 2 and '"dots":3' in socket.frames[1]


async def test_a_tally_computed_earlier_but_arriving_later_is_dropped(hub):
    socket = Socket()
    hub.local[1].add(socket)
    await hub.deliver(tally(7, 5, as_of=5.0))
    await asyncio.sleep(0.25)
    await hub.deliver(tally(7, 4, as_of=4.0))  # a slow computation that began earlier
    await asyncio.sleep(0.25)
    assert [f for f in socket.frames if '"dots":4' in f] == []
    assert '"dots":5' in socket.frames[-1]


async def test_rounds_are_paced_apart(hub):
    socket = Socket()
    hub.local[1].add(socket)
    await hub.deliver(tally(7, 1, as_of=1.0))
    await hub.deliver(tally(8, 1, as_of=1.0))
    assert len(socket.frames) == 2
