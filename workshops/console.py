"""What the console, the phone and the screen add for running a session: the phases,
duplicate suggestions, similar proposals while typing, the export links.

Reads only; every change goes through ``workshops.services``.
"""
from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from workshops import rules, similarity, throttle
from workshops.models import Forum, Item, Round

# What a phone says the room does now (the console shows the same labels).
PHASE_HINTS = {
    Forum.Phase.COLLECTING: gettext_lazy("Now: collecting proposals. Write yours below."),
    Forum.Phase.DISCUSSING: gettext_lazy("Now: discussion. The proposals are on the wall."),
    Forum.Phase.VOTING: gettext_lazy("Now: voting. Your ballot is below."),
    Forum.Phase.RESULTS: gettext_lazy("Now: the results."),
}

EXPORT_FORMATS = ("xlsx", "docx", "pdf", "csv", "json")

# Text shorter than this gets no suggestions: too little to compare.
SIMILAR_MIN_CHARS = 6


def phases(forum: Forum) -> list[dict]:
    return [
        {"value": value, "label": label, "current": forum.phase == value}
        for value, label in Forum.Phase.choices
    ]


def export_links(forum: Forum) -> list[dict]:
    """The conference's measure exports (PROTOCOL.md's paths)."""
    slug = forum.conference.slug
    return [{"format": fmt.upper(), "url": f"/c/{slug}/export/measures.{fmt}"} for fmt in EXPORT_FORMATS]


def attach_suggestions(items: list[Item]) -> int:
    """Give each visible item ``suggestions``: the likely duplicates of the same kind in
    this forum, each with the merge to make (the newer item into the older one, so the
    first wording and its links stay). Returns the number of items with a suggestion."""
    own = [i for i in items if i.status == Item.Status.VISIBLE]
    found = similarity.duplicate_suggestions(own)
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
    candidates = Item.objects.filter(forum=forum, status=Item.Status.VISIBLE).only("id", "text", "kind", "field_id")
    if kind in Item.Kind.values:
        candidates = candidates.filter(kind=kind)
    matches = similarity.similar(text, list(candidates), limit=3)
    if not matches:
        return []
    rounds: dict[int, int] = {}
    open_support = Round.objects.filter(
        forum=forum, status=Round.Status.OPEN, method=Round.Method.SUPPORT, items__in=[m.item.pk for m in matches]
    ).values_list("items", "pk")
    for item_id, round_id in open_support:
        rounds.setdefault(item_id, round_id)
    return [
        {"id": m.item.pk, "text": m.item.text, "kind": m.item.kind, "field": m.item.field_id,
         "score": m.score, "support_round": rounds.get(m.item.pk)}
        for m in matches
    ]


@never_cache
@require_GET
def similar(request, code):
    """``GET /f/<CODE>/similar?text=…&kind=…``: the phone's "this is already there"
    while typing (participants and moderators of the conference; shown items only)."""
    from workshops.views import _actor, _forum_or_none

    forum, _canonical = _forum_or_none(code, request)
    actor = _actor(request, forum) if forum is not None else None
    if forum is None or not rules.can_take_part(actor, forum):
        return refuse_code(request)
    text = request.GET.get("text", "")[: settings.ITEM_TEXT_MAX]
    return JsonResponse({"items": similar_data(forum, text, kind=request.GET.get("kind") or None)})


def refuse_code(request) -> JsonResponse:
    """One answer for a code that names no forum and for a forum the caller has not
    joined (no oracle for codes): both count as a guess; a caller that guessed too often
    gets 429 for both (workshops/throttle.py)."""
    from workshops.views import _caller

    caller = _caller(request)
    if getattr(request, "code_throttled", False) or throttle.code_guessing(*caller):
        return JsonResponse({"error": _("Too many tries. Please wait a minute.")}, status=429)
    throttle.code_missed(*caller)
    return JsonResponse({"error": _("Join this forum with its code first.")}, status=404)


def timer_for_page(forum: Forum) -> dict | None:
    """The countdown as a page shows it before (or without) JavaScript: the wire's timer
    plus ``clock`` ("4:07")."""
    from workshops.selectors import timer_data

    timer = timer_data(forum)
    if timer is not None:
        timer["clock"] = f"{timer['left'] // 60}:{timer['left'] % 60:02d}"
    return timer


def phase_hint(forum: Forum) -> str:
    return str(PHASE_HINTS.get(forum.phase, ""))

