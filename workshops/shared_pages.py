"""Pages that every phone of a forum sees alike, rendered once and kept with its wall.

When the QR code goes up, a whole room loads the join page and then the phone page
within seconds, and for nearly everyone these are the same pages: the join page of a
first visit, and the phone page of a participant who has nothing of their own on it
yet. Rendering them through Django's templates was most of what an arriving phone cost
the server (docs/performance.md, "Arrival"). Such a page is rendered once, kept with the
forum's wall (workshops/walls.py: while the rev stands, at most ``MAX_AGE`` seconds) and
answered to every phone of its kind.

It is rendered with stand-ins for what is the person's own, filled in for each request:

- the form token: every form of a page carries the same masked token, as Django renders
  it, here the request's own (``get_token``, which also sets the cookie when needed);
- the person's name (the phone's "You take part as ..." line), escaped as the template
  escapes it.

Everything else a rendering reads from the request is in the key: the language, Leichte
Sprache, the path, the languages the chip offers; for the phone page also whether the
person may propose and has a name. A page is shared only where nothing else of the
person's is on it; every other request renders it afresh:

- join page: a GET without a query (a voting card in the link), from a browser that has
  no participant in this conference yet and is not signed in, with no message to show;
- phone page: a participant who is not signed in (moderators and interpreters see more),
  with no own items on the wall, in a forum that is not a plenary (its wall is read
  afresh), has no voting round (a ballot holds one's votes), no countdown running (its
  clock is the moment of rendering) and asks for no voting card, with no message to show.
"""

import secrets

from django.contrib import messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape

from workshops.models import Forum
from workshops.walls import Wall, wall_items
from workshops.wording import easy_active

# Letters and digits only, so escaping leaves them as they are; new in every process.
TOKEN = "token" + secrets.token_hex(16)
NAME = "name" + secrets.token_hex(16)


class _Participant:
    """The participant a shared phone page is rendered for: a name or none."""

    def __init__(self, named: bool):
        self.display_name = NAME if named else ""

    def __bool__(self):
        return True


def _request_key(request) -> tuple:
    return (
        translation.get_language(),
        easy_active(request.session),
        request.get_full_path(),
        tuple(getattr(request, "switcher_languages", ()) or ()),
    )


def _alike(request) -> bool:
    """Nothing in the request that only this person's page would show."""
    return (
        request.method == "GET"
        and not request.GET
        and not request.user.is_authenticated
        and not len(messages.get_messages(request))
    )


def _answer(request, wall: Wall, key: tuple, template: str, context, name: str = ""):
    """``context``: a function giving the page's context, called only to render it."""

    def render() -> str:
        shared = {**context(), "csrf_token": TOKEN, "messages": ()}
        return render_to_string(template, shared, request=request)

    html = wall.page(key, render)
    if TOKEN in html:
        html = html.replace(TOKEN, get_token(request))
    if NAME in html:
        html = html.replace(NAME, escape(name))
    return HttpResponse(html)


def join_page(request, forum: Forum, context) -> HttpResponse | None:
    """The join page as every first visit sees it, or None when this one must be rendered
    for the person (``context``: a function giving the page's context)."""
    if forum.kind == Forum.Kind.PLENARY or not _alike(request):
        return None
    wall = wall_items.wall(forum)
    return _answer(request, wall, ("join", *_request_key(request)), "workshops/join.html", context)


def phone_page(request, forum: Forum, actor, context) -> HttpResponse | None:
    """The phone page as every participant with nothing of their own on it sees it, or
    None when this one must be rendered for the person (``context``: a function giving
    the page's context)."""
    participant = actor.participant
    if (
        participant is None
        or actor.user is not None
        or forum.kind == Forum.Kind.PLENARY
        or forum.requires_cards
        or forum.timer_ends_at is not None
        or not _alike(request)
    ):
        return None
    wall = wall_items.wall(forum)
    if wall.has_rounds or any(item.author_id == participant.pk for item in wall.items):
        return None
    named = bool(participant.display_name)
    key = ("phone", *_request_key(request), forum.proposals_open, named)

    def page_context() -> dict:
        return {**context(), "participant": _Participant(named)}

    return _answer(
        request, wall, key, "workshops/phone.html", page_context, participant.display_name
    )
