"""Running a session: phase, countdown and announcement, each one service call that a
moderator makes and every client sees as ``forum.updated``."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from tests.factories import (
    make_conference,
    make_forum,
    make_moderator,
    make_participant,
    moderator_actor,
    participant_actor,
)
from workshops.exceptions import ServiceError
from workshops.models import AuditEntry, Forum, ForumEvent
from workshops.services import forums as forum_services
from workshops.services.items import propose_item
from workshops.services.rounds import close_round, open_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod(moderator):
    return moderator_actor(moderator)


def last_event(forum):
    return ForumEvent.objects.filter(forum=forum).order_by("rev").last()


def unchanged(forum, before_rev):
    forum.refresh_from_db()
    assert forum.rev == before_rev
    assert not ForumEvent.objects.filter(forum=forum, rev__gt=before_rev).exists()


# --- phase -----------------------------------------------------------------------------


def test_set_phase_records_the_forum_with_its_phase_and_an_audit_entry(forum, mod):
    forum_services.set_phase(actor=mod, forum=forum, phase="discussing")
    forum.refresh_from_db()
    assert forum.phase == "discussing" and forum.rev == 1
    event = last_event(forum)
    assert event.name == "forum.updated"
    assert event.data["phase"] == "discussing" and event.data["code"] == forum.code
    entry = AuditEntry.objects.get(forum=forum)
    assert entry.action == "forum.phase.changed"
    assert entry.data == {"before": "collecting", "after": "discussing"}


def test_the_same_phase_again_records_nothing(forum, mod):
    forum_services.set_phase(actor=mod, forum=forum, phase="collecting")
    unchanged(forum, 0)


@pytest.mark.parametrize("phase", ["sleeping", "", None, 3, "VOTING"])
def test_an_unknown_phase_is_refused(forum, mod, phase):
    with pytest.raises(ServiceError) as err:
        forum_services.set_phase(actor=mod, forum=forum, phase=phase)
    assert err.value.code == "invalid"
    assert "phase" in str(err.value.message).lower()
    unchanged(forum, 0)
    assert Forum.objects.get(pk=forum.pk).phase == "collecting"


def test_participants_and_moderators_of_other_conferences_cannot_change_anything(
    forum, participant
):
    stranger = moderator_actor(make_moderator(make_forum().conference))
    for actor in (participant_actor(participant), stranger):
        for call in (
            lambda a: forum_services.set_phase(actor=a, forum=forum, phase="voting"),
            lambda a: forum_services.start_timer(actor=a, forum=forum, seconds=60),
            lambda a: forum_services.stop_timer(actor=a, forum=forum),
            lambda a: forum_services.announce(actor=a, forum=forum, text="Pause bis 15 Uhr"),
        ):
            with pytest.raises(ServiceError) as err:
                call(actor)
            assert err.value.code == "forbidden"
    unchanged(forum, 0)
    assert not AuditEntry.objects.exists()


def test_opening_a_round_moves_to_voting_and_closing_the_last_one_to_results(
    forum, mod, participant
):
    field = forum.fields.first()
    item = propose_item(
        actor=participant_actor(participant),
        forum=forum,
        field=field.pk,
        kind="measure",
        text="Lotsen",
    )
    other = propose_item(
        actor=participant_actor(participant), forum=forum, field=field.pk, kind="need", text="Kita"
    )
    first = open_round(actor=mod, forum=forum, method="support", items=[item.pk])
    forum.refresh_from_db()
    assert forum.phase == "voting"
    names = list(
        ForumEvent.objects.filter(forum=forum).order_by("rev").values_list("name", flat=True)
    )
    # the phase arrives before the round, so a phone shows the ballot the moment it opens
    assert names[-2:] == ["forum.updated", "round.opened"]
    second = open_round(actor=mod, forum=forum, method="support", items=[other.pk])
    close_round(actor=mod, forum=forum, round=first.pk)
    forum.refresh_from_db()
    assert forum.phase == "voting"  # another round is still open
    close_round(actor=mod, forum=forum, round=second.pk)
    forum.refresh_from_db()
    assert forum.phase == "results"
    phases = [
        e.data["phase"]
        for e in ForumEvent.objects.filter(forum=forum, name="forum.updated").order_by("rev")
    ]
    assert phases == ["voting", "results"]


# --- timer -----------------------------------------------------------------------------


def test_start_timer_sets_the_end_and_reports_seconds_left(forum, mod):
    before = timezone.now()
    forum_services.start_timer(actor=mod, forum=forum, seconds=300)
    forum.refresh_from_db()
    assert (
        before + timedelta(seconds=299)
        <= forum.timer_ends_at
        <= timezone.now() + timedelta(seconds=301)
    )
    timer = last_event(forum).data["timer"]
    assert timer["seconds"] == 300
    assert 299 <= timer["left"] <= 300
    assert timer["ends_at"] == forum.timer_ends_at.isoformat()
    assert AuditEntry.objects.get(forum=forum).action == "forum.timer.started"


def test_stop_timer_clears_it_and_stopping_twice_records_once(forum, mod):
    forum_services.start_timer(actor=mod, forum=forum, seconds=60)
    forum_services.stop_timer(actor=mod, forum=forum)
    forum_services.stop_timer(actor=mod, forum=forum)
    forum.refresh_from_db()
    assert forum.timer_ends_at is None and forum.rev == 2
    assert last_event(forum).data["timer"] is None


def test_timer_of_zero_or_none_stops_it(forum, mod):
    forum_services.start_timer(actor=mod, forum=forum, seconds=60)
    forum_services.start_timer(actor=mod, forum=forum, seconds=None)
    forum.refresh_from_db()
    assert forum.timer_ends_at is None


# "fünf" and other values that are no number are refused where they are read, before any
# service: tests/workshops/test_commands_registry.py
@pytest.mark.parametrize("seconds", [5, -60, 7201, 10**9, True, 1.5e9])
def test_timer_out_of_range_is_refused(forum, mod, seconds):
    with pytest.raises(ServiceError) as err:
        forum_services.start_timer(actor=mod, forum=forum, seconds=seconds)
    assert err.value.code == "invalid"
    unchanged(forum, 0)


# --- announcement ----------------------------------------------------------------------


def test_announce_trims_and_joins_lines(forum, mod):
    forum_services.announce(
        actor=mod, forum=forum, text="  Kaffeepause bis\n15:30 Uhr – danach Abstimmung  "
    )
    forum.refresh_from_db()
    assert forum.announcement == "Kaffeepause bis 15:30 Uhr – danach Abstimmung"
    assert last_event(forum).data["announcement"] == forum.announcement
    forum_services.announce(actor=mod, forum=forum, text="")
    forum.refresh_from_db()
    assert forum.announcement == "" and forum.rev == 2
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "forum.announced",
        "forum.announcement.cleared",
    ]


def test_an_announcement_over_140_characters_is_refused(forum, mod):
    forum_services.announce(actor=mod, forum=forum, text="Bitte in die Gruppen")
    with pytest.raises(ServiceError) as err:
        forum_services.announce(actor=mod, forum=forum, text="ä" * 141)
    assert err.value.code == "invalid" and "141" in str(err.value.message)
    unchanged(forum, 1)
    assert Forum.objects.get(pk=forum.pk).announcement == "Bitte in die Gruppen"
    forum_services.announce(actor=mod, forum=forum, text="ü" * 140)  # the limit itself is fine


def test_announcement_must_be_text(forum, mod):
    with pytest.raises(ServiceError):
        forum_services.announce(actor=mod, forum=forum, text=None)
    unchanged(forum, 0)


# --- bad input on the existing console actions (issue: nothing changed) ----------------


def test_round_with_no_items_and_budget_zero_are_refused(forum, mod, participant):
    with pytest.raises(ServiceError) as err:
        open_round(actor=mod, forum=forum, method="dots")
    assert err.value.code == "invalid"
    item = propose_item(
        actor=participant_actor(participant),
        forum=forum,
        field=forum.fields.first().pk,
        kind="measure",
        text="Lotsenprojekt",
    )
    with pytest.raises(ServiceError) as err:
        open_round(actor=mod, forum=forum, method="dots", items=[item.pk], budget=0)
    assert err.value.code == "invalid"
    forum.refresh_from_db()
    assert forum.rev == 1 and forum.phase == "collecting" and not forum.rounds.exists()


def test_console_actions_on_items_of_another_forum_are_refused(forum, mod, participant):
    from workshops.services.items import hide_item, merge_items

    other = make_forum(forum.conference, fields=list(forum.fields.all()))
    foreign = propose_item(
        actor=participant_actor(participant),
        forum=other,
        field=other.fields.first().pk,
        kind="need",
        text="Wohnraum",
    )
    own = propose_item(
        actor=participant_actor(participant),
        forum=forum,
        field=forum.fields.first().pk,
        kind="need",
        text="Mehr Wohnraum",
    )
    with pytest.raises(ServiceError) as err:
        hide_item(actor=mod, forum=forum, item=foreign.pk)
    assert err.value.code == "not_found"
    with pytest.raises(ServiceError) as err:
        merge_items(actor=mod, forum=forum, item=own.pk, into=foreign.pk)
    assert err.value.code == "not_found"
    foreign.refresh_from_db()
    own.refresh_from_db()
    assert foreign.status == own.status == "visible"


def test_merging_into_itself_or_into_a_hidden_item_is_refused(forum, mod, participant):
    from workshops.services.items import hide_item, merge_items

    field = forum.fields.first().pk
    first = propose_item(
        actor=participant_actor(participant),
        forum=forum,
        field=field,
        kind="need",
        text="Kita-Plätze",
    )
    second = propose_item(
        actor=participant_actor(participant),
        forum=forum,
        field=field,
        kind="need",
        text="Mehr Kitas",
    )
    with pytest.raises(ServiceError) as err, translation.override("en"):
        merge_items(actor=mod, forum=forum, item=first.pk, into=first.pk)
    with translation.override("en"):
        assert str(err.value.message) == "An item cannot be merged into itself."
    hide_item(actor=mod, forum=forum, item=first.pk)
    rev = Forum.objects.get(pk=forum.pk).rev
    with pytest.raises(ServiceError) as err, translation.override("en"):
        merge_items(actor=mod, forum=forum, item=second.pk, into=first.pk)
    with translation.override("en"):
        assert str(err.value.message) == "Only items that are shown can be merged."
    unchanged(forum, rev)
    second.refresh_from_db()
    assert second.status == "visible" and second.merged_into_id is None


def test_the_projector_goes_black_and_back_for_the_room_not_the_phones(client):
    """ "Leinwand schwarz": the screen page and its live data say so; the phones' page
    does not change; only moderators may; the same state again records nothing."""
    from workshops.selectors import forum_data
    from workshops.services.forums import set_screen_blank

    conference = make_conference()
    forum = make_forum(conference)
    mod = moderator_actor(make_moderator(conference))
    screen = f"/f/{forum.code}/screen/?key={forum.screen_key}"
    assert "data-blank-cover hidden" in client.get(screen).content.decode()
    events = ForumEvent.objects.filter(forum=forum).count()
    set_screen_blank(actor=mod, forum=forum, blank=True)
    forum.refresh_from_db()
    assert forum_data(forum)["screen_blank"] is True
    page = client.get(screen).content.decode()
    assert "data-blank-cover>" in page and "Die Leinwand ist gerade schwarz." in page
    assert ForumEvent.objects.filter(forum=forum).count() == events + 1
    assert AuditEntry.objects.filter(forum=forum, action="forum.screen.blanked").count() == 1
    set_screen_blank(actor=mod, forum=forum, blank=True)  # again: nothing new
    assert ForumEvent.objects.filter(forum=forum).count() == events + 1
    with pytest.raises(ServiceError):
        set_screen_blank(
            actor=participant_actor(make_participant(conference)), forum=forum, blank=False
        )
    set_screen_blank(actor=mod, forum=forum, blank=False)
    assert "data-blank-cover hidden" in client.get(screen).content.decode()


def test_the_projector_page_may_be_framed_by_the_console_only(client):
    """The console's preview frames the projector: same origin only; other pages never."""
    forum = make_forum(make_conference())
    response = client.get(f"/f/{forum.code}/screen/?key={forum.screen_key}")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    join = client.get(f"/j/{forum.code}")
    assert join["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in join["Content-Security-Policy"]
