"""Conferences are separate: a moderator of one conference names, copies and lists only
conferences they may moderate, and every refusal comes before anything about another
conference's items is told and before any forum is locked."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_conference, make_field, make_forum, make_moderator, moderator_actor
from tests.workshops.export_conference import build_conference
from workshops.exceptions import ServiceError
from workshops.models import Conference, Item
from workshops.services import items as item_services
from workshops.services import measures as measure_services
from workshops.services import rounds as round_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def built():
    return build_conference()


@pytest.fixture
def stranger():
    """The moderator of another city's conference, with a forum of their own."""
    conference = make_conference(title="Konferenz Nachbarstadt")
    forum = make_forum(conference, fields=[make_field(conference, "Bildung, Erziehung & Sprache")])
    user = make_moderator(conference)
    return conference, forum, moderator_actor(user), user


def test_another_conference_cannot_be_named_previous_nor_its_measures_copied(built, stranger):
    conference, forum, mod, _user = stranger
    with pytest.raises(ServiceError) as info:
        measure_services.carry_over_measures(
            actor=mod, conference=conference, forum=forum, previous=built.conference
        )
    assert info.value.code == "forbidden"
    conference.refresh_from_db()
    assert conference.previous_id is None
    assert not Item.objects.filter(forum=forum).exists()
    # named in the admin by the city's staff: still not copied by this moderator
    Conference.objects.filter(pk=conference.pk).update(previous=built.conference)
    conference.refresh_from_db()
    with pytest.raises(ServiceError) as info:
        measure_services.carry_over_measures(actor=mod, conference=conference, forum=forum)
    assert info.value.code == "forbidden"
    assert not Item.objects.filter(forum=forum).exists()
    # who moderates both may
    built.conference.moderators.add(mod.user)
    created = measure_services.carry_over_measures(actor=mod, conference=conference, forum=forum)
    assert [c.origin_id for c in created] == [built.adopted.pk]


def test_the_measures_page_lists_only_conferences_the_moderator_may_moderate(
    client, built, stranger
):
    conference, forum, _mod, user = stranger
    mine = make_conference(title="Meine frühere Konferenz")
    mine.moderators.add(user)
    client.force_login(user)
    url = reverse("workshops:measures_manage", args=[conference.slug])
    html = client.get(url).content.decode()
    assert "Meine frühere Konferenz" in html
    assert built.conference.title not in html
    response = client.post(
        url,
        {"action": "carry_over", "previous": built.conference.pk, "forum": forum.pk},
        follow=True,
    )
    assert "übernommen" not in response.content.decode()
    assert Conference.objects.get(pk=conference.pk).previous_id is None


def test_a_foreign_item_is_refused_before_its_kind_is_told(built, stranger):
    _conference, _forum, mod, _user = stranger
    for call in (
        lambda item: measure_services.set_measure_details(actor=mod, item=item, lead="x"),
        lambda item: measure_services.set_implementation_status(
            actor=mod, item=item, status="done"
        ),
        lambda item: measure_services.add_measure_update(actor=mod, item=item, text="x"),
    ):
        for item in (built.need, built.goal, built.rejected):
            with pytest.raises(ServiceError) as info:
                call(item.pk)
            assert info.value.code == "forbidden", info.value.message
    built.need.refresh_from_db()
    assert built.rejected.implementation == "planned"


def test_refused_moderator_commands_lock_no_forum(built, stranger):
    """A moderator of another conference, sending commands to this conference's forum:
    refused before the forum (or a plenary) is read for locking."""
    _conference, _forum, mod, _user = stranger
    forum, measure = built.forum, built.unvoted
    calls = [
        lambda: item_services.edit_item(actor=mod, forum=forum, item=measure.pk, text="anders"),
        lambda: item_services.hide_item(actor=mod, forum=forum, item=measure.pk),
        lambda: item_services.restore_item(actor=mod, forum=forum, item=measure.pk),
        lambda: item_services.merge_items(
            actor=mod, forum=forum, item=measure.pk, into=built.rejected.pk
        ),
        lambda: item_services.shortlist_item(
            actor=mod, forum=forum, item=measure.pk, shortlisted=True
        ),
        lambda: item_services.adopt_item(
            actor=mod, forum=built.plenary, item=measure.pk, adopted=True
        ),
        lambda: round_services.open_round(actor=mod, forum=forum, method="support"),
        lambda: round_services.close_round(actor=mod, forum=forum, round=1),
    ]
    for call in calls:
        with CaptureQueriesContext(connection) as queries, pytest.raises(ServiceError) as info:
            call()
        assert info.value.code == "forbidden", info.value.message
        touched = [
            q["sql"]
            for q in queries
            if '"workshops_forum"' in q["sql"] or '"workshops_item"' in q["sql"]
        ]
        assert touched == [], touched
