"""Reads. One snapshot feeds the ``snapshot`` frame, the server-rendered pages and (later)
the exports, so all of them show the same thing.

The dicts built here are the wire shapes of PROTOCOL.md; docs/protocol.md documents them.
"""
from django.db.models import Prefetch

from workshops import rules
from workshops.actors import Actor
from workshops.models import ActionField, Forum, Item

ITEM_KINDS = [k for k, _ in Item.Kind.choices]


def item_data(item: Item, ref_ids: list[int] | None = None) -> dict:
    """An item as it appears in a snapshot's ``items`` and in every item event.

    ``ref_ids`` saves the query when the caller already knows the refs.
    """
    if ref_ids is None:
        ref_ids = sorted(ref.pk for ref in item.refs.all())
    return {
        "id": item.pk,
        "field": item.field_id,
        "kind": item.kind,
        "text": item.text,
        "refs": ref_ids,
        "status": item.status,
        "merged_into": item.merged_into_id,
        "author": item.author.display_name if item.author_id and item.author else "",
        "created": item.created_at.isoformat() if item.created_at else None,
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
    }


def forum_by_code(code: str) -> Forum | None:
    return Forum.objects.select_related("conference").filter(code=code).first()


def forum_fields(forum: Forum) -> list[ActionField]:
    """The forum's action fields in the conference's order."""
    return list(forum.fields.order_by("position", "id"))


def forum_items(forum: Forum, *, include_hidden: bool) -> list[Item]:
    statuses = [Item.Status.VISIBLE]
    if include_hidden:
        statuses += [Item.Status.HIDDEN, Item.Status.MERGED]
    return list(
        forum.items.filter(status__in=statuses)
        .select_related("author")
        .prefetch_related(Prefetch("refs", queryset=Item.objects.only("id")))
        .order_by("id")
    )


def forum_snapshot(forum: Forum, actor: Actor) -> dict:
    """Everything a client needs to draw the forum, as the ``snapshot`` frame carries it.

    Moderators also get hidden and merged items (to restore them); everyone else sees the
    visible ones. Read under one transaction so ``rev`` matches the items.
    """
    moderator = rules.can_moderate(actor, forum)
    fields = forum_fields(forum)
    items = forum_items(forum, include_hidden=moderator)
    if moderator:
        role = "moderator"
    elif rules.is_participant(actor, forum.conference_id):
        role = "participant"
    else:
        role = "screen"
    return {
        "rev": forum.rev,
        "forum": forum_data(forum),
        "fields": [field_data(f) for f in fields],
        "items": [item_data(i) for i in items],
        "rounds": [],
        "tallies": {},
        "me": {"role": role, "votes": {}, "points_left": {}},
    }


def grouped_items(fields: list[ActionField], items: list[Item]) -> list[dict]:
    """Items by action field, then by kind, for the pages: [{field, kinds: [{kind, label, items}]}]."""
    labels = dict(Item.Kind.choices)
    by_field: dict[int, dict[str, list[Item]]] = {f.pk: {k: [] for k in ITEM_KINDS} for f in fields}
    for item in items:
        if item.field_id in by_field:
            by_field[item.field_id][item.kind].append(item)
    return [
        {
            "field": field,
            "kinds": [
                {"kind": k, "label": labels[k], "items": by_field[field.pk][k]} for k in ITEM_KINDS
            ],
        }
        for field in fields
    ]
