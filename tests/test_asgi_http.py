"""Pages served over ASGI, as Daphne serves them (config/asgi.py)."""

from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
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


async def test_a_page_is_one_trip_to_the_pages_thread_with_its_signals_there(
    transactional_db, monkeypatch
):
    """Django's request_started, the response and request_finished run in one trip to
    the pages' thread (config/asgi.py): each signal once, in that thread."""
    import threading

    from django.core.signals import request_finished, request_started

    from config import asgi

    forum = await sync_to_async(lambda: make_forum(make_conference()))()
    trips = []
    submit = asgi.PAGES_THREAD.submit

    def counted(*args, **kwargs):
        trips.append(1)
        return submit(*args, **kwargs)

    monkeypatch.setattr(asgi.PAGES_THREAD, "submit", counted)
    heard = []

    def started(sender, **kwargs):
        heard.append(("started", threading.current_thread().name))

    def finished(sender, **kwargs):
        heard.append(("finished", threading.current_thread().name))

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        page = HttpCommunicator(
            application, "GET", f"/j/{forum.code}", headers=[(b"host", b"localhost")]
        )
        response = await page.get_response()
        await page.wait(timeout=5)
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    assert response["status"] == 200 and forum.title.encode() in response["body"]
    assert [what for what, _ in heard] == ["started", "finished"]
    assert all(thread.startswith("pages") for _, thread in heard)
    assert len(trips) == 1


async def test_a_streamed_answer_is_written_whole_and_closed_after(transactional_db, settings):
    """A file Django streams (WhiteNoise's, when static files are looked up afresh, as
    with DEBUG) is written to its end, and closed (request_finished) only then."""
    from pathlib import Path

    from django.core.signals import request_finished

    from config.asgi import django_asgi_app

    expected = (Path(settings.BASE_DIR) / "static" / "css" / "mitwirken.css").read_bytes()
    closed = []

    def finished(sender, **kwargs):
        closed.append(1)

    request_finished.connect(finished)
    try:
        django_asgi_app.load_middleware(is_async=False)  # WhiteNoise's table anew
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/static/css/mitwirken.css",
            "raw_path": b"/static/css/mitwirken.css",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"localhost")],
            "server": ("localhost", 80),
            "client": ("127.0.0.1", 40000),
        }
        page = ApplicationCommunicator(django_asgi_app, scope)
        await page.send_input({"type": "http.request", "body": b""})
        start = await page.receive_output(5)
        body = b""
        while True:
            part = await page.receive_output(5)
            body += part.get("body", b"")
            if not part.get("more_body"):
                break
        await page.wait(timeout=5)
    finally:
        request_finished.disconnect(finished)
    assert start["status"] == 200
    assert body == expected
    assert closed == [1]
