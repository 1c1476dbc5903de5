"""Django's cache on Redis (config/caches.py): every cache object of a process, whatever
thread or request made it, uses the one client and connection pool, so requests do not
make a client or open a connection to Redis each."""

import concurrent.futures
import os

import pytest

from config.caches import RedisCache
from tests.live import require

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/2"
OPTIONS = {"socket_timeout": 1, "socket_connect_timeout": 1}


def redis_answers() -> bool:
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except Exception:  # noqa: BLE001
        return False


def a_cache_of_its_own() -> RedisCache:
    """What Django makes for each thread and each request's context."""
    return RedisCache(REDIS_URL, {"KEY_PREFIX": "mitwirken-test-pool", "OPTIONS": OPTIONS})


def test_every_cache_object_shares_one_client_pool_and_its_connection():
    require("Redis", redis_answers(), f"nothing answers at {REDIS_URL}")
    first = a_cache_of_its_own()
    first.set("counted", 1)
    client = first._cache.get_client(write=True)
    pool = client.connection_pool

    def one_request(n: int) -> int:
        cache = a_cache_of_its_own()  # a request's own, as under ASGI
        assert cache._cache.get_client() is client
        return cache.incr("counted")

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as threads:
        counts = list(threads.map(one_request, range(200)))
    assert sorted(counts) == list(range(2, 202))  # every increment counted once
    # the threads' requests took turns on a handful of connections, not one each
    assert pool._created_connections <= 4
    first.delete("counted")


def test_other_addresses_get_other_pools():
    require("Redis", redis_answers(), f"nothing answers at {REDIS_URL}")
    here = a_cache_of_its_own()._cache.get_client().connection_pool
    other_url = REDIS_URL.rsplit("/", 1)[0] + "/3"
    there = RedisCache(other_url, {"OPTIONS": OPTIONS})._cache.get_client().connection_pool
    assert there is not here
    assert there.connection_kwargs["db"] == 3
    assert RedisCache(other_url, {"OPTIONS": OPTIONS})._cache.get_client().connection_pool is there
    # other options, another client: a shorter timeout is not lost to the first one made
    impatient = RedisCache(other_url, {"OPTIONS": {**OPTIONS, "socket_timeout": 0.5}})
    assert impatient._cache.get_client().connection_pool is not there


def test_the_limits_count_in_redis_in_one_trip(settings):
    """The code-guessing check reads a session's and an address's counters with one MGET
    (every page and socket of a join code asks it); what is counted is read back exact."""
    require("Redis", redis_answers(), f"nothing answers at {REDIS_URL}")
    from workshops import throttle

    settings.CACHES = {
        "default": {
            "BACKEND": "config.caches.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mitwirken-test-limits",
            "OPTIONS": OPTIONS,
        }
    }
    settings.CODE_MISSES_PER_MINUTE = 3
    settings.CODE_MISSES_PER_HOUR_PER_ADDRESS = 5
    address, session = f"10.9.8.{os.getpid() % 250}", f"s{os.getpid()}"
    client = RedisCache(REDIS_URL, {"OPTIONS": OPTIONS})._cache.get_client()
    commands = []
    original = client.execute_command

    def counted(*args, **kwargs):
        commands.append(args[0])
        return original(*args, **kwargs)

    client.execute_command = counted
    try:
        assert not throttle.code_guessing(address, session)
        assert commands == ["MGET"]
        throttle.code_missed(address, session)
        throttle.code_missed(address, session)
        assert throttle.counts(
            ("code-miss-session", session, 60), ("code-miss", address, throttle.HOUR)
        ) == [2, 2]
        assert not throttle.code_guessing(address, session)
        throttle.code_missed(address, session)
        assert throttle.code_guessing(address, session)  # the session's 3 of 3
        assert not throttle.code_guessing(address, "another session")
        throttle.code_missed(address)
        throttle.code_missed(address)
        assert throttle.code_guessing(address, "another session")  # the address's 5 of 5
    finally:
        del client.execute_command
        from django.core.cache import cache

        cache.delete_many(
            [
                throttle._key("code-miss-session", session, 60),
                throttle._key("code-miss", address, throttle.HOUR),
            ]
        )
