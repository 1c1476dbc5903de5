"""The one read behind every export: a conference's results as plain data.

``conference_report`` builds the dict that the JSON export is (docs/exports.md documents
it); the XLSX, CSV, DOCX and PDF writers only lay it out, so all formats agree. It never
contains a participant's name or who voted how: votes appear only as tallies per item,
and per stakeholder group only where at least ``MIN_GROUP_VOTERS`` of the group voted.
"""

from collections import Counter, defaultdict

from django.db.models import Count, Prefetch
from django.utils import timezone

from workshops.methods import method_of
from workshops.models import Conference, Forum, Item, MeasureUpdate, Participant, Round, Vote
from workshops.selectors import (
    DETAIL_FIELDS,
    MIN_GROUP_VOTERS,
    guiding_goal_tree,
    option_labels,
    round_breakdown,
    round_data,
    round_totals,
)
from workshops.visibility import PUBLIC, shown_statuses, tally_visible

SCHEMA = "mitwirken.export/1"
MEASURES = "measures"
DOCUMENTATION = "documentation"
KINDS = (MEASURES, DOCUMENTATION)
# The monitoring report (exports.monitoring): DOCX and PDF only, a report of its own.
MONITORING = "monitoring"


def _round_results(conference: Conference) -> tuple[dict[int, list[dict]], list[dict]]:
    """Per item id, its result in every round it was in; and the rounds themselves."""
    per_item: dict[int, list[dict]] = defaultdict(list)
    rounds = []
    queryset = (
        Round.objects.filter(forum__conference=conference)
        .select_related("forum")
        .prefetch_related(Prefetch("items", queryset=Item.objects.only("id")))
        .order_by("forum__position", "forum_id", "id")
    )
    queryset = list(queryset)
    # Each round names its items, wherever they live (a plenary's are the workshops'), as
    # anybody may see them: a hidden or merged item keeps its id without its text.
    labels = option_labels({i.pk for r in queryset for i in r.items.all()}, PUBLIC)
    for round_ in queryset:
        data = round_data(round_, sorted(i.pk for i in round_.items.all()))
        # An export leaves the room: a secret round still running shows no tally in it,
        # whoever downloads it (workshops/visibility.py).
        revealed = tally_visible(PUBLIC, data)
        totals = round_totals(round_, data["options"])
        breakdown = (
            round_breakdown(round_, data["options"])
            if revealed
            else {"groups": [], "by_option": {}, "broad": {}}
        )
        rounds.append(
            {
                "id": round_.pk,
                "forum": round_.forum_id,
                "method": round_.method,
                "status": round_.status,
                "voters": totals["voters"],
                "items": data["items"],
                "texts": {str(i): labels[i]["text"] if i in labels else "" for i in data["items"]},
                "groups": breakdown["groups"],
                "revealed": revealed,
                "opened": round_.opened_at.isoformat() if round_.opened_at else None,
                "closed": round_.closed_at.isoformat() if round_.closed_at else None,
            }
        )
        for item_id in data["items"]:
            tally = totals["totals"][str(item_id)] if revealed else None
            per_item[item_id].append(
                {
                    "round": round_.pk,
                    "forum": round_.forum.title,
                    "method": round_.method,
                    "status": round_.status,
                    "voters": totals["voters"],
                    "revealed": revealed,
                    # phone votes, paper votes (if any), and both together; None: not revealed yet
                    "tally": _without(tally, ("analog", "outlier", "max", "vetoes")),
                    "analog": tally.get("analog") if tally is not None else None,
                    "total": _without(
                        method_of(round_.method).combined(tally) if tally is not None else None,
                        ("outlier", "max", "vetoes"),
                    ),
                    "groups": breakdown["by_option"].get(str(item_id), {}),
                    "broad": breakdown["broad"].get(str(item_id), False),
                }
            )
    return per_item, rounds


def _without(tally: dict | None, keys: tuple) -> dict | None:
    return {k: v for k, v in tally.items() if k not in keys} if tally is not None else None


def _decision(item: Item) -> str:
    return {True: "adopted", False: "rejected"}.get(item.adopted, "undecided")


def german_version(item: Item) -> str:
    """The German version of an item written in another language ("" : none, or the
    original is German)."""
    if item.language == "de":
        return ""
    return (item.versions or {}).get("de", "")


def measures_without_german(conference: Conference) -> list[Item]:
    """Adopted, shown measures written in another language that have no German version
    yet: the documents go to the council in German (the exports page warns of them).
    A measure whose language is not known (proposed before languages were stored, or by
    a phone that chose none) counts as German."""
    measures = Item.objects.filter(
        forum__conference=conference,
        kind=Item.Kind.MEASURE,
        adopted=True,
        status__in=shown_statuses(PUBLIC),
    ).exclude(language__in=["", "de"])
    return [m for m in measures.order_by("id") if not (m.versions or {}).get("de")]


def conference_report(conference: Conference, kind: str = MEASURES) -> dict:
    """The conference's results as the exports show them.

    ``measures``: the adopted measures, by action field, each with the goals it answers
    and the needs those answer, its details, follow-up and results; ``guiding_goals``
    places them under the city's guiding goals and sub-goals (``guiding_goal_tree``), and
    each field lists its measures in that order. ``documentation``:
    additionally every shown item of every forum (adopted or not) and the participation
    per forum and stakeholder group. Hidden items and merged duplicates are left out.
    """
    assert kind in KINDS, kind  # the URL allows only KINDS: a programming guard  # nosec B101
    items = list(
        Item.objects.filter(forum__conference=conference, status__in=shown_statuses(PUBLIC))
        .select_related("forum", "origin__forum__conference")
        .prefetch_related(
            Prefetch(
                "refs", queryset=Item.objects.filter(status__in=shown_statuses(PUBLIC)).only("id")
            ),
            Prefetch("updates", queryset=MeasureUpdate.objects.order_by("-date", "-id")),
            Prefetch("origin__updates", queryset=MeasureUpdate.objects.order_by("-date", "-id")),
        )
        .order_by("id")
    )
    by_id = {item.pk: item for item in items}
    results, rounds = _round_results(conference)

    def brief(item: Item) -> dict:
        german = german_version(item)
        return {"id": item.pk, "text": item.text, **({"german": german} if german else {})}

    def goals_of(item: Item) -> list[dict]:
        goals = [by_id[r.pk] for r in item.refs.all() if r.pk in by_id]
        return [
            {**brief(g), "needs": [brief(by_id[r.pk]) for r in g.refs.all() if r.pk in by_id]}
            for g in goals
        ]

    def item_entry(item: Item) -> dict:
        entry = {
            "id": item.pk,
            "kind": item.kind,
            "text": item.text,
            # the original's language and people's versions of it (services.versions);
            # "german": the German version where the original is in another language
            "language": item.language,
            "versions": dict(item.versions or {}),
            "german": german_version(item),
            "forum": item.forum.title,
            "refs": sorted(r.pk for r in item.refs.all() if r.pk in by_id),
            # the city's sub-goal it was linked to (a goal or measure), else None
            "sub_goal": item.sub_goal_id,
            "results": results.get(item.pk, []),
        }
        if item.kind == Item.Kind.MEASURE:
            followed = item.origin if item.origin_id else item
            entry.update(
                {
                    "decision": _decision(item),
                    "shortlisted": item.shortlisted,
                    "goals": goals_of(item),
                    "details": {name: getattr(item, name) for name in DETAIL_FIELDS},
                    "implementation": {
                        "status": followed.implementation,
                        "progress": followed.progress,
                        "updates": [
                            {"date": u.date.isoformat(), "text": u.text}
                            for u in followed.updates.all()
                        ],
                    },
                    "origin": {
                        "id": item.origin.pk,
                        "conference": item.origin.forum.conference.slug,
                        "conference_title": item.origin.forum.conference.title,
                    }
                    if item.origin_id
                    else None,
                }
            )
        return entry

    # The measures this export shows, under the city's guiding goals and sub-goals; a
    # field's measures are listed in that order: guiding goal by guiding goal, sub-goal by
    # sub-goal, then those under none ("Ohne Leitziel").
    shown = [
        i
        for i in items
        if i.kind == Item.Kind.MEASURE and (kind == DOCUMENTATION or i.adopted is True)
    ]
    tree = guiding_goal_tree(conference, shown)
    rank = {m: n for n, m in enumerate(m for goal in tree for m in goal["measures"])}

    fields = []
    for field in conference.fields.order_by("position", "id"):
        own = [i for i in items if i.field_id == field.pk]
        measures = [i for i in shown if i.field_id == field.pk]
        measures.sort(key=lambda i: (rank.get(i.pk, len(rank)), i.pk))
        entry = {
            "id": field.pk,
            "title": field.title,
            "description": field.description,
            "measures": [item_entry(i) for i in measures],
        }
        if kind == DOCUMENTATION:
            entry["goals"] = [item_entry(i) for i in own if i.kind == Item.Kind.GOAL]
            entry["needs"] = [item_entry(i) for i in own if i.kind == Item.Kind.NEED]
        fields.append(entry)

    report = {
        "schema": SCHEMA,
        "kind": kind,
        "generated": timezone.now().isoformat(timespec="seconds"),
        "conference": {
            "slug": conference.slug,
            "title": conference.title,
            "motto": conference.motto,
            "date": conference.date.isoformat() if conference.date else None,
            "venue": conference.venue,
            "results_published": conference.results_published,
            "previous": conference.previous.slug if conference.previous_id else None,
        },
        "participation": {
            **participation(conference, items, full=kind == DOCUMENTATION),
            # voting rounds held, and ballots cast by phone (one per person and round)
            "rounds": len(rounds),
            "ballots": sum(r["voters"] for r in rounds),
        },
        "fields": fields,
        "guiding_goals": tree,
    }
    if kind == DOCUMENTATION:
        forums = []
        for forum in conference.forums.order_by("position", "id").prefetch_related("fields"):
            forums.append(
                {
                    "id": forum.pk,
                    "title": forum.title,
                    "kind": forum.kind,
                    "fields": [f.pk for f in forum.fields.all()],
                    "items": [i.pk for i in items if i.forum_id == forum.pk],
                    "rounds": [r for r in rounds if r["forum"] == forum.pk],
                }
            )
        report["forums"] = forums
    return report


def participation(conference: Conference, items: list[Item], *, full: bool) -> dict:
    """How many took part: participants (by the stakeholder group they named), people who
    voted, proposals; with ``full`` also per forum. Counts of people only, never who
    did what. Groups smaller than MIN_GROUP_VOTERS are counted under "other"."""

    def bucket(counts: dict) -> dict:
        shown, other = {}, 0
        for group, n in sorted(counts.items()):
            if group and n >= MIN_GROUP_VOTERS:
                shown[group] = n
            else:
                other += n
        if other:
            shown[""] = other
        return shown

    participants = Participant.objects.filter(conference=conference)
    by_group = dict(participants.values("group").annotate(n=Count("id")).values_list("group", "n"))
    votes = Vote.objects.filter(round__forum__conference=conference)
    data = {
        "participants": sum(by_group.values()),
        "participants_by_group": bucket(by_group),
        "voters": votes.values("participant").distinct().count(),
        "items": len(items),
        "items_by_kind": dict(Counter(i.kind for i in items)),
        "forums": Forum.objects.filter(conference=conference).count(),
    }
    if full:
        per_forum = []
        for forum in conference.forums.order_by("position", "id"):
            forum_votes = votes.filter(round__forum=forum)
            voters_by_group = dict(
                forum_votes.values("group")
                .annotate(n=Count("participant", distinct=True))
                .values_list("group", "n")
            )
            own = [i for i in items if i.forum_id == forum.pk]
            per_forum.append(
                {
                    "forum": forum.pk,
                    "title": forum.title,
                    "items": len(own),
                    "proposers": len({i.author_id for i in own if i.author_id}),
                    "rounds": forum.rounds.count(),
                    "voters": forum_votes.values("participant").distinct().count(),
                    "voters_by_group": bucket(voters_by_group),
                }
            )
        data["per_forum"] = per_forum
    return _as_counted_at_purge(conference, data)


# The counts of people that need the links a purge removes (services.privacy).
PERSON_COUNTS = ("participants", "participants_by_group", "voters")
PERSON_COUNTS_PER_FORUM = ("proposers", "voters", "voters_by_group")


def _as_counted_at_purge(conference: Conference, data: dict) -> dict:
    """After a purge the counts of people are the ones taken just before it: names,
    groups, authors and the votes' links to their voters are gone, the figures stay."""
    frozen = conference.participation_at_purge
    if not frozen:
        return data
    data.update({key: frozen[key] for key in PERSON_COUNTS if key in frozen})
    for entry in data.get("per_forum", []):
        entry.update((frozen.get("per_forum") or {}).get(str(entry["forum"]), {}))
    return data


def participation_to_keep(conference: Conference) -> dict:
    """The counts of people ``participation`` gives now, to keep through a purge."""
    items = list(Item.objects.filter(forum__conference=conference, status=Item.Status.VISIBLE))
    data = participation(conference, items, full=True)
    return {
        **{key: data[key] for key in PERSON_COUNTS},
        "per_forum": {
            str(f["forum"]): {key: f[key] for key in PERSON_COUNTS_PER_FORUM}
            for f in data["per_forum"]
        },
    }
