"""services.setup: load_conference's validation and update rules, and seed_demo."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from tests.factories import make_conference, make_forum
from workshops.exceptions import ServiceError
from workshops.models import ActionField, AuditEntry, Conference, Forum, ForumEvent, Item
from workshops.services import setup
from workshops.services.setup import DEMO_SLUG, load_conference, seed_demo

pytestmark = pytest.mark.django_db
User = get_user_model()


def description(**overrides) -> dict:
    data = {
        "conference": {
            "slug": "ik-test",
            "title": "Integrationskonferenz Teststadt",
            "languages": ["de", "tr"],
            "stakeholder_groups": ["Verwaltung", "Politik"],
            "motto": "Miteinander",
        },
        "fields": [{"title": "Wohnen"}, {"title": "Arbeit", "description": "Gute Arbeit"}],
        "forums": [
            {"title": "Forum Wohnen", "fields": ["Wohnen"], "code": "ABC234"},
            {"title": "Forum Arbeit", "fields": ["Arbeit"]},
        ],
        "moderators": [{"username": "mod-neu", "password": "ein-langes-passwort"}],
    }
    data.update(overrides)
    return data


def rows():
    return (
        Conference.objects.count(),
        ActionField.objects.count(),
        Forum.objects.count(),
        User.objects.count(),
    )


def refused(data, **kw) -> str:
    before = rows()
    with pytest.raises(ServiceError) as info:
        load_conference(data=data, **kw)
    assert info.value.code == ServiceError.INVALID
    assert rows() == before, "a refused file must create nothing"
    return str(info.value.message)


def test_a_description_is_created_whole():
    conference = load_conference(data=description())
    assert conference.languages == ["de", "tr"]
    assert list(conference.fields.values_list("title", "position")) == [
        ("Wohnen", 0),
        ("Arbeit", 1),
    ]
    wohnen, arbeit = conference.forums.order_by("position")
    assert wohnen.code == "ABC234" and len(arbeit.code) == 6
    assert list(arbeit.fields.values_list("description", flat=True)) == ["Gute Arbeit"]
    user = conference.moderators.get()
    assert user.check_password("ein-langes-passwort")


def test_codes_are_matched_case_insensitively():
    data = description()
    data["forums"][0]["code"] = "abc 234"
    load_conference(data=data)
    assert Forum.objects.filter(code="ABC234").exists()


def test_a_generated_code_is_drawn_again_when_taken(monkeypatch):
    make_forum(code="TAKEN2")
    draws = iter(["TAKEN2", "ABC234", "FRESH3"])  # taken elsewhere, fixed in the file, free
    monkeypatch.setattr(setup, "new_join_code", lambda: next(draws))
    conference = load_conference(data=description())
    assert conference.forums.get(title="Forum Arbeit").code == "FRESH3"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["conference"].pop("title"), "conference.title: is missing"),
        (lambda d: d["conference"].update(slug="IK Test"), "conference.slug: 'IK Test'"),
        (lambda d: d["conference"].update(title="مؤتمر", slug=""), "conference.slug: is missing"),
        (lambda d: d["conference"].update(languages=["de", "fr"]), "unknown language 'fr'"),
        (lambda d: d["conference"].update(date="21.11.2026"), "conference.date: '21.11.2026'"),
        (
            lambda d: d["conference"].update(date=datetime.datetime(2026, 11, 21, 9)),
            "without a time",
        ),
        (
            lambda d: d["conference"].update(stakeholder_groups="Verwaltung"),
            "conference.stakeholder_groups",
        ),
        (
            lambda d: d["conference"].update(stakeholder_groups=["Politik", "Politik"]),
            "'Politik' is listed twice",
        ),
        (lambda d: d["conference"].update(motto=42), "conference.motto: must be text"),
        (lambda d: d["conference"].update(ort="Rathaus"), "conference: unknown key 'ort'"),
        (lambda d: d.update(forum=[]), "file: unknown key 'forum'"),
        (lambda d: d.update(fields=[]), "fields: list at least one action field"),
        (
            lambda d: d["fields"].append({"title": "Wohnen"}),
            "fields[2].title: the action field 'Wohnen' is listed twice",
        ),
        (lambda d: d["fields"].append(7), "fields[2]: must be a title"),
        (
            lambda d: d["forums"].append({"title": "Forum 3", "fields": ["Wohnen", "Gesundheit"]}),
            "forums[2].fields: unknown action field 'Gesundheit'",
        ),
        (lambda d: d["forums"].append({"title": "Forum 3"}), "forums[2].fields: name at least one"),
        (
            lambda d: d["forums"].append({"title": "Forum Wohnen", "fields": ["Wohnen"]}),
            "forums[2].title: the forum 'Forum Wohnen' is listed twice",
        ),
        (lambda d: d["forums"][1].update(kind="fishbowl"), "forums[1].kind: 'fishbowl'"),
        (
            lambda d: d["forums"][1].update(code="FORUM2"),
            "forums[1].code: 'FORUM2' is not a join code",
        ),
        (
            lambda d: d["forums"][1].update(code="ABC23"),
            "forums[1].code: 'ABC23' is not a join code",
        ),
        (
            lambda d: d["forums"][1].update(code="abc234"),
            "forums[1].code: the join code ABC234 is taken",
        ),
        (lambda d: d["forums"][1].update(feld=["Arbeit"]), "forums[1]: unknown key 'feld'"),
        (lambda d: d.update(forums={"title": "x"}), "forums: must be a list"),
        (lambda d: d["moderators"].append({"username": "zwei wörter"}), "moderators[1].username"),
        (
            lambda d: d["moderators"].append({"username": "x", "email": "keine-adresse"}),
            "moderators[1].email",
        ),
        (
            lambda d: d["moderators"].append({"username": "x", "password": "12345678"}),
            "moderators[1].password",
        ),
        (lambda d: d["moderators"].append("mod-neu"), "moderators[1]: 'mod-neu' is listed twice"),
    ],
)
def test_every_mistake_is_named_and_nothing_is_created(change, message):
    data = description()
    change(data)
    assert message in refused(data)


def test_a_late_mistake_undoes_everything_before_it():
    data = description()
    data["moderators"].append({"username": "b", "password": "zu"})  # the very last thing checked
    refused(data)
    assert not User.objects.filter(username="mod-neu").exists()


def test_not_a_table_at_all():
    assert "file: must describe one conference" in refused(["conference"])


def test_a_flat_description_works_too():
    data = description()
    flat = {**data.pop("conference"), **data}
    conference = load_conference(data=flat)
    assert conference.slug == "ik-test" and conference.forums.count() == 2


def test_a_slug_is_made_from_the_title():
    data = description()
    del data["conference"]["slug"]
    data["conference"]["title"] = "Zweite Integrationskonferenz Großstadt"
    assert load_conference(data=data).slug == "zweite-integrationskonferenz-grostadt"


def test_an_existing_slug_needs_update():
    load_conference(data=description())
    assert "conference.slug: a conference 'ik-test' exists already" in refused(description())


def test_a_code_of_another_conference_is_taken():
    make_forum(code="ABC234")
    assert "forums[0].code: the join code ABC234 is taken" in refused(description())


def test_update_adds_and_never_deletes_or_changes_a_forum():
    conference = load_conference(data=description())
    wohnen = conference.forums.get(title="Forum Wohnen")
    data = {
        "conference": {"slug": "ik-test", "title": "Neuer Titel", "venue": "Rathaus"},
        "fields": ["Gesundheit"],
        "forums": [
            {"title": "Forum Wohnen", "fields": ["Gesundheit"], "code": "XYZ789"},
            {"title": "Forum Gesundheit", "fields": ["Gesundheit", "Wohnen"]},
        ],
        "moderators": ["zweite-moderatorin"],
    }
    notes = []
    load_conference(data=data, update=True, notes=notes)
    conference.refresh_from_db()
    # given details change; details the file leaves out stay as they were
    assert (conference.title, conference.venue) == ("Neuer Titel", "Rathaus")
    assert conference.motto == "Miteinander"
    assert conference.stakeholder_groups == ["Verwaltung", "Politik"]
    assert conference.languages == ["de", "tr"]
    assert list(conference.fields.values_list("title", flat=True)) == [
        "Wohnen",
        "Arbeit",
        "Gesundheit",
    ]
    assert list(conference.forums.values_list("title", flat=True)) == [
        "Forum Wohnen",
        "Forum Arbeit",
        "Forum Gesundheit",
    ]
    wohnen.refresh_from_db()
    assert wohnen.code == "ABC234"
    assert list(wohnen.fields.values_list("title", flat=True)) == ["Wohnen"]
    assert sorted(conference.moderators.values_list("username", flat=True)) == [
        "mod-neu",
        "zweite-moderatorin",
    ]
    assert any(
        "forums[0]: 'Forum Wohnen' exists already" in n and "keeps its join code ABC234" in n
        for n in notes
    )
    assert any("changepassword zweite-moderatorin" in n for n in notes)


def test_an_existing_account_is_reused_as_it_is():
    user = User.objects.create_user(
        "vorhanden", email="alt@example.org", password="altes-passwort-123"
    )
    notes = []
    data = description(
        moderators=[
            {"username": "vorhanden", "email": "neu@example.org", "password": "uebernahme-versuch"}
        ]
    )
    conference = load_conference(data=data, notes=notes)
    user.refresh_from_db()
    assert conference.moderators.get() == user
    assert user.check_password("altes-passwort-123") and user.email == "alt@example.org"
    assert "left unchanged" in notes[0]


def test_a_new_account_without_a_password_cannot_log_in_yet():
    notes = []
    load_conference(
        data=description(moderators=[{"username": "ohne", "email": "o@example.org"}]), notes=notes
    )
    user = User.objects.get(username="ohne")
    assert not user.has_usable_password() and user.email == "o@example.org"
    assert notes == [
        "moderators[0]: 'ohne' has no password yet: set one with "
        "`python manage.py changepassword ohne`"
    ]


# --- seed_demo -------------------------------------------------------------------------


def test_the_demo_is_an_integrationskonferenz():
    demo = seed_demo()
    conference = Conference.objects.get(slug=DEMO_SLUG)
    assert conference.title == "5. Integrationskonferenz der Stadt Beispielstadt"
    assert conference.motto == "Vielfalt gestalten – gemeinsam handeln"
    assert conference.venue == "Rathaus, Großer Sitzungssaal"
    assert conference.languages == ["de", "en", "tr", "ar", "uk", "ru"]
    assert len(conference.stakeholder_groups) == 8
    assert conference.fields.count() == 5
    assert [f["code"] for f in demo["forums"]] == ["BQRK24", "HWTN37", "MZXV58", "PNMR69"]
    workshops = conference.forums.filter(kind="workshop")
    assert workshops.count() == 3 and all(1 <= f.fields.count() <= 2 for f in workshops)
    assert conference.forums.get(kind="plenary").fields.count() == 5
    moderator = conference.moderators.get()
    assert moderator.username == "moderation" and moderator.check_password("mitwirken-demo")


def test_the_demo_items_went_through_the_service():
    seed_demo()
    first = Forum.objects.get(code="BQRK24")
    assert first.rev == 6
    assert list(ForumEvent.objects.filter(forum=first).values_list("rev", "name")) == [
        (n, "item.added") for n in range(1, 7)
    ]
    assert set(Item.objects.values_list("forum_id", flat=True)) == {first.pk}
    assert set(Item.objects.values_list("author_user__username", flat=True)) == {"moderation"}
    measure = Item.objects.filter(kind="measure").first()
    assert measure.refs.get().kind == "goal" and measure.refs.get().refs.get().kind == "need"


def test_seeding_again_reuses_everything_and_keeps_what_was_changed():
    first = seed_demo()
    user = User.objects.get(username="moderation")
    user.set_password("anders-und-vergessen")
    user.is_active = False
    user.save()
    assert seed_demo() == {**first, "moderator": {"username": "moderation", "password": None}}
    user.refresh_from_db()
    assert user.check_password("anders-und-vergessen") and not user.is_active
    assert Item.objects.count() == 6 and ForumEvent.objects.count() == 6
    assert AuditEntry.objects.count() == 0


def test_a_deleted_demo_moderator_comes_back():
    seed_demo()
    User.objects.filter(username="moderation").delete()
    seed_demo()
    assert Conference.objects.get(slug=DEMO_SLUG).moderators.get().check_password("mitwirken-demo")


def test_a_demo_code_held_by_another_conference_is_replaced():
    other = make_forum(make_conference(), code="HWTN37")
    demo = seed_demo()
    codes = [f["code"] for f in demo["forums"]]
    assert codes[0] == "BQRK24" and codes[2:] == ["MZXV58", "PNMR69"]
    assert codes[1] != "HWTN37" and len(codes[1]) == 6
    other.refresh_from_db()
    assert other.code == "HWTN37"
