"""The session engine (``SESSION_ENGINE``): Django's database sessions, with the two
steps every arriving phone takes made cheaper.

- A session's row is read in one plain statement (workshops/rows.py) instead of through
  the ORM: every phone page and every socket's start reads one, a whole room within
  seconds when it scans the QR code. Same table, same answer: a row that is missing or
  has expired is no session.
- A new session's key is drawn in one read of the system's randomness: 20 bytes (160
  bits) written as 32 lowercase letters and digits. Django draws each of its 32
  characters with a read of its own and then looks the key up before using it, a query
  per joining phone; here the insert alone refuses a key that exists, and ``create``
  then draws another, as Django's does.
"""

import base64
import secrets

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

    def _get_new_session_key(self):
        return base64.b32encode(secrets.token_bytes(20)).decode("ascii").lower()
