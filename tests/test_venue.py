"""The venue scenario (bench/venue.py), shortened: a hall behind one address on the
server's default settings, with one hostile participant, a hidden item in an open round,
long proposals, look-ups of similar items and late arrivals."""

import asyncio

from bench.venue import run
from tests.live import free_port


def test_a_room_behind_one_address_with_a_hostile_participant():
    figures, failures = asyncio.run(run(free_port(), phones_n=150, long_proposals=20, lookups=10))
    assert failures == [], figures
    assert figures["hidden_leaks"] == 0
    assert figures["closed_honest"] == 0
    assert figures["poison_frames"] >= 20
