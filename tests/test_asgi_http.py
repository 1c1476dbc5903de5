"""Pages served over ASGI, as Daphne serves them (config/asgi.py)."""

from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator
from django.db.backends.signals import connection_created

from config.asgi import application
from tests.factories import make_conference, make_forum


async def test_a_page_closes_the_database_connection_it_opened(transactional_db, monkeypatch):
    forum = await sync_to_async(lambda: make_forum(make_conference()))()
    opened, closed = [], []

    def created(sender, connection, **kwargs):
        opened.append(connection)
        # The test database lives in memory, where Django ignores a close (it would
        # drop the database); so the close is recorded on the way.
        close = connection.close
        monkeypatch.setattr(connection, "close", lambda: (closed.append(connection), close())[1])

    connection_created.connect(created)
    try:
        page = HttpCommunicator(
            application, "GET", f"/j/{forum.code}", headers=[(b"host", b"localhost")]
        )
        response = await page.get_response()
        await page.wait(timeout=5)  # the request's end, after the response went out
    finally:
        connection_created.disconnect(created)
    assert response["status"] == 200
    assert forum.title.encode() in response["body"]  # the join page, read from the database
    assert opened, "the page read the database on a connection of its own"
    assert closed == opened
