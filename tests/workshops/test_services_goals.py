"""Forums work towards the city's sub-goals: linking at proposal time (form and socket),
the moderator's set_sub_goal, every refusal changing nothing, and the pages' grouping."""

import pytest

from tests.factories import make_forum, make_moderator, moderator_actor, participant_actor
from workshops.exceptions import ServiceError
from workshops.models import AuditEntry, ForumEvent, GuidingGoal, Item, SubGoal
from workshops.selectors import guiding_goal_tree
from workshops.services.items import hide_item, propose_item, set_sub_goal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The services' messages are compared in English (their msgids); the pages are
    read in German, the default language."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def city(forum):
    """Two guiding goals in the forum's first field, one in its second."""
    bildung, wohnen = forum.fields.order_by("position", "id")
    chancen = GuidingGoal.objects.create(
        field=bildung, title="Alle Kinder haben gleiche Bildungschancen", position=0
    )
    deutsch = SubGoal.objects.create(
        guiding_goal=chancen, title="Jedes Kind spricht bei der Einschulung Deutsch", position=0
    )
    eltern = SubGoal.objects.create(
        guiding_goal=chancen, title="Eltern kennen das Schulsystem", position=1
    )
    vielfalt = GuidingGoal.objects.create(
        field=bildung, title="Mehrsprachigkeit wird als Stärke anerkannt", position=1
    )
    herkunft = SubGoal.objects.create(
        guiding_goal=vielfalt, title="Herkunftssprachlicher Unterricht an allen Schulen"
    )
    quartier = GuidingGoal.objects.create(field=wohnen, title="Gute Nachbarschaft")
    treff = SubGoal.objects.create(guiding_goal=quartier, title="Jedes Quartier hat einen Treff")
    return {
        "bildung": bildung,
        "wohnen": wohnen,
        "deutsch": deutsch,
        "eltern": eltern,
        "herkunft": herkunft,
        "treff": treff,
    }


def propose(actor, forum, field, kind, text, **kw):
    return propose_item(actor=actor, forum=forum, field=field.pk, kind=kind, text=text, **kw)


def state(forum):
    return (
        list(Item.objects.order_by("id").values_list("id", "sub_goal_id")),
        ForumEvent.objects.filter(forum=forum).count(),
        AuditEntry.objects.count(),
    )


def test_a_participant_links_a_goal_and_a_measure_to_a_sub_goal(forum, participant, city):
    actor = participant_actor(participant)
    goal = propose(
        actor, forum, city["bildung"], "goal", "Sprachkitas", sub_goal=city["deutsch"].pk
    )
    measure = propose(
        actor, forum, city["bildung"], "measure", "Elternabende", sub_goal=city["eltern"].pk
    )
    assert (goal.sub_goal, measure.sub_goal) == (city["deutsch"], city["eltern"])
    added = ForumEvent.objects.filter(forum=forum, name="item.added").order_by("rev")
    assert [e.data["sub_goal"] for e in added] == [city["deutsch"].pk, city["eltern"].pk]
    plain = propose(actor, forum, city["bildung"], "need", "Kurse fehlen")
    assert plain.sub_goal is None


@pytest.mark.parametrize(
    "kind, sub_goal, message",
    [
        ("need", "deutsch", "Only goals and measures can work towards a sub-goal."),
        ("measure", "treff", "This sub-goal belongs to another action field."),
        ("goal", "elsewhere", "This sub-goal is not part of this conference."),
        ("goal", "missing", "This sub-goal is not part of this conference."),
    ],
)
def test_a_wrong_sub_goal_is_refused_and_nothing_is_proposed(
    forum, participant, city, kind, sub_goal, message
):
    other = make_forum()
    foreign = SubGoal.objects.create(
        guiding_goal=GuidingGoal.objects.create(
            field=other.fields.first(), title="Bildungschancen anderswo"
        ),
        title="Anderswo",
    )
    ids = {**{k: v.pk for k, v in city.items() if isinstance(v, SubGoal)}, "elsewhere": foreign.pk}
    ids["missing"] = 10**9
    before = state(forum)
    with pytest.raises(ServiceError) as info:
        propose(
            participant_actor(participant),
            forum,
            city["bildung"],
            kind,
            "Text",
            sub_goal=ids[sub_goal],
        )
    assert info.value.code == ServiceError.INVALID and info.value.field == "sub_goal"
    assert message in str(info.value.message)
    assert state(forum) == before


def test_a_moderator_sets_and_corrects_the_link(forum, participant, moderator, city):
    measure = propose(participant_actor(participant), forum, city["bildung"], "measure", "Kurse")
    actor = moderator_actor(moderator)
    set_sub_goal(actor=actor, forum=measure.forum, item=measure.pk, sub_goal=city["deutsch"].pk)
    set_sub_goal(actor=actor, forum=measure.forum, item=measure.pk, sub_goal=city["eltern"].pk)
    measure.refresh_from_db()
    assert measure.sub_goal == city["eltern"]
    updates = ForumEvent.objects.filter(forum=forum, name="item.updated").order_by("rev")
    assert [e.data["sub_goal"] for e in updates] == [city["deutsch"].pk, city["eltern"].pk]
    entries = AuditEntry.objects.filter(action="forum.item.sub_goal_set").order_by("id")
    assert [(e.data["sub_goal"], e.data["previous"]) for e in entries] == [
        (city["deutsch"].pk, None),
        (city["eltern"].pk, city["deutsch"].pk),
    ]
    set_sub_goal(actor=actor, forum=measure.forum, item=measure.pk, sub_goal=None)
    measure.refresh_from_db()
    assert measure.sub_goal is None
    before = state(forum)
    set_sub_goal(
        actor=actor, forum=measure.forum, item=measure.pk, sub_goal=None
    )  # as it is: nothing recorded
    assert state(forum) == before


def test_refusals_of_set_sub_goal_change_nothing(forum, participant, moderator, city):
    actor = moderator_actor(moderator)
    need = propose(participant_actor(participant), forum, city["bildung"], "need", "Kurse")
    goal = propose(participant_actor(participant), forum, city["bildung"], "goal", "Kitas")
    hidden = propose(participant_actor(participant), forum, city["bildung"], "goal", "Weg damit")
    hide_item(actor=actor, forum=forum, item=hidden.pk)
    cases = [
        (participant_actor(participant), goal, city["deutsch"].pk, "moderators"),
        (actor, need, city["deutsch"].pk, "Only goals and measures"),
        (actor, goal, city["treff"].pk, "another action field"),
        (actor, hidden, city["deutsch"].pk, "not shown"),
    ]
    for who, item, sub_goal, message in cases:
        before = state(forum)
        with pytest.raises(ServiceError) as info:
            set_sub_goal(actor=who, forum=item.forum, item=item.pk, sub_goal=sub_goal)
        assert message in str(info.value.message)
        assert state(forum) == before


def test_the_tree_places_measures_directly_or_through_the_goal_they_answer(
    forum, participant, city
):
    actor = participant_actor(participant)
    linked_goal = propose(
        actor, forum, city["bildung"], "goal", "Sprachkitas", sub_goal=city["deutsch"].pk
    )
    direct = propose(actor, forum, city["bildung"], "measure", "A", sub_goal=city["eltern"].pk)
    through = propose(actor, forum, city["bildung"], "measure", "B", refs=[linked_goal.pk])
    alone = propose(actor, forum, city["bildung"], "measure", "C")
    tree = guiding_goal_tree(forum.conference)
    assert [(g["title"], [s["measures"] for s in g["sub_goals"]], g["measures"]) for g in tree] == [
        (
            "Alle Kinder haben gleiche Bildungschancen",
            [[through.pk], [direct.pk]],
            [through.pk, direct.pk],
        ),
        ("Mehrsprachigkeit wird als Stärke anerkannt", [[]], []),
        ("Gute Nachbarschaft", [[]], []),
    ]
    assert alone.pk not in {m for g in tree for m in g["measures"]}
    assert tree[0]["field"] == city["bildung"].pk


def test_the_phone_page_shows_the_goals_and_offers_the_sub_goals(client, forum, participant, city):
    from tests.realtime.conftest import participant_cookie

    city["bildung"].description = "Von der Kita bis zur Weiterbildung."
    city["bildung"].save()
    client.cookies.load(participant_cookie(participant))
    page = client.get(f"/f/{forum.code}/").content.decode()
    assert "Leitziel 1" in page and "Alle Kinder haben gleiche Bildungschancen" in page
    assert "Von der Kita bis zur Weiterbildung." in page
    assert f'<option value="{city["eltern"].pk}"' in page
    response = client.post(
        f"/f/{forum.code}/propose",
        {"field": city["bildung"].pk, "kind": "measure", "text": "Elternlotsen", "sub_goal": ""},
    )
    assert response.status_code == 302
    response = client.post(
        f"/f/{forum.code}/propose",
        {
            "field": city["bildung"].pk,
            "kind": "measure",
            "text": "Schulbesuche",
            "sub_goal": city["eltern"].pk,
        },
    )
    assert response.status_code == 302
    assert Item.objects.get(text="Schulbesuche").sub_goal == city["eltern"]
    response = client.post(
        f"/f/{forum.code}/propose",
        {"field": city["bildung"].pk, "kind": "need", "text": "Zu wenig", "sub_goal": "abc"},
    )
    assert response.status_code == 400
    assert "Bitte wählen Sie ein Teilziel aus der Liste." in response.content.decode()
    assert not Item.objects.filter(text="Zu wenig").exists()


def test_the_phone_page_speaks_the_participants_language(client, forum, participant, city):
    from tests.realtime.conftest import participant_cookie

    client.cookies.load(participant_cookie(participant, language="tr"))
    page = client.get(f"/f/{forum.code}/").content.decode()
    assert "Ana hedef 1" in page and "Şehrin bu forumda ulaşmak istedikleri" in page


def test_the_console_groups_measures_and_sets_the_link(client, forum, participant, city):
    actor = participant_actor(participant)
    linked = propose(actor, forum, city["bildung"], "measure", "Elternlotsen")
    alone = propose(actor, forum, city["bildung"], "measure", "Ohne Ziel")
    user = make_moderator(forum.conference, username="mod-ziele")
    client.force_login(user)
    response = client.post(
        f"/f/{forum.code}/moderate/action",
        {"action": "sub_goal", "item": linked.pk, "sub_goal": city["eltern"].pk},
    )
    assert response.status_code == 302
    linked.refresh_from_db()
    assert linked.sub_goal == city["eltern"]
    page = client.get(f"/f/{forum.code}/moderate/").content.decode()
    goal_at = page.index("Alle Kinder haben gleiche Bildungschancen</bdi></h4>")
    sub_at = page.index("Eltern kennen das Schulsystem</bdi></p>")
    other_at = page.index("Ohne Leitziel")
    linked_at = page.index(f'id="item-{linked.pk}"')
    assert goal_at < sub_at < linked_at < other_at < page.index(f'id="item-{alone.pk}"')
    response = client.post(
        f"/f/{forum.code}/moderate/action",
        {"action": "sub_goal", "item": linked.pk, "sub_goal": city["treff"].pk},
        follow=True,
    )
    assert "Dieses Teilziel gehört zu einem anderen Handlungsfeld." in response.content.decode()
    linked.refresh_from_db()
    assert linked.sub_goal == city["eltern"]


def test_a_moderator_of_another_conference_cannot_set_the_link(client, forum, participant, city):
    measure = propose(participant_actor(participant), forum, city["bildung"], "measure", "Kurse")
    other = make_forum()
    stranger = make_moderator(other.conference)
    with pytest.raises(ServiceError):
        set_sub_goal(
            actor=moderator_actor(stranger),
            forum=measure.forum,
            item=measure.pk,
            sub_goal=city["deutsch"].pk,
        )
    measure.refresh_from_db()
    assert measure.sub_goal is None


def test_the_screen_and_the_plenary_group_measures_by_guiding_goal(
    client, forum, participant, moderator, city
):
    from workshops.models import Forum
    from workshops.services.items import shortlist_item

    actor = participant_actor(participant)
    goal = propose(
        actor, forum, city["bildung"], "goal", "Sprachkitas", sub_goal=city["deutsch"].pk
    )
    through = propose(actor, forum, city["bildung"], "measure", "Vorlesepaten", refs=[goal.pk])
    alone = propose(actor, forum, city["bildung"], "measure", "Sommerfest")
    plenary = Forum.objects.create(
        conference=forum.conference, title="Plenum", kind=Forum.Kind.PLENARY
    )
    plenary.fields.set([city["bildung"], city["wohnen"]])
    for measure in (through, alone):
        shortlist_item(
            actor=moderator_actor(moderator), forum=forum, item=measure.pk, shortlisted=True
        )
    for shown in (forum, plenary):
        page = client.get(f"/f/{shown.code}/screen/?key={shown.screen_key}").content.decode()
        sub_list = page.index(f'data-sub-goal="{city["deutsch"].pk}"')
        rest = page.index("Ohne Leitziel")
        assert sub_list < page.index(f'id="item-{through.pk}"') < rest, shown.kind
        assert rest < page.index(f'id="item-{alone.pk}"'), shown.kind
