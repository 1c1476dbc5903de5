"""Fixed-window counters for the HTTP throttles (joins per address, failed logins).

Kept in Django's cache: Redis when ``REDIS_URL`` is set, so every server process counts
together; one process's memory otherwise. When the cache itself is away the throttle
lets the request through (and logs it): a conference must not stop because Redis did.
Keys hold a hash of the address or user name, never the value itself.
"""
import hashlib
import logging
import time

from django.core.cache import cache

log = logging.getLogger(__name__)


def _key(scope: str, value: str, window: int) -> str:
    digest = hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:24]
    return f"throttle:{scope}:{digest}:{int(time.time() // window)}"


def client_address(request) -> str:
    """The caller's address as the server sees it (Daphne's --proxy-headers puts the
    proxy's X-Forwarded-For there)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def count(scope: str, value: str, window: int) -> int:
    """How often ``value`` was counted in this window so far."""
    try:
        return int(cache.get(_key(scope, value, window)) or 0)
    except Exception:  # noqa: BLE001 - fail open: see the module's docstring
        log.warning("throttle cache unavailable (%s)", scope)
        return 0


def hit(scope: str, value: str, window: int) -> int:
    """Count one more for ``value`` in this window; returns the new count."""
    key = _key(scope, value, window)
    try:
        cache.add(key, 0, timeout=window + 5)
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        return 1
    except Exception:  # noqa: BLE001 - fail open
        log.warning("throttle cache unavailable (%s)", scope)
        return 0


def allow(scope: str, value: str, *, limit: int, window: int) -> bool:
    """Count this attempt; False once more than ``limit`` fell into the window."""
    if not limit:
        return True
    return hit(scope, value, window) <= limit


def code_guessing(address: str) -> bool:
    """Has this address tried more than ``CODE_MISSES_PER_MINUTE`` unknown join codes?"""
    from django.conf import settings

    limit = settings.CODE_MISSES_PER_MINUTE
    return bool(limit) and count("code-miss", address, 60) >= limit
