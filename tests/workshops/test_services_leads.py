"""Leads of adopted measures and their personal links, through the services: every change
and every refusal (which changes nothing)."""

import datetime
import hashlib

import pytest
from django.utils import timezone, translation

from tests.factories import make_conference, make_moderator, make_participant, moderator_actor
from tests.workshops.lead_scene import build_scene, organiser_of
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import AuditEntry, Item, Lead, MeasureUpdate
from workshops.services import leads
from workshops.services.measures import add_measure_update, set_implementation_status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The messages are compared as written (the pages' tests read them in German)."""
    with translation.override("en"):
        yield


@pytest.fixture
def scene():
    return build_scene()


def _snapshot():
    """Everything a refused change must leave as it was."""
    return (
        list(Lead.objects.order_by("pk").values()),
        list(Item.objects.order_by("pk").values("pk", "lead_org", "implementation", "progress")),
        MeasureUpdate.objects.count(),
        AuditEntry.objects.count(),
    )


def test_a_new_lead_gets_a_link_whose_token_is_stored_only_as_its_hash(scene):
    issued = leads.create_lead(
        actor=scene.staff, conference=scene.conference, name=" \u202eSozial\x00amt\n", email=""
    )
    lead = Lead.objects.get(pk=issued.lead.pk)
    assert lead.name == "Sozialamt"  # cleaned as every text people type
    assert len(issued.token) >= 43
    assert lead.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in str(list(Lead.objects.values()))
    assert leads.open_lead_link(issued.token) == lead
    entry = AuditEntry.objects.filter(action="conference.lead.created").latest("id")
    assert entry.data["lead"] == lead.pk and entry.actor_user_id == scene.staff.user_id
    assert issued.token not in str(entry.data)


def test_refused_leads_change_nothing(scene):
    before = _snapshot()
    cases = [
        dict(name="jugendamt"),  # the same name, another case
        dict(name="   "),
        dict(name="Amt", email="kein-mail"),
        dict(name="A" * 201),
    ]
    for case in cases:
        with pytest.raises(ServiceError) as info:
            leads.create_lead(actor=scene.staff, conference=scene.conference, **case)
        assert info.value.code == "invalid" and str(info.value.message)
    participant = make_participant(scene.conference)
    with pytest.raises(ServiceError) as info:
        leads.create_lead(
            actor=Actor(participant=participant), conference=scene.conference, name="X"
        )
    assert info.value.code == "forbidden"
    other_moderator = moderator_actor(make_moderator(make_conference()))
    with pytest.raises(ServiceError):
        leads.create_lead(actor=other_moderator, conference=scene.conference, name="X")
    assert _snapshot() == before


def test_an_organiser_may_follow_up_too(scene):
    organiser = organiser_of(scene.conference)
    issued = leads.create_lead(actor=organiser, conference=scene.conference, name="Sozialamt")
    leads.assign_measure_lead(actor=organiser, item=scene.kurse, lead=issued.lead)
    assert Item.objects.get(pk=scene.kurse.pk).lead_org == issued.lead


def test_edit_a_lead(scene):
    leads.edit_lead(
        actor=scene.staff, lead=scene.vhs, name="VHS Musterstadt", email="info@vhs.example"
    )
    scene.vhs.refresh_from_db()
    assert (scene.vhs.name, scene.vhs.email) == ("VHS Musterstadt", "info@vhs.example")
    entry = AuditEntry.objects.filter(action="conference.lead.edited").get()
    assert entry.data["before"] == {"name": "Volkshochschule"}
    assert entry.data["changed"] == ["email", "name"]
    assert "info@vhs.example" not in str(AuditEntry.objects.values_list("data", flat=True))
    before = _snapshot()
    with pytest.raises(ServiceError):
        leads.edit_lead(actor=scene.staff, lead=scene.vhs, name="Jugendamt")
    assert _snapshot() == before


def test_a_new_link_replaces_the_old_one_which_then_says_it_expired(scene):
    old = scene.jugendamt_token
    new = leads.issue_lead_link(actor=scene.staff, lead=scene.jugendamt).token
    assert new != old
    assert leads.open_lead_link(new) == scene.jugendamt
    with pytest.raises(leads.LinkRefused) as info:
        leads.open_lead_link(old)
    assert "expired" in str(info.value.message)
    assert AuditEntry.objects.filter(action="conference.lead.link_issued").count() == 1


def test_a_revoked_link_opens_nothing_until_a_new_one_is_issued(scene):
    leads.revoke_lead_link(actor=scene.staff, lead=scene.jugendamt)
    with pytest.raises(leads.LinkRefused) as info:
        leads.open_lead_link(scene.jugendamt_token)
    assert info.value.code == "forbidden" and "withdrawn" in str(info.value.message)
    # what the page's forms would still send is refused too, and changes nothing
    before = _snapshot()
    with pytest.raises(ServiceError) as info:
        set_implementation_status(
            actor=Actor(lead=scene.jugendamt), item=scene.schule.pk, status="done"
        )
    assert "withdrawn" in str(info.value.message)
    assert _snapshot() == before
    new = leads.issue_lead_link(actor=scene.staff, lead=scene.jugendamt).token
    assert leads.open_lead_link(new).revoked_at is None
    assert AuditEntry.objects.filter(action="conference.lead.link_revoked").count() == 1


def test_unknown_links_are_refused_with_their_own_message(scene):
    for token in ("", "x" * 65, "nicht-unser-link", scene.jugendamt_token[:-1]):
        with pytest.raises(leads.LinkRefused) as info:
            leads.open_lead_link(token)
        assert "not valid" in str(info.value.message)


def test_assigning_a_lead(scene):
    leads.assign_measure_lead(actor=scene.staff, item=scene.schule, lead=scene.vhs)
    assert Item.objects.get(pk=scene.schule.pk).lead_org == scene.vhs
    entry = AuditEntry.objects.filter(action="forum.measure.lead_assigned").latest("id")
    assert entry.data == {
        "item": scene.schule.pk,
        "before": scene.jugendamt.pk,
        "after": scene.vhs.pk,
    }
    leads.assign_measure_lead(actor=scene.staff, item=scene.schule, lead=None)
    assert Item.objects.get(pk=scene.schule.pk).lead_org is None


def test_refused_assignments_change_nothing(scene):
    stranger = build_scene()
    before = _snapshot()
    with pytest.raises(ServiceError) as info:
        leads.assign_measure_lead(actor=scene.staff, item=scene.schule, lead=stranger.vhs)
    assert "another conference" in str(info.value.message)
    with pytest.raises(ServiceError) as info:
        leads.assign_measure_lead(actor=scene.staff, item=scene.unadopted, lead=scene.vhs)
    assert "adopted" in str(info.value.message)
    with pytest.raises(ServiceError) as info:
        leads.assign_measure_lead(actor=stranger.staff, item=scene.schule, lead=stranger.vhs)
    assert info.value.code == "forbidden"
    assert _snapshot() == before


def test_a_lead_updates_its_own_measures(scene):
    lead = Actor(lead=scene.jugendamt)
    set_implementation_status(actor=lead, item=scene.schule.pk, status="in_progress", progress=30)
    update = add_measure_update(actor=lead, item=scene.schule.pk, text="Zwei Stellen besetzt.")
    scene.schule.refresh_from_db()
    assert (scene.schule.implementation, scene.schule.progress) == ("in_progress", 30)
    assert update.lead == scene.jugendamt and update.author_user is None
    assert update.date == timezone.localdate()
    actions = {e.action: e for e in AuditEntry.objects.filter(data__lead=scene.jugendamt.pk)}
    assert {"forum.measure.status", "forum.measure.update_added"} <= set(actions)
    assert actions["forum.measure.status"].actor_user_id is None


def test_a_lead_cannot_touch_another_leads_measure(scene):
    lead = Actor(lead=scene.jugendamt)
    before = _snapshot()
    for item in (scene.kurse.pk, scene.unadopted.pk, 999_999, "abc", None):
        with pytest.raises(ServiceError) as info:
            set_implementation_status(actor=lead, item=item, status="done")
        assert str(info.value.message) == "This is not one of the measures you lead."
        with pytest.raises(ServiceError):
            add_measure_update(actor=lead, item=item, text="Fertig.")
    # nor set details, which are for the staff
    from workshops.services.measures import set_measure_details

    with pytest.raises(ServiceError) as info:
        set_measure_details(actor=lead, item=scene.schule.pk, lead="Jemand")
    assert info.value.code == "forbidden"
    assert _snapshot() == before


def test_the_reporting_date(scene, monkeypatch):
    today = timezone.localdate()
    due = today + datetime.timedelta(days=30)
    leads.set_report_due(actor=scene.staff, conference=scene.conference, due=due)
    scene.conference.refresh_from_db()
    assert scene.conference.report_due == due and scene.conference.reports_since is None
    before = _snapshot(), scene.conference.report_due
    with pytest.raises(ServiceError) as info:
        leads.set_report_due(
            actor=scene.staff, conference=scene.conference, due=today - datetime.timedelta(days=1)
        )
    assert "past" in str(info.value.message)
    with pytest.raises(ServiceError):
        leads.set_report_due(actor=scene.staff, conference=scene.conference, due="2027-01-01")
    scene.conference.refresh_from_db()
    assert (_snapshot(), scene.conference.report_due) == before
    # once the date has passed, the next one starts a new period
    later = due + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *a: later)
    leads.set_report_due(
        actor=scene.staff, conference=scene.conference, due=due + datetime.timedelta(days=180)
    )
    scene.conference.refresh_from_db()
    assert scene.conference.reports_since == due
    assert AuditEntry.objects.filter(action="conference.report_due.set").count() == 2
