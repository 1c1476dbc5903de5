"""propose, edit, hide, restore, merge: every rule, including every refusal."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    make_conference,
    make_field,
    make_forum,
    make_moderator,
    make_participant,
    moderator_actor,
    participant_actor,
)
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import AuditEntry, ForumEvent, Item
from workshops.services.forums import set_proposals_open
from workshops.services.items import (
    edit_item,
    hide_item,
    merge_items,
    propose_item,
    restore_item,
)

pytestmark = pytest.mark.django_db


def field_of(forum, n=0):
    return forum.fields.order_by("position", "id")[n]


def propose(forum, actor, kind="need", text="Sprachkurse mit Kinderbetreuung", refs=(), field=None):
    return propose_item(
        actor=actor,
        forum=forum,
        field=(field or field_of(forum)).pk,
        kind=kind,
        text=text,
        refs=refs,
    )


def state(forum):
    """What a refusal must leave untouched."""
    forum.refresh_from_db()
    return (
        forum.rev,
        list(Item.objects.filter(forum=forum).values_list("id", "text", "status", "merged_into")),
        list(Item.refs.through.objects.values_list("from_item_id", "to_item_id").order_by("id")),
        ForumEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def refused(code, fn, watched, /, **kw):
    before = state(watched)
    with pytest.raises(ServiceError) as info:
        fn(**kw)
    assert info.value.code == code
    assert str(info.value.message)
    assert state(watched) == before
    return info.value


# --- propose ---------------------------------------------------------------------------


def test_participant_proposes_a_need_and_the_forum_records_the_event(forum, participant):
    item = propose(forum, participant_actor(participant), text="  Mehr Sprachkurse  ")
    forum.refresh_from_db()
    assert item.text == "Mehr Sprachkurse"
    assert item.author == participant
    assert item.status == Item.Status.VISIBLE
    assert forum.rev == 1
    event = ForumEvent.objects.get(forum=forum)
    assert (event.rev, event.name) == (1, "item.added")
    assert event.data["id"] == item.pk
    assert event.data["text"] == "Mehr Sprachkurse"
    assert event.data["kind"] == "need"
    assert event.data["refs"] == []
    assert event.data["author"] == "Ayşe"


def test_goal_answers_needs_and_measure_answers_goals(forum, participant):
    actor = participant_actor(participant)
    need = propose(forum, actor)
    goal = propose(forum, actor, kind="goal", text="Jedes Kind spricht Deutsch", refs=[need.pk])
    measure = propose(
        forum, actor, kind="measure", text="Kita-Plätze für Kursteilnehmende", refs=[str(goal.pk)]
    )
    assert list(goal.refs.all()) == [need]
    assert list(measure.refs.all()) == [goal]
    assert ForumEvent.objects.get(rev=3, forum=forum).data["refs"] == [goal.pk]
    forum.refresh_from_db()
    assert forum.rev == 3


def test_moderator_may_propose_while_proposals_are_closed(forum, moderator):
    set_proposals_open(actor=moderator_actor(moderator), forum=forum, open=False)
    item = propose(forum, moderator_actor(moderator))
    assert item.author is None and item.author_user == moderator


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n\t ", "\x00\x01", "x" * 501, None, 42, ["a"]],
    ids=["empty", "spaces", "whitespace", "control-only", "too-long", "none", "number", "list"],
)
def test_bad_text_is_refused(forum, participant, text):
    refused(
        "invalid",
        propose_item,
        forum,
        actor=participant_actor(participant),
        forum=forum,
        field=field_of(forum).pk,
        kind="need",
        text=text,
    )


def test_text_of_exactly_500_characters_after_trimming_is_accepted(forum, participant):
    item = propose(forum, participant_actor(participant), text="  " + "ä" * 500 + "  ")
    assert len(item.text) == 500


def test_control_characters_are_removed_and_newlines_kept(forum, participant):
    item = propose(forum, participant_actor(participant), text="Erste Zeile\x00\nZweite\x07 Zeile")
    assert item.text == "Erste Zeile\nZweite Zeile"


@pytest.mark.parametrize("kind", ["wish", "", None, "NEED", 1])
def test_unknown_kind_is_refused(forum, participant, kind):
    refused(
        "invalid",
        propose_item,
        forum,
        actor=participant_actor(participant),
        forum=forum,
        field=field_of(forum).pk,
        kind=kind,
        text="Text",
    )


def test_action_field_not_of_this_forum_is_refused(forum, participant):
    other_field = make_field(forum.conference, "Gesundheit", 5)  # of the conference, not the forum
    foreign = make_field(make_conference(), "Wohnen")
    for field in [other_field.pk, foreign.pk, 999999, "abc", None, True]:
        refused(
            "invalid",
            propose_item,
            forum,
            actor=participant_actor(participant),
            forum=forum,
            field=field,
            kind="need",
            text="Text",
        )


def test_refs_to_another_forum_are_refused(forum, participant):
    other = make_forum(forum.conference, fields=list(forum.fields.all()))
    foreign_need = propose(other, participant_actor(participant))
    error = refused(
        "invalid",
        propose_item,
        forum,
        actor=participant_actor(participant),
        forum=forum,
        field=field_of(forum).pk,
        kind="goal",
        text="Ziel",
        refs=[foreign_need.pk],
    )
    assert error.field == "refs"


def test_refs_of_the_wrong_kind_are_refused(forum, participant):
    actor = participant_actor(participant)
    need = propose(forum, actor)
    goal = propose(forum, actor, kind="goal", text="Ziel", refs=[need.pk])
    # a measure answers goals, not needs; a goal answers needs, not goals; a need answers nothing
    for kind, ref in [("measure", need), ("goal", goal), ("need", need)]:
        refused(
            "invalid",
            propose_item,
            forum,
            actor=actor,
            forum=forum,
            field=field_of(forum).pk,
            kind=kind,
            text="Text",
            refs=[ref.pk],
        )


def test_refs_to_hidden_or_unknown_items_are_refused(forum, participant, moderator):
    actor = participant_actor(participant)
    need = propose(forum, actor)
    hide_item(actor=moderator_actor(moderator), forum=forum, item=need.pk)
    for refs in [[need.pk], [999999], ["x"], [None]]:
        refused(
            "invalid",
            propose_item,
            forum,
            actor=actor,
            forum=forum,
            field=field_of(forum).pk,
            kind="goal",
            text="Ziel",
            refs=refs,
        )


def test_proposing_while_proposals_are_closed_is_refused(forum, participant, moderator):
    set_proposals_open(actor=moderator_actor(moderator), forum=forum, open=False)
    refused(
        "closed",
        propose_item,
        forum,
        actor=participant_actor(participant),
        forum=forum,
        field=field_of(forum).pk,
        kind="need",
        text="Text",
    )


def test_participant_of_another_conference_is_refused(forum):
    stranger = make_participant(make_conference())
    for actor in [participant_actor(stranger), Actor(), Actor(screen=True)]:
        refused(
            "forbidden",
            propose_item,
            forum,
            actor=actor,
            forum=forum,
            field=field_of(forum).pk,
            kind="need",
            text="Text",
        )


def test_moderator_of_another_conference_is_not_a_participant_here(forum):
    other_moderator = make_moderator(make_conference())
    refused(
        "forbidden",
        propose_item,
        forum,
        actor=moderator_actor(other_moderator),
        forum=forum,
        field=field_of(forum).pk,
        kind="need",
        text="Text",
    )


# --- moderation ------------------------------------------------------------------------


@pytest.fixture
def need(forum, participant):
    return propose(forum, participant_actor(participant))


def test_hide_and_restore(forum, moderator, need):
    actor = moderator_actor(moderator)
    hide_item(actor=actor, forum=forum, item=need.pk)
    need.refresh_from_db()
    assert need.status == "hidden"
    restore_item(actor=actor, forum=forum, item=need.pk)
    need.refresh_from_db()
    assert need.status == "visible"
    names = list(ForumEvent.objects.filter(forum=forum).values_list("rev", "name"))
    assert names == [(1, "item.added"), (2, "item.hidden"), (3, "item.restored")]
    assert list(AuditEntry.objects.order_by("id").values_list("action", "actor_user")) == [
        ("forum.item.hidden", moderator.pk),
        ("forum.item.restored", moderator.pk),
    ]


def test_hiding_twice_or_restoring_a_visible_item_is_refused(forum, moderator, need):
    actor = moderator_actor(moderator)
    refused("invalid", restore_item, forum, actor=actor, forum=forum, item=need.pk)
    hide_item(actor=actor, forum=forum, item=need.pk)
    refused("invalid", hide_item, forum, actor=actor, forum=forum, item=need.pk)


def test_edit_changes_the_text_and_keeps_an_audit_of_before_and_after(forum, moderator, need):
    edit_item(
        actor=moderator_actor(moderator), forum=forum, item=need.pk, text="Sprachkurse + Kita"
    )
    need.refresh_from_db()
    assert need.text == "Sprachkurse + Kita"
    event = ForumEvent.objects.filter(forum=forum).last()
    assert (event.name, event.data["text"]) == ("item.updated", "Sprachkurse + Kita")
    entry = AuditEntry.objects.get()
    assert entry.data == {
        "item": need.pk,
        "before": "Sprachkurse mit Kinderbetreuung",
        "after": "Sprachkurse + Kita",
    }


def test_edit_with_bad_text_is_refused(forum, moderator, need):
    for text in ["", " ", "y" * 501]:
        refused(
            "invalid",
            edit_item,
            forum,
            actor=moderator_actor(moderator),
            forum=forum,
            item=need.pk,
            text=text,
        )


def test_moderation_by_non_moderators_is_refused(forum, participant, need):
    other_moderator = make_moderator(make_conference())
    for actor in [
        participant_actor(participant),
        moderator_actor(other_moderator),
        Actor(screen=True),
        Actor(),
    ]:
        refused("forbidden", hide_item, forum, actor=actor, forum=forum, item=need.pk)
        refused("forbidden", edit_item, forum, actor=actor, forum=forum, item=need.pk, text="neu")
        refused(
            "forbidden", merge_items, forum, actor=actor, forum=forum, item=need.pk, into=need.pk
        )
        refused("forbidden", set_proposals_open, forum, actor=actor, forum=forum, open=False)


def test_items_of_another_forum_cannot_be_moderated_here(forum, moderator, participant):
    other = make_forum(forum.conference, fields=list(forum.fields.all()))
    foreign = propose(other, participant_actor(participant))
    refused(
        "not_found",
        hide_item,
        forum,
        actor=moderator_actor(moderator),
        forum=forum,
        item=foreign.pk,
    )
    refused(
        "not_found", hide_item, forum, actor=moderator_actor(moderator), forum=forum, item=424242
    )


def test_merge_moves_links_to_the_kept_item(forum, moderator, participant):
    actor = participant_actor(participant)
    need_a = propose(forum, actor, text="Sprachkurse mit Kinderbetreuung")
    need_b = propose(forum, actor, text="Deutschkurs + Kita-Platz")
    goal_1 = propose(forum, actor, kind="goal", text="Eltern lernen Deutsch", refs=[need_b.pk])
    goal_2 = propose(
        forum, actor, kind="goal", text="Kinder gut betreut", refs=[need_a.pk, need_b.pk]
    )
    kept = merge_items(
        actor=moderator_actor(moderator), forum=forum, item=need_b.pk, into=need_a.pk
    )
    assert kept == need_a
    need_b.refresh_from_db()
    assert (need_b.status, need_b.merged_into_id) == ("merged", need_a.pk)
    assert list(goal_1.refs.all()) == [need_a]
    assert list(goal_2.refs.all()) == [need_a]
    events = list(ForumEvent.objects.filter(forum=forum, rev__gt=4).values_list("name", flat=True))
    assert events[0] == "item.merged"
    assert "item.updated" in events
    merged_event = ForumEvent.objects.get(forum=forum, name="item.merged")
    assert merged_event.data["merged_into"] == need_a.pk


def test_merge_moves_the_duplicates_refs(forum, moderator, participant):
    actor = participant_actor(participant)
    need_a = propose(forum, actor, text="Bedarf A")
    need_b = propose(forum, actor, text="Bedarf B")
    goal_a = propose(forum, actor, kind="goal", text="Ziel", refs=[need_a.pk])
    goal_b = propose(forum, actor, kind="goal", text="Ziel doppelt", refs=[need_b.pk])
    merge_items(actor=moderator_actor(moderator), forum=forum, item=goal_b.pk, into=goal_a.pk)
    assert sorted(goal_a.refs.values_list("pk", flat=True)) == [need_a.pk, need_b.pk]


def test_bad_merges_are_refused(forum, moderator, participant, need):
    actor = moderator_actor(moderator)
    goal = propose(forum, participant_actor(participant), kind="goal", text="Ziel", refs=[need.pk])
    hidden = propose(forum, participant_actor(participant), text="versteckt")
    hide_item(actor=actor, forum=forum, item=hidden.pk)
    refused("invalid", merge_items, forum, actor=actor, forum=forum, item=need.pk, into=need.pk)
    refused("invalid", merge_items, forum, actor=actor, forum=forum, item=need.pk, into=hidden.pk)
    refused("invalid", merge_items, forum, actor=actor, forum=forum, item=hidden.pk, into=need.pk)
    refused("invalid", merge_items, forum, actor=actor, forum=forum, item=goal.pk, into=need.pk)
    refused("not_found", merge_items, forum, actor=actor, forum=forum, item=need.pk, into=999999)


def test_restoring_a_merged_item_undoes_the_merge(forum, moderator, participant):
    actor = participant_actor(participant)
    a = propose(forum, actor, text="A")
    b = propose(forum, actor, text="B")
    merge_items(actor=moderator_actor(moderator), forum=forum, item=b.pk, into=a.pk)
    restore_item(actor=moderator_actor(moderator), forum=forum, item=b.pk)
    b.refresh_from_db()
    assert (b.status, b.merged_into_id) == ("visible", None)


def test_proposals_open_and_close(forum, moderator):
    actor = moderator_actor(moderator)
    set_proposals_open(actor=actor, forum=forum, open=False)
    set_proposals_open(actor=actor, forum=forum, open=False)  # no change, no event
    forum.refresh_from_db()
    assert forum.proposals_open is False
    assert forum.rev == 1
    event = ForumEvent.objects.get(forum=forum)
    assert (event.name, event.data["proposals_open"]) == ("forum.updated", False)
    # "yes" is refused where it is read: tests/workshops/test_commands_registry.py


def test_revs_are_gapless_and_match_the_event_log(forum, moderator, participant):
    actor = participant_actor(participant)
    for n in range(5):
        propose(forum, actor, text=f"Bedarf {n}")
    item = Item.objects.filter(forum=forum).first()
    hide_item(actor=moderator_actor(moderator), forum=forum, item=item.pk)
    forum.refresh_from_db()
    assert list(ForumEvent.objects.filter(forum=forum).values_list("rev", flat=True)) == list(
        range(1, 7)
    )
    assert forum.rev == 6


def test_snapshot_takes_a_fixed_number_of_queries(forum, participant, settings):
    from workshops.selectors import forum_snapshot

    settings.PROPOSALS_PER_MINUTE = 0  # 22 proposals by one person in a moment

    actor = participant_actor(participant)
    need = propose(forum, actor)
    propose(forum, actor, kind="goal", text="Ziel", refs=[need.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            forum_snapshot(forum, actor)
        return len(ctx.captured_queries)

    few = count()
    for n in range(20):
        propose(forum, actor, kind="goal", text=f"Ziel {n}", refs=[need.pk])
    assert count() == few
