"""A forum in which items went through every state an audience must not see through:
one hidden while in an open round, one merged into another, one edited, one hidden and
restored. Each text is a marker that must appear only where workshops/visibility.py
allows it. Built through the services, as a moderator's console would."""

from dataclasses import dataclass

from tests.factories import (
    make_forum,
    make_moderator,
    make_participant,
    moderator_actor,
    participant_actor,
)
from workshops.models import Item
from workshops.services.items import (
    adopt_item,
    edit_item,
    hide_item,
    merge_items,
    propose_item,
    restore_item,
)
from workshops.services.rounds import close_round, open_round
from workshops.services.versions import set_item_version
from workshops.services.votes import cast_vote

SHOWN = "Sichtbar Alpha Sprachcafé"
HIDDEN = "GEHEIM versteckter Beitrag"
MERGED = "DOPPELT zusammengelegter Beitrag"
BEFORE_EDIT = "ALT Text vor der Korrektur"
AFTER_EDIT = "NEU Text nach der Korrektur"
RESTORED = "WIEDER sichtbarer Beitrag"
# People's versions in German (services.versions): they go where their item's text goes.
SHOWN_VERSION = "Übersetzt SICHTBAR Sprachcafé"
HIDDEN_VERSION = "Übersetzt GEHEIM versteckt"
MERGED_VERSION = "Übersetzt DOPPELT zusammengelegt"
# What no participant, screen or public document may show once the scene has played.
NEVER_SHOWN = (HIDDEN, MERGED, BEFORE_EDIT, HIDDEN_VERSION, MERGED_VERSION)
# What everybody sees.
ALWAYS_SHOWN = (SHOWN, AFTER_EDIT, RESTORED, SHOWN_VERSION)


@dataclass
class Scene:
    forum: object
    moderator: object
    mod: object
    author: object
    ids: dict
    closed_round: object
    open_round: object


def build(forum=None, *, play: bool = True) -> Scene:
    """Items proposed and voted on in a closed and an open round, all of them adopted;
    with ``play`` the moderator then hides, merges, edits, hides and restores."""
    forum = forum or make_forum()
    moderator = make_moderator(forum.conference)
    mod = moderator_actor(moderator)
    author = make_participant(forum.conference, display_name="Ayşe Beispiel")
    field = forum.fields.order_by("position", "id").first().pk
    ids = {}
    texts = (
        ("shown", SHOWN),
        ("hidden", HIDDEN),
        ("merged", MERGED),
        ("edited", BEFORE_EDIT),
        ("restored", RESTORED),
    )
    for name, text in texts:
        ids[name] = propose_item(
            actor=participant_actor(author), forum=forum, field=field, kind="measure", text=text
        ).pk
    for name, version in (
        ("shown", SHOWN_VERSION),
        ("hidden", HIDDEN_VERSION),
        ("merged", MERGED_VERSION),
    ):
        item = Item.objects.get(pk=ids[name])
        set_item_version(actor=participant_actor(author), item=item, language="de", text=version)
    voter = participant_actor(make_participant(forum.conference, group="Verwaltung"))
    closed = open_round(actor=mod, forum=forum, method="support", items=list(ids.values()))
    for item in ids.values():
        cast_vote(actor=voter, forum=forum, round=closed.pk, item=item, value=1)
    close_round(actor=mod, forum=forum, round=closed.pk)
    for item in ids.values():
        adopt_item(actor=mod, forum=forum, item=item, adopted=True)
    running = open_round(
        actor=mod, forum=forum, method="support", items=list(ids.values()), secret=False
    )
    for item in ids.values():
        cast_vote(actor=voter, forum=forum, round=running.pk, item=item, value=1)
    scene = Scene(forum, moderator, mod, author, ids, closed, running)
    if play:
        play_states(scene)
    return scene


def play_states(scene: Scene) -> None:
    forum, mod, ids = scene.forum, scene.mod, scene.ids
    hide_item(actor=mod, forum=forum, item=ids["hidden"])  # stays in the open round
    merge_items(actor=mod, forum=forum, item=ids["merged"], into=ids["shown"])
    edit_item(actor=mod, forum=forum, item=ids["edited"], text=AFTER_EDIT)
    hide_item(actor=mod, forum=forum, item=ids["restored"])
    restore_item(actor=mod, forum=forum, item=ids["restored"])
