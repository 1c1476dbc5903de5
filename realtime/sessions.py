"""The session named by a socket's cookie.

Read with the session engine's store (config/sessions.py: its row in one plain
statement), in the one database thread every socket shares, hundreds at once when a
venue's Wi-Fi comes back.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends import db

from config.sessions import SessionStore


def session_of(scope):
    """The Django session named by the socket's cookie (None without one); loaded on
    first use, in the calling thread."""
    key = (scope.get("cookies") or {}).get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    engine = import_module(settings.SESSION_ENGINE)
    store = SessionStore if engine.SessionStore is db.SessionStore else engine.SessionStore
    return store(key)
