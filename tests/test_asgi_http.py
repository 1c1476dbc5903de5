"""Pages served over ASGI, as Daphne serves them (config/asgi.py)."""

from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator
from django.db.backends.signals import connection_created

from config.asgi import application
from tests.factories import make_conference, make_forum


async def test_pages_share_one_database_connection(transactional_db, monkeypatch):
    """Pages run in the one thread that also does the sockets' database work
    (config/asgi.py), so a room loading pages opens no connection per page."""
    forum = await sync_to_async(lambda: make_forum(make_conference()))()
    opened = []

    def created(sender, connection, **kwargs):
        opened.append(connection)

    connection_created.connect(created)
    try:
        for _ in range(5):
            page = HttpCommunicator(
                application, "GET", f"/j/{forum.code}", headers=[(b"host", b"localhost")]
            )
            response = await page.get_response()
            await page.wait(timeout=5)  # the request's end, after the response went out
            assert response["status"] == 200
            assert forum.title.encode() in response["body"]  # read from the database
    finally:
        connection_created.disconnect(created)
    assert len(opened) <= 1, "a connection per page"


async def test_documents_are_built_beside_the_phones_pages_not_in_their_queue(transactional_db):
    """A conference's documents and office pages run in a thread of their own
    (config/asgi.py), so a moderator's seconds-long download never holds up the page a
    phone in the hall is loading."""
    import threading

    from django.core.signals import request_started

    forum = await sync_to_async(lambda: make_forum(make_conference()))()
    threads = {}

    def started(sender, scope=None, **kwargs):
        threads[scope["path"]] = threading.current_thread().name

    request_started.connect(started)
    try:
        for path in (f"/j/{forum.code}", f"/c/{forum.conference.slug}/measures/"):
            page = HttpCommunicator(application, "GET", path, headers=[(b"host", b"localhost")])
            response = await page.get_response()
            await page.wait(timeout=5)
            assert response["status"] == 200, path
    finally:
        request_started.disconnect(started)
    assert threads[f"/j/{forum.code}"].startswith("pages")
    assert threads[f"/c/{forum.conference.slug}/measures/"].startswith("office")
