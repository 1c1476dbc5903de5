"""The organiser's pages under /organize/: the home with the organiser's conferences,
then one page per step (details, action fields, forums, moderators), the conference
file in and out, a copy for next year, and the invitee's page to accept an invitation.

Each POST is one call into ``services.organise``; a ``ServiceError`` becomes an error
next to the form (or a message), and the page is shown again with what was typed.
"""

import tomllib
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from workshops import rules, throttle
from workshops.actors import Actor
from workshops.auth_views import WINDOW as LOGIN_WINDOW
from workshops.conference_file import conference_toml
from workshops.exceptions import ServiceError
from workshops.models import Conference
from workshops.organise_forms import (
    FILE_MAX_BYTES,
    AccountPasswordForm,
    CopyForm,
    DetailsForm,
    FieldForm,
    ForumForm,
    GoalForm,
    ImportForm,
    InviteForm,
    NewConferenceForm,
    NewPasswordForm,
)
from workshops.services import organise

STEPS = [
    ("details", "workshops:organise_details"),
    ("fields", "workshops:organise_fields"),
    ("forums", "workshops:organise_forums"),
    ("moderators", "workshops:organise_moderators"),
]


def _step_labels():
    return {
        "details": _("Details"),
        "fields": _("Action fields and goals"),
        "forums": _("Forums"),
        "moderators": _("Moderators"),
    }


def _forbidden(request, conference=None):
    return render(
        request, "workshops/organise/forbidden.html", {"conference": conference}, status=403
    )


def organiser_page(view):
    """Logged-in organisers (and superusers) only; with a ``slug``, organisers of that
    conference only. Passes the actor and, with a slug, the conference."""

    @wraps(view)
    def wrapped(request, *args, slug=None, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        actor = Actor(user=request.user)
        if not rules.is_organiser(actor):
            return _forbidden(request)
        if slug is None:
            return view(request, actor, *args, **kwargs)
        conference = get_object_or_404(Conference, slug=slug)
        if not rules.can_organise(actor, conference):
            return _forbidden(request, conference)
        return view(request, actor, conference, *args, **kwargs)

    return never_cache(wrapped)


def _apply_error(form, exc: ServiceError) -> None:
    field = exc.field if exc.field in form.fields else None
    if exc.field == "password" and "password1" in form.fields:
        field = "password1"
    form.add_error(field, str(exc.message))


def _step_page(request, conference, step, template, context):
    labels = _step_labels()
    steps = [
        {"name": name, "label": labels[name], "url": reverse(url, args=[conference.slug])}
        for name, url in STEPS
    ]
    return render(
        request,
        template,
        {"conference": conference, "steps": steps, "step": step, **context},
    )


@organiser_page
@require_GET
def home(request, actor):
    conferences = list(
        rules.organised_conferences(actor).prefetch_related("forums").order_by("-date", "title")
    )
    for conference in conferences:
        conference.state = organise.conference_state(conference)
        conference.state_label = organise.STATES[conference.state]
    return render(request, "workshops/organise/home.html", {"conferences": conferences})


@organiser_page
@require_http_methods(["GET", "POST"])
def new_conference(request, actor):
    form = NewConferenceForm(request.POST or None, initial={"languages": ["de", "en"]})
    if request.method == "POST" and form.is_valid():
        try:
            conference = organise.create_conference(
                actor=actor, slug=form.cleaned_data["slug"], details=form.details()
            )
        except ServiceError as exc:
            _apply_error(form, exc)
        else:
            messages.success(
                request,
                _("%(title)s is created. Next: its action fields.") % {"title": conference.title},
            )
            return HttpResponseRedirect(
                reverse("workshops:organise_fields", args=[conference.slug])
            )
    return render(request, "workshops/organise/new.html", {"form": form})


@organiser_page
@require_http_methods(["GET", "POST"])
def details(request, actor, conference):
    form = DetailsForm(request.POST or None, initial=DetailsForm.initial_of(conference))
    if request.method == "POST" and form.is_valid():
        try:
            organise.change_details(actor=actor, conference=conference, details=form.details())
        except ServiceError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The details are saved."))
            return HttpResponseRedirect(
                reverse("workshops:organise_details", args=[conference.slug])
            )
    return _step_page(
        request,
        conference,
        "details",
        "workshops/organise/details.html",
        {"form": form, "state": organise.STATES[organise.conference_state(conference)]},
    )


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 12 else None


def _fields_action(actor, conference, post):
    """One POST of the action fields page: (message, the form with errors or None)."""
    action = post.get("action", "")
    target = _int(post.get("id"))
    if action == "add_field":
        form = FieldForm(post, prefix="new")
        if not form.is_valid():
            return None, form
        organise.add_field(actor=actor, conference=conference, **form.cleaned_data)
        return _("The action field is added."), None
    if target is None:
        return _("Unknown action."), None
    if action == "change_field":
        form = FieldForm(post, prefix=f"field-{target}")
        if not form.is_valid():
            return None, form
        organise.change_field(
            actor=actor, conference=conference, field_id=target, **form.cleaned_data
        )
        return _("The action field is saved."), None
    if action in ("field_up", "field_down"):
        moved = organise.move_field(
            actor=actor, conference=conference, field_id=target, up=action == "field_up"
        )
        return (
            _("The order is saved.") if moved else _("It is at the end of the list already.")
        ), None
    if action == "remove_field":
        organise.remove_field(actor=actor, conference=conference, field_id=target)
        return _("The action field is removed."), None
    if action == "add_goal":
        form = GoalForm(post, prefix=f"goal-{target}")
        if not form.is_valid():
            return None, form
        organise.add_guiding_goal(
            actor=actor, conference=conference, field_id=target, title=form.cleaned_data["title"]
        )
        return _("The guiding goal is added."), None
    if action in ("goal_up", "goal_down"):
        moved = organise.move_guiding_goal(
            actor=actor, conference=conference, goal_id=target, up=action == "goal_up"
        )
        return (
            _("The order is saved.") if moved else _("It is at the end of the list already.")
        ), None
    if action == "remove_goal":
        organise.remove_guiding_goal(actor=actor, conference=conference, goal_id=target)
        return _("The guiding goal is removed."), None
    if action == "add_sub_goal":
        form = GoalForm(post, prefix=f"sub-{target}")
        if not form.is_valid():
            return None, form
        organise.add_sub_goal(
            actor=actor, conference=conference, goal_id=target, title=form.cleaned_data["title"]
        )
        return _("The sub-goal is added."), None
    if action == "remove_sub_goal":
        organise.remove_sub_goal(actor=actor, conference=conference, sub_goal_id=target)
        return _("The sub-goal is removed."), None
    return _("Unknown action."), None


@organiser_page
@require_http_methods(["GET", "POST"])
def fields(request, actor, conference):
    failed = None
    if request.method == "POST":
        try:
            message, failed = _fields_action(actor, conference, request.POST)
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        else:
            if failed is None:
                messages.success(request, message)
                return HttpResponseRedirect(
                    reverse("workshops:organise_fields", args=[conference.slug])
                )
    rows = list(
        conference.fields.order_by("position", "id").prefetch_related("guiding_goals__sub_goals")
    )
    for row in rows:
        row.form = FieldForm(
            prefix=f"field-{row.pk}", initial={"title": row.title, "description": row.description}
        )
        row.goal_form = GoalForm(
            prefix=f"goal-{row.pk}",
            label=_("New guiding goal for %(title)s") % {"title": row.title},
        )
        for n, goal in enumerate(row.guiding_goals.all(), start=1):
            goal.sub_form = GoalForm(
                prefix=f"sub-{goal.pk}", label=_("New sub-goal of guiding goal %(n)d") % {"n": n}
            )
    new_form = FieldForm(prefix="new")
    if failed is not None:
        # The form that failed is shown again where it was, with its errors.
        if failed.prefix == "new":
            new_form = failed
        for row in rows:
            if failed.prefix == row.form.prefix:
                row.form = failed
            if failed.prefix == row.goal_form.prefix:
                row.goal_form = failed
            for goal in row.guiding_goals.all():
                if failed.prefix == goal.sub_form.prefix:
                    goal.sub_form = failed
        messages.error(request, _("Please correct the marked entry."))
    return _step_page(
        request,
        conference,
        "fields",
        "workshops/organise/fields.html",
        {"rows": rows, "new_form": new_form},
    )


@organiser_page
@require_http_methods(["GET", "POST"])
def forums(request, actor, conference):
    new_form = ForumForm(conference=conference, prefix="new", initial={"kind": "workshop"})
    failed_id = None
    failed = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        target = _int(request.POST.get("id"))
        try:
            if action == "remove_forum" and target is not None:
                organise.remove_forum(actor=actor, conference=conference, forum_id=target)
                messages.success(request, _("The forum is removed."))
                return HttpResponseRedirect(
                    reverse("workshops:organise_forums", args=[conference.slug])
                )
            if action == "save_forum":
                prefix = f"forum-{target}" if target is not None else "new"
                form = ForumForm(request.POST, conference=conference, prefix=prefix)
                if form.is_valid():
                    try:
                        forum = organise.save_forum(
                            actor=actor, conference=conference, plan=form.plan(), forum_id=target
                        )
                    except ServiceError as exc:
                        _apply_error(form, exc)
                    else:
                        messages.success(
                            request,
                            _("%(title)s is saved; its join code is %(code)s.")
                            % {"title": forum.title, "code": forum.code},
                        )
                        return HttpResponseRedirect(
                            reverse("workshops:organise_forums", args=[conference.slug])
                            + f"#forum-{forum.pk}"
                        )
                failed, failed_id = form, target
                if target is None:
                    new_form = form
                messages.error(request, _("Please correct the marked entry."))
            else:
                messages.error(request, _("Unknown action."))
        except ServiceError as exc:
            messages.error(request, str(exc.message))
    rows = list(conference.forums.order_by("position", "id").prefetch_related("fields"))
    for row in rows:
        row.form = (
            failed
            if failed is not None and failed_id == row.pk
            else ForumForm(
                conference=conference, prefix=f"forum-{row.pk}", initial=ForumForm.initial_of(row)
            )
        )
    return _step_page(
        request,
        conference,
        "forums",
        "workshops/organise/forums.html",
        {"rows": rows, "new_form": new_form, "has_fields": conference.fields.exists()},
    )


@organiser_page
@require_http_methods(["GET", "POST"])
def moderators(request, actor, conference):
    form = InviteForm(conference=conference)
    sent = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "invite":
                form = InviteForm(request.POST, conference=conference)
                if form.is_valid():
                    try:
                        sent = organise.invite_moderator(
                            actor=actor,
                            conference=conference,
                            name=form.cleaned_data["name"],
                            email=form.cleaned_data["email"],
                            forum_ids=form.cleaned_data["forums"],
                            site=request.build_absolute_uri("/"),
                        )
                    except ServiceError as exc:
                        _apply_error(form, exc)
                    else:
                        form = InviteForm(conference=conference)
                        messages.success(
                            request,
                            _("The invitation went by e-mail to %(email)s.")
                            % {"email": sent.invitation.email},
                        )
            elif action == "withdraw" and _int(request.POST.get("id")) is not None:
                organise.withdraw_invitation(
                    actor=actor, conference=conference, invitation_id=_int(request.POST["id"])
                )
                messages.success(
                    request, _("The invitation is withdrawn; its link no longer works.")
                )
                return HttpResponseRedirect(
                    reverse("workshops:organise_moderators", args=[conference.slug])
                )
            elif (
                action == "remove"
                and _int(request.POST.get("id"))
                and _int(request.POST.get("user"))
            ):
                organise.remove_forum_moderator(
                    actor=actor,
                    conference=conference,
                    forum_id=_int(request.POST["id"]),
                    user_id=_int(request.POST["user"]),
                )
                messages.success(request, _("The moderator no longer runs this forum."))
                return HttpResponseRedirect(
                    reverse("workshops:organise_moderators", args=[conference.slug])
                )
            else:
                messages.error(request, _("Unknown action."))
        except ServiceError as exc:
            messages.error(request, str(exc.message))
    now = timezone.now()
    invitations = list(conference.invitations.prefetch_related("forums").select_related("user"))
    for invitation in invitations:
        invitation.expired = invitation.accepted_at is None and invitation.expires_at <= now
    return _step_page(
        request,
        conference,
        "moderators",
        "workshops/organise/moderators.html",
        {
            "form": form,
            "sent": sent,
            "invitations": invitations,
            "forums": list(
                conference.forums.order_by("position", "id").prefetch_related("moderators")
            ),
            "organisers": list(conference.organisers.order_by("username")),
            "conference_moderators": list(conference.moderators.order_by("username")),
            "days": organise.INVITATION_DAYS,
        },
    )


@organiser_page
@require_GET
def export_file(request, actor, conference):
    response = HttpResponse(
        conference_toml(conference), content_type="application/toml; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{conference.slug}.toml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _read_upload(upload) -> dict:
    if upload.size > FILE_MAX_BYTES:
        raise ServiceError(
            ServiceError.TOO_LARGE,
            _("The file is larger than %(kb)d KB; a conference file is much smaller.")
            % {"kb": FILE_MAX_BYTES // 1024},
        )
    try:
        return tomllib.loads(upload.read().decode("utf-8"))
    except UnicodeDecodeError:
        raise ServiceError(ServiceError.INVALID, _("The file is not UTF-8 text.")) from None
    except tomllib.TOMLDecodeError as exc:
        raise ServiceError(
            ServiceError.INVALID, _("The file is not valid TOML: %(error)s") % {"error": exc}
        ) from None


@organiser_page
@require_http_methods(["GET", "POST"])
def import_file(request, actor):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            conference, notes = organise.import_conference(
                actor=actor,
                data=_read_upload(form.cleaned_data["file"]),
                slug=form.cleaned_data["slug"],
                new_codes=form.cleaned_data["new_codes"],
            )
        except ServiceError as exc:
            form.add_error(
                None,
                _("The file was not imported, nothing was created: %(problem)s")
                % {"problem": exc.message},
            )
        else:
            messages.success(request, _("%(title)s is imported.") % {"title": conference.title})
            for note in notes:
                messages.info(request, note)
            return HttpResponseRedirect(
                reverse("workshops:organise_details", args=[conference.slug])
            )
    return render(request, "workshops/organise/import.html", {"form": form})


@organiser_page
@require_http_methods(["GET", "POST"])
def copy(request, actor, conference):
    form = CopyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = organise.copy_conference(
                actor=actor, conference=conference, **form.cleaned_data
            )
        except ServiceError as exc:
            _apply_error(form, exc)
        else:
            messages.success(
                request,
                _("%(title)s is set up from %(source)s, with new join codes.")
                % {"title": created.title, "source": conference.title},
            )
            return HttpResponseRedirect(reverse("workshops:organise_details", args=[created.slug]))
    return render(request, "workshops/organise/copy.html", {"form": form, "conference": conference})


def _password_guessing(username: str) -> bool:
    limit = settings.LOGIN_FAILURES_PER_USERNAME
    return bool(limit) and throttle.count("login-user", username.lower(), LOGIN_WINDOW) >= limit


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """The invitee's page: set a password (or confirm an existing account's) and accept."""
    try:
        found = organise.invitation_by_token(token)
    except ServiceError as exc:
        return render(
            request,
            "workshops/organise/invitation_invalid.html",
            {"message": exc.message},
            status=404 if exc.code == ServiceError.NOT_FOUND else 410,
        )
    existing = organise.invitation_account(found)
    form_class = AccountPasswordForm if existing is not None else NewPasswordForm
    form = form_class(request.POST or None)
    # An existing account's password is checked here as on the login page: the guesses
    # count against the same limit per user name (workshops/auth_views.py).
    guessed = existing is not None and _password_guessing(existing.get_username())
    if request.method == "POST" and guessed:
        form = form_class()  # unbound: nothing is checked
    elif request.method == "POST" and form.is_valid():
        try:
            user = organise.accept_invitation(token=token, password=form.password)
        except ServiceError as exc:
            if exc.code != ServiceError.INVALID:
                return render(
                    request,
                    "workshops/organise/invitation_invalid.html",
                    {"message": exc.message},
                    status=410,
                )
            if existing is not None and exc.field == "password":
                throttle.hit("login-user", existing.get_username().lower(), LOGIN_WINDOW)
            _apply_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome! You moderate these forums now; you log in with %(name)s.")
                % {"name": user.get_username()},
            )
            first = found.forums.order_by("position", "id").first()
            return HttpResponseRedirect(reverse("workshops:moderate", args=[first.code]))
    return render(
        request,
        "workshops/organise/invitation.html",
        {
            "invitation": found,
            "forums": list(found.forums.order_by("position", "id")),
            "form": form,
            "existing": existing,
            "throttled": guessed,
        },
        status=429 if guessed and request.method == "POST" else 200,
    )
