"""Reads. One snapshot feeds the ``snapshot`` frame, the server-rendered pages and (later)
the exports, so all of them show the same thing.

The dicts built here are the wire shapes of docs/protocol.md; docs/protocol.md documents them.
"""

from django.db.models import Prefetch

from workshops import rules, visibility
from workshops.actors import Actor
from workshops.methods import PASSIVE_OPTION, method_of
from workshops.models import ActionField, Conference, Forum, ForumEvent, GuidingGoal, Item
from workshops.rows import Row, RowWithParent
from workshops.steps import current_step

ITEM_KINDS = [k for k, _ in Item.Kind.choices]
_FORUM_BY_CODE = RowWithParent(Row(Forum, key=("code",)), Row(Conference), via="conference")


def item_data(item: Item, ref_ids: list[int] | None = None) -> dict:
    """An item as it appears in a snapshot's ``items`` and in every item event.

    ``ref_ids`` saves the query when the caller already knows the refs.
    """
    if ref_ids is None:
        ref_ids = sorted(ref.pk for ref in item.refs.all())
    data = {
        "id": item.pk,
        "field": item.field_id,
        "kind": item.kind,
        "text": item.text,
        "refs": ref_ids,
        "status": item.status,
        "merged_into": item.merged_into_id,
        "forum": item.forum_id,
        "shortlisted": item.shortlisted,
        "adopted": item.adopted,
        # the city's sub-goal it works towards (a goal or measure), or None
        "sub_goal": item.sub_goal_id,
        "author": item.author.display_name if item.author_id and item.author else "",
        # whether the author agreed to be named on the projector (workshops/visibility.py)
        "name_on_screen": bool(item.author_id and item.author and item.author.name_on_screen),
        "created": item.created_at.isoformat() if item.created_at else None,
        # the text's language and people's versions of it (services.versions)
        "language": item.language,
        "versions": dict(item.versions or {}),
    }
    if item.kind == Item.Kind.MEASURE:
        # What the city needs to carry it out, and how far it got (services.measures).
        data.update(measure_details(item))
    return data


DETAIL_FIELDS = ("lead", "partners", "timeframe", "resources", "indicator")


def measure_details(item: Item) -> dict:
    """A measure's details and follow-up, as ``item_data`` carries them for measures.
    A measure carried over from the previous conference shows its origin's status."""
    followed = item.origin if item.origin_id else item
    return {
        "details": {name: getattr(item, name) for name in DETAIL_FIELDS},
        "implementation": followed.implementation,
        "progress": followed.progress,
        "origin": item.origin_id,
    }


def field_data(field: ActionField) -> dict:
    return {"id": field.pk, "title": field.title, "description": field.description}


def forum_data(forum: Forum) -> dict:
    """The forum as in a snapshot's ``forum`` and the ``forum.updated`` event."""
    return {
        "id": forum.pk,
        "code": forum.code,
        "title": forum.title,
        "kind": forum.kind,
        "conference": forum.conference.slug,
        "proposals_open": forum.proposals_open,
        "requires_cards": forum.requires_cards,
        "phase": forum.phase,
        # the moderator's step bar (workshops/steps.py): the phase's step, or "plenary"
        "step": current_step(forum),
        "announcement": forum.announcement,
        "timer": timer_data(forum),
        # the projector shows black while true ("Leinwand schwarz")
        "screen_blank": forum.screen_blank,
    }


def timer_data(forum: Forum) -> dict | None:
    """The countdown as clients draw it: ``ends_at`` (ISO time), ``seconds`` (its
    length) and ``left`` (whole seconds left when this was built). A client counts down
    from ``left`` on its own clock, so a phone whose clock is wrong still shows the
    right time; ``ends_at`` is for clients that catch up later (docs/protocol.md)."""
    if forum.timer_ends_at is None:
        return None
    from django.utils import timezone

    left = (forum.timer_ends_at - timezone.now()).total_seconds()
    return {
        "ends_at": forum.timer_ends_at.isoformat(),
        "seconds": forum.timer_seconds,
        "left": max(0, int(round(left))),
    }


def timer_left_now(name: str, data: dict) -> dict:
    """A stored ``forum.updated`` replayed later (``sync``): its timer's ``left`` counted
    again from ``ends_at``, so a client catching up does not show the time it was when
    the event was recorded."""
    timer = data.get("timer") if name == "forum.updated" else None
    if not timer or not timer.get("ends_at"):
        return data
    from datetime import datetime

    from django.utils import timezone

    left = (datetime.fromisoformat(timer["ends_at"]) - timezone.now()).total_seconds()
    return {**data, "timer": {**timer, "left": max(0, int(round(left)))}}


def forum_by_code(code: str) -> Forum | None:
    """The forum with this join code, its conference attached; None when there is none.

    Read for every page a phone opens and every socket that starts, a whole room at once
    when it scans the QR code: one plain statement for both rows (workshops/rows.py).
    The ORM's query with its join spent most of its time building and compiling itself
    (a fifth of the server's time while 1000 phones joined)."""
    return _FORUM_BY_CODE.instance(code)


def forum_fields(forum: Forum) -> list[ActionField]:
    """The forum's action fields in the conference's order."""
    return list(forum.fields.order_by("position", "id"))


def plenary_pool(conference_id: int):
    """What a plenary shows besides its own items: the shortlisted measures of all forums
    of the conference, with the goals they answer and the needs those goals answer."""
    from django.db.models import Q

    refs = Item.refs.through.objects
    measures = Item.objects.filter(
        forum__conference_id=conference_id,
        kind=Item.Kind.MEASURE,
        shortlisted=True,
        status=Item.Status.VISIBLE,
    ).values("pk")
    goals = refs.filter(from_item__in=measures).values("to_item")
    needs = refs.filter(from_item__in=goals).values("to_item")
    return Q(pk__in=measures) | (
        Q(status=Item.Status.VISIBLE) & (Q(pk__in=goals) | Q(pk__in=needs))
    )


def forum_items(forum: Forum, *, include_hidden: bool) -> list[Item]:
    from django.db.models import Q

    audience = visibility.MODERATOR if include_hidden else visibility.PARTICIPANT
    statuses = visibility.shown_statuses(audience)
    wanted = Q(forum=forum, status__in=statuses)
    if forum.kind == Forum.Kind.PLENARY:
        wanted |= plenary_pool(forum.conference_id)
    return list(
        Item.objects.filter(wanted)
        .select_related("author", "origin__forum__conference")
        .prefetch_related(Prefetch("refs", queryset=Item.objects.only("id")))
        .order_by("id")
    )


# --- the event log, replayed -------------------------------------------------------------


def event_frame(*, rev: int, name: str, data: dict) -> dict:
    """The ``event`` frame of docs/protocol.md, live (realtime/publisher.py) or replayed."""
    return {"type": "event", "rev": rev, "name": name, "data": data}


def events_since(forum: Forum, client_rev: int, audience: str, *, limit: int):
    """The events after ``client_rev`` as ``audience`` may see them now, in order; None
    when a snapshot is due instead: more than ``limit`` missed, a rev the forum never had,
    or a gap in the log. ``forum.rev`` is the rev to catch up to."""
    current = forum.rev
    if client_rev > current or current - client_rev > limit:
        return None
    if client_rev == current:  # the usual answer after a reconnect: nothing missed
        return []
    rows = ForumEvent.objects.filter(forum_id=forum.pk, rev__gt=client_rev).order_by("rev")
    frames = [
        event_frame(rev=e.rev, name=e.name, data=timer_left_now(e.name, e.data)) for e in rows
    ]
    if len(frames) != current - client_rev:  # a gap in the log: start afresh
        return None
    # Never as stored: each item as it is now, through the audience's rule.
    return replay_frames(audience, frames)


def replay_frames(audience: str, frames: list[dict]) -> list[dict]:
    """Stored events as this audience may see them now: every item event carries the
    item as it is now (its current text, author, status), never the text it had when
    the event was recorded, and then passes the rule. An item gone from the database is
    replayed without text."""
    ids = {
        f["data"].get("id")
        for f in frames
        if visibility.is_item_event(f.get("name", "")) and isinstance(f.get("data"), dict)
    }
    ids.discard(None)
    current = {}
    if ids:
        items = (
            Item.objects.filter(pk__in=ids)
            .select_related("author")
            .prefetch_related(Prefetch("refs", queryset=Item.objects.only("id")))
        )
        current = {item.pk: item_data(item) for item in items}
    result = []
    for frame in frames:
        name, data = frame.get("name", ""), frame.get("data")
        if visibility.is_item_event(name) and isinstance(data, dict):
            now = current.get(data.get("id"))
            if now is None:
                now = {
                    **{k: data[k] for k in visibility.UNSHOWN_KEEPS if k in data},
                    "status": Item.Status.HIDDEN,
                }
                if visibility.sees_unshown(audience):
                    now.update(text="", author="")
            frame = {**frame, "data": now}
        result.append(visibility.frame_for(audience, frame))
    return result


def snapshot_role(forum: Forum, actor: Actor) -> str:
    if rules.can_moderate(actor, forum):
        return "moderator"
    if rules.is_participant(actor, forum.conference_id):
        return "participant"
    return "screen"


def snapshot_shared(forum: Forum, role: str) -> dict:
    """The part of a snapshot that is the same for everyone of ``role`` at the forum's
    current rev: forum, fields, items, rounds and the tallies of closed rounds (every
    change to those bumps the rev). ``forum_snapshot`` adds the rest; the consumer keeps
    this part for the next connection at the same rev (realtime/consumer.py)."""
    fields = forum_fields(forum)
    items = forum_items(forum, include_hidden=role == "moderator")
    rounds, closed_tallies, open_rounds = [], {}, []
    for round_ in forum.rounds.prefetch_related(
        Prefetch("items", queryset=Item.objects.only("id"))
    ).order_by("id"):
        data = round_data(round_, sorted(i.pk for i in round_.items.all()))
        rounds.append(data)
        if round_.status == "open":
            open_rounds.append((round_, data))
        elif tally_visible_to(data, role):
            closed_tallies[str(round_.pk)] = round_totals(round_, data["options"])["totals"]
    # Each round names its items, wherever they live (a plenary's are the workshops'),
    # as this role may see them; round events carry ids only (docs/protocol.md).
    labels = option_labels(
        {i for r in rounds for i in r["items"]}, role, plenary=forum.kind == Forum.Kind.PLENARY
    )
    for data in rounds:
        data["labels"] = {str(i): labels[i] for i in data["items"] if i in labels}
    return {
        "forum": forum_data(forum),
        "fields": [field_data(f) for f in fields],
        "items": [visibility.item_for(role, item_data(i)) for i in items],
        "rounds": rounds,
        "closed_tallies": closed_tallies,
        "open_rounds": open_rounds,
    }


def forum_snapshot(forum: Forum, actor: Actor, shared: dict | None = None) -> dict:
    """Everything a client needs to draw the forum, as the ``snapshot`` frame carries it.

    Moderators also get hidden and merged items (to restore them); everyone else sees the
    visible ones. Read under one transaction so ``rev`` matches the items. ``shared`` is
    ``snapshot_shared`` of this forum, rev and the actor's role, if the caller has it.
    """
    role = snapshot_role(forum, actor)
    if shared is None:
        shared = snapshot_shared(forum, role)
    tallies = dict(shared["closed_tallies"])
    votes, points_left = {}, {}
    participant_id = actor.participant.pk if role == "participant" else None
    for round_, data in shared["open_rounds"]:
        if tally_visible_to(data, role):
            tallies[str(round_.pk)] = round_totals(round_, data["options"])["totals"]
        if participant_id is not None:
            mine = my_ballot(round_, participant_id)
            votes[str(round_.pk)] = mine["votes"]
            if "points_left" in mine:
                points_left[str(round_.pk)] = mine["points_left"]
    me = {"role": role, "votes": votes, "points_left": points_left}
    if participant_id is not None and forum.requires_cards:
        me["card"] = holds_card(forum, participant_id)
    return {
        "rev": forum.rev,
        # the shared part is kept per rev; the countdown's "left" is counted now
        "forum": timer_left_now("forum.updated", shared["forum"]),
        "fields": shared["fields"],
        "items": shared["items"],
        "rounds": shared["rounds"],
        "tallies": dict(sorted(tallies.items(), key=lambda kv: int(kv[0]))),
        "me": me,
    }


def ballot_of(method: str, budget, votes: dict[str, int]) -> dict:
    """A participant's ballot as a snapshot's ``me`` and a vote's answer carry it: their
    votes (option as a string -> value, by option) and what the method adds (dots: the
    points left)."""
    return method_of(method).ballot(votes, budget)


def my_ballot(round_, participant_id: int) -> dict:
    """The participant's own votes in the round and, for dots, the points left."""
    from workshops.models import Vote

    votes = (
        Vote.objects.filter(round_id=round_.pk, participant_id=participant_id)
        .order_by("option")
        .values_list("option", "value")
    )
    return ballot_of(round_.method, round_.budget, {str(o): v for o, v in votes})


def holds_card(forum: Forum, participant_id: int) -> bool:
    """Whether the participant has bound a voting card in this forum."""
    from workshops.models import VotingCard

    return VotingCard.objects.filter(forum=forum, participant_id=participant_id).exists()


def grouped_items(
    fields: list[ActionField], items: list[Item], goals: list[GuidingGoal] | None = None
) -> list[dict]:
    """Items by action field, then by kind, for the pages:
    [{field, goals, kinds: [{kind, label, items, by_goal}]}]; ``by_goal`` (measures of a
    field with guiding goals) groups them as ``by_guiding_goal`` does. ``goals`` saves
    the query when the caller has ``guiding_goals(fields)``."""
    labels = dict(Item.Kind.choices)
    by_field: dict[int, dict[str, list[Item]]] = {f.pk: {k: [] for k in ITEM_KINDS} for f in fields}
    for item in items:
        if item.field_id in by_field:
            by_field[item.field_id][item.kind].append(item)
    if goals is None:
        goals = guiding_goals(fields)
    placed = measure_sub_goals(
        [i for i in items if i.kind == Item.Kind.MEASURE],
        {i.pk: i.sub_goal_id for i in items if i.kind == Item.Kind.GOAL},
    )
    return [
        {
            "field": field,
            "goals": [g for g in goals if g.field_id == field.pk],
            "kinds": [
                {
                    "kind": k,
                    "label": labels[k],
                    "items": by_field[field.pk][k],
                    "by_goal": by_guiding_goal(
                        [g for g in goals if g.field_id == field.pk], by_field[field.pk][k], placed
                    )
                    if k == Item.Kind.MEASURE
                    else None,
                }
                for k in ITEM_KINDS
            ],
        }
        for field in fields
    ]


def by_guiding_goal(goals: list[GuidingGoal], measures: list[Item], placed: dict) -> dict | None:
    """A field's measures under its guiding goals and sub-goals (``placed``: each
    measure's sub-goal, ``measure_sub_goals``), the rest under ``unlinked``
    ("Ohne Leitziel"); None when the field has no guiding goals.
    {goals: [{goal, number, subs: [{sub, items}]}], unlinked: [items], sub_goal_ids}"""
    if not goals:
        return None
    entries, sub_ids = [], set()
    for number, goal in enumerate(goals, start=1):
        subs = []
        for sub in goal.sub_goals.all():
            sub_ids.add(sub.pk)
            subs.append({"sub": sub, "items": [m for m in measures if placed.get(m.pk) == sub.pk]})
        entries.append({"goal": goal, "number": number, "subs": subs})
    return {
        "goals": entries,
        "unlinked": [m for m in measures if placed.get(m.pk) not in sub_ids],
        "sub_goal_ids": ",".join(str(pk) for pk in sorted(sub_ids)),
    }


# --- the city's guiding goals (Leitziele) and sub-goals (Teilziele) ------------------


def guiding_goals(fields: list[ActionField]) -> list[GuidingGoal]:
    """The guiding goals of these action fields with their sub-goals prefetched, in the
    fields' order and then by position (as the city numbers them)."""
    order = {f.pk: n for n, f in enumerate(fields)}
    goals = GuidingGoal.objects.filter(field__in=list(order)).prefetch_related("sub_goals")
    return sorted(goals, key=lambda g: (order[g.field_id], g.position, g.pk))


def measure_sub_goals(measures: list[Item], sub_goal_of: dict[int, int | None]) -> dict:
    """Each measure's sub-goal for grouping: its own link, or else the link of the first
    goal (lowest id) it answers that has one, so a measure answering a forum goal that
    works towards a sub-goal stands under that sub-goal. ``sub_goal_of`` gives the
    ``sub_goal_id`` of the goals by item id (missing ones count as unlinked)."""
    placed = {}
    for item in measures:
        sub_goal = item.sub_goal_id
        if sub_goal is None:
            linked = (sub_goal_of.get(r.pk) for r in sorted(item.refs.all(), key=lambda r: r.pk))
            sub_goal = next((s for s in linked if s is not None), None)
        placed[item.pk] = sub_goal
    return placed


def placed_sub_goals(measures: list[Item]) -> dict[int, int | None]:
    """``measure_sub_goals`` of these measures (``refs`` prefetched), reading the links of
    the shown goals they answer in one query: what every page, export and report groups
    by, so they all place a measure alike."""
    ref_ids = {r.pk for m in measures for r in m.refs.all()}
    sub_goal_of = dict(
        Item.objects.filter(pk__in=ref_ids, status=Item.Status.VISIBLE).values_list(
            "pk", "sub_goal_id"
        )
    )
    return measure_sub_goals(measures, sub_goal_of)


def guiding_goal_tree(conference: Conference, measures: list[Item] | None = None) -> list[dict]:
    """The conference's guiding goals with their sub-goals and the measures placed under
    them (``measure_sub_goals``), in the order of the fields and of the city's concept:

        [{"id", "field", "title", "sub_goals": [{"id", "title", "measures": [ids]}],
          "measures": [ids]}]

    A guiding goal's ``measures`` are those of all its sub-goals, in sub-goal order.
    ``measures`` defaults to the conference's shown measures; pass the ones a page or
    export shows (with ``refs`` prefetched) to place exactly those. docs/exports.md.
    """
    fields = list(conference.fields.order_by("position", "id"))
    if measures is None:
        measures = list(
            Item.objects.filter(
                forum__conference=conference,
                kind=Item.Kind.MEASURE,
                status=Item.Status.VISIBLE,
            )
            .prefetch_related(Prefetch("refs", queryset=Item.objects.only("id")))
            .order_by("id")
        )
    placed = placed_sub_goals(measures)
    tree = []
    for goal in guiding_goals(fields):
        subs = [
            {
                "id": sub.pk,
                "title": sub.title,
                "measures": [m.pk for m in measures if placed[m.pk] == sub.pk],
            }
            for sub in goal.sub_goals.all()
        ]
        tree.append(
            {
                "id": goal.pk,
                "field": goal.field_id,
                "title": goal.title,
                "sub_goals": subs,
                "measures": [pk for sub in subs for pk in sub["measures"]],
            }
        )
    return tree


# --- rounds and tallies ----------------------------------------------------------------


def round_data(round_, item_ids: list[int] | None = None) -> dict:
    """A round as in a snapshot's ``rounds`` and the ``round.*`` events, with its method's
    limits (``VotingMethod.round_data``)."""
    if item_ids is None:
        item_ids = sorted(round_.items.values_list("pk", flat=True))
    method = method_of(round_.method)
    options = method.options(item_ids)
    data = {
        "id": round_.pk,
        "method": round_.method,
        "status": round_.status,
        "items": list(item_ids),
        "options": options,
        "secret": round_.secret,
        "revealed": round_.revealed,
        "previous": round_.previous_id,
    }
    data.update(method.round_data(round_))
    return data


def round_totals(round_, options: list[int] | None = None) -> dict:
    """The tally of a round as a ``tally`` frame's ``totals``: {option id: tally}, with
    every option present (figures as its method names them), plus the number of voters
    and the paper votes. Three queries, whatever the votes."""
    from workshops.models import Vote

    if options is None:
        options = round_data(round_)["options"]
    method = method_of(round_.method)
    aggregates = method.aggregates(round_)
    rows = Vote.objects.filter(round=round_).values("option").annotate(**aggregates)
    empty = method.empty(aggregates)
    totals = {str(option): dict(empty) for option in options}
    for row in rows:
        key = str(row.pop("option"))
        if key in totals:
            if "mean" in row and row["mean"] is not None:
                row["mean"] = round(float(row["mean"]), 2)
            totals[key] = {k: (v if v is not None else empty[k]) for k, v in row.items()}
            method.finish(totals[key])
    voters = round_voters(round_)
    # Paper and pin-board votes per option, in the shape of the method's tally.
    analog: dict[str, dict] = {}
    for option, value, count in round_.analog_counts.values_list("option", "value", "count"):
        method.add_analog(analog.setdefault(str(option), {}), value, count)
    for option, tally in analog.items():
        if option in totals:
            totals[option]["analog"] = tally
    return {"totals": totals, "voters": voters}


def round_voters(round_) -> int:
    """How many have voted in a round (phones; paper votes are not people): the turnout,
    which every audience sees, also while a secret round hides its totals."""
    from django.db.models import Count

    from workshops.models import Vote

    return Vote.objects.filter(round=round_).aggregate(n=Count(voter_key(), distinct=True))["n"]


def tally_visible_to(round_data: dict, role: str) -> bool:
    """Secret rounds show their tally to moderators only, until they close or the
    moderator reveals it (workshops/visibility.py)."""
    return visibility.tally_visible(role, round_data)


def option_labels(item_ids, audience: str, *, plenary: bool = False) -> dict[int, dict]:
    """How a round's options name their items for ``audience``, wherever the items live:
    {item id: {"text", "status", "shown"}}. An item the audience may not see
    (workshops/visibility.py) keeps its line without its text. In the plenary a shown
    item also says where it comes from and what it answers: ``details`` with its action
    field, forum of origin, lead, time frame and the texts of the items it answers (the
    goals a measure answers)."""
    ids = {int(i) for i in item_ids}
    if not ids:
        return {}
    queryset = Item.objects.filter(pk__in=ids).select_related("field", "forum")
    if plenary:
        queryset = queryset.prefetch_related(
            Prefetch("refs", queryset=Item.objects.only("id", "text", "status").order_by("id"))
        )
    labels = {}
    for item in queryset:
        shown = visibility.shows_text(audience, item.status)
        label = {"text": item.text if shown else "", "status": item.status, "shown": shown}
        if shown:  # people's versions in other languages (services.versions)
            label.update(language=item.language, versions=dict(item.versions or {}))
        if plenary and shown:
            label["details"] = {
                "field": item.field.title,
                "forum": item.forum.title,
                "lead": item.lead,
                "timeframe": item.timeframe,
                "answers": [
                    r.text for r in item.refs.all() if visibility.shows_text(audience, r.status)
                ],
            }
        labels[item.pk] = label
    return labels


def rounds_for_page(forum: Forum, actor: Actor) -> list[dict]:
    """The forum's rounds as the phone, console and screen pages show them: each with its
    options (item text as the audience may see it, the person's own vote, the visible
    tally) in ballot order, and ranked once it has closed. ``voting``: the round's
    method (workshops/methods.py), for the templates."""
    if rules.can_moderate(actor, forum):
        snapshot_role = visibility.MODERATOR
    else:
        snapshot_role = visibility.SCREEN if actor.screen else visibility.PARTICIPANT
    rounds = list(
        forum.rounds.prefetch_related(Prefetch("items", queryset=Item.objects.only("id"))).order_by(
            "-id"
        )
    )
    labels = option_labels(
        {i.pk for r in rounds for i in r.items.all()},
        snapshot_role,
        plenary=forum.kind == Forum.Kind.PLENARY,
    )
    result = []
    for round_ in rounds:
        data = round_data(round_, sorted(i.pk for i in round_.items.all()))
        method = method_of(round_.method)
        visible = tally_visible_to(data, snapshot_role)
        totals = round_totals(round_, data["options"]) if visible else None
        mine = {}
        if actor.participant is not None and snapshot_role == "participant":
            mine = my_ballot(round_, actor.participant.pk)
        options = []
        for option in data["options"]:
            label = labels.get(option, {"text": "", "status": None, "shown": False})
            options.append(
                {
                    "id": option,
                    "text": label["text"] if option != PASSIVE_OPTION else None,
                    "shown": label["shown"] or option == PASSIVE_OPTION,
                    "status": label["status"],
                    "details": label.get("details"),
                    "language": label.get("language", ""),
                    "versions": label.get("versions"),
                    "passive": option == PASSIVE_OPTION,
                    "mine": mine.get("votes", {}).get(str(option)),
                    "tally": totals["totals"][str(option)] if totals else None,
                }
            )
        breakdown = None
        if totals and (data["status"] == "closed" or snapshot_role == "moderator"):
            breakdown = round_breakdown(round_, data["options"])
            for o in options:
                o["broad"] = breakdown["broad"].get(str(o["id"]), False)
                o["groups"] = [
                    (g, breakdown["by_option"][str(o["id"])].get(g)) for g in breakdown["groups"]
                ]
        if data["status"] == "closed" and totals:
            options.sort(key=lambda o: method.rank_key(method.combined(o["tally"])))
        result.append(
            {
                **data,
                "round": round_,
                "voting": method,
                "options": options,
                "tally_visible": visible,
                "groups": breakdown["groups"] if breakdown else [],
                # the turnout shows while the totals are hidden (docs/protocol.md, tally)
                "voters": totals["voters"] if totals else round_voters(round_),
                "points_left": mine.get("points_left"),
            }
        )
    return result


# Groups with fewer voters than this in a round are left out of the breakdown: with one
# or two people in a group, its numbers would tell how they voted.
MIN_GROUP_VOTERS = 3


def voter_key():
    """One value per voter of a round: the participant, or after the purge of personal
    data the vote's ballot number (negated: the two never meet), models.Vote."""
    from django.db.models import BigIntegerField, F
    from django.db.models.functions import Coalesce

    return Coalesce("participant", F("ballot") * -1, output_field=BigIntegerField())


def round_breakdown(round_, options: list[int]) -> dict:
    """Results by stakeholder group: {"groups": [names], "by_option": {option: {group:
    tally}}, "broad": {option: bool}}. Only groups with at least MIN_GROUP_VOTERS voters
    in the round appear. "Broad" means carried by every such group (``VotingMethod.
    carried``): some support or points from each, more yes than no in each, or each
    group's mean resistance below the veto threshold."""
    from django.db.models import Count

    from workshops.models import Vote

    votes = Vote.objects.filter(round=round_).exclude(group="")
    sizes = dict(
        votes.values("group")
        .annotate(n=Count(voter_key(), distinct=True))
        .values_list("group", "n")
    )
    groups = sorted(g for g, n in sizes.items() if n >= MIN_GROUP_VOTERS)
    method = method_of(round_.method)
    aggregates = method.aggregates(round_, flags=False)
    by_option = {str(o): {} for o in options}
    for row in votes.filter(group__in=groups).values("option", "group").annotate(**aggregates):
        option, group = str(row.pop("option")), row.pop("group")
        if "mean" in row and row["mean"] is not None:
            row["mean"] = round(float(row["mean"]), 2)
        if option in by_option:
            by_option[option][group] = row

    broad = {
        option: bool(groups) and all(method.carried(per_group.get(g), round_) for g in groups)
        for option, per_group in by_option.items()
    }
    return {"groups": groups, "by_option": by_option, "broad": broad}
