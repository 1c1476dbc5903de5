"""What the console, the phone and the screen add for running a session: the phases,
duplicate suggestions, similar proposals while typing, the export links.

Reads only; every change goes through ``workshops.services``.
"""

import time

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from workshops import rules, signatures, similarity, throttle
from workshops.models import Forum, Item, Round
from workshops.page_access import actor_of, forum_or_none, refuse_code

# What a phone says the room does now (the console shows the same labels).
PHASE_HINTS = {
    Forum.Phase.COLLECTING: gettext_lazy("Now: collecting proposals. Write yours below."),
    Forum.Phase.DISCUSSING: gettext_lazy("Now: discussion. The proposals are on the wall."),
    Forum.Phase.VOTING: gettext_lazy("Now: voting. Your ballot is below."),
    Forum.Phase.RESULTS: gettext_lazy("Now: the results."),
}

EXPORT_FORMATS = ("xlsx", "docx", "pdf", "csv", "json")

# The console's live part lists this many of the newest contributions.
NEWEST_ITEMS = 5

# Text shorter than this gets no suggestions: too little to compare.
SIMILAR_MIN_CHARS = 6


def phases(forum: Forum) -> list[dict]:
    return [
        {"value": value, "label": label, "current": forum.phase == value}
        for value, label in Forum.Phase.choices
    ]


def export_links(forum: Forum) -> list[dict]:
    """The conference's measure exports (docs/protocol.md's paths)."""
    slug = forum.conference.slug
    return [
        {"format": fmt.upper(), "url": f"/c/{slug}/export/measures.{fmt}"} for fmt in EXPORT_FORMATS
    ]


def attach_suggestions(items: list[Item]) -> int:
    """Give each visible item ``suggestions``: the likely duplicates of the same kind in
    this forum, each with the merge to make (the newer item into the older one, so the
    first wording and its links stay). Returns the number of items with a suggestion.

    The pairs were found when their items were written (workshops/signatures.py): this
    reads them, it compares nothing."""
    found = signatures.suggestions(items)
    for item in items:
        item.suggestions = [
            {
                "other": m.item,
                "score": m.score,
                "percent": round(100 * m.score),
                "merge": max(item.pk, m.item.pk),
                "into": min(item.pk, m.item.pk),
            }
            for m in found.get(item.pk, [])
        ]
    return len(found)


def similar_data(forum: Forum, text: str, *, kind: str | None = None) -> list[dict]:
    """Up to three shown items of the forum like ``text``, each with the open support
    round it is in (if any), so a phone can offer "support this instead"."""
    if len(text.strip()) < SIMILAR_MIN_CHARS:
        return []
    scores = dict(signatures.lookup(forum.pk, text, kind=kind, limit=3))
    shown = Item.objects.filter(pk__in=scores, forum=forum, status=Item.Status.VISIBLE).only(
        "id", "text", "kind", "field_id"
    )
    matches = sorted(
        (similarity.Match(i, scores[i.pk]) for i in shown), key=lambda m: (-m.score, m.item.pk)
    )
    if not matches:
        return []
    rounds: dict[int, int] = {}
    open_support = Round.objects.filter(
        forum=forum,
        status=Round.Status.OPEN,
        method=Round.Method.SUPPORT,
        items__in=[m.item.pk for m in matches],
    ).values_list("items", "pk")
    for item_id, round_id in open_support:
        rounds.setdefault(item_id, round_id)
    return [
        {
            "id": m.item.pk,
            "text": m.item.text,
            "kind": m.item.kind,
            "field": m.item.field_id,
            "score": m.score,
            "support_round": rounds.get(m.item.pk),
        }
        for m in matches
    ]


def _throttled(request, actor) -> JsonResponse | None:
    """At most ``SIMILAR_LOOKUPS_PER_MINUTE`` look-ups per session (a person, not an
    address: a hall shares one): the 429 that answers the others says when to ask again
    (``Retry-After``), and the page waits that long (static/js/similar.js)."""
    limit = settings.SIMILAR_LOOKUPS_PER_MINUTE
    person = request.session.session_key or str(actor)
    if throttle.allow("similar", person, limit=limit, window=60):
        return None
    message = _(
        "You are asking for similar proposals very often. Please wait a minute; your text is kept."
    )
    response = JsonResponse({"error": message}, status=429)
    response["Retry-After"] = str(60 - int(time.time()) % 60)
    return response


@never_cache
@require_GET
def similar(request, code):
    """``GET /f/<CODE>/similar?text=…&kind=…``: the phone's "this is already there"
    while typing (participants and moderators of the conference; shown items only)."""
    forum, _canonical = forum_or_none(code, request)
    actor = actor_of(request, forum) if forum is not None else None
    if forum is None or not rules.can_take_part(actor, forum):
        return refuse_code(request)
    refusal = _throttled(request, actor)
    if refusal is not None:
        return refusal
    text = request.GET.get("text", "")[: settings.ITEM_TEXT_MAX]
    return JsonResponse({"items": similar_data(forum, text, kind=request.GET.get("kind") or None)})


def timer_for_page(forum: Forum) -> dict | None:
    """The countdown as a page shows it before (or without) JavaScript: the wire's timer
    plus ``clock`` ("4:07")."""
    from workshops.selectors import timer_data

    timer = timer_data(forum)
    if timer is not None:
        timer["clock"] = f"{timer['left'] // 60}:{timer['left'] % 60:02d}"
    return timer


def attach_shortlist(forum: Forum, rounds: list[dict]) -> None:
    """Give each option of a closed round ``shortlistable`` and ``shortlisted``, so the
    console offers "For the plenary" right next to the ranking (as next to the item):
    shown measures of this forum only."""
    ids = {
        o["id"] for r in rounds if r["status"] == "closed" for o in r["options"] if not o["passive"]
    }
    measures = dict(
        Item.objects.filter(
            pk__in=ids,
            forum=forum,
            kind=Item.Kind.MEASURE,
            status=Item.Status.VISIBLE,
        ).values_list("pk", "shortlisted")
    )
    for r in rounds:
        for o in r["options"]:
            o["shortlistable"] = o["id"] in measures
            o["shortlisted"] = measures.get(o["id"], False)
        # "Top N to the plenary" (services/items.py, shortlist_top) under a closed
        # ranking that holds measures of this forum
        r["top_offered"] = r["status"] == "closed" and any(o["shortlistable"] for o in r["options"])


def attach_decisions(forum: Forum, rounds: list[dict]) -> None:
    """In a plenary, give each shown measure of a closed deciding round (adoption)
    ``decision``: the decision its tally proposes (``Adoption.proposal``: adopted or
    not, and the line with the share and the rule) and ``current``, what is recorded
    (``Item.adopted``), so the moderator confirms it or decides otherwise
    (the ``adopt`` action). Marks such rounds ``decides``. A round voted again proposes
    nothing."""
    from workshops.methods import method_of

    if forum.kind != Forum.Kind.PLENARY:
        return
    # a round voted again ("Vote again", or restarted with voting cards) proposes nothing:
    # its successor's result counts
    superseded = {r["previous"] for r in rounds if r.get("previous")}
    closed = [
        r
        for r in rounds
        if r["status"] == "closed"
        and r["tally_visible"]
        and r["id"] not in superseded
        and method_of(r["method"]).decides
    ]
    ids = {o["id"] for r in closed for o in r["options"] if not o["passive"]}
    decided = dict(
        Item.objects.filter(
            pk__in=ids, kind=Item.Kind.MEASURE, status=Item.Status.VISIBLE
        ).values_list("pk", "adopted")
    )
    for r in closed:
        method = method_of(r["method"])
        for o in r["options"]:
            if o["id"] not in decided or not o["tally"]:
                continue
            adopted, text = method.proposal(o["tally"])
            current = decided[o["id"]]
            o["decision"] = {
                "adopted": adopted,
                "text": text,
                "current": current,
                "confirmed": current is adopted,
            }
            r["decides"] = True


def rank_options(round_: dict) -> None:
    """Number a closed round's options by place (1., 2., ...; equal results share a
    place, the next one skips: 1, 1, 3) and mark the round ``ranked``; a round still
    open has no places yet (its options stay in ballot order)."""
    from workshops.methods import method_of

    round_["ranked"] = round_["status"] == "closed" and round_["tally_visible"]
    if not round_["ranked"]:
        return
    method = method_of(round_["method"])
    previous = None
    for n, option in enumerate(round_["options"], start=1):
        key = method.rank_key(method.combined(option["tally"])) if option["tally"] else None
        if key != previous or n == 1:
            option["rank"], previous = n, key
        else:
            option["rank"] = round_["options"][n - 2]["rank"]


def cardless_adoption(forum: Forum, round_: Round) -> bool:
    """An adoption round that takes votes from phones without voting cards: anyone can
    join again with fresh cookies and vote again (a plenary's round then proposes its
    decisions)."""
    from workshops.methods import method_of

    return (
        method_of(round_.method).decides
        and round_.status == Round.Status.OPEN
        and not forum.requires_cards
    )


def warnings_after_opening(round_: Round) -> list[str]:
    """Warnings to show after a round was opened: an adoption round opened without
    voting cards is said plainly, where the moderator is looking."""
    forum = Forum.objects.get(pk=round_.forum_id)
    if cardless_adoption(forum, round_):
        return [str(cardless_warning(forum))]
    return []


def cardless_warning(forum: Forum) -> str:
    if forum.kind == Forum.Kind.PLENARY:
        return _(
            "This adoption round runs without voting cards: anyone can join again with "
            "a fresh browser and vote again, and its result proposes the plenary's decisions."
        )
    return _(
        "This adoption round runs without voting cards: anyone can join again with "
        "a fresh browser and vote again."
    )


def phase_hint(forum: Forum) -> str:
    return str(PHASE_HINTS.get(forum.phase, ""))


def live_and_past(rounds: list[dict]) -> tuple[list[dict], list[dict]]:
    """The console's rounds split in two (newest first, as ``rounds_for_page``): those in
    progress for the live controls, or the latest one while none runs; and the rest."""
    live = [r for r in rounds if r["status"] == "open"] or rounds[:1]
    shown = {r["id"] for r in live}
    return live, [r for r in rounds if r["id"] not in shown]


def newest(forum: Forum, items: list[Item]) -> list[Item]:
    """The forum's own shown contributions, newest first, as many as the live part holds."""
    own = [i for i in items if i.forum_id == forum.pk and i.status == Item.Status.VISIBLE]
    return sorted(own, key=lambda i: i.pk, reverse=True)[:NEWEST_ITEMS]


def step_panel(forum: Forum, live_rounds: list[dict]) -> dict:
    """The console's step bar (templates/workshops/_console_steps.html): the steps with
    the current one, what "Next" will do, "Back" while it can, the round's turnout and,
    at the result, what goes to the plenary."""
    from django.utils.html import format_html

    from workshops import steps
    from workshops.services.steps import (
        DEFAULT_BUDGET,
        DEFAULT_PER_ITEM,
        default_round_items,
    )

    panel = steps.bar(forum)
    following = panel["next"].name if panel["next"] else None
    running = [r for r in live_rounds if r["status"] == "open"]
    panel["turnout"] = panel["plenary_items"] = None
    if following == "sort":
        panel["hint"] = _("Closes the proposals; phones and the screen show the wall to sort.")
    elif following == "vote" and running:
        panel["hint"] = _("Phones and the screen show the round that is open.")
    elif following == "vote" and forum.kind == Forum.Kind.PLENARY:
        panel["hint"] = _("Open the round of your choice first (below: “Open a voting round”).")
    elif following == "vote":
        count = len(default_round_items(forum))
        panel["hint"] = (
            _(
                "Opens “Distribute points” on %(count)d measures: %(budget)d points per "
                "person, at most %(per_item)d per measure, totals shown at the end."
            )
            % {"count": count, "budget": DEFAULT_BUDGET, "per_item": DEFAULT_PER_ITEM}
            if count
            else _("No measures yet: open a round of your choice (“Open a voting round”).")
        )
    elif following == "result":
        panel["hint"] = _("Closes the round; phones and the screen show the ranking.")
    elif following == "plenary":
        panel["hint"] = _("Hands the forum's result to the plenary: the measures marked for it.")
    else:
        panel["hint"] = ""
    if running:
        panel["turnout"] = {
            "voters": format_html(
                '<strong data-voters="{0}">{0}</strong>', running[0]["voters"] or 0
            ),
            "online": format_html("<strong data-online-count>{}</strong>", "–"),
        }
    if panel["current"].name in ("result", "plenary") and forum.kind == Forum.Kind.WORKSHOP:
        panel["plenary_items"] = list(
            Item.objects.filter(
                forum=forum,
                kind=Item.Kind.MEASURE,
                status=Item.Status.VISIBLE,
                shortlisted=True,
            ).order_by("pk")
        )
    return panel


def round_choices(fields: list, visible: list[Item]) -> list[dict]:
    """The shown items a round can take, as the round form lists them to tick: by
    action field (the forum's order), then by kind, each group ``{"key", "heading",
    "items"}``. ``key`` names the group for static/js/moderate.js, which adds an item
    proposed while the form is being filled in to its group. Items of a field the forum
    does not list (a plenary's shortlisted measures) follow under their own field."""
    from workshops.models import ActionField

    titles = {f.pk: f.title for f in fields}
    missing = {i.field_id for i in visible} - titles.keys()
    if missing:
        titles.update(ActionField.objects.filter(pk__in=missing).values_list("pk", "title"))
    order = [f.pk for f in fields] + sorted(missing)
    kinds = dict(Item.Kind.choices)
    groups: dict[tuple, list[Item]] = {}
    for item in visible:
        groups.setdefault((item.field_id, item.kind), []).append(item)
    return [
        {
            "key": f"{field}-{kind}",
            "heading": f"{titles.get(field, '')} – {kinds[kind]}",
            "items": groups[(field, kind)],
        }
        for field in order
        for kind in kinds
        if (field, kind) in groups
    ]


def round_cards() -> list[dict]:
    """The console's ready-made round types, one per voting method, each with its title
    and the sentence saying what the phones will show (``VotingMethod.card``)."""
    from workshops.methods import METHODS

    return [{"method": m, **m.card()} for m in METHODS.values()]


def round_card_texts() -> dict:
    """What static/js/moderate.js needs to write a card's sentences anew as the
    moderator changes a limit: each method's templates and limits, and "%(n)d points"
    for every budget a round can have, 1 first (plural forms differ between languages;
    the script puts the number in)."""
    from django.utils.translation import ngettext

    from workshops.methods import METHODS, Dots

    return {
        "methods": {
            m.name: {
                "title": str(m.card_title),
                "preview": str(m.card_preview),
                "limits": m.card_limits,
            }
            for m in METHODS.values()
        },
        "points": [
            ngettext("%(n)d point", "%(n)d points", n) for n in range(1, Dots.MAX_BUDGET + 1)
        ],
    }
