"""Django's cache on Redis (with ``REDIS_URL``): one client and one connection pool per
process and address.

Django keeps a cache object per thread and per asynchronous context, and under ASGI each
request runs in a context of its own: every page that counts something (the join limits,
the code guessing) made a new cache object, and with it Django's Redis client (its
options read, its classes imported), a connection pool, a new connection to Redis (whose
start also asks the installed packages for redis-py's version), and for every command a
new ``redis.Redis`` object. While a room arrived on two processes the pool and connection
were a tenth of their time, and after them the client objects still a sixth of a page's
(docs/performance.md, "Arrival"). Here every cache object of a process with the same
address and options uses the one client, which keeps one ``redis.Redis`` per pool:
redis-py's clients and pools may be shared by threads (a command takes a connection from
the pool and gives it back), and a pool makes its connections anew in a forked child.
"""

import threading

from django.core.cache.backends import redis as django_redis
from django.utils.functional import cached_property


class SharedClient(django_redis.RedisCacheClient):
    """Django's client, made once per process, with one ``redis.Redis`` per pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self._clients: dict = {}  # pool index -> redis.Redis

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            with self._lock:  # the first command of two threads at once: one pool
                client = self._clients.get(index)
                if client is None:
                    pool = self._get_connection_pool(write)
                    client = self._clients[index] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    _clients: dict = {}  # (servers, options) -> SharedClient
    _lock = threading.Lock()

    @cached_property
    def _cache(self):
        key = (tuple(self._servers), tuple(sorted((k, repr(v)) for k, v in self._options.items())))
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = SharedClient(self._servers, **self._options)
        return client
