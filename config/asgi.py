"""ASGI entry point: Django for HTTP, the forum consumer for WebSockets."""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.urls import set_script_prefix

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


# The one thread every page request's synchronous code runs in (``PagesInOneThread``).
PAGES_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pages")
# The conference's documents and office pages (exports, the print kit, the status page's
# charts, the organiser's and leads' pages, the admin) take seconds to build: they get a
# thread of their own, so a moderator's download never holds up a phone's page.
OFFICE_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="office")
OFFICE_PATHS = ("/c/", "/organize/", "/lead/", "/admin/", "/invitation/")


class PagesInOneThread(ASGIHandler):
    """Django's ASGI handler with one thread for all pages instead of one per request.

    Django runs each request's synchronous code (middleware, view, template) in a
    ``ThreadSensitiveContext`` of its own: a thread pool made for the request, a thread
    started in it and joined at the end, and so a database connection opened and closed
    per request. When a room arrives that is three pages a phone: thousands of threads
    and connections within a minute, about a fifth of the server's samples in a profile
    of the arrival (docs/performance.md). Here every request's context runs on
    ``PAGES_THREAD``, with its one persistent connection (``CONN_MAX_AGE``). Python runs
    one thread at a time anyway, so pages lose no parallelism they had; the documents and
    office pages that take seconds run on ``OFFICE_THREAD`` instead, and the sockets'
    database work keeps its own thread (asgiref's, as Channels uses it), so a queue of
    pages never delays a socket's handshake or a vote. (With a thread per request each
    request's connection had to be closed when it ended, or the connections of a
    thousand phones' pages piled up until the garbage collector found them.)
    """

    def __init__(self):
        super().__init__()
        # The middleware and the view as one synchronous chain, entered once per request
        # (``get_response_async``). Django's async chain would hop between the event loop
        # and the pages' thread at every middleware that is synchronous only (WhiteNoise,
        # workshops.languages) and for each hook of the others (``MiddlewareMixin``
        # awaits ``process_request`` and ``process_response`` each in the thread): a
        # dozen hops a page, each a wake-up of the loop and of the thread, which took
        # more of an arriving phone's server time than its pages' own code
        # (docs/performance.md, "Arrival").
        self.load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)

    async def handle(self, scope, receive, send):
        """Django's ``handle`` with one trip to the pages' thread instead of three.

        Django's sends ``request_started`` (its database clean-up runs in the thread),
        then gets the response (the thread again) while a second task listens for the
        client going away, writes it, and closes it (``request_finished``, the thread a
        third time): three wake-ups of the loop and of the thread and two tasks a page,
        about one sample in fifteen while a room arrived (docs/performance.md, "Arrival").
        Here the signals and the response are one trip. A response held in memory is
        closed before it is written (nothing of it is left to read; the thread gives its
        database connection back at once); a streamed one after. The view cannot be
        stopped halfway in its thread anyway, so nobody listens for the client leaving:
        Daphne drops what is written to a connection that is gone."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        try:
            response = await sync_to_async(self.respond, thread_sensitive=True)(scope, body_file)
            try:
                await self.send_response(response, send)
            except asyncio.CancelledError:
                pass  # the client went away while the answer was written
            if response.streaming:
                await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            body_file.close()

    def respond(self, scope, body_file):
        """In the pages' thread: ``request_started``, the response, and for one held in
        memory ``close`` (``request_finished``)."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()
        return response

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        office = scope.get("path", "").startswith(OFFICE_PATHS)
        async with ThreadSensitiveContext(executor=OFFICE_THREAD if office else PAGES_THREAD):
            await self.handle(scope, receive, send)


django.setup(set_prefix=False)
django_asgi_app = PagesInOneThread()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware  # noqa: E402

from config.static import StaticFirst  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

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
