import os
import urllib.parse

import pytest

from tests.factories import make_forum, make_moderator, make_participant


def pytest_configure(config):
    """Under ``pytest -n`` (make test) the processes that run the tests share one Redis:
    each test database numbers its forums from 1, and the channel groups, presence counts
    and throttle counters are named by the forum, so two processes on one index would see
    each other's frames and counts. The first keeps the index of ``REDIS_URL``, the n-th
    takes the one n above it. (Each also has a test database of its own: pytest-django
    names it after the process.)"""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ...
    url = os.environ.get("REDIS_URL")
    if not url or not worker.startswith("gw") or worker == "gw0":
        return
    parts = urllib.parse.urlsplit(url)
    index = int(parts.path.strip("/") or 0) + int(worker[2:])
    url = urllib.parse.urlunsplit(parts._replace(path=f"/{index}"))
    os.environ["REDIS_URL"] = url  # for the tests that start servers of their own

    from django.conf import settings
    from django.test import override_settings

    layers = {**settings.CHANNEL_LAYERS}
    layers["default"] = {**layers["default"]}
    layers["default"]["CONFIG"] = {**layers["default"]["CONFIG"], "hosts": [url]}
    caches = {**settings.CACHES}
    caches["default"] = {**caches["default"], "LOCATION": url}
    # for the life of the process, as the settings read it from the environment
    override_settings(REDIS_URL=url, CHANNEL_LAYERS=layers, CACHES=caches).enable()


@pytest.fixture
def forum(db):
    return make_forum()


@pytest.fixture
def participant(forum):
    return make_participant(forum.conference, display_name="Ayşe", group="Migrantenorganisation")


@pytest.fixture
def moderator(forum):
    return make_moderator(forum.conference)


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashing():
    """Passwords hashed and checked with PBKDF2 at a test's work factor (tests/hashers.py)."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["tests.hashers.QuickPBKDF2PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def close_consumer_connections(django_db_setup, django_db_blocker):
    """The consumer's database work runs in asgiref's worker thread, which keeps its
    (persistent) connection; close it before the test database is dropped."""
    yield
    import asyncio

    from channels.db import database_sync_to_async
    from django.db import connections

    with django_db_blocker.unblock():
        asyncio.run(database_sync_to_async(connections.close_all)())


@pytest.fixture(autouse=True)
def fresh_process_caches():
    """Each test's database starts afresh, so a forum may have the id, code and rev of one
    in an earlier test: nothing the consumer keeps between sockets may carry over.

    Nor the channel layer: each test runs in an event loop of its own, and a Redis layer
    keeps asyncio locks from the loop that used it last (channels_redis's per-channel
    receive locks, released by a clean-up task that dies with its loop). A process of the
    product has one loop for its life; the tests start each with a fresh layer as it does.
    """
    from channels.layers import channel_layers

    from realtime import consumer
    from workshops.walls import wall_items

    consumer.process_caches.clear()
    wall_items.clear()
    channel_layers.backends.clear()
    yield
    consumer.process_caches.clear()
    wall_items.clear()
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def default_language():
    """Django's LocaleMiddleware leaves the language of a request active in its thread;
    a later test in that thread would otherwise run in it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fresh_throttles():
    """The throttles count in Django's cache for up to 15 minutes (failed logins): the
    failures one test makes (the form fuzzer posts many) must not lock out a later test,
    depending on where the window happens to turn."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    def clear():
        cache = caches["default"]
        if isinstance(cache, RedisCache):  # shared with the channel layer: only the counters
            client = cache._cache.get_client(write=True)
            for key in client.scan_iter(match=cache.make_key("throttle:*")):
                client.delete(key)
        else:
            cache.clear()

    clear()
    yield
    clear()
