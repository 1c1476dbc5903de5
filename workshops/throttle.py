"""Fixed-window counters for the abuse limits over HTTP and the socket (docs/operations.md,
"Limits"): unknown join codes, joins, failed logins.

Kept in Django's cache: Redis when ``REDIS_URL`` is set, so every server process counts
together; one process's memory otherwise (sized for a hall: config/settings.py, CACHES).
When the cache itself is away the throttle lets the request through (and logs it): a
conference must not stop because Redis did. Keys hold a hash of the address, session or
user name, never the value itself.

A venue's Wi-Fi puts a whole hall behind one address, so the limits count what
identifies a person first (the browser's session, the user name); what is still counted
per address has a cap far above a hall of 1000.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

# The longest address kept from X-Forwarded-For (an IPv6 address with a zone fits).
_ADDRESS_MAX = 64


def _key(scope: str, value: str, window: int) -> str:
    """One counter per value and window length. A window starts with the first attempt
    counted and lasts ``window`` seconds (the counter's expiry, which counting on does
    not extend): no clock boundary lets twice the limit through at once."""
    digest = hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:24]
    return f"throttle:{scope}:{digest}:{window}"


def client_address(source) -> str:
    """The caller's address, for an HTTP request or a socket's ASGI scope alike.

    The peer's address, unless ``USE_X_FORWARDED_FOR`` (on with ``BEHIND_HTTPS_PROXY``)
    says a proxy in front sets ``X-Forwarded-For``: then the last address in it, the one
    the proxy itself wrote (whatever a client sent before it comes first). Without a
    proxy the header is the client's own word and ignored."""
    if isinstance(source, dict):  # an ASGI scope
        peer = (source.get("client") or ["unknown"])[0]
        forwarded = b",".join(v for k, v in source.get("headers") or () if k == b"x-forwarded-for")
        forwarded = forwarded.decode("latin-1")
    else:
        peer = source.META.get("REMOTE_ADDR")
        forwarded = source.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.USE_X_FORWARDED_FOR and forwarded:
        last = forwarded.rsplit(",", 1)[-1].strip()[:_ADDRESS_MAX]
        if last:
            return last
    return str(peer or "unknown")


def session_key(session) -> str | None:
    """The key of a browser's stored session, or None: a cookie naming no session (made
    up, expired) counts as none, so made-up cookies cannot spread one caller's attempts
    over fresh counters."""
    if session is None:
        return None
    try:
        session.keys()  # loads it: an unknown key becomes None
    except Exception:  # noqa: BLE001 - no session store: nothing to count by
        return None
    return session.session_key


def count(scope: str, value: str, window: int) -> int:
    """How often ``value`` was counted in this window so far."""
    try:
        return int(cache.get(_key(scope, value, window)) or 0)
    except Exception:  # noqa: BLE001 - fail open: see the module's docstring
        log.warning("throttle cache unavailable (%s)", scope)
        return 0


def counts(*counters: tuple[str, str, int]) -> list[int]:
    """``count`` of several (scope, value, window) at once: one trip to Redis, not one
    each (every page and socket of a join code asks two)."""
    keys = [_key(*counter) for counter in counters]
    try:
        found = cache.get_many(keys)
    except Exception:  # noqa: BLE001 - fail open
        log.warning("throttle cache unavailable (%s)", ", ".join(c[0] for c in counters))
        return [0] * len(keys)
    return [int(found.get(key) or 0) for key in keys]


def hit(scope: str, value: str, window: int) -> int:
    """Count one more for ``value`` in this window; returns the new count."""
    key = _key(scope, value, window)
    try:
        cache.add(key, 0, timeout=window)
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1
    except Exception:  # noqa: BLE001 - fail open
        log.warning("throttle cache unavailable (%s)", scope)
        return 0


def allow(scope: str, value: str, *, limit: int, window: int) -> bool:
    """Count this attempt; False once more than ``limit`` fell into the window."""
    if not limit:
        return True
    return hit(scope, value, window) <= limit


# --- join codes ---------------------------------------------------------------------------
# Only a join code that names no forum counts as a guess (a 404 of any other address does
# not: browsers ask for icons and the like on their own). Per browser session
# (CODE_MISSES_PER_MINUTE) and per address per hour, with a cap for a whole hall
# (CODE_MISSES_PER_HOUR_PER_ADDRESS). A caller over either limit is answered 429 (the
# socket: 4429) for every code, real or not, except where it already takes part.
HOUR = 60 * 60


def code_guessing(address: str, session: str | None = None) -> bool:
    """Has this caller tried too many unknown join codes?"""
    return over_either(
        ("code-miss-session", session, 60, settings.CODE_MISSES_PER_MINUTE),
        ("code-miss", address, HOUR, settings.CODE_MISSES_PER_HOUR_PER_ADDRESS),
    )


def over_either(*limits: tuple[str, str | None, int, int]) -> bool:
    """Has any (scope, value, window, limit) reached its limit? A limit of 0 is off, a
    value of None (no session) not counted."""
    asked = [entry for entry in limits if entry[1] and entry[3]]
    if not asked:
        return False
    found = counts(*((scope, value, window) for scope, value, window, _ in asked))
    return any(n >= entry[3] for n, entry in zip(found, asked, strict=True))


def code_missed(address: str, session: str | None = None) -> None:
    """Count one unknown join code for this caller."""
    hit("code-miss", address, HOUR)
    if session:
        hit("code-miss-session", session, 60)


# --- lead links ---------------------------------------------------------------------------
# A lead link that opens nothing (unknown, replaced, revoked) counts like a failed login:
# per browser session (LEAD_LINK_FAILURES_PER_SESSION) and per address with a cap for a
# city hall's staff behind one address (LEAD_LINK_FAILURES_PER_ADDRESS), 15 minutes each.
# Beyond either, every link is answered 429 unchecked. Changes through a valid link count
# per link (its token's hash): LEAD_CHANGES_PER_MINUTE.
LEAD_WINDOW = 15 * 60


def lead_link_guessing(address: str, session: str | None = None) -> bool:
    return over_either(
        ("lead-miss-session", session, LEAD_WINDOW, settings.LEAD_LINK_FAILURES_PER_SESSION),
        ("lead-miss", address, LEAD_WINDOW, settings.LEAD_LINK_FAILURES_PER_ADDRESS),
    )


def lead_link_missed(address: str, session: str | None = None) -> None:
    hit("lead-miss", address, LEAD_WINDOW)
    if session:
        hit("lead-miss-session", session, LEAD_WINDOW)


def lead_change_allowed(token_hash: str) -> bool:
    return allow("lead-change", token_hash, limit=settings.LEAD_CHANGES_PER_MINUTE, window=60)
