"""Pages. Each view reads through selectors and changes through one service call; a
``ServiceError`` becomes a message next to the form, in the person's language.

Every action is a plain form POST (works without JavaScript); static/js upgrades the
pages to live updates over the socket.
"""

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from csp.constants import SELF
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from workshops import (
    console,
    methods,
    rules,
    selectors,
    shared_pages,
    throttle,
    visibility,
    wording,
)
from workshops.actors import Actor
from workshops.cards_pdf import cards_pdf
from workshops.codes import normalize_card_code, normalize_join_code
from workshops.commands import ACTIONS, script_actions
from workshops.exceptions import ServiceError
from workshops.identity import remember_participant, session_participant
from workshops.languages import SESSION_KEY as SESSION_LANGUAGE
from workshops.languages import local_name, remember_language
from workshops.models import Forum, Item
from workshops.page_access import actor_of, forum_or_none, unknown_code
from workshops.params import Id, Number
from workshops.phone_task import live_tasks, phone_task
from workshops.qr import qr_svg
from workshops.services import cards as card_services
from workshops.services import forums as forum_services
from workshops.services import items as item_services
from workshops.services import versions as version_services
from workshops.services.participants import join_conference, offered_languages
from workshops.services.votes import cast_vote
from workshops.walls import wall_items


def live_texts() -> dict:
    """The sentences static/js shows, in the page's language (read from #live-i18n)."""
    return {
        "answers": _("answers"),
        "offline": _("Offline. Reconnecting …"),
        "offline_unsent": _("Offline: %(n)s entries will be sent when the connection is back."),
        "sending": _("Sending …"),
        "refused": _("This page is no longer connected. Please reload it."),
        "new_item": _("New proposal:"),
        "thanks": _("Thank you, your proposal is on the wall."),
        "queued": _("Saved on this phone. It will be sent when the connection is back."),
        "online": _("%(n)s online"),
        "closed": _("Proposals are closed at the moment."),
        # each method's sentence and bar (workshops/methods.py; static/js/tally.js)
        "tally": {name: str(method.sentence) for name, method in methods.METHODS.items()},
        "tally_bars": {name: method.bar for name, method in methods.METHODS.items()},
        "tally_hidden": str(methods.HIDDEN),
        "turnout": _("Voted so far: %(n)s"),
        "tally_outlier": str(methods.OUTLIER),
        "tally_analog": str(methods.ANALOG),
        "saved_vote": _("Your vote is saved."),
        # a vote the server has (static/js/ballot.js), and the phone's status line (task.js)
        "counted": _("counted"),
        "tasks": live_tasks(),
        "adopted": _("adopted"),
        "not_adopted": _("not adopted"),
        "for_plenary": _("for the plenary"),
        "phases": {value: str(text) for value, text in console.PHASE_HINTS.items()},
        "phase_labels": {value: str(label) for value, label in Forum.Phase.choices},
        "more": _("+ %(n)s more"),
        "page": _("Page %(n)s of %(of)s"),
        "time_up": _("Time is up."),
        "timer": _("Time left"),
        "already_there": _("This is already there:"),
        "support_instead": _("Support this instead"),
        "supported_instead": _("You support it now. Thank you!"),
        # a measure brought in from the previous conference (static/js/wall.js)
        "carried": _("from the previous conference: %(status)s, %(progress)s %%"),
        "implementation": {value: str(label) for value, label in Item.Implementation.choices},
        "decimal": get_format("DECIMAL_SEPARATOR"),  # static/js/ballot.js writes fractions with it
        # people's versions of an item, named in their own script (static/js/wall.js)
        "language_names": {code: local_name(code) for code, _name in settings.LANGUAGES},
    }


def not_found(request, exception=None):
    """Any other address nobody serves: a plain 404, not a guessed code (browsers ask
    for icons and the like on their own)."""
    return render(request, "workshops/not_found.html", {"code": ""}, status=404)


def _language_choices(conference) -> list[tuple[str, str]]:
    from django.utils.translation import get_language_info

    return [(code, get_language_info(code)["name_local"]) for code in offered_languages(conference)]


@require_GET
def landing(request):
    raw = request.GET.get("code")
    error = None
    if raw is not None:
        code = normalize_join_code(raw)
        if code is None:
            error = _("A code has 6 letters and digits, for example K7MZQ4. Please check it.")
        else:
            return redirect("workshops:join", code=code)
    return render(
        request,
        "workshops/landing.html",
        {"error": error, "code": raw or ""},
        status=400 if error else 200,
    )


@never_cache
def healthz(request):
    """200 when the database and the channel layer answer, 503 otherwise."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        async_to_sync(_layer_roundtrip)()
        checks["channel_layer"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["channel_layer"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"ok": healthy, **checks}, status=200 if healthy else 503)


async def _layer_roundtrip():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "health.check"})
    async with asyncio.timeout(2):
        await layer.receive(channel)


@never_cache
@require_http_methods(["GET", "POST"])
def join(request, code):
    forum, canonical = forum_or_none(code, request)
    if forum is None:
        return unknown_code(request, code)
    if canonical:
        return redirect("workshops:join", code=canonical)
    conference = forum.conference
    current = session_participant(request.session, conference)
    values = {
        "name": current.display_name if current else "",
        "group": current.group if current else "",
        "name_on_screen": current.name_on_screen if current else False,
        # the page's language: the person's choice, else the browser's guess among the
        # offered ones (workshops/languages.py)
        "language": request.LANGUAGE_CODE,
    }
    error = None
    card = request.POST.get("card") or request.GET.get("card") or ""
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("name", "group", "language")}
        # a checkbox: sent only when ticked (off unless the person chooses it)
        values["name_on_screen"] = request.POST.get("name_on_screen") == "1"
        try:
            if not throttle.allow(
                "join",
                throttle.client_address(request),
                limit=settings.JOINS_PER_MINUTE_PER_ADDRESS,
                window=60,
            ):
                raise ServiceError(
                    ServiceError.RATE_LIMITED,
                    _("Many people are joining at once. Please try again in a minute."),
                )
            participant = join_conference(
                conference=conference,
                participant=current,
                name=values["name"],
                group=values["group"],
                language=values["language"],
                name_on_screen=values["name_on_screen"],
            )
        except ServiceError as exc:
            error = exc
        else:
            # A new key for a session that already had one (against fixation); a browser
            # without a session gets its first key when the session is saved, one write
            # instead of an empty session written and then updated.
            if request.session.session_key and (current is None or current.pk != participant.pk):
                request.session.cycle_key()
            remember_participant(request.session, participant)
            if card:
                _take_card(request, forum, Actor(participant=participant), card)
            if participant.language:
                remember_language(request.session, participant.language)
            return HttpResponseRedirect(reverse("workshops:phone", args=[forum.code]))

    def context() -> dict:
        return {
            "forum": forum,
            "conference": conference,
            "values": values,
            "error": error,
            "groups": conference.stakeholder_groups,
            "languages": _language_choices(conference),
            "rejoin": current is not None,
            "card": card,
        }

    if current is None and error is None:
        shared = shared_pages.join_page(request, forum, context)
        if shared is not None:
            return shared
    return render(
        request,
        "workshops/join.html",
        context(),
        status=(429 if error.code == ServiceError.RATE_LIMITED else 400) if error else 200,
    )


def _phone_context(request, forum: Forum, actor: Actor, **extra) -> dict:
    moderator = rules.can_moderate(actor, forum)
    wall = wall_items.wall(forum)  # the same for every phone at this rev
    items, fields, goals = wall.items, wall.fields, wall.goals
    by_kind = {k: [i for i in items if i.kind == k] for k in selectors.ITEM_KINDS}
    context = {
        "forum": forum,
        "conference": forum.conference,
        "participant": actor.participant,
        "is_moderator": moderator,
        "can_propose": rules.can_propose(actor, forum),
        "groups": wall.groups,
        "fields": fields,
        "kinds": Item.Kind.choices,
        # What a new goal or measure can answer, for the "answers" choices.
        "answerable": {"goal": by_kind["need"], "measure": by_kind["goal"]},
        # The city's guiding goals and sub-goals of the forum's fields (the sub-goal choice).
        "goal_fields": _goal_fields(fields, goals),
        "values": {"field": "", "kind": "", "text": "", "refs": [], "details": {}, "sub_goal": ""},
        "error": None,
        "text_max": settings.ITEM_TEXT_MAX,
        "rev": forum.rev,
        "live_texts": live_texts(),
        "rounds": selectors.rounds_for_page(forum, actor),
        "needs_card": forum.requires_cards
        and actor.participant is not None
        and not moderator
        and not selectors.holds_card(forum, actor.participant.pk),
    }
    context.update(_own_items(actor, forum, items))
    context.update(_translating(actor, forum))
    context.update(extra)
    context["wall_html"] = _shared_wall(wall, forum, context)
    context["phase_hint"] = console.phase_hint(forum)
    context["task"] = phone_task(forum, context["rounds"])  # the status line (_task.html)
    context["timer"] = console.timer_for_page(forum)
    # the kinds' questions and examples, in Leichte Sprache when switched on
    context["words"] = wording.propose_words(wording.easy_active(request.session))
    return context


def _shared_wall(wall, forum: Forum, context: dict):
    """The wall as every phone without anything of its own on it sees it, rendered once
    per rev and language (workshops/walls.py); None for a phone whose wall holds its own
    items or translation forms (it renders ``_wall.html`` itself). Rendered from the
    shared inputs alone, without the request: nobody's token or name can be in it."""
    if context["own_ids"] or context["changeable_ids"] or context["translate_all"]:
        return None
    if forum.kind == Forum.Kind.PLENARY:
        return None  # read afresh anyway (walls.py): nothing to share
    language = translation.get_language()

    def render():
        shared = {
            "forum": forum,
            "groups": context["groups"],
            "own_ids": set(),
            "changeable_ids": set(),
            "translate_all": False,
            "text_max": context["text_max"],
        }
        return render_to_string("workshops/_wall.html", shared)

    return wall.fragment(language, render)


def _goal_fields(fields, goals) -> list[dict]:
    """The forum's fields with their description and guiding goals (``goals``:
    ``selectors.guiding_goals(fields)``), for the phone: [{field, goals}], only fields
    that have either."""
    shown = [{"field": f, "goals": [g for g in goals if g.field_id == f.pk]} for f in fields]
    return [entry for entry in shown if entry["goals"] or entry["field"].description]


def _optional_id(raw: str, field: str):
    """A form's optional id: None for an empty value; a refusal for anything but digits."""
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise ServiceError(ServiceError.INVALID, _("Choose a sub-goal from the list."), field=field)
    return int(raw)


def _own_items(actor: Actor, forum: Forum, items: list[Item]) -> dict:
    """The person's own proposals on the wall ("Your contribution"), and those they may
    still edit or withdraw (rules.can_change_own_item)."""
    if actor.participant is None:
        return {"own_ids": set(), "changeable_ids": set(), "own_ids_list": []}
    own = [i for i in items if rules.is_author(actor, i)]
    own_ids = {i.pk for i in own}
    held = item_services.held_items(own)
    changeable = {
        i.pk
        for i in own
        if i.forum_id == forum.pk and rules.can_change_own_item(actor, forum, i, held=i.pk in held)
    }
    return {"own_ids": own_ids, "changeable_ids": changeable, "own_ids_list": sorted(own_ids)}


def _translating(actor: Actor, forum: Forum) -> dict:
    """What the phone offers for versions in other languages (services.versions): on
    one's own proposals always, on every item for moderators and interpreters."""
    return {
        "translate_all": rules.can_moderate(actor, forum)
        or rules.is_interpreter(actor, forum.conference_id),
        "version_languages": [
            (code, local_name(code))
            for code in version_services.version_languages(forum.conference)
        ],
    }


@require_POST
def translate(request, code):
    """Write or remove a version of an item in another language, then back to the wall.
    A refusal shows at the top of the page (400)."""
    forum, actor, refusal = _taking_part(request, code)
    if refusal:
        return refusal
    try:
        item = version_services.translate_item(
            actor=actor,
            forum=forum,
            item=request.POST.get("item", ""),
            language=request.POST.get("language", ""),
            translation=request.POST.get("translation", ""),
            remove=request.POST.get("remove") == "1",
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return render(
            request, "workshops/phone.html", _phone_context(request, forum, actor), status=400
        )
    if request.POST.get("remove") == "1":
        messages.success(request, _("The translation is removed."))
    else:
        messages.success(request, _("The translation is saved."))
    return HttpResponseRedirect(reverse("workshops:phone", args=[forum.code]) + f"#item-{item.pk}")


@never_cache
@require_GET
def phone(request, code):
    forum, canonical = forum_or_none(code, request)
    if forum is None:
        return unknown_code(request, code)
    if canonical:
        return redirect("workshops:phone", code=canonical)
    actor = actor_of(request, forum)
    if not rules.can_take_part(actor, forum):
        return redirect("workshops:join", code=forum.code)
    shared = shared_pages.phone_page(
        request, forum, actor, lambda: _phone_context(request, forum, actor)
    )
    if shared is not None:
        return shared
    return render(request, "workshops/phone.html", _phone_context(request, forum, actor))


@require_POST
def propose(request, code):
    forum, actor, refusal = _taking_part(request, code)
    if refusal:
        return refusal
    values = {
        "field": request.POST.get("field", ""),
        "kind": request.POST.get("kind", ""),
        "text": request.POST.get("text", ""),
        "refs": request.POST.getlist("refs"),
        # optional, for a measure: lead, partners, time frame, resources, indicator. The
        # phone no longer asks participants for them (staff fill them in on the measures
        # page), but a client that sends them is still heard (docs/protocol.md).
        "details": {
            name: request.POST.get(name, "")
            for name in selectors.DETAIL_FIELDS
            if request.POST.get(name)
        },
        "sub_goal": request.POST.get("sub_goal", ""),
    }
    try:
        item = item_services.propose_item(
            actor=actor,
            forum=forum,
            field=values["field"],
            kind=values["kind"],
            text=values["text"],
            refs=values["refs"],
            details=values["details"],
            sub_goal=_optional_id(values["sub_goal"], "sub_goal"),
        )
    except ServiceError as exc:
        context = _phone_context(request, forum, actor, values=values, error=exc)
        return render(request, "workshops/phone.html", context, status=400)
    messages.success(request, _("Thank you, your proposal is on the wall."))
    return HttpResponseRedirect(reverse("workshops:phone", args=[forum.code]) + f"#item-{item.pk}")


OWN_ITEM = Id("item")
CARD_COUNT = Number(
    "count",
    message=lambda: _("Print 1 to %(max)d cards at a time.") % {"max": card_services.MAX_CARDS},
)


@require_POST
def own_item(request, code):
    """Edit (``action=edit``, ``item``, ``text``) or withdraw (``action=withdraw``,
    ``item``) one's own proposal: one service call, then back to the wall. A refusal
    shows next to the item with the typed text kept (400)."""
    forum, actor, refusal = _taking_part(request, code)
    if refusal:
        return refusal
    action, item = request.POST.get("action"), request.POST.get("item", "")
    text = request.POST.get("text", "")
    phone_url = reverse("workshops:phone", args=[forum.code])
    try:
        if action not in ("edit", "withdraw"):
            raise ServiceError(ServiceError.INVALID, _("Unknown action."))
        item_id = OWN_ITEM.from_form(request.POST)
        if action == "edit":
            edited = item_services.edit_own_item(actor=actor, forum=forum, item=item_id, text=text)
        else:
            item_services.withdraw_own_item(actor=actor, forum=forum, item=item_id)
    except ServiceError as exc:
        messages.error(request, str(exc.message))  # at the top; the typed text stays in its form
        own_error = {"item": item, "text": text if action == "edit" else None}
        context = _phone_context(request, forum, actor, own_error=own_error)
        return render(request, "workshops/phone.html", context, status=400)
    if action == "edit":
        messages.success(request, _("Your proposal is changed."))
        return HttpResponseRedirect(f"{phone_url}#item-{edited.pk}")
    messages.success(request, _("Your proposal is withdrawn."))
    return HttpResponseRedirect(phone_url)


# Wrong voting card codes, counted like failed logins (workshops/auth_views.py).
CARD_WINDOW = 15 * 60


def _card_keys(request, forum: Forum, actor: Actor, code: str) -> list[tuple[str, str, int]]:
    """The counters a wrong card code goes to: the phone's (its session's participant),
    the code's (the same card tried on many phones) and the address's (new codes tried
    on phone after fresh phone), each with its limit."""
    keys = [("card-address", throttle.client_address(request), settings.CARD_FAILURES_PER_ADDRESS)]
    if actor.participant is not None:
        keys.append(("card-phone", str(actor.participant.pk), settings.CARD_FAILURES_PER_PHONE))
    normalized = normalize_card_code(code if isinstance(code, str) else "")
    if normalized:
        keys.append(("card-code", f"{forum.pk}:{normalized}", settings.CARD_FAILURES_PER_CODE))
    return keys


def _take_card(request, forum: Forum, actor: Actor, code: str) -> None:
    keys = _card_keys(request, forum, actor, code)
    if any(
        limit and throttle.count(scope, value, CARD_WINDOW) >= limit for scope, value, limit in keys
    ):
        messages.error(
            request,
            _("Too many wrong voting card codes. Please wait 15 minutes or ask the moderators."),
        )
        return
    try:
        card_services.redeem_card(actor=actor, forum=forum, code=code)
    except ServiceError as exc:
        for scope, value, _limit in keys:
            throttle.hit(scope, value, CARD_WINDOW)
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Your voting card is on this phone. You can vote."))


@require_POST
def take_card(request, code):
    """A voting card typed in on the phone page."""
    forum, actor, refusal = _taking_part(request, code)
    if refusal:
        return refusal
    _take_card(request, forum, actor, request.POST.get("card", ""))
    return HttpResponseRedirect(reverse("workshops:phone", args=[forum.code]))


@require_POST
def print_cards(request, code):
    """Issue voting cards and hand out their sheet: the codes exist only in this PDF."""
    forum, actor, refusal = _moderator_forum(request, code)
    if refusal:
        return refusal
    try:
        count = CARD_COUNT.from_form(request.POST)
        codes = card_services.issue_cards(actor=actor, forum=forum, count=count)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(reverse("workshops:moderate", args=[forum.code]))
    join_url = request.build_absolute_uri(reverse("workshops:join", args=[forum.code]))
    pdf = cards_pdf(
        forum_title=forum.title,
        conference_title=forum.conference.title,
        join_url=join_url,
        codes=codes,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="stimmkarten-{forum.code}.pdf"'
    return response


@require_POST
def vote(request, code):
    """A vote from the ballot form: one service call, then back to the ballot."""
    forum, actor, refusal = _taking_part(request, code)
    if refusal:
        return refusal
    raw = request.POST.get("value", "")  # empty: withdraw
    try:
        cast_vote(
            actor=actor,
            forum=forum,
            round=request.POST.get("round"),
            item=request.POST.get("item"),
            value=None if raw == "" else raw,
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Your vote is saved."))
    anchor = f"#round-{request.POST['round']}" if request.POST.get("round", "").isdigit() else ""
    return HttpResponseRedirect(reverse("workshops:phone", args=[forum.code]) + anchor)


def _taking_part(request, code):
    """The forum and actor for a participant's POST, or the response that sends them
    to the join page (or the 404 page)."""
    forum, _canonical = forum_or_none(code, request)
    if forum is None:
        return None, None, unknown_code(request, code)
    actor = actor_of(request, forum)
    if not rules.can_take_part(actor, forum):
        return None, None, redirect("workshops:join", code=forum.code)
    return forum, actor, None


def _moderator_forum(request, code):
    """The forum and actor for a moderator page, or the response that refuses."""
    forum, canonical = forum_or_none(code, request)
    if forum is None:
        return None, None, unknown_code(request, code)
    if not request.user.is_authenticated:
        return None, None, redirect_to_login(request.get_full_path())
    actor = actor_of(request, forum)
    if not rules.can_moderate(actor, forum):
        response = render(request, "workshops/forbidden.html", {"forum": forum}, status=403)
        return None, None, response
    return forum, actor, None


@never_cache
@require_GET
def moderate(request, code):
    forum, actor, refusal = _moderator_forum(request, code)
    if refusal:
        return refusal
    fields = selectors.forum_fields(forum)
    items = selectors.forum_items(forum, include_hidden=True)
    visible = [i for i in items if i.status == Item.Status.VISIBLE]
    console.attach_suggestions([i for i in items if i.forum_id == forum.pk])
    rounds = selectors.rounds_for_page(forum, actor)
    console.attach_shortlist(forum, rounds)
    console.attach_decisions(forum, rounds)
    live_rounds, past_rounds = console.live_and_past(rounds)
    return render(
        request,
        "workshops/moderate.html",
        {
            "forum": forum,
            "conference": forum.conference,
            "groups": selectors.grouped_items(fields, items),
            "visible": visible,
            "counts": {
                "visible": len(visible),
                "hidden": sum(i.status == Item.Status.HIDDEN for i in items),
                "merged": sum(i.status == Item.Status.MERGED for i in items),
            },
            "join_url": request.build_absolute_uri(reverse("workshops:join", args=[forum.code])),
            "screen_url": reverse("workshops:screen", args=[forum.code])
            + f"?key={forum.screen_key}",
            "text_max": settings.ITEM_TEXT_MAX,
            "rev": forum.rev,
            "live_texts": live_texts(),
            "rounds": rounds,
            "live_rounds": live_rounds,
            "past_rounds": past_rounds,
            "newest": console.newest(forum, items),
            "cardless_warning": console.cardless_warning(forum),
            "methods": list(methods.METHODS.values()),
            "round_cards": console.round_cards(),
            "round_card_texts": console.round_card_texts(),
            "round_choices": console.round_choices(fields, visible),
            "min_group": selectors.MIN_GROUP_VOTERS,
            "kinds": Item.Kind.choices,
            "fields": fields,
            "phases": console.phases(forum),
            "step_bar": console.step_panel(forum, live_rounds),
            "exports": console.export_links(forum),
            # the conference-wide links (exports, measures, print kit): not for a forum's
            # own moderators, who run this forum only (workshops/rules.py)
            "runs_conference": rules.is_moderator(actor, forum.conference_id),
            "timer": console.timer_for_page(forum),
            "announcement_max": forum_services.ANNOUNCEMENT_MAX,
            **_translating(actor, forum),
            "socket_actions": script_actions(),
        },
    )


@require_POST
def moderate_action(request, code):
    forum, actor, refusal = _moderator_forum(request, code)
    if refusal:
        return refusal
    name = request.POST.get("action", "")
    action = ACTIONS.get(name)
    anchor = f"#item-{request.POST['item']}" if request.POST.get("item", "").isdigit() else ""
    if request.POST.get("back") == "live":  # sent from the live controls: back to them
        anchor = ""
    back = reverse("workshops:moderate", args=[forum.code]) + anchor
    if action is None:
        messages.error(request, _("Unknown action."))
        return HttpResponseRedirect(back)
    try:
        values = action.from_form(request.POST)
        result = action.apply(actor=actor, forum=forum, values=values)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, action.done(values))
        for warning in action.warnings(result):
            messages.warning(request, warning)
        report = getattr(result, "merge_report", None)
        if report and (report["moved"] or report["not_moved"]):
            messages.info(
                request,
                _(
                    "Votes moved: %(moved)d. Not moved because the person had already "
                    "voted on the kept item: "
                    "%(not_moved)d (points over the limit were given back)."
                )
                % report,
            )
    return HttpResponseRedirect(back)


@never_cache
@require_GET
# the moderator's console shows it small (its preview of the projector): framed by this
# site's own pages only
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})
def screen(request, code):
    import secrets

    forum, canonical = forum_or_none(code, request)
    if forum is None:
        return unknown_code(request, code)
    key = request.GET.get("key", "")
    if not key or not secrets.compare_digest(key.encode(), forum.screen_key.encode()):
        return render(
            request, "workshops/forbidden.html", {"forum": None, "screen": True}, status=403
        )
    fields = selectors.forum_fields(forum)
    items = selectors.forum_items(forum, include_hidden=False)
    join_url = request.build_absolute_uri(reverse("workshops:join", args=[forum.code]))
    # The projector speaks the conference's language, not the language of the laptop's
    # browser; a language chosen with the switcher (session) still wins.
    language = request.session.get(SESSION_LANGUAGE) or settings.LANGUAGE_CODE
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()
    return render(
        request,
        "workshops/screen.html",
        {
            "forum": forum,
            "conference": forum.conference,
            "groups": selectors.grouped_items(fields, items),
            "join_url": join_url,
            "qr_svg": qr_svg(join_url),
            "rev": forum.rev,
            "live_texts": live_texts(),
            "results": _screen_results(forum),
            "phase_label": forum.get_phase_display(),
            "timer": console.timer_for_page(forum),
            # names only of those who agreed (workshops/visibility.py)
            "audience": visibility.SCREEN,
        },
    )


def _screen_results(forum: Forum) -> dict | None:
    """The latest round as the projector shows it: options with tally and bar length."""
    rounds = selectors.rounds_for_page(forum, Actor(screen=True))
    if not rounds:
        return None
    latest = rounds[0]
    method = latest["voting"]
    values = [
        method.bar_value(method.combined(o["tally"])) if o["tally"] else 0
        for o in latest["options"]
    ]
    top = max(values, default=0) or 1
    for option, value in zip(latest["options"], values, strict=False):
        option["bar"] = round(100 * value / top) if latest["tally_visible"] else 0
    console.rank_options(latest)
    return latest


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
