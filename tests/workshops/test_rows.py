"""Single rows read in a plain statement give what the ORM gives."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from realtime.consumer import FORUM_LIVE_AND_CODE, FORUM_REV
from tests.factories import make_conference, make_forum, make_participant
from workshops import selectors
from workshops.identity import remember_participant, session_participant
from workshops.models import Conference, Forum, Participant
from workshops.rows import Row

pytestmark = pytest.mark.django_db


def test_a_forums_changing_fields_come_back_as_the_orm_reads_them():
    ends = timezone.now().replace(microsecond=123456) + datetime.timedelta(minutes=7)
    forum = make_forum(
        proposals_open=False,
        requires_cards=True,
        timer_ends_at=ends,
        timer_seconds=420,
        announcement="Pause bis 15 Uhr – Kaffee im Foyer",
    )
    stale = Forum.objects.get(pk=forum.pk)
    Forum.objects.filter(pk=forum.pk).update(rev=7, title="Bildung am Nachmittag")
    with CaptureQueriesContext(connection) as queries:
        FORUM_LIVE_AND_CODE.refresh(stale)
    assert len(queries) == 1
    orm = Forum.objects.get(pk=forum.pk)
    for name in FORUM_LIVE_AND_CODE.attnames:
        assert getattr(stale, name) == getattr(orm, name), name
        assert type(getattr(stale, name)) is type(getattr(orm, name)), name
    assert stale.rev == 7 and stale.title == "Bildung am Nachmittag"
    assert stale.proposals_open is False and stale.requires_cards is True
    assert stale.timer_ends_at == ends and stale.timer_ends_at.tzinfo is not None


def test_empty_columns_stay_empty():
    forum = make_forum()
    assert (
        FORUM_LIVE_AND_CODE.get(forum.pk)[FORUM_LIVE_AND_CODE.attnames.index("timer_ends_at")]
        is None
    )


def test_a_row_that_is_gone_is_none_and_cannot_be_refreshed():
    forum = make_forum()
    pk = forum.pk
    Forum.objects.filter(pk=pk).delete()
    assert FORUM_REV.get(pk) is None
    with pytest.raises(Forum.DoesNotExist):
        FORUM_REV.refresh(forum)


def test_a_participant_is_the_one_of_its_conference_only():
    conference, other = make_conference(), make_conference()
    participant = make_participant(
        conference, display_name="Aylin", group="Migrantenorganisation", language="tr"
    )
    reader = Row(Participant, key=("pk", "conference"))
    found = reader.instance(participant.pk, conference.pk)
    orm = Participant.objects.get(pk=participant.pk)
    assert found == orm
    assert [getattr(found, f.attname) for f in Participant._meta.concrete_fields] == [
        getattr(orm, f.attname) for f in Participant._meta.concrete_fields
    ]
    assert found._state.adding is False and found._state.db == "default"
    assert reader.instance(participant.pk, other.pk) is None
    # a key given as text is compared as the field's type, as the ORM does
    assert reader.instance(str(participant.pk), str(conference.pk)) == orm


def test_the_session_finds_the_participant_of_that_conference():
    from django.contrib.sessions.backends.db import SessionStore

    conference = make_conference()
    participant = make_participant(conference)
    session = SessionStore()
    remember_participant(session, participant)
    assert session_participant(session, conference) == participant
    assert session_participant(session, make_conference()) is None


def test_a_forum_by_its_code_comes_with_its_conference():
    conference = make_conference(
        languages=["de", "tr", "ar"], stakeholder_groups=["Verwaltung", "Polizei"]
    )
    forum = make_forum(conference)
    with CaptureQueriesContext(connection) as queries:
        found = selectors.forum_by_code(forum.code)
        assert found.conference.languages == ["de", "tr", "ar"]
    assert len(queries) == 1  # both rows in one statement
    assert found == forum and found.conference == conference
    orm = Conference.objects.get(pk=conference.pk)
    for field in Conference._meta.concrete_fields:
        assert getattr(found.conference, field.attname) == getattr(orm, field.attname), field.name
    assert selectors.forum_by_code("ZZZZZZ") is None


def test_a_phone_page_reads_its_forum_once(client):
    forum = make_forum()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/j/{forum.code}").status_code == 200
    assert len([q for q in queries if forum.code in q["sql"]]) == 1
