"""The session engine (config/sessions.py): Django's database sessions, a new key drawn
at once and refused by the insert if it exists, the row read in a plain statement."""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config import sessions
from config.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_new_session_is_one_insert_under_a_key_of_its_own():
    keys = set()
    for _ in range(50):
        session = SessionStore()
        session["participant"] = 7
        with CaptureQueriesContext(connection) as queries:
            session.save()
        assert [q["sql"].split()[0] for q in queries if "django_session" in q["sql"]] == ["INSERT"]
        assert re.fullmatch(r"[a-z2-7]{32}", session.session_key)
        keys.add(session.session_key)
    assert len(keys) == 50
    assert SessionStore(keys.pop())["participant"] == 7


def test_a_key_that_exists_is_refused_and_another_drawn(monkeypatch):
    first = SessionStore()
    first["who"] = "first"
    first.save()
    drawn = iter([first.session_key, "b" * 32])
    monkeypatch.setattr(SessionStore, "_get_new_session_key", lambda self: next(drawn))
    second = SessionStore()
    second["who"] = "second"
    second.save()
    assert second.session_key == "b" * 32
    # the first person's session is untouched
    assert SessionStore(first.session_key)["who"] == "first"


def test_a_missing_or_expired_session_is_no_session():
    assert SessionStore("x" * 32).load() == {}
    session = SessionStore()
    session["who"] = "someone"
    session.save()
    Session.objects.filter(pk=session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    reread = SessionStore(session.session_key)
    assert reread.load() == {} and reread.session_key is None


def test_the_key_has_the_randomness_of_twenty_bytes(monkeypatch):
    monkeypatch.setattr(sessions.secrets, "token_bytes", lambda n: bytes(range(n)))
    assert SessionStore()._get_new_session_key() == "aaaqeayeaudaocajbifqydiob4ibceqt"
