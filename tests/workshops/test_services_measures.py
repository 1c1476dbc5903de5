"""Measures after the vote: details, follow-up, publishing, and carrying them into the
next conference, each through its service."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import (
    make_conference,
    make_field,
    make_forum,
    make_moderator,
    make_participant,
    moderator_actor,
    participant_actor,
)
from tests.workshops.export_conference import ADOPTED_TEXT, build_conference
from workshops.exceptions import ServiceError
from workshops.models import AuditEntry, ForumEvent, Item, MeasureUpdate
from workshops.selectors import forum_snapshot
from workshops.services.items import edit_item, merge_items, propose_item
from workshops.services.measures import (
    add_measure_update,
    carry_over_measures,
    publish_results,
    set_implementation_status,
    set_measure_details,
)
from workshops.services.rounds import close_round, open_round
from workshops.services.votes import cast_vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def built():
    return build_conference()


def _last_event(forum):
    return ForumEvent.objects.filter(forum=forum).order_by("-rev").first()


def test_a_participant_may_propose_a_measure_with_details(forum, participant):
    field = forum.fields.first().pk
    measure = propose_item(
        actor=participant_actor(participant),
        forum=forum,
        field=field,
        kind="measure",
        text="Patenschaften für Neuzugewanderte",
        details={"lead": "  Integrationsbüro\n", "timeframe": "ab Frühjahr"},
    )
    measure.refresh_from_db()
    assert (measure.lead, measure.timeframe, measure.partners) == (
        "Integrationsbüro",
        "ab Frühjahr",
        "",
    )
    assert _last_event(forum).data["details"]["lead"] == "Integrationsbüro"
    with pytest.raises(ServiceError) as info:
        propose_item(
            actor=participant_actor(participant),
            forum=forum,
            field=field,
            kind="need",
            text="x",
            details={"lead": "Amt"},
        )
    assert info.value.code == "invalid"
    with pytest.raises(ServiceError) as info:
        propose_item(
            actor=participant_actor(participant),
            forum=forum,
            field=field,
            kind="measure",
            text="y",
            details={"lead": "A" * 201},
        )
    assert info.value.field == "lead" and "201" in str(info.value.message)
    with pytest.raises(ServiceError):
        propose_item(
            actor=participant_actor(participant),
            forum=forum,
            field=field,
            kind="measure",
            text="z",
            details={"budget": "1 Mio"},
        )
    assert Item.objects.count() == 1


def test_the_socket_frame_carries_optional_details():
    from realtime.protocol import ProtocolError, parse

    command = parse(
        '{"type": "propose", "id": "a", "field": 1, "kind": "measure", "text": "t", '
        '"details": {"lead": "Amt"}}'
    )
    assert command.fields["details"] == {"lead": "Amt"}
    assert (
        parse('{"type": "propose", "id": "b", "field": 1, "kind": "need", "text": "t"}').fields[
            "details"
        ]
        == {}
    )
    with pytest.raises(ProtocolError):
        parse(
            '{"type": "propose", "id": "c", "field": 1, "kind": "measure", '
            '"text": "t", "details": ["Amt"]}'
        )


def test_moderators_set_details_and_live_clients_hear_it(built):
    plenary_rev = ForumEvent.objects.filter(forum=built.plenary).count()
    set_measure_details(actor=built.mod, item=built.adopted.pk, lead="Jugendamt", indicator="")
    built.adopted.refresh_from_db()
    assert built.adopted.lead == "Jugendamt" and built.adopted.indicator == ""
    assert built.adopted.partners == "Volkshochschule, Elternvereine"  # not named: kept
    event = _last_event(built.forum)
    assert event.name == "item.updated" and event.data["details"]["lead"] == "Jugendamt"
    # the measure is shortlisted, so the plenary shows it too and hears the change
    assert ForumEvent.objects.filter(forum=built.plenary).count() == plenary_rev + 1
    entry = AuditEntry.objects.filter(action="forum.measure.details").latest("id")
    assert entry.data["after"] == {"lead": "Jugendamt", "indicator": ""}
    with pytest.raises(ServiceError) as info:
        set_measure_details(
            actor=participant_actor(built.people[0].participant), item=built.adopted.pk, lead="x"
        )
    assert info.value.code == "forbidden"
    with pytest.raises(ServiceError) as info:
        set_measure_details(actor=built.mod, item=built.need.pk, lead="x")
    assert info.value.code == "invalid"


def test_follow_up_only_for_adopted_measures(built):
    before = ForumEvent.objects.filter(forum=built.forum).count()
    set_implementation_status(actor=built.mod, item=built.adopted, status="done")
    built.adopted.refresh_from_db()
    assert (built.adopted.implementation, built.adopted.progress) == ("done", 100)
    assert ForumEvent.objects.filter(forum=built.forum).count() == before + 1
    assert _last_event(built.forum).data["implementation"] == "done"
    set_implementation_status(actor=built.mod, item=built.adopted, status="dropped", progress="10")
    built.adopted.refresh_from_db()
    assert (built.adopted.implementation, built.adopted.progress) == ("dropped", 10)
    for kwargs in (
        {"status": "finished"},
        {"status": "done", "progress": 101},
        {"status": "done", "progress": "viel"},
    ):
        with pytest.raises(ServiceError) as info:
            set_implementation_status(actor=built.mod, item=built.adopted, **kwargs)
        assert info.value.code == "invalid"
    with pytest.raises(ServiceError) as info:
        set_implementation_status(actor=built.mod, item=built.rejected, status="in_progress")
    assert "Nur verabschiedete" in str(info.value.message)
    other = moderator_actor(make_moderator(make_conference()))
    with pytest.raises(ServiceError) as info:
        set_implementation_status(actor=other, item=built.adopted, status="planned")
    assert info.value.code == "forbidden"
    assert (
        AuditEntry.objects.filter(action="forum.measure.status").count() == 3
    )  # the builder set one


def test_dated_updates(built):
    today = timezone.localdate()
    update = add_measure_update(actor=built.mod, item=built.adopted.pk, text="  Träger gefunden  ")
    assert (update.date, update.text, update.author_user_id) == (
        today,
        "Träger gefunden",
        built.moderator.pk,
    )
    with pytest.raises(ServiceError) as info:
        add_measure_update(
            actor=built.mod,
            item=built.adopted,
            text="Zukunft",
            date=today + datetime.timedelta(days=1),
        )
    assert info.value.field == "date"
    for text in ("", "   ", "x" * 501):
        with pytest.raises(ServiceError):
            add_measure_update(actor=built.mod, item=built.adopted, text=text)
    with pytest.raises(ServiceError):
        add_measure_update(actor=built.mod, item=built.adopted, text="ok", date="31.03.2027")
    with pytest.raises(ServiceError):
        add_measure_update(actor=built.mod, item=built.rejected, text="ok")
    assert list(built.adopted.updates.values_list("text", flat=True)) == [
        "Träger gefunden",
        "Erste drei Sprachcafés laufen.",
    ]


def test_publishing_results(built):
    with pytest.raises(ServiceError):
        publish_results(
            actor=participant_actor(make_participant(built.conference)), conference=built.conference
        )
    publish_results(actor=built.mod, conference=built.conference)
    built.conference.refresh_from_db()
    assert built.conference.results_published
    publish_results(actor=built.mod, conference=built.conference, published=False)
    built.conference.refresh_from_db()
    assert not built.conference.results_published
    assert list(
        AuditEntry.objects.filter(action__startswith="conference.results")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["conference.results.published", "conference.results.unpublished"]


@pytest.fixture
def next_conference(built):
    conference = make_conference(title="6. Integrationskonferenz Musterstadt")
    bildung = make_field(conference, "Bildung, Erziehung & Sprache")
    neu = make_field(conference, "Digitale Teilhabe", 1)
    forum = make_forum(conference, fields=[neu, bildung], title="Rückblick")
    user = make_moderator(conference)
    built.conference.moderators.add(user)  # the same office runs both conferences
    return conference, forum, moderator_actor(user), bildung, user


def test_carrying_the_adopted_measures_into_the_next_conference(built, next_conference):
    conference, forum, mod, bildung, _user = next_conference
    with pytest.raises(ServiceError) as info:
        carry_over_measures(actor=mod, conference=conference, forum=forum)
    assert "vorige Konferenz" in str(info.value.message)
    with pytest.raises(ServiceError):
        carry_over_measures(
            actor=built.mod, conference=conference, forum=forum, previous=built.conference
        )
    created = carry_over_measures(
        actor=mod, conference=conference, forum=forum, previous=built.conference
    )
    conference.refresh_from_db()
    assert conference.previous_id == built.conference.pk
    assert [(c.text, c.origin_id, c.field_id, c.kind, c.lead) for c in created] == [
        (ADOPTED_TEXT, built.adopted.pk, bildung.pk, "measure", "Amt für Integration")
    ]  # only the adopted one, into the field of the same title
    assert (
        carry_over_measures(actor=mod, conference=conference, forum=forum) == []
    )  # again: nothing new
    copy = created[0]
    event = _last_event(forum)
    assert (
        event.name,
        event.data["id"],
        event.data["origin"],
        event.data["implementation"],
        event.data["progress"],
    ) == ("item.added", copy.pk, built.adopted.pk, "in_progress", 40)
    # read-only here
    with pytest.raises(ServiceError):
        edit_item(actor=mod, forum=forum, item=copy.pk, text="anders")
    with pytest.raises(ServiceError):
        set_measure_details(actor=mod, item=copy, lead="anders")
    other = propose_item(
        actor=mod, forum=forum, field=bildung.pk, kind="measure", text="Neue Maßnahme"
    )
    with pytest.raises(ServiceError):
        merge_items(actor=mod, forum=forum, item=other.pk, into=copy.pk)


def test_the_origins_status_reaches_the_new_forum_live(built, next_conference):
    conference, forum, mod, _bildung, _user = next_conference
    copy = carry_over_measures(
        actor=mod, conference=conference, forum=forum, previous=built.conference
    )[0]
    watcher = moderator_actor(_user)
    forum.refresh_from_db()
    old = forum_snapshot(forum, watcher)
    state, rev = {i["id"]: i for i in old["items"]}, old["rev"]
    set_implementation_status(actor=built.mod, item=built.adopted, status="done")
    events = list(ForumEvent.objects.filter(forum=forum, rev__gt=rev).order_by("rev"))
    assert [e.name for e in events] == ["item.updated"]
    for e in events:
        state[e.data["id"]] = e.data
    forum.refresh_from_db()
    fresh = forum_snapshot(forum, watcher)
    assert fresh["rev"] == rev + 1
    assert state == {i["id"]: i for i in fresh["items"]}
    assert state[copy.pk]["implementation"] == "done" and state[copy.pk]["progress"] == 100


def test_an_adoption_round_evaluates_the_carried_measures(built, next_conference):
    conference, forum, mod, _bildung, _user = next_conference
    copy = carry_over_measures(
        actor=mod, conference=conference, forum=forum, previous=built.conference
    )[0]
    round_ = open_round(actor=mod, forum=forum, method="adoption", kind="measure")
    assert list(round_.items.values_list("pk", flat=True)) == [copy.pk]
    voter = participant_actor(make_participant(conference, group="Verwaltung"))
    cast_vote(actor=voter, forum=forum, round=round_.pk, item=copy.pk, value=1)
    close_round(actor=mod, forum=forum, round=round_.pk)
    from workshops.exports.data import conference_report

    report = conference_report(conference, "documentation")
    entry = report["fields"][0]["measures"][0]
    assert entry["origin"]["conference"] == built.conference.slug
    assert entry["results"][0]["total"] == {"yes": 1, "no": 0, "abstain": 0}
    # the evaluation went back into the origin's history, newest first
    evaluation, earlier = entry["implementation"]["updates"]
    assert evaluation["text"] == (
        "Bewertet (6. Integrationskonferenz Musterstadt) – Rückblick, Verabschiedung "
        "(Ja / Nein / Enthaltung): ja 1 · nein 0 · Enthaltung 0 (1 per Handy abgestimmt)"
    )
    assert earlier == {"date": "2026-11-23", "text": "Erste drei Sprachcafés laufen."}


def test_the_carried_measure_shows_read_only_on_the_phone_and_console(
    client, built, next_conference
):
    conference, forum, mod, _bildung, user = next_conference
    carry_over_measures(actor=mod, conference=conference, forum=forum, previous=built.conference)
    client.force_login(user)
    html = client.get(f"/f/{forum.code}/moderate/").content.decode()
    assert "aus der vorigen Konferenz: in Umsetzung, 40 %" in html
    assert (
        '"carried": "aus der vorigen Konferenz: %(status)s, %(progress)s %%"' in html
    )  # the same for static/js


def test_the_command_carries_measures_over(built, next_conference, capsys):
    conference, forum, _mod, _bildung, user = next_conference
    call_command(
        "carry_over_measures",
        conference.slug,
        "--from",
        built.conference.slug,
        "--forum",
        forum.code.lower(),
        "--as",
        user.username,
    )
    assert "1 measures brought into" in capsys.readouterr().out
    assert Item.objects.filter(forum=forum, origin=built.adopted).count() == 1
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command(
            "carry_over_measures",
            conference.slug,
            "--forum",
            forum.code,
            "--as",
            built.moderator.username,
        )
    assert MeasureUpdate.objects.count() == 1


def test_the_admin_edits_a_measures_details_through_the_service(client, built):
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("admin7", password="x")
    client.force_login(admin_user)
    url = f"/admin/workshops/item/{built.rejected.pk}/change/"
    assert 'name="lead"' in client.get(url).content.decode()
    assert (
        'name="lead"'
        not in client.get(f"/admin/workshops/item/{built.need.pk}/change/").content.decode()
    )
    response = client.post(
        url,
        {
            "lead": "Wohnungsamt",
            "partners": "",
            "timeframe": "2027",
            "resources": "",
            "indicator": "",
        },
    )
    assert response.status_code == 302
    built.rejected.refresh_from_db()
    assert (built.rejected.lead, built.rejected.timeframe) == ("Wohnungsamt", "2027")
    assert _last_event(built.forum).data["details"]["lead"] == "Wohnungsamt"
    assert AuditEntry.objects.filter(action="forum.measure.details", actor_user=admin_user).exists()
