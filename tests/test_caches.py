"""Django's cache on Redis (config/caches.py): every cache object of a process, whatever
thread or request made it, uses the one connection pool, so requests do not open a
connection to Redis each."""

import concurrent.futures
import os

import pytest
from django.core.cache.backends.redis import RedisCache

from tests.live import require

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/2"
OPTIONS = {
    "socket_timeout": 1,
    "socket_connect_timeout": 1,
    "pool_class": "config.caches.SharedConnectionPool",
}


def redis_answers() -> bool:
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except Exception:  # noqa: BLE001
        return False


def a_cache_of_its_own() -> RedisCache:
    """What Django makes for each thread and each request's context."""
    return RedisCache(REDIS_URL, {"KEY_PREFIX": "mitwirken-test-pool", "OPTIONS": OPTIONS})


def test_every_cache_object_shares_one_pool_and_its_connection():
    require("Redis", redis_answers(), f"nothing answers at {REDIS_URL}")
    first = a_cache_of_its_own()
    first.set("counted", 1)
    pool = first._cache._get_connection_pool(write=True)

    def one_request(n: int) -> int:
        cache = a_cache_of_its_own()  # a request's own, as under ASGI
        assert cache._cache._get_connection_pool(write=True) is pool
        return cache.incr("counted")

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as threads:
        counts = list(threads.map(one_request, range(200)))
    assert sorted(counts) == list(range(2, 202))  # every increment counted once
    # the threads' requests took turns on a handful of connections, not one each
    assert pool._created_connections <= 4
    first.delete("counted")


def test_other_addresses_get_other_pools():
    require("Redis", redis_answers(), f"nothing answers at {REDIS_URL}")
    here = a_cache_of_its_own()._cache._get_connection_pool(write=True)
    other_url = REDIS_URL.rsplit("/", 1)[0] + "/3"
    there = RedisCache(other_url, {"OPTIONS": OPTIONS})._cache._get_connection_pool(write=True)
    assert there is not here
    assert there.connection_kwargs["db"] == 3
