"""The conference's public programme (``/c/<slug>/``) and its print kit (``kit.pdf``).

The programme is public: date, venue, the forums with their time and room, the action
fields, and once the results are published the way to them. It shows no join code: the
codes are for the people in the room (on the door, on the tables), and a code on a
public page would let anyone join from anywhere.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from workshops import rules
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.kit_pdf import KitForum, kit_pdf
from workshops.models import Conference, Forum
from workshops.services import cards as card_services


def _user_actor(request) -> Actor:
    return Actor(user=request.user if request.user.is_authenticated else None)


def schedule(conference: Conference) -> list[Forum]:
    """The forums in the order of the day: by start time, a forum without a time after
    the timed ones, then in the conference's order."""
    forums = list(conference.forums.prefetch_related("fields").order_by("position", "id"))
    return sorted(forums, key=lambda f: (f.starts_at is None, f.starts_at or datetime.time()))


@require_GET
def programme(request, slug):
    conference = get_object_or_404(Conference, slug=slug)
    actor = _user_actor(request)
    return render(
        request,
        "workshops/programme.html",
        {
            "conference": conference,
            "forums": schedule(conference),
            "fields": list(conference.fields.order_by("position", "id")),
            "runs_conference": rules.is_moderator(actor, conference),
        },
    )


def join_url(request, forum: Forum) -> str:
    """The absolute join address, built as the console and the screen build theirs."""
    return request.build_absolute_uri(reverse("workshops:join", args=[forum.code]))


@never_cache
@require_http_methods(["GET", "POST"])
def kit(request, slug):
    """The print kit (the conference's moderators and organisers): per forum an A4
    poster and an A6 table card. A POST with ``cards`` also issues that many new voting
    cards for every forum that requires them and adds their sheets (the codes exist only
    in this PDF, as with the console's sheet); a GET never issues any."""
    conference = get_object_or_404(Conference, slug=slug)
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("workshops:kit", args=[conference.slug]))
    actor = _user_actor(request)
    if not rules.is_moderator(actor, conference):
        return render(request, "workshops/forbidden.html", {"forum": None}, status=403)
    forums = schedule(conference)
    cards: dict[int, list[str]] = {}
    if request.method == "POST":
        try:
            cards = card_services.issue_kit_cards(
                actor=actor, conference=conference, count=request.POST.get("cards")
            )
        except ServiceError as exc:
            messages.error(request, str(exc.message))
            return HttpResponseRedirect(reverse("workshops:exports", args=[conference.slug]))
    pdf = kit_pdf(
        conference=conference,
        forums=[
            KitForum(forum=f, join_url=join_url(request, f), cards=cards.get(f.pk, []))
            for f in forums
        ],
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    # cards are secrets: an attachment, never cached (never_cache)
    disposition = "attachment" if cards else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{conference.slug}-kit.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
