"""One Redis connection pool per process for Django's cache (with ``REDIS_URL``).

Django keeps a cache object per thread and per asynchronous context, and under ASGI each
request runs in a context of its own: every page that counted something (the join
limits, the code guessing) made a new cache object, with a new connection pool, and so
a new connection to Redis, whose start also asks the installed packages for redis-py's
version. While a room arrived on two processes that was a tenth of their time
(docs/performance.md, "Arrival"). The pool class here hands every cache object the one
pool of its address and options; redis-py's pools may be shared by threads and make
their connections anew in a forked child.
"""

import threading

import redis


class SharedConnectionPool(redis.ConnectionPool):
    _pools: dict = {}
    _lock = threading.Lock()

    @classmethod
    def from_url(cls, url, **kwargs):
        key = (url, tuple(sorted((name, repr(value)) for name, value in kwargs.items())))
        with cls._lock:
            pool = cls._pools.get(key)
            if pool is None:
                pool = cls._pools[key] = super().from_url(url, **kwargs)
        return pool
