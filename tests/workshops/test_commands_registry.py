"""Tests generated from the moderator actions' declarations (workshops/commands.py).

Every declared action needs a row in ``SAMPLES`` (values it accepts on the test scene),
``REFUSED`` (values of the right types its service refuses) and ``MAY`` (who may do it),
or these tests fail: a new action is checked the day it is declared,
- for every role and forum state, by its predicate and through its dispatch;
- through both doors, the console's form and the socket's ``moderate`` frame, which
  must leave the same stored state, or give the same refusal;
- by both readings of its parameters, which must give the service the same values.
"""

import html
import itertools
import re
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client
from django.utils.datastructures import MultiValueDict

from tests.factories import (
    make_conference,
    make_forum,
    make_moderator,
    make_participant,
    moderator_actor,
    participant_actor,
)
from tests.realtime.conftest import open_socket, user_cookie
from workshops.actors import Actor
from workshops.commands import ACTIONS, script_actions
from workshops.exceptions import ServiceError
from workshops.models import (
    AnalogCount,
    AuditEntry,
    Forum,
    ForumEvent,
    GuidingGoal,
    Item,
    Round,
    SubGoal,
)
from workshops.params import MAX_TEXT

# --- the scene every action acts on ----------------------------------------------------


def make_scene(conference, moderator, **forum_fields) -> dict:
    """A forum with two needs, a hidden need, two measures, a closed support round and
    an open secret support round on the measures, made through the services. Returns the
    forum and the labels of its rows (label -> pk)."""
    from workshops.services.items import hide_item, propose_item
    from workshops.services.rounds import close_round, open_round
    from workshops.services.votes import cast_vote

    forum = make_forum(conference, **forum_fields)
    author = participant_actor(make_participant(conference))
    mod = moderator_actor(moderator)
    field = forum.fields.order_by("position", "id").first().pk
    rows = {}
    for label, kind, text in [
        ("need", "need", "Sprachkurse mit Kinderbetreuung"),
        ("need2", "need", "Sprachkurse mit Kinderbetreuung am Abend"),
        ("hidden", "need", "Werbung"),
        ("measure", "measure", "Sprachcafé"),
        ("measure2", "measure", "Lotsenprojekt"),
    ]:
        rows[label] = propose_item(actor=author, forum=forum, field=field, kind=kind, text=text).pk
    hide_item(actor=mod, forum=forum, item=rows["hidden"])
    # a closed round, one supporter for the first measure: its ranking has a top
    closed = open_round(
        actor=mod, forum=forum, method="support", items=[rows["measure"], rows["measure2"]]
    )
    cast_vote(actor=author, forum=forum, round=closed.pk, item=rows["measure"], value=1)
    close_round(actor=mod, forum=forum, round=closed.pk)
    rows["closed"] = closed.pk
    round_ = open_round(
        actor=mod,
        forum=forum,
        method="support",
        items=[rows["measure"], rows["measure2"]],
        secret=True,
    )
    rows["round"] = round_.pk
    rows["field"] = field
    goal = GuidingGoal.objects.create(field_id=field, title="Alle Kinder lernen Deutsch")
    rows["sub_goal"] = SubGoal.objects.create(guiding_goal=goal, title="Sprachkurse").pk
    forum.refresh_from_db()
    return {"forum": forum, "rows": rows, "rev": forum.rev, "key": forum.screen_key}


# Typed values per action, with labels of the scene's rows standing in for their ids
# (``Row``); encoded below as a form POST and as a frame.
class Row(str):
    pass


SAMPLES = {
    "hide": {"item": Row("need")},
    "restore": {"item": Row("hidden")},
    "edit": {"item": Row("need"), "text": "Sprachkurse für Eltern"},
    "merge": {"item": Row("need2"), "into": Row("need")},
    "proposals": {"open": False},
    "open_round": {
        "method": "dots",
        "kind": "measure",
        "field": Row("field"),
        "budget": 4,
        "per_item": 2,
        "secret": True,
        "allow_own": False,
    },
    "close_round": {"round": Row("round")},
    "reopen_round": {"round": Row("round")},
    "reveal_round": {"round": Row("round")},
    "analog": {"round": Row("round"), "item": Row("measure"), "count": 7, "note": "Tisch 3"},
    "shortlist": {"item": Row("measure"), "shortlisted": True},
    "shortlist_top": {"round": Row("closed"), "count": 1},
    "adopt": {"item": Row("measure"), "adopted": True},
    "cards_required": {"required": True, "restart": False},
    "phase": {"phase": "discussing"},
    "timer": {"seconds": 90},
    "announce": {"text": "Kaffeepause bis 15:30 Uhr"},
    "blank_screen": {"blank": True},
    "screen_key": {},
    "sub_goal": {"item": Row("measure"), "sub_goal": Row("sub_goal")},
    "translate": {"item": Row("need"), "language": "de", "translation": "Sprachkurse für Eltern"},
    "advance": {"step": "vote"},  # the scene votes: "Next" closes its round
    "step_back": {},  # after ``PREPARE``: takes that "Next" back
}

# Values of the right types that the action's service refuses on the scene.
REFUSED = {
    "hide": {"item": Row("hidden")},
    "restore": {"item": Row("need")},
    "edit": {"item": Row("need"), "text": "   "},
    "merge": {"item": Row("need"), "into": Row("measure")},
    "proposals": None,  # either value is fine
    "open_round": {"method": "lottery", "kind": "measure"},
    "close_round": {"round": 2**62},
    "reopen_round": {"round": 2**62},
    "reveal_round": {"round": 2**62},
    "analog": {"round": Row("round"), "item": Row("need"), "count": 2},
    "shortlist": {"item": Row("need"), "shortlisted": True},
    "shortlist_top": {"round": Row("round"), "count": 1},  # still open
    "adopt": {"item": Row("need"), "adopted": True},
    "cards_required": None,  # refused only with votes in an open round: test_cards.py
    "phase": {"phase": "lunch"},
    "timer": {"seconds": 7201},
    "announce": {"text": "x" * 141},
    "blank_screen": None,  # either value is fine
    "screen_key": None,  # nothing to refuse
    "sub_goal": {"item": Row("need"), "sub_goal": Row("sub_goal")},  # a need links to none
    "translate": {"item": Row("need"), "language": "ru", "translation": "Языковые курсы"},
    "advance": {"step": "plenary"},  # the console showed another step: moved on meanwhile
    "step_back": {},  # no step to take back
}


def _advance(scene: dict, moderator) -> None:
    from workshops.services.steps import advance

    advance(actor=moderator_actor(moderator), forum=scene["forum"])
    scene["forum"].refresh_from_db()
    scene["rev"] = scene["forum"].rev


# What the scene needs before an action's sample can work (only for the sample).
PREPARE = {"step_back": _advance}

# Who may do each action, whatever state the forum is in.
MODERATORS_ONLY = {"moderator"}
MAY = {name: MODERATORS_ONLY for name in SAMPLES}

ROLES = ["moderator", "moderator elsewhere", "participant", "screen", "nobody"]
STATES = [
    dict(zip(["proposals_open", "phase", "kind", "requires_cards"], values, strict=True))
    for values in itertools.product(
        [True, False],
        ["collecting", "voting", "results"],
        list(Forum.Kind.values),
        [False, True],
    )
]


def test_every_declared_action_has_samples_refusals_and_roles():
    assert set(SAMPLES) == set(ACTIONS), "a new action needs a row in SAMPLES"
    assert set(REFUSED) == set(ACTIONS), "a new action needs a row in REFUSED"
    assert set(MAY) == set(ACTIONS)
    for name, action in ACTIONS.items():
        declared = {p.name for p in action.params}
        assert set(SAMPLES[name]) <= declared, name
        assert REFUSED[name] is None or set(REFUSED[name]) <= declared, name


def resolve(values: dict, rows: dict) -> dict:
    return {k: rows[v] if isinstance(v, Row) else v for k, v in values.items()}


def as_frame(name: str, values: dict) -> dict:
    return {"type": "moderate", "action": name, **values}


def as_form(name: str, values: dict) -> dict:
    """The typed values as the console's form sends them (docs/protocol.md, HTTP)."""
    post = {"action": name}
    for key, value in values.items():
        if key == "seconds":  # the form has minutes, with a decimal comma
            post["minutes"] = "" if value is None else f"{value / 60:g}".replace(".", ",")
        elif isinstance(value, bool):
            post[key] = "1" if value else "0"
        elif value is None:
            post[key] = ""
        elif isinstance(value, list):
            post[key] = [str(v) for v in value]
        else:
            post[key] = str(value)
    return post


# --- the two readings ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_form_and_frame_give_the_service_the_same_values(name):
    rows = {label: n for n, label in enumerate(["need", "need2", "hidden", "measure"], 1)}
    rows.update(measure2=5, round=6, field=7, sub_goal=8, closed=9)
    values = resolve(SAMPLES[name], rows)
    action = ACTIONS[name]
    from_form = action.from_form(
        MultiValueDict(
            {k: v if isinstance(v, list) else [v] for k, v in as_form(name, values).items()}
        )
    )
    from_frame = action.from_frame(as_frame(name, values))
    assert from_form == from_frame
    for key, value in values.items():
        assert from_frame[key] == value, (name, key)


BAD = {
    "text": ["x" * (MAX_TEXT + 1)],
    "number": ["zwölf", "1.5", "", "0x10"],
    "flag": ["ja", "2", "true"],
    "ids": ["x"],
    "minutes": ["fünf", "nan", "-inf", "1e400"],
}
BAD_FRAME = {
    "number": ["12", 1.5, True, 2**64, [1]],
    "flag": ["yes", 1, 0, "true"],
    "ids": [["1"], [True], [0], "1,2", [1] * 201],
    "minutes": ["fünf", True, 1.5, 2**40],
    "text": [12, ["a"], {"a": "b"}, "a\x00b", "x" * (MAX_TEXT + 1)],
    "decision": ["yes", 1],
}


FRAME_OK = {
    "number": 1,
    "flag": True,
    "ids": [1],
    "minutes": 60,
    "text": "a",
    "decision": None,
}


def _cases():
    for name, action in sorted(ACTIONS.items()):
        for param in action.params:
            kind = param.describe()["kind"]
            for raw in BAD.get(kind, []):
                if raw == "" and param.optional:
                    continue
                yield name, param.name, "form", raw
            for raw in BAD_FRAME.get(kind, []):
                yield name, param.name, "frame", raw


@pytest.mark.parametrize("name, field, door, raw", list(_cases()))
def test_a_value_of_the_wrong_type_or_size_is_refused_at_the_edge(name, field, door, raw):
    """What the services no longer check themselves: a timer of "fünf", proposals open
    "yes", an id that is text, a list that is too long."""
    action = ACTIONS[name]
    if door == "form":
        data = MultiValueDict({p.describe()["name"]: ["1"] for p in action.params})
        data.setlist("minutes" if field == "seconds" else field, [raw])
        with pytest.raises(ServiceError) as error:
            action.from_form(data)
    else:
        frame = {p.name: FRAME_OK[p.describe()["kind"]] for p in action.params}
        if field == "seconds" and isinstance(raw, str):
            frame = {"minutes": raw}
        else:
            frame[field] = raw
        with pytest.raises(ServiceError) as error:
            action.from_frame(frame)
    assert error.value.code == "invalid"
    assert error.value.field in (field, "minutes")


@pytest.mark.django_db
@pytest.mark.parametrize("count", ["viele", "", "2.5", "0", "1001"])
def test_a_card_count_that_is_no_number_from_1_to_1000_prints_nothing(client, count):
    """The count of the cards sheet is read at the edge too (cards.issue_cards takes an
    int)."""
    from workshops.models import VotingCard

    conference = make_conference()
    forum = make_forum(conference)
    client.force_login(make_moderator(conference))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(f"/f/{forum.code}/moderate/cards.pdf", {"count": count}, follow=True)
    assert "Print 1 to 1000 cards at a time." in response.content.decode()
    assert not VotingCard.objects.exists()


# --- role × forum state ----------------------------------------------------------------


@pytest.fixture
def people(db):
    conference = make_conference()
    moderator = make_moderator(conference)
    return {
        "conference": conference,
        "moderator": moderator,
        "actors": {
            "moderator": moderator_actor(moderator),
            "moderator elsewhere": moderator_actor(make_moderator(make_conference())),
            "participant": participant_actor(make_participant(conference)),
            "screen": Actor(screen=True),
            "nobody": Actor(),
        },
    }


def state_of(forum: Forum) -> tuple:
    forum = Forum.objects.get(pk=forum.pk)
    return (
        forum.rev,
        forum.screen_key,
        AuditEntry.objects.filter(forum=forum).count(),
        sorted(Item.objects.filter(forum=forum).values_list("id", "text", "status")),
        sorted(Round.objects.filter(forum=forum).values_list("id", "status", "revealed")),
        AnalogCount.objects.filter(round__forum=forum).count(),
    )


def test_the_permission_matrix_of_every_action_role_and_forum_state(people):
    scene = make_scene(people["conference"], people["moderator"])
    forum = scene["forum"]
    before = state_of(forum)
    checked = 0
    for state in STATES:
        for field, value in state.items():
            setattr(forum, field, value)
        for name, action in ACTIONS.items():
            for role, actor in people["actors"].items():
                assert action.allowed(actor, forum) is (role in MAY[name]), (name, role, state)
                checked += 1
    assert checked == len(ACTIONS) * len(ROLES) * len(STATES)
    # and the dispatch both doors use refuses everyone else before the service runs
    forum = Forum.objects.get(pk=forum.pk)
    for name, action in ACTIONS.items():
        values = resolve(SAMPLES[name], scene["rows"])
        for role, actor in people["actors"].items():
            if role in MAY[name]:
                continue
            with pytest.raises(ServiceError) as error:
                action.apply(actor=actor, forum=forum, values=values)
            assert error.value.code == "forbidden", (name, role)
    assert state_of(forum) == before


# --- both doors ------------------------------------------------------------------------


def outcome(scene: dict) -> dict:
    """What an action left in the scene's forum, with ids replaced by the scene's labels
    (rows made by the action get ``new``)."""
    forum = Forum.objects.get(pk=scene["forum"].pk)
    rows = scene["rows"]
    item_labels = {rows[n]: n for n in ("need", "need2", "hidden", "measure", "measure2")}

    def named(pk, labels=item_labels):
        return None if pk is None else labels.get(pk, "new")

    def round_named(pk):
        return named(pk, {rows["round"]: "round"})

    return {
        "forum": (
            forum.rev - scene["rev"],
            forum.proposals_open,
            forum.requires_cards,
            forum.phase,
            forum.timer_seconds,
            forum.timer_ends_at is not None,
            forum.announcement,
            forum.screen_blank,
            forum.screen_key != scene["key"],
        ),
        "items": sorted(
            (named(i.pk), i.text, i.status, named(i.merged_into_id), i.shortlisted, i.adopted)
            for i in Item.objects.filter(forum=forum)
        ),
        "rounds": sorted(
            (
                round_named(r.pk),
                r.method,
                r.status,
                r.secret,
                r.revealed,
                r.budget,
                r.per_item,
                r.allow_own,
                r.veto,
                sorted(named(pk) for pk in r.items.values_list("pk", flat=True)),
            )
            for r in Round.objects.filter(forum=forum)
        ),
        "analog": sorted(
            AnalogCount.objects.filter(round__forum=forum).values_list("value", "count", "note")
        ),
        "events": list(
            ForumEvent.objects.filter(forum=forum, rev__gt=scene["rev"])
            .order_by("rev")
            .values_list("name", flat=True)
        ),
        "audit": list(
            AuditEntry.objects.filter(forum=forum).order_by("id").values_list("action", flat=True)
        ),
    }


@sync_to_async
def scene_for(moderator):
    conference = make_conference()
    conference.moderators.add(moderator)
    return make_scene(conference, moderator)


@sync_to_async
def by_form(moderator, scene, name, values) -> str | None:
    """The console's form; the error message the console shows, or None."""
    client = Client()
    client.force_login(moderator)
    response = client.post(
        f"/f/{scene['forum'].code}/moderate/action", as_form(name, values), follow=True
    )
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    error = re.search(r'class="message message-error">(.*?)</li>', page, re.S)
    return error.group(1) if error else None


async def by_socket(moderator, scene, name, values) -> dict:
    """The console's socket; its ack."""
    cookie = await sync_to_async(user_cookie)(moderator)
    ok, console = await open_socket(scene["forum"].code, cookie=cookie)
    assert ok
    await console.until("snapshot")
    ack = await console.command(as_frame(name, values))
    await console.close()
    return ack


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", sorted(ACTIONS))
async def test_each_action_leaves_the_same_state_through_the_form_and_the_socket(name):
    moderator = await sync_to_async(make_moderator)(await sync_to_async(make_conference)())
    http_scene, socket_scene = await scene_for(moderator), await scene_for(moderator)
    if name in PREPARE:
        for scene in (http_scene, socket_scene):
            await sync_to_async(PREPARE[name])(scene, moderator)
    before = await sync_to_async(outcome)(http_scene)
    assert before == await sync_to_async(outcome)(socket_scene)

    error = await by_form(moderator, http_scene, name, resolve(SAMPLES[name], http_scene["rows"]))
    ack = await by_socket(
        moderator, socket_scene, name, resolve(SAMPLES[name], socket_scene["rows"])
    )

    assert error is None and ack["ok"] is True, (error, ack)
    after = await sync_to_async(outcome)(http_scene)
    assert after == await sync_to_async(outcome)(socket_scene)
    assert after != before, "the sample changed nothing: it proves nothing"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", sorted(n for n in ACTIONS if REFUSED[n] is not None))
async def test_each_action_is_refused_alike_through_the_form_and_the_socket(name):
    moderator = await sync_to_async(make_moderator)(await sync_to_async(make_conference)())
    http_scene, socket_scene = await scene_for(moderator), await scene_for(moderator)
    before = await sync_to_async(outcome)(http_scene)

    error = await by_form(moderator, http_scene, name, resolve(REFUSED[name], http_scene["rows"]))
    ack = await by_socket(
        moderator, socket_scene, name, resolve(REFUSED[name], socket_scene["rows"])
    )

    assert ack["ok"] is False and ack["error"]["code"] != "forbidden", ack
    assert error == ack["error"]["message"]  # the same sentence, in the same language
    assert await sync_to_async(outcome)(http_scene) == before
    assert await sync_to_async(outcome)(socket_scene) == before


# --- the console's script reads the declarations from the page -------------------------


@pytest.mark.django_db
def test_the_console_page_carries_the_declared_actions_for_its_script(client):
    conference = make_conference()
    moderator = make_moderator(conference)
    forum = make_forum(conference)
    client.force_login(moderator)
    page = client.get(f"/f/{forum.code}/moderate/").content.decode()
    found = re.search(
        r'<script id="moderator-actions" type="application/json">(.*?)</script>', page
    )
    import json

    assert found and json.loads(found.group(1)) == script_actions()
    script = (Path(settings.BASE_DIR) / "static/js/moderate.js").read_text()
    for name in ACTIONS:
        assert f'"{name}"' not in script, f"moderate.js names the action {name} itself"
