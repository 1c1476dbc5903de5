"""Personal data: leaving a conference, purging a finished one (results stay exactly the
same), the retention period, the privacy notice and the accessibility statement."""

import datetime
import json

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.test import Client

from realtime.models import CommandReceipt
from tests.factories import make_moderator, make_participant, moderator_actor, participant_actor
from workshops import selectors
from workshops.actors import Actor
from workshops.models import AuditEntry, ForumEvent, Item, Participant, Vote
from workshops.services.items import propose_item
from workshops.services.rounds import close_round, open_round
from workshops.services.votes import cast_vote

pytestmark = pytest.mark.django_db

GROUPS = ["Verwaltung", "Wohlfahrtsverband", "Migrantenorganisation"]


def join(client, forum, **data):
    return client.post(f"/j/{forum.code}", data)


@pytest.fixture
def conference_day(forum):
    """A forum after a day's work: named participants in groups, proposals, a dots round
    and a support round with votes (one closed, one open), a receipt of a socket command."""
    conference = forum.conference
    mod = moderator_actor(make_moderator(conference))
    field = forum.fields.first()
    people = [
        make_participant(conference, display_name=f"Person {i}", group=GROUPS[i % 3], language="tr")
        for i in range(9)
    ]
    measures = [
        propose_item(
            actor=participant_actor(people[i]),
            forum=forum,
            field=field.pk,
            kind="measure",
            text=f"Maßnahme {i}",
        )
        for i in range(3)
    ]
    dots = open_round(actor=mod, forum=forum, method="dots", budget=3, per_item=2)
    for i, person in enumerate(people):
        cast_vote(
            actor=participant_actor(person),
            forum=forum,
            round=dots.pk,
            item=measures[i % 3].pk,
            value=1 + i % 2,
        )
    close_round(actor=mod, forum=forum, round=dots.pk)
    support = open_round(actor=mod, forum=forum, method="support")
    for person in people[:5]:
        cast_vote(
            actor=participant_actor(person),
            forum=forum,
            round=support.pk,
            item=measures[0].pk,
            value=1,
        )
    CommandReceipt.objects.create(sender=f"p:{people[0].pk}", command_id="c-1", answer={"ok": True})
    return {"forum": forum, "people": people, "measures": measures, "mod": mod}


def results(forum, mod):
    """Everything a result is made of, as the console and the projector show it."""
    return json.dumps(
        [
            selectors.rounds_for_page(forum, mod),
            selectors.rounds_for_page(forum, Actor(screen=True)),
            [
                (i.pk, i.text, i.kind, i.status, i.adopted, i.shortlisted)
                for i in Item.objects.order_by("pk")
            ],
        ],
        sort_keys=True,
        default=str,
    )


# --- leaving -----------------------------------------------------------------------------


def test_a_participant_leaves_name_and_group_go_votes_and_proposals_stay(forum):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    join(client, forum, name="Ayşe", group="Verwaltung", language="en")
    client.post(
        f"/f/{forum.code}/propose",
        {"field": forum.fields.first().pk, "kind": "need", "text": "Mehr Kurse"},
    )
    person = Participant.objects.get()
    item = Item.objects.get()
    mod = moderator_actor(make_moderator(forum.conference))
    round_ = open_round(actor=mod, forum=forum, method="support", kind="need")
    client.post(f"/f/{forum.code}/vote", {"round": round_.pk, "item": item.pk, "value": "1"})
    before = selectors.rounds_for_page(forum, mod)
    rev = forum.__class__.objects.get(pk=forum.pk).rev

    response = client.post(f"/f/{forum.code}/leave")
    assert response.status_code == 302 and response["Location"] == "/"
    person.refresh_from_db()
    assert (person.display_name, person.group, person.language) == ("", "", "")
    assert Item.objects.get().text == "Mehr Kurse"
    assert Vote.objects.filter(round=round_).count() == 1  # the vote stays in the totals
    assert selectors.rounds_for_page(forum, mod) == before
    # live walls drop the name; no logged event keeps it
    event = ForumEvent.objects.get(forum=forum, rev=rev + 1)
    assert (event.name, event.data["id"], event.data["author"]) == ("item.updated", item.pk, "")
    assert not any(
        "Ayşe" in json.dumps(e.data, ensure_ascii=False) for e in ForumEvent.objects.all()
    )
    # this browser is no longer a participant: the forum sends it to the join page
    assert client.get(f"/f/{forum.code}/")["Location"] == f"/j/{forum.code}"
    assert "Ayşe" not in client.get(f"/j/{forum.code}").content.decode()


def test_the_phone_page_offers_leaving_as_a_plain_form(forum):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    join(client, forum, name="Ayşe")
    html = client.get(f"/f/{forum.code}/").content.decode()
    assert f'action="/f/{forum.code}/leave"' in html and "Leave this conference" in html


# --- purging -----------------------------------------------------------------------------


def test_purge_removes_personal_data_and_keeps_every_result(conference_day, settings):
    forum, mod, people = conference_day["forum"], conference_day["mod"], conference_day["people"]
    conference = forum.conference
    conference.date = datetime.date(2026, 3, 14)
    conference.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    join(client, forum, name="Noch jemand")
    other_session = Client()
    other_session.get("/")  # a visitor's session elsewhere is not touched
    other_session.post("/i18n/setlang/", {"language": "en", "next": "/"})
    before = results(forum, mod)
    rev_before = forum.__class__.objects.get(pk=forum.pk).rev
    group_breakdown = [r.get("groups") for r in selectors.rounds_for_page(forum, mod)]
    assert any(group_breakdown)

    call_command("purge_personal_data", conference.slug)

    assert results(forum, mod) == before
    assert [r.get("groups") for r in selectors.rounds_for_page(forum, mod)] == group_breakdown
    assert (
        not Participant.objects.filter(conference=conference)
        .exclude(display_name="", group="", language="")
        .exists()
    )
    assert not Item.objects.filter(forum__conference=conference, author__isnull=False).exists()
    assert not any(e.data.get("author") for e in ForumEvent.objects.filter(forum=forum))
    # open walls are told: one item.updated without a name per named proposal
    updates = ForumEvent.objects.filter(forum=forum, rev__gt=rev_before, name="item.updated")
    assert sorted(e.data["id"] for e in updates) == sorted(i.pk for i in conference_day["measures"])
    assert not CommandReceipt.objects.filter(sender__in=[f"p:{p.pk}" for p in people]).exists()
    assert client.get(f"/f/{forum.code}/").status_code == 302  # its session is gone
    assert Session.objects.count() == 1  # only the visitor's
    entry = AuditEntry.objects.get(action="conference.personal_data.purged")
    assert entry.data["participants"] == 10 and entry.data["sessions"] == 1


def test_purge_refuses_a_conference_that_is_not_over(conference_day):
    conference = conference_day["forum"].conference
    with pytest.raises(CommandError, match="noch nicht vorbei"):
        call_command("purge_personal_data", conference.slug)
    assert Participant.objects.filter(display_name="Person 1").exists()
    call_command("purge_personal_data", conference.slug, "--force")
    assert not Participant.objects.filter(display_name="Person 1").exists()


def test_purge_names_an_unknown_conference():
    with pytest.raises(CommandError, match="No conference"):
        call_command("purge_personal_data", "gibt-es-nicht")


def test_expired_purges_only_conferences_past_the_retention_period(conference_day, settings):
    from django.utils import timezone

    from tests.factories import make_conference

    settings.PERSONAL_DATA_RETENTION_DAYS = 30
    old = conference_day["forum"].conference
    old.date = timezone.localdate() - datetime.timedelta(days=31)
    old.save()
    recent = make_conference(date=timezone.localdate() - datetime.timedelta(days=29))
    make_participant(recent, display_name="Bleibt noch")
    call_command("purge_personal_data", "--expired")
    assert not Participant.objects.filter(conference=old).exclude(display_name="").exists()
    assert Participant.objects.filter(display_name="Bleibt noch").exists()


# --- the pages ---------------------------------------------------------------------------


def test_the_privacy_notice_names_the_controller_and_the_retention_period(settings):
    settings.PRIVACY_CONTROLLER = "Stadt Beispielhausen, Amt für Integration"
    settings.PRIVACY_CONTACT_EMAIL = "integration@beispielhausen.example"
    settings.PERSONAL_DATA_RETENTION_DAYS = 60
    html = Client(HTTP_ACCEPT_LANGUAGE="de").get("/datenschutz").content.decode()
    assert "Stadt Beispielhausen, Amt für Integration" in html
    assert 'href="mailto:integration@beispielhausen.example"' in html
    assert "spätestens 60 Tage nach der Konferenz" in html


def test_the_accessibility_statement_has_a_feedback_contact(settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "barrieren@beispielhausen.example"
    settings.ACCESSIBILITY_CONTACT_PHONE = "+49 123 4567"
    html = Client(HTTP_ACCEPT_LANGUAGE="de").get("/barrierefreiheit").content.decode()
    assert "Erklärung zur Barrierefreiheit" in html
    assert 'href="mailto:barrieren@beispielhausen.example"' in html and "+49 123 4567" in html
    assert "Schlichtungsverfahren" in html


def test_every_page_links_the_privacy_notice_and_the_accessibility_statement(forum):
    for path in ("/", f"/j/{forum.code}", "/accounts/login/", "/j/ZZZZZZ"):
        html = Client().get(path).content.decode()
        assert 'href="/datenschutz"' in html and 'href="/barrierefreiheit"' in html, path
