"""Which language a page speaks, and the switch that changes it.

The choice lives in the session (no cookie of its own: the session and CSRF cookies are
the only ones the product sets). Order of precedence:

1. the language chosen on the join page or with the switcher (session);
2. the browser's language (``Accept-Language``), the first guess;
3. German.

On a forum's participant pages (join, phone and their POSTs) only the languages the
conference offers count: a language it does not offer falls back to German, and the
switcher lists the offered ones, so the person can pick another.
"""

from django.conf import settings
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation.trans_real import parse_accept_lang_header

SESSION_KEY = "mitwirken_language"
# The url names of the pages a participant sees inside a forum.
PARTICIPANT_VIEWS = {"join", "phone", "propose", "vote", "take_card", "leave", "translate"}


def known_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _base(code: str) -> str:
    return (code or "").lower().replace("_", "-").split("-")[0]


def accepted_language(header: str, allowed: list[str]) -> str | None:
    """The browser's most preferred language among ``allowed`` (``de-AT`` counts as de)."""
    for code, _q in parse_accept_lang_header(header or ""):
        if code == "*":
            continue
        base = _base(code)
        if base in allowed:
            return base
    return None


def choose_language(request, allowed: list[str] | None = None) -> str:
    allowed = allowed or known_languages()
    chosen = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if chosen in allowed:
        return chosen
    guess = accepted_language(request.META.get("HTTP_ACCEPT_LANGUAGE", ""), allowed)
    return guess or settings.LANGUAGE_CODE


def remember_language(session, language: str) -> None:
    if language in known_languages():
        session[SESSION_KEY] = language


def _activate(request, language: str) -> None:
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()


class LanguageMiddleware:
    """In place of Django's LocaleMiddleware: the same job, with the session as the store
    and the conference's offer on participant pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.switcher_languages = known_languages()
        _activate(request, choose_language(request))
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if not match or match.namespace != "workshops" or match.url_name not in PARTICIPANT_VIEWS:
            return None
        from workshops.codes import normalize_join_code
        from workshops.selectors import forum_by_code
        from workshops.services.participants import offered_languages

        code = normalize_join_code(view_kwargs.get("code", ""))
        forum = forum_by_code(code) if code else None
        # the view finds it here instead of reading it again (workshops/views.py)
        request.forum_of_code = (code, forum)
        if forum is None:
            return None
        offered = offered_languages(forum.conference)
        request.switcher_languages = offered + [
            c for c in [settings.LANGUAGE_CODE] if c not in offered
        ]
        _activate(request, choose_language(request, offered))
        return None


def set_language(request):
    """The language switcher's POST (works without JavaScript): remember the choice in the
    session and go back to the page the person came from."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    language = request.POST.get("language", "")
    remember_language(request.session, language)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("workshops:landing")
    return HttpResponseRedirect(target)


def set_easy_language(request):
    """The Leichte Sprache switch's POST (works without JavaScript; static/js/phone.js
    sends the same and swaps the words in place): ``easy`` = ``1`` on, else off; kept in
    the session like the language, back to the page the person came from."""
    from workshops.wording import EASY_SESSION_KEY

    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if request.POST.get("easy") == "1":
        request.session[EASY_SESSION_KEY] = True
    else:
        request.session.pop(EASY_SESSION_KEY, None)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("workshops:landing")
    return HttpResponseRedirect(target)


def switcher(request) -> dict:
    """Context processor: the languages the header's language chip offers on this page,
    each named in its own script, and whether Leichte Sprache is offered (a German page)
    and switched on."""
    from workshops.wording import easy_active, easy_offered

    codes = getattr(request, "switcher_languages", None) or known_languages()
    current = translation.get_language()
    languages = [
        {
            "code": c,
            "name": translation.get_language_info(c)["name_local"],
            "bidi": translation.get_language_info(c)["bidi"],
            "current": c == current,
        }
        for c in codes
    ]
    return {
        "switcher_languages": languages,
        "current_language_name": local_name(current),
        "easy_offered": easy_offered(),
        "easy_language": easy_active(request.session) if hasattr(request, "session") else False,
    }


def local_name(code: str) -> str:
    """A language named in its own script ("Deutsch", "Türkçe"), as a reader finds it."""
    try:
        return translation.get_language_info(code)["name_local"]
    except KeyError:
        return code


def versions_shown(language: str, versions: dict | None, reader: str | None) -> list[dict]:
    """The versions to show beneath an item's original text (services.versions): the
    German one when the original is in another language, then the one in the reader's
    language when that is neither German nor the original's. Each {language, name, text}."""
    versions = versions or {}
    wanted = ["de"]
    reader = _base(reader or "")
    if reader and reader != "de":
        wanted.append(reader)
    return [
        {"language": code, "name": local_name(code), "text": versions[code]}
        for code in wanted
        if code != language and versions.get(code)
    ]


def title_for(obj, reader: str | None) -> str:
    """A forum's or action field's title in the reader's language where the organiser
    gave one (``titles``), else its title."""
    titles = getattr(obj, "titles", None) or {}
    return titles.get(_base(reader or "")) or obj.title
