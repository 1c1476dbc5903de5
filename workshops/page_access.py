"""Who asks, and for which forum: the join code of a URL read for a request, shared by
every view module that serves a forum's pages (workshops/views.py, console.py,
views_info.py).

A forum is found for a code only together with the request: a caller that has guessed
too many codes (workshops/throttle.py) finds no forum at all, real code or not, except
one it already takes part in; there is no way to look a code up past that check.
"""

import secrets

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from workshops import rules, selectors, throttle
from workshops.actors import Actor
from workshops.codes import normalize_join_code
from workshops.identity import session_participant
from workshops.languages import choose_language, known_languages
from workshops.models import Forum


def actor_of(request, forum: Forum) -> Actor:
    """Who the request is in this forum: the logged-in user and the session's participant."""
    user = request.user if request.user.is_authenticated else None
    return Actor(user=user, participant=session_participant(request.session, forum.conference_id))


def forum_or_none(code: str, request) -> tuple[Forum | None, str | None]:
    """The forum of a join code, and the canonical code when the URL used another spelling.

    A caller that has tried too many unknown codes (workshops/throttle.py) sees no forum
    for a while (``unknown_code`` answers 429), real code or not, so guessing gives no
    answer; except a forum it already takes part in, so a hall whose address is counted
    keeps working."""
    canonical = normalize_join_code(code)
    if canonical is None:
        return None, None
    read = getattr(request, "forum_of_code", None)  # read by the language middleware
    forum = (
        read[1] if read is not None and read[0] == canonical else selectors.forum_by_code(canonical)
    )
    if (
        forum is not None
        and throttle.code_guessing(*caller(request))
        and not takes_part(request, forum)
    ):
        request.code_throttled = True
        return None, None
    return forum, (canonical if canonical != code else None)


def caller(request) -> tuple[str, str | None]:
    """Who tries a join code, for the throttle: the address and the browser's session."""
    return throttle.client_address(request), throttle.session_key(getattr(request, "session", None))


def takes_part(request, forum: Forum) -> bool:
    """Does this browser already take part in the forum (participant, moderator, screen)?"""
    session = getattr(request, "session", None)
    if session is not None and session_participant(session, forum.conference_id) is not None:
        return True
    key = request.GET.get("key", "")
    if key and secrets.compare_digest(key.encode(), forum.screen_key.encode()):
        return True
    user = getattr(request, "user", None)
    return bool(
        user is not None and user.is_authenticated and rules.can_moderate(Actor(user=user), forum)
    )


def unknown_code(request, code: str = ""):
    """The answer for a join code that names no forum (counted as a guess), or for any
    code once the caller has guessed too often (429, nothing counted)."""
    who = caller(request)
    if getattr(request, "code_throttled", False) or throttle.code_guessing(*who):
        # the language as for a code that names no forum, not the conference's offer
        request.switcher_languages = known_languages()
        translation.activate(choose_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        return render(request, "workshops/throttled.html", status=429)
    throttle.code_missed(*who)
    return render(request, "workshops/not_found.html", {"code": code}, status=404)


def refuse_code(request) -> JsonResponse:
    """``unknown_code`` for the JSON paths (``/similar``): one answer for a code that names
    no forum and for a forum the caller has not joined (no oracle for codes); both count
    as a guess; a caller that guessed too often gets 429 for both."""
    who = caller(request)
    if getattr(request, "code_throttled", False) or throttle.code_guessing(*who):
        return JsonResponse({"error": _("Too many tries. Please wait a minute.")}, status=429)
    throttle.code_missed(*who)
    return JsonResponse({"error": _("Join this forum with its code first.")}, status=404)
