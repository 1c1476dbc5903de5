"""Static files: hashed names cached for a year, answered before Django's stack.

``HashedStaticFilesStorage`` is WhiteNoise's compressed manifest storage (``collectstatic``
writes ``css/mitwirken.<hash>.css`` and its gzip beside it, and the pages name that), with
one difference: before ``collectstatic`` has run (a fresh checkout, most tests) a page
names the plain file instead of failing, which WhiteNoise then serves from static/ with a
short cache time. Hashed names get ``Cache-Control: max-age=315360000, public,
immutable`` from WhiteNoise's immutable-file test, so a phone's second visit downloads
only the page.

``StaticFirst`` answers a request for a static file in the event loop, from WhiteNoise's
table of files, before the request reaches Django: Django's ASGI handler runs every
request through the middleware stack in a thread of its own (a thread pool made and shut
down per request), which cost a phone's eight asset requests more than its three pages.
Files are read once and kept in memory (they are a few hundred KB in all). The headers
Django's security middleware would add to them are added here. With DEBUG (WhiteNoise's
autorefresh) or a method other than GET and HEAD the request goes on to Django.
"""

from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:
            return name  # not collected yet: the plain name, served from static/


def security_headers() -> list[tuple[bytes, bytes]]:
    headers = []
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append((b"x-content-type-options", b"nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        headers.append((b"referrer-policy", settings.SECURE_REFERRER_POLICY.encode()))
    return headers


class StaticFirst:
    """ASGI: static files from WhiteNoise's table, everything else to ``app``."""

    def __init__(self, app):
        self.app = app
        self.files = WhiteNoiseMiddleware(get_response=None)
        self.extra = security_headers()
        self.bodies: dict[str, bytes] = {}  # file path -> its bytes

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or self.files.autorefresh
        ):
            return await self.app(scope, receive, send)
        static_file = self.files.files.get(scope["path"])
        if static_file is None:
            return await self.app(scope, receive, send)
        request_headers = {
            "HTTP_" + name.decode("latin-1").upper().replace("-", "_"): value.decode("latin-1")
            for name, value in scope["headers"]
        }
        if "HTTP_RANGE" in request_headers or static_file.is_not_modified(request_headers):
            # A range or a 304: rare, left to WhiteNoise as it is.
            response = static_file.get_response(scope["method"], request_headers)
            status, headers = int(response.status), response.headers
            body = b""
            if response.file is not None:
                with response.file as handle:
                    body = handle.read()
        else:
            path, headers = static_file.get_path_and_headers(request_headers)
            status, body = 200, b""
            if scope["method"] == "GET":
                body = self.bodies.get(path)
                if body is None:
                    with open(path, "rb") as handle:
                        body = self.bodies[path] = handle.read()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in headers
                ]
                + self.extra,
            }
        )
        await send({"type": "http.response.body", "body": body})
