"""ASGI entry point: Django for HTTP, the forum consumer for WebSockets."""

import os

from django.core.asgi import get_asgi_application
from django.core.handlers.asgi import ASGIHandler
from django.core.signals import request_finished
from django.db import connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware  # noqa: E402

from config.static import StaticFirst  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402


def close_request_connections(sender, **kwargs):
    """Close the database connections of an HTTP request served by Django's ASGI handler
    when it ends.

    That handler runs each request's code in a thread of its own
    (asgiref's ``ThreadSensitiveContext``), so each request opens a connection of its own
    that no later request can reuse. Kept open by ``CONN_MAX_AGE`` (which is for the
    sockets' database thread), it waited for the garbage collector: an open SQLite file,
    its cache and the WAL's shared memory per page a phone loaded, a thousand of them
    when a room joined at once. PostgreSQL's pooled connections go back to the pool.
    """
    if isinstance(sender, type) and issubclass(sender, ASGIHandler):
        for connection in connections.all(initialized_only=True):
            connection.close()


request_finished.connect(
    close_request_connections, dispatch_uid="mitwirken.close_request_connections"
)

application = ProtocolTypeRouter(
    {
        # Static files before Django's stack, from the event loop (config/static.py).
        "http": StaticFirst(django_asgi_app),
        # Only the cookies: the consumer reads the session and the user itself, in the
        # one database trip that also finds the forum (realtime/consumer.py).
        "websocket": AllowedHostsOriginValidator(
            CookieMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)
