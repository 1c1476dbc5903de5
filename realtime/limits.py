"""How many sockets one participant and one address may hold open on this process.

Counted per server process (in memory): with N processes behind the proxy the ceiling is
N times the setting, which still bounds what one phone or one script can hold. A refused
socket is closed with 4429; the client tries again later with its usual backoff. The cap
per address is for a whole hall behind a venue's one address (docs/operations.md,
"Limits"); the address is the one of workshops/throttle.py (``X-Forwarded-For`` only
behind a trusted proxy).
"""

from collections import Counter

from django.conf import settings

from workshops.throttle import client_address

CLOSE_TOO_MANY = 4429

_by_sender: Counter = Counter()
_by_address: Counter = Counter()


def _address(scope) -> str:
    return client_address(scope)


def admit(scope, sender: str | None) -> bool:
    """Count a new socket, or refuse it (and count nothing) when a cap is reached."""
    address = _address(scope)
    per_address, per_sender = settings.SOCKETS_PER_ADDRESS, settings.SOCKETS_PER_PARTICIPANT
    if per_address and _by_address[address] >= per_address:
        return False
    if sender and per_sender and _by_sender[sender] >= per_sender:
        return False
    _by_address[address] += 1
    if sender:
        _by_sender[sender] += 1
    return True


def release(scope, sender: str | None) -> None:
    address = _address(scope)
    _by_address[address] -= 1
    if _by_address[address] <= 0:
        del _by_address[address]
    if sender:
        _by_sender[sender] -= 1
        if _by_sender[sender] <= 0:
            del _by_sender[sender]
