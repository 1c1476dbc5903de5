"""What the database still holds of a person after leaving and after the purge, read the
way a data-protection officer would: every table dumped (``manage.py dumpdata``) and
searched for the person's name, their texts and the links to them."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from realtime.models import CommandReceipt
from tests.factories import make_forum, make_moderator, moderator_actor, participant_actor
from workshops import selectors
from workshops.exports.data import conference_report
from workshops.models import Ballot, ForumEvent, Item, Participant, Vote
from workshops.services.forums import announce
from workshops.services.items import (
    edit_item,
    hide_item,
    propose_item,
    shortlist_item,
    withdraw_own_item,
)
from workshops.services.participants import join_conference
from workshops.services.rounds import close_round, open_round
from workshops.services.votes import cast_vote

pytestmark = pytest.mark.django_db

NAME = "Zeynep Unverwechselbar"
ORIGINAL = "Zeyneps Originaltext über lange Wartezeiten"
EDITED = "Lange Wartezeiten auf Sprachkurse"
HIDDEN = "Zeyneps verborgener Beitrag"
WITHDRAWN = "Zeyneps zurückgezogener Vorschlag"
MEASURE = "Sprachcafé im Stadtteilzentrum"
GROUPS = ["Verwaltung", "Wohlfahrtsverband", "Migrantenorganisation"]


def dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", "--natural-foreign", stdout=out)
    return out.getvalue()


def report_of(conference) -> str:
    report = conference_report(conference, "documentation")
    report.pop("generated")
    return json.dumps(report, sort_keys=True, default=str)


def rows(model: str) -> list[dict]:
    return [r for r in json.loads(dump()) if r["model"] == model]


@pytest.fixture
def day():
    forum = make_forum()
    conference = forum.conference
    conference.stakeholder_groups = GROUPS
    conference.save()
    plenary = make_forum(
        conference, fields=list(forum.fields.all()), kind="plenary", title="Plenum"
    )
    moderator = make_moderator(conference)
    mod = moderator_actor(moderator)
    field = forum.fields.first().pk
    phone = Client(HTTP_ACCEPT_LANGUAGE="de")
    phone.post(f"/j/{forum.code}", {"name": NAME, "group": "Verwaltung", "language": "de"})
    zeynep = Participant.objects.get(display_name=NAME)
    me = participant_actor(zeynep)
    need = propose_item(actor=me, forum=forum, field=field, kind="need", text=ORIGINAL)
    goal = propose_item(
        actor=me,
        forum=forum,
        field=field,
        kind="goal",
        text="Kurse mit Kinderbetreuung",
        refs=[need.pk],
    )
    measure = propose_item(
        actor=me, forum=forum, field=field, kind="measure", text=MEASURE, refs=[goal.pk]
    )
    hidden = propose_item(actor=me, forum=forum, field=field, kind="need", text=HIDDEN)
    withdrawn = propose_item(actor=me, forum=forum, field=field, kind="need", text=WITHDRAWN)
    withdraw_own_item(actor=me, forum=forum, item=withdrawn.pk)
    edit_item(actor=mod, forum=forum, item=need.pk, text=EDITED)
    hide_item(actor=mod, forum=forum, item=hidden.pk)
    shortlist_item(
        actor=mod, forum=forum, item=measure.pk, shortlisted=True
    )  # the plenary shows it
    announce(actor=mod, forum=forum, text="Bitte an Zeyneps Vorschlag denken")
    others = [
        join_conference(conference=conference, name=f"Person {n}", group=GROUPS[n % 3])
        for n in range(6)
    ]
    round_ = open_round(actor=mod, forum=forum, method="dots", kind="measure", budget=3, per_item=3)
    for person in [zeynep, *others]:
        cast_vote(
            actor=participant_actor(person), forum=forum, round=round_.pk, item=measure.pk, value=2
        )
    close_round(actor=mod, forum=forum, round=round_.pk)
    support = open_round(actor=mod, forum=forum, method="support", kind="need")
    for person in [zeynep, *others[:4]]:
        cast_vote(
            actor=participant_actor(person), forum=forum, round=support.pk, item=need.pk, value=1
        )
    CommandReceipt.objects.create(sender=f"p:{zeynep.pk}", command_id="c-1", answer={"ok": True})
    CommandReceipt.objects.create(
        sender=f"u:{moderator.pk}",
        command_id="c-2",
        answer={"ok": True, "ballots": {str(zeynep.pk): {str(need.pk): 1}}},
    )
    return {
        "forum": forum,
        "plenary": plenary,
        "phone": phone,
        "zeynep": zeynep,
        "mod": mod,
        "measure": measure,
        "goal": goal,
        "need": need,
        "hidden": hidden,
        "moderator": moderator,
    }


def test_after_leaving_no_table_names_the_person_and_open_walls_are_told(day):
    plenary, measure = day["plenary"], day["measure"]
    assert NAME in dump()
    rev = plenary.__class__.objects.get(pk=plenary.pk).rev

    assert day["phone"].post(f"/f/{day['forum'].code}/leave").status_code == 302

    assert NAME not in dump()
    # the plenary's live walls show the measure without the name at once
    told = ForumEvent.objects.filter(forum=plenary, rev__gt=rev)
    assert {(e.name, e.data["id"], e.data["author"]) for e in told} == {
        ("item.updated", pk, "") for pk in (day["need"].pk, day["goal"].pk, measure.pk)
    }  # the plenary shows them
    assert not any(e.data.get("author") for e in ForumEvent.objects.filter(forum=plenary))
    assert not CommandReceipt.objects.filter(sender=f"p:{day['zeynep'].pk}").exists()


def test_after_the_purge_nothing_ties_votes_texts_or_receipts_to_a_person(day):
    forum, mod, zeynep = day["forum"], day["mod"], day["zeynep"]
    conference = forum.conference
    conference.date = datetime.date(2026, 3, 14)
    conference.save()
    results = json.dumps(
        [selectors.rounds_for_page(forum, mod), selectors.rounds_for_page(day["plenary"], mod)],
        sort_keys=True,
        default=str,
    )
    report = report_of(conference)

    call_command("purge_personal_data", conference.slug)

    everything = dump()
    assert NAME not in everything
    assert ORIGINAL not in everything  # the edit's "before" and the first events
    assert WITHDRAWN not in everything  # the events of a withdrawn proposal
    audit = json.dumps(rows("workshops.auditentry"), ensure_ascii=False)
    assert "Zeyneps Vorschlag" not in audit and EDITED not in audit  # announcements, edits
    # a hidden item's text is in its own row (a moderator may restore it), nowhere else
    assert HIDDEN in json.dumps(
        [r for r in json.loads(everything) if r["model"] == "workshops.item"], ensure_ascii=False
    )
    assert HIDDEN not in json.dumps(
        [r for r in json.loads(everything) if r["model"] != "workshops.item"], ensure_ascii=False
    )
    # votes are counted, but no vote and no ballot leads to a participant
    assert (
        Vote.objects.count() == 12 and not Vote.objects.filter(participant__isnull=False).exists()
    )
    assert not Ballot.objects.exists()
    assert all(r["fields"]["participant"] is None for r in rows("workshops.vote"))
    assert not [r for r in rows("workshops.votingcard") if r["fields"]["participant"]]
    assert not CommandReceipt.objects.exists()  # the phones' and the moderators'
    assert not Item.objects.filter(author__isnull=False).exists()
    # and every result is the same
    assert (
        json.dumps(
            [selectors.rounds_for_page(forum, mod), selectors.rounds_for_page(day["plenary"], mod)],
            sort_keys=True,
            default=str,
        )
        == results
    )
    conference.refresh_from_db()
    assert report_of(conference) == report  # the participation figures too
    assert zeynep.pk not in [r["fields"].get("participant") for r in json.loads(everything)]


def test_after_the_purge_the_event_log_keeps_only_the_current_announcement(day):
    forum, mod = day["forum"], day["mod"]
    conference = forum.conference
    announce(actor=mod, forum=forum, text="Pause bis 11 Uhr")
    conference.date = datetime.date(2026, 3, 14)
    conference.save()

    call_command("purge_personal_data", conference.slug)

    everything = dump()
    assert "Bitte an Zeyneps Vorschlag denken" not in everything  # an earlier announcement
    events = ForumEvent.objects.filter(forum=forum, name="forum.updated").order_by("rev")
    assert {e.data["announcement"] for e in events} <= {"", "Pause bis 11 Uhr"}
    assert events.last().data["announcement"] == "Pause bis 11 Uhr"  # what a replay ends on
