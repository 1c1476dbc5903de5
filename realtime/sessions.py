"""The session named by a socket's cookie, read in one plain statement.

Django's database session store reads its row through the ORM; a socket's start reads
it in the one database thread every socket shares, hundreds at once when a venue's
Wi-Fi comes back, so it is read here as a plain statement (``workshops.rows``). Same
table, same answer: a row that is missing or has expired is no session.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from workshops.rows import Row

_SESSION = Row(Session, key=("session_key",))


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        session = _SESSION.instance(self.session_key) if self.session_key else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session


def session_of(scope):
    """The Django session named by the socket's cookie (None without one); loaded on
    first use, in the calling thread."""
    key = (scope.get("cookies") or {}).get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    engine = import_module(settings.SESSION_ENGINE)
    store = SessionStore if engine.SessionStore is db.SessionStore else engine.SessionStore
    return store(key)
