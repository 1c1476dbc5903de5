"""The organiser's services: every step, every refusal (with nothing changed), the audit
log, the conference file round trip, the copy, and invitations."""

import datetime
import tomllib

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from tests.factories import make_conference, make_field, make_forum, make_participant
from tests.workshops.organisers import organiser_actor
from workshops import rules
from workshops.actors import Actor
from workshops.conference_file import conference_toml
from workshops.exceptions import ServiceError
from workshops.models import (
    ActionField,
    AuditEntry,
    Conference,
    Forum,
    GuidingGoal,
    Invitation,
    SubGoal,
)
from workshops.services import organise
from workshops.services.items import propose_item

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The messages are quoted in English, their source language."""
    from django.utils import translation

    with translation.override("en"):
        yield


DETAILS = organise.Details(
    title="4. Integrationskonferenz Musterstadt",
    motto="Gemeinsam handeln",
    date=datetime.date(2027, 5, 8),
    venue="Bürgerhaus",
    languages=("de", "en", "tr"),
    stakeholder_groups=("Verwaltung", "Migrantenorganisation"),
)


def _actions(conference):
    return list(
        AuditEntry.objects.filter(conference=conference)
        .order_by("id")
        .values_list("action", flat=True)
    )


def _refused(call, code=ServiceError.INVALID) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        call()
    assert info.value.code == code
    return info.value


# Creating and changing the details.


def test_an_organiser_creates_a_conference_and_organises_it():
    actor = organiser_actor()
    conference = organise.create_conference(actor=actor, slug="ik-2027", details=DETAILS)
    assert conference.title == DETAILS.title
    assert conference.languages == ["de", "en", "tr"]
    assert conference.stakeholder_groups == ["Verwaltung", "Migrantenorganisation"]
    assert list(conference.organisers.all()) == [actor.user]
    assert rules.can_organise(actor, conference)
    assert _actions(conference) == ["conference.created"]


def test_creating_is_refused_to_someone_who_does_not_organise_and_creates_nothing():
    user = get_user_model().objects.create_user("jemand", password="x-pw-12345678")
    error = _refused(
        lambda: organise.create_conference(actor=Actor(user=user), slug="ik", details=DETAILS),
        ServiceError.FORBIDDEN,
    )
    assert "organisers" in str(error.message)
    assert not Conference.objects.exists()


@pytest.mark.parametrize(
    ("slug", "details", "field"),
    [
        ("taken", DETAILS, "slug"),
        ("Nicht Gut", DETAILS, "slug"),
        ("ik", organise.Details(title="  "), "title"),
        ("ik", organise.Details(title="T", languages=()), "languages"),
        ("ik", organise.Details(title="T", languages=("xx",)), "languages"),
        ("ik", organise.Details(title="T", stakeholder_groups=("A", "A")), "stakeholder_groups"),
    ],
)
def test_bad_details_are_refused_with_the_field_named(slug, details, field):
    make_conference(slug="taken")
    error = _refused(
        lambda: organise.create_conference(actor=organiser_actor(), slug=slug, details=details)
    )
    assert error.field == field
    assert Conference.objects.count() == 1


def test_details_change_and_the_audit_names_what_changed():
    conference = make_conference(title="Alt")
    actor = organiser_actor(conference)
    organise.change_details(actor=actor, conference=conference, details=DETAILS)
    conference.refresh_from_db()
    assert conference.venue == "Bürgerhaus" and conference.date == datetime.date(2027, 5, 8)
    entry = AuditEntry.objects.get(conference=conference, action="conference.details.changed")
    assert "title" in entry.data["fields"] and entry.actor_user == actor.user


def test_an_organiser_of_one_conference_cannot_change_another():
    mine, theirs = make_conference(), make_conference(title="Nachbarstadt")
    actor = organiser_actor(mine)
    _refused(
        lambda: organise.change_details(actor=actor, conference=theirs, details=DETAILS),
        ServiceError.FORBIDDEN,
    )
    _refused(
        lambda: organise.add_field(actor=actor, conference=theirs, title="Wohnen"),
        ServiceError.FORBIDDEN,
    )
    theirs.refresh_from_db()
    assert theirs.title == "Nachbarstadt" and not theirs.fields.exists()
    assert not AuditEntry.objects.filter(conference=theirs).exists()


def test_a_superuser_organises_every_conference():
    conference = make_conference()
    admin = get_user_model().objects.create_superuser("admin", password="x-pw-12345678")
    organise.change_details(actor=Actor(user=admin), conference=conference, details=DETAILS)
    conference.refresh_from_db()
    assert conference.title == DETAILS.title


# Action fields, guiding goals, sub-goals.


def test_action_fields_are_added_in_order_and_moved_up_and_down():
    conference = make_conference()
    actor = organiser_actor(conference)
    a = organise.add_field(actor=actor, conference=conference, title="Bildung", description="Kita")
    b = organise.add_field(actor=actor, conference=conference, title="Arbeit")
    c = organise.add_field(actor=actor, conference=conference, title="Wohnen")

    def order():
        return list(conference.fields.order_by("position", "id").values_list("title", flat=True))

    assert order() == ["Bildung", "Arbeit", "Wohnen"]
    assert organise.move_field(actor=actor, conference=conference, field_id=c.pk, up=True)
    assert order() == ["Bildung", "Wohnen", "Arbeit"]
    assert organise.move_field(actor=actor, conference=conference, field_id=a.pk, up=False)
    assert order() == ["Wohnen", "Bildung", "Arbeit"]
    assert not organise.move_field(actor=actor, conference=conference, field_id=b.pk, up=False)
    assert order() == ["Wohnen", "Bildung", "Arbeit"]
    assert _actions(conference).count("conference.field.moved") == 2
    changed = organise.change_field(
        actor=actor,
        conference=conference,
        field_id=b.pk,
        title="Arbeit & Wirtschaft",
        description="Ausbildung",
    )
    assert changed.title == "Arbeit & Wirtschaft" and changed.description == "Ausbildung"


def test_a_field_title_twice_is_refused():
    conference = make_conference()
    actor = organiser_actor(conference)
    organise.add_field(actor=actor, conference=conference, title="Bildung")
    error = _refused(
        lambda: organise.add_field(actor=actor, conference=conference, title="Bildung")
    )
    assert "Bildung" in str(error.message)
    assert conference.fields.count() == 1


def test_a_field_is_not_removed_while_a_forum_has_only_it_or_it_has_proposals():
    conference = make_conference()
    actor = organiser_actor(conference)
    alone = make_field(conference, "Wohnen")
    other = make_field(conference, "Arbeit", 1)
    forum = make_forum(conference, fields=[alone])
    error = _refused(
        lambda: organise.remove_field(actor=actor, conference=conference, field_id=alone.pk)
    )
    assert forum.title in str(error.message)
    forum.fields.add(other)
    propose_item(
        actor=Actor(participant=make_participant(conference)),
        forum=forum,
        field=alone.pk,
        kind="need",
        text="Mehr Sprachkurse",
    )
    _refused(lambda: organise.remove_field(actor=actor, conference=conference, field_id=alone.pk))
    assert ActionField.objects.filter(pk=alone.pk).exists()
    spare = make_field(conference, "Gesundheit", 2)
    organise.remove_field(actor=actor, conference=conference, field_id=spare.pk)
    assert not ActionField.objects.filter(pk=spare.pk).exists()


def test_guiding_goals_and_sub_goals_are_added_moved_and_removed():
    conference = make_conference()
    actor = organiser_actor(conference)
    field = organise.add_field(actor=actor, conference=conference, title="Bildung")
    first = organise.add_guiding_goal(
        actor=actor, conference=conference, field_id=field.pk, title="Gleiche Chancen"
    )
    second = organise.add_guiding_goal(
        actor=actor, conference=conference, field_id=field.pk, title="Mehrsprachigkeit"
    )
    sub = organise.add_sub_goal(
        actor=actor, conference=conference, goal_id=first.pk, title="Deutsch bei der Einschulung"
    )
    organise.move_guiding_goal(actor=actor, conference=conference, goal_id=second.pk, up=True)
    assert [g.title for g in field.guiding_goals.order_by("position")] == [
        "Mehrsprachigkeit",
        "Gleiche Chancen",
    ]
    _refused(
        lambda: organise.add_sub_goal(
            actor=actor,
            conference=conference,
            goal_id=first.pk,
            title="Deutsch bei der Einschulung",
        )
    )
    organise.remove_sub_goal(actor=actor, conference=conference, sub_goal_id=sub.pk)
    organise.remove_guiding_goal(actor=actor, conference=conference, goal_id=first.pk)
    assert list(GuidingGoal.objects.values_list("title", flat=True)) == ["Mehrsprachigkeit"]
    assert not SubGoal.objects.exists()
    assert {
        "conference.guiding_goal.added",
        "conference.guiding_goal.moved",
        "conference.sub_goal.added",
        "conference.sub_goal.removed",
        "conference.guiding_goal.removed",
    } <= set(_actions(conference))


def test_a_goal_of_another_conference_is_not_found():
    conference, other = make_conference(), make_conference()
    field = make_field(other, "Fremd")
    goal = GuidingGoal.objects.create(field=field, title="Fremdes Ziel")
    actor = organiser_actor(conference)
    _refused(
        lambda: organise.add_sub_goal(
            actor=actor, conference=conference, goal_id=goal.pk, title="x"
        ),
        ServiceError.NOT_FOUND,
    )
    assert not goal.sub_goals.exists()


# Forums.


def _plan(fields, **kw):
    return organise.ForumPlan(
        title=kw.pop("title", "Fachforum 2"), fields=tuple(f.pk for f in fields), **kw
    )


def test_a_forum_is_added_with_room_time_and_a_new_code():
    conference = make_conference()
    actor = organiser_actor(conference)
    field = make_field(conference, "Arbeit")
    forum = organise.save_forum(
        actor=actor,
        conference=conference,
        plan=_plan(
            [field],
            room="Raum 2.14",
            starts_at=datetime.time(14, 0),
            ends_at=datetime.time(15, 30),
        ),
    )
    forum.refresh_from_db()
    assert (forum.room, forum.starts_at, forum.ends_at) == (
        "Raum 2.14",
        datetime.time(14, 0),
        datetime.time(15, 30),
    )
    assert len(forum.code) == 6 and list(forum.fields.all()) == [field]
    entry = AuditEntry.objects.get(action="conference.forum.added")
    assert entry.forum == forum and entry.data == {"code": forum.code}


def test_a_changed_forum_keeps_its_code_unless_a_new_one_is_given():
    conference = make_conference()
    actor = organiser_actor(conference)
    field = make_field(conference, "Arbeit")
    forum = make_forum(conference, fields=[field])
    code = forum.code
    organise.save_forum(
        actor=actor, conference=conference, plan=_plan([field], room="Aula"), forum_id=forum.pk
    )
    forum.refresh_from_db()
    assert forum.code == code and forum.room == "Aula"
    organise.save_forum(
        actor=actor,
        conference=conference,
        plan=_plan([field], code="abc-234"),
        forum_id=forum.pk,
    )
    forum.refresh_from_db()
    assert forum.code == "ABC234"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"code": "TAKEN2"}, "code", "TAKEN2"),
        ({"code": "0OIL11"}, "code", "6"),
        ({"fields": ()}, "fields", "action field"),
        ({"starts_at": datetime.time(15, 30), "ends_at": datetime.time(14, 0)}, "ends_at", "14:00"),
        ({"starts_at": datetime.time(14, 0), "ends_at": datetime.time(14, 0)}, "ends_at", "14:00"),
        ({"title": "Plenum"}, "title", "title"),
        ({"title": " "}, "title", "title"),
    ],
)
def test_bad_forums_are_refused_and_nothing_changes(change, field, words):
    conference = make_conference()
    actor = organiser_actor(conference)
    area = make_field(conference, "Arbeit")
    make_forum(make_conference(), code="TAKEN2")
    make_forum(conference, title="Plenum", fields=[area])
    plan = {
        "title": "Fachforum 2",
        "fields": (area.pk,),
        **change,
    }
    before = Forum.objects.count()
    error = _refused(
        lambda: organise.save_forum(
            actor=actor, conference=conference, plan=organise.ForumPlan(**plan)
        )
    )
    assert error.field == field and words in str(error.message)
    assert Forum.objects.count() == before
    assert not AuditEntry.objects.filter(action="conference.forum.added").exists()


def test_a_field_of_another_conference_is_refused_for_a_forum():
    conference = make_conference()
    actor = organiser_actor(conference)
    foreign = make_field(make_conference(), "Fremd")
    _refused(lambda: organise.save_forum(actor=actor, conference=conference, plan=_plan([foreign])))
    assert not conference.forums.exists()


def test_a_used_forum_is_not_removed_an_unused_one_is():
    conference = make_conference()
    actor = organiser_actor(conference)
    used = make_forum(conference)
    propose_item(
        actor=Actor(participant=make_participant(conference)),
        forum=used,
        field=used.fields.first().pk,
        kind="need",
        text="Kinderbetreuung",
    )
    _refused(lambda: organise.remove_forum(actor=actor, conference=conference, forum_id=used.pk))
    spare = make_forum(conference, fields=list(used.fields.all()))
    organise.remove_forum(actor=actor, conference=conference, forum_id=spare.pk)
    assert list(conference.forums.all()) == [used]


# The conference file.


def _full_conference():
    conference = make_conference(
        slug="ik-2026",
        title="3. Integrationskonferenz",
        motto='Mit "Anführungszeichen" \\ und Umlauten: äöü',
        date=datetime.date(2026, 11, 21),
        venue="Bürgerhaus\nSaal 1",
        languages=["de", "en", "ar"],
    )
    actor = organiser_actor(conference)
    bildung = organise.add_field(
        actor=actor, conference=conference, title="Bildung", description="Von der Kita an"
    )
    arbeit = organise.add_field(actor=actor, conference=conference, title="Arbeit")
    goal = organise.add_guiding_goal(
        actor=actor, conference=conference, field_id=bildung.pk, title="Gleiche Chancen"
    )
    organise.add_sub_goal(actor=actor, conference=conference, goal_id=goal.pk, title="Sprache")
    organise.add_sub_goal(actor=actor, conference=conference, goal_id=goal.pk, title="Eltern")
    organise.save_forum(
        actor=actor,
        conference=conference,
        plan=organise.ForumPlan(
            title="Fachforum 1",
            fields=(bildung.pk, arbeit.pk),
            room="Raum 2.14",
            starts_at=datetime.time(14, 0),
            ends_at=datetime.time(15, 30),
            code="MSTA24",
        ),
    )
    organise.save_forum(
        actor=actor,
        conference=conference,
        plan=organise.ForumPlan(title="Plenum", kind="plenary", fields=(bildung.pk, arbeit.pk)),
    )
    return conference, actor


def test_the_conference_file_loads_back_equal():
    conference, actor = _full_conference()
    text = conference_toml(conference)
    data = tomllib.loads(text)
    assert data["forums"][0]["start"] == datetime.time(14, 0)
    assert data["fields"][0]["guiding_goals"] == [
        {"title": "Gleiche Chancen", "sub_goals": ["Sprache", "Eltern"]}
    ]
    conference.delete()
    loaded, _notes = organise.import_conference(actor=actor, data=data)
    assert loaded.slug == "ik-2026" and list(loaded.organisers.all()) == [actor.user]
    assert conference_toml(loaded) == text
    assert loaded.forums.get(title="Fachforum 1").code == "MSTA24"


def test_an_import_under_another_name_with_new_codes_sits_beside_the_original():
    conference, actor = _full_conference()
    data = tomllib.loads(conference_toml(conference))
    error = _refused(lambda: organise.import_conference(actor=actor, data=data))
    assert "ik-2026" in str(error.message)
    copy, _notes = organise.import_conference(
        actor=actor, data=data, slug="ik-2028", new_codes=True
    )
    assert copy.forums.count() == 2
    assert not set(copy.forums.values_list("code", flat=True)) & set(
        conference.forums.values_list("code", flat=True)
    )
    assert AuditEntry.objects.filter(conference=copy, action="conference.imported").exists()


def test_a_broken_file_creates_nothing():
    actor = organiser_actor()
    data = {
        "conference": {"slug": "kaputt", "title": "Kaputt"},
        "fields": [{"title": "Bildung"}],
        "forums": [
            {"title": "Fachforum 1", "fields": ["Bildung"], "code": "ABC234"},
            {"title": "Fachforum 2", "fields": ["Bildung"], "code": "ABC234"},
        ],
    }
    error = _refused(lambda: organise.import_conference(actor=actor, data=data))
    assert "ABC234" in str(error.message)
    data["forums"][1] = {"title": "Fachforum 2", "fields": []}
    _refused(lambda: organise.import_conference(actor=actor, data=data))
    data["forums"][1] = {
        "title": "Fachforum 2",
        "fields": ["Bildung"],
        "start": "15:30",
        "end": "14:00",
    }
    error = _refused(lambda: organise.import_conference(actor=actor, data=data))
    assert "forums[1].end" in str(error.message)
    assert not Conference.objects.exists() and not Forum.objects.exists()


def test_a_file_with_accounts_is_refused():
    actor = organiser_actor()
    data = {
        "conference": {"title": "Mit Konten"},
        "fields": ["Bildung"],
        "moderators": [{"username": "admin", "password": "neu-gesetzt-123"}],
    }
    _refused(lambda: organise.import_conference(actor=actor, data=data))
    assert not Conference.objects.exists()
    assert not get_user_model().objects.filter(username="admin").exists()


# The copy for the next conference.


def test_a_copy_takes_the_structure_without_proposals_with_new_codes():
    conference, actor = _full_conference()
    forum = conference.forums.get(title="Fachforum 1")
    propose_item(
        actor=Actor(participant=make_participant(conference)),
        forum=forum,
        field=forum.fields.first().pk,
        kind="need",
        text="Sprachkurse",
    )
    colleague = organiser_actor(conference).user
    copy = organise.copy_conference(
        actor=actor,
        conference=conference,
        slug="ik-2028",
        title="4. Integrationskonferenz",
        date=datetime.date(2028, 11, 18),
    )
    assert copy.previous == conference and copy.date == datetime.date(2028, 11, 18)
    assert copy.motto == conference.motto and copy.languages == ["de", "en", "ar"]
    assert [f.title for f in copy.fields.order_by("position")] == ["Bildung", "Arbeit"]
    goal = GuidingGoal.objects.get(field__conference=copy)
    assert [s.title for s in goal.sub_goals.order_by("position")] == ["Sprache", "Eltern"]
    copied = copy.forums.get(title="Fachforum 1")
    assert copied.room == "Raum 2.14" and copied.starts_at == datetime.time(14, 0)
    assert copied.code != forum.code and not copied.items.exists()
    assert set(copy.organisers.all()) == {actor.user, colleague}
    assert not copy.moderators.exists()
    assert AuditEntry.objects.filter(conference=copy, action="conference.copied").exists()


def test_a_copy_under_a_taken_name_is_refused():
    conference, actor = _full_conference()
    error = _refused(
        lambda: organise.copy_conference(
            actor=actor, conference=conference, slug="ik-2026", title="Noch eine"
        )
    )
    assert error.field == "slug"
    assert Conference.objects.count() == 1


# Invitations.

SITE = "https://mitwirken.example"


def _invite(conference, actor, forums, email="lea@beispiel.example", **kw):
    return organise.invite_moderator(
        actor=actor,
        conference=conference,
        name=kw.pop("name", "Lea Yılmaz"),
        email=email,
        forum_ids=[f.pk for f in forums],
        site=SITE,
    )


def _token(sent) -> str:
    return sent.link.rstrip("/").rsplit("/", 1)[-1]


def test_an_invitation_is_mailed_with_a_one_time_link(django_capture_on_commit_callbacks):
    conference = make_conference(title="IK Musterstadt")
    actor = organiser_actor(conference)
    forum = make_forum(conference, title="Fachforum 2", room="Raum 2.14")
    with django_capture_on_commit_callbacks(execute=True):
        sent = _invite(conference, actor, [forum])
    assert sent.link.startswith(SITE + "/invitation/")
    [message] = mail.outbox
    assert message.to == ["lea@beispiel.example"]
    assert "IK Musterstadt" in message.subject
    assert sent.link in message.body and "Fachforum 2, Raum 2.14" in message.body
    invitation = Invitation.objects.get()
    assert invitation.token_hash == organise.token_hash(_token(sent))
    assert _token(sent) not in invitation.token_hash
    entry = AuditEntry.objects.get(action="conference.invitation.sent")
    assert "lea" not in str(entry.data)


def test_a_second_invitation_to_a_pending_address_is_refused():
    conference = make_conference()
    actor = organiser_actor(conference)
    forum = make_forum(conference)
    _invite(conference, actor, [forum])
    error = _refused(lambda: _invite(conference, actor, [forum], email="LEA@beispiel.example"))
    assert error.field == "email" and "LEA@beispiel.example" in str(error.message)
    assert Invitation.objects.count() == 1
    # once expired, the address can be invited again
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    _invite(conference, actor, [forum])
    assert Invitation.objects.count() == 2


def test_an_invitation_needs_a_forum_of_this_conference():
    conference = make_conference()
    actor = organiser_actor(conference)
    foreign = make_forum(make_conference())
    _refused(lambda: _invite(conference, actor, []))
    _refused(lambda: _invite(conference, actor, [foreign]))
    assert not Invitation.objects.exists()


def test_accepting_creates_the_account_and_it_moderates_only_its_forums():
    conference = make_conference()
    actor = organiser_actor(conference)
    two = make_forum(conference)
    three = make_forum(conference, fields=list(two.fields.all()))
    token = _token(_invite(conference, actor, [two]))
    user = organise.accept_invitation(token=token, password="Sonnenblume-Rathaus-7")
    assert user.username == "lea@beispiel.example" and user.first_name == "Lea Yılmaz"
    assert user.check_password("Sonnenblume-Rathaus-7") and user.is_active
    moderator = Actor(user=user)
    assert rules.can_moderate(moderator, two)
    assert not rules.can_moderate(moderator, three)
    assert not rules.is_moderator(moderator, conference)
    assert not rules.can_organise(moderator, conference)
    # the organiser runs every forum of their conference
    assert rules.can_moderate(actor, three)
    invitation = Invitation.objects.get()
    assert invitation.accepted_at is not None and invitation.user == user
    assert AuditEntry.objects.filter(action="conference.invitation.accepted").exists()
    # the link works once
    error = _refused(
        lambda: organise.accept_invitation(token=token, password="Sonnenblume-Rathaus-8"),
        ServiceError.CLOSED,
    )
    assert "used" in str(error.message)
    user.refresh_from_db()
    assert user.check_password("Sonnenblume-Rathaus-7")


def test_a_weak_password_is_refused_and_nothing_is_created():
    conference = make_conference()
    token = _token(_invite(conference, organiser_actor(conference), [make_forum(conference)]))
    error = _refused(lambda: organise.accept_invitation(token=token, password="12345678"))
    assert error.field == "password"
    assert not get_user_model().objects.filter(username="lea@beispiel.example").exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_expired_or_unknown_link_is_refused():
    conference = make_conference()
    token = _token(_invite(conference, organiser_actor(conference), [make_forum(conference)]))
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    error = _refused(
        lambda: organise.accept_invitation(token=token, password="Sonnenblume-Rathaus-7"),
        ServiceError.CLOSED,
    )
    assert "expired" in str(error.message)
    _refused(
        lambda: organise.accept_invitation(token="erfunden", password="Sonnenblume-Rathaus-7"),
        ServiceError.NOT_FOUND,
    )
    assert not get_user_model().objects.filter(username="lea@beispiel.example").exists()


def test_an_existing_account_is_confirmed_with_its_own_password_never_reset():
    conference = make_conference()
    forum = make_forum(conference)
    admin = get_user_model().objects.create_superuser(
        "chefin", email="chefin@stadt.example", password="Eigenes-Passwort-99"
    )
    token = _token(
        _invite(conference, organiser_actor(conference), [forum], email="chefin@stadt.example")
    )
    _refused(lambda: organise.accept_invitation(token=token, password="Uebernahme-Versuch-1"))
    admin.refresh_from_db()
    assert admin.check_password("Eigenes-Passwort-99")
    assert not forum.moderators.exists()
    user = organise.accept_invitation(token=token, password="Eigenes-Passwort-99")
    assert user == admin and list(forum.moderators.all()) == [admin]


def test_a_switched_off_account_is_not_switched_on_by_an_invitation():
    conference = make_conference()
    forum = make_forum(conference)
    get_user_model().objects.create_user(
        "lea@beispiel.example", password="Eigenes-Passwort-99", is_active=False
    )
    token = _token(_invite(conference, organiser_actor(conference), [forum]))
    error = _refused(
        lambda: organise.accept_invitation(token=token, password="Eigenes-Passwort-99")
    )
    assert "switched off" in str(error.message)
    assert not forum.moderators.exists()


def test_withdrawing_an_invitation_ends_its_link():
    conference = make_conference()
    actor = organiser_actor(conference)
    token = _token(_invite(conference, actor, [make_forum(conference)]))
    organise.withdraw_invitation(
        actor=actor, conference=conference, invitation_id=Invitation.objects.get().pk
    )
    _refused(
        lambda: organise.accept_invitation(token=token, password="Sonnenblume-Rathaus-7"),
        ServiceError.NOT_FOUND,
    )


# The state on the organiser's home.


def test_the_state_follows_the_conference():
    today = datetime.date(2026, 11, 21)
    conference = make_conference(date=datetime.date(2026, 11, 28))
    assert organise.conference_state(conference, today) == organise.PREPARATION
    conference.date = today
    assert organise.conference_state(conference, today) == organise.RUNNING
    conference.results_published = True
    assert organise.conference_state(conference, today) == organise.PUBLISHED
    conference.report_due = datetime.date(2027, 6, 30)
    assert organise.conference_state(conference, today) == organise.FOLLOW_UP


def test_a_moderator_taken_off_a_forum_no_longer_runs_it():
    conference = make_conference()
    actor = organiser_actor(conference)
    forum = make_forum(conference)
    lea = get_user_model().objects.create_user("lea")
    forum.moderators.add(lea)
    assert rules.can_moderate(Actor(user=lea), forum)
    organise.remove_forum_moderator(
        actor=actor, conference=conference, forum_id=forum.pk, user_id=lea.pk
    )
    assert not rules.can_moderate(Actor(user=lea), forum)
    entry = AuditEntry.objects.get(action="conference.forum.moderator.removed")
    assert entry.forum == forum and entry.data == {"user": lea.pk}
    _refused(
        lambda: organise.remove_forum_moderator(
            actor=actor, conference=conference, forum_id=forum.pk, user_id=lea.pk
        ),
        ServiceError.NOT_FOUND,
    )


def test_the_purge_forgets_the_invitations_and_keeps_the_accounts():
    from workshops.services.privacy import purge_personal_data

    conference = make_conference(date=datetime.date(2026, 1, 10))
    actor = organiser_actor(conference)
    forum = make_forum(conference)
    token = _token(_invite(conference, actor, [forum]))
    user = organise.accept_invitation(token=token, password="Sonnenblume-Rathaus-7")
    _invite(conference, actor, [forum], email="noch@offen.example", name="Noch Offen")
    counts = purge_personal_data(conference=conference)
    assert counts["invitations"] == 2 and not Invitation.objects.exists()
    assert list(forum.moderators.all()) == [user]
