"""Preparing a conference on the organiser's pages (/organize/): its details, action
fields with guiding goals, forums with room and time, moderators by invitation, the
conference file in and out, and a copy as the template for the next one.

Every function is one change in one transaction: it checks that the actor organises the
conference (``rules.can_organise``), locks the conference's row, writes, and records an
audit entry (``conference.*``). Set-up data has no live clients, so no forum events are
recorded, as in ``services.setup``. Values arrive parsed and bounded (the pages' forms);
what only the database can tell (a taken code, a title used twice) is checked here and
refused with a message that says what to change.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from workshops import rules
from workshops.actors import Actor
from workshops.codes import new_join_code, normalize_join_code
from workshops.conference_file import conference_data
from workshops.exceptions import ServiceError
from workshops.models import (
    ActionField,
    AuditEntry,
    Conference,
    Forum,
    GuidingGoal,
    Invitation,
    SubGoal,
)
from workshops.services.events import roles_revoked
from workshops.services.setup import load_conference

# How long an invitation link works.
INVITATION_DAYS = 14
_CODE_ATTEMPTS = 100


@dataclass(frozen=True)
class Details:
    """A conference's details as the details page gives them."""

    title: str
    motto: str = ""
    date: datetime.date | None = None
    venue: str = ""
    languages: tuple[str, ...] = ("de", "en")
    stakeholder_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForumPlan:
    """A forum as the forums page gives it: ``fields`` are action field ids, ``code`` a
    join code to fix (``""``: keep the forum's own, or a new one for a new forum)."""

    title: str
    kind: str = Forum.Kind.WORKSHOP
    fields: tuple[int, ...] = ()
    room: str = ""
    starts_at: datetime.time | None = None
    ends_at: datetime.time | None = None
    code: str = ""


@dataclass
class Sent:
    """An invitation just made, with the link (shown once: only its hash is stored)."""

    invitation: Invitation
    link: str
    forums: list = field(default_factory=list)


def _refuse(message, field_name: str | None = None) -> ServiceError:
    return ServiceError(ServiceError.INVALID, message, field=field_name)


def _require_organiser(actor: Actor) -> None:
    if not rules.is_organiser(actor):
        raise ServiceError(
            ServiceError.FORBIDDEN, _("Only the city's organisers can prepare conferences.")
        )


def _lock(actor: Actor, conference: Conference) -> Conference:
    """The conference, locked, for an actor who organises it."""
    if not rules.can_organise(actor, conference):
        raise ServiceError(ServiceError.FORBIDDEN, _("You do not organise this conference."))
    return Conference.objects.select_for_update().get(pk=conference.pk)


def _audit(conference: Conference, actor: Actor, action: str, data=None, forum=None) -> None:
    AuditEntry.objects.create(
        conference=conference,
        forum=forum,
        action=action,
        actor_user_id=actor.user_id,
        data=data or {},
    )


def _check_details(details: Details) -> None:
    if not details.title.strip():
        raise _refuse(_("Give the conference a title."), "title")
    known = {code for code, _name in settings.LANGUAGES}
    if not details.languages:
        raise _refuse(_("Offer at least one language."), "languages")
    unknown = [code for code in details.languages if code not in known]
    if unknown:
        raise _refuse(_("Unknown language: %(code)s.") % {"code": unknown[0]}, "languages")
    if len(set(details.stakeholder_groups)) != len(details.stakeholder_groups):
        raise _refuse(_("A stakeholder group is listed twice."), "stakeholder_groups")


def _details_values(details: Details) -> dict:
    return {
        "title": details.title.strip(),
        "motto": details.motto.strip(),
        "date": details.date,
        "venue": details.venue.strip(),
        "languages": list(details.languages),
        "stakeholder_groups": list(details.stakeholder_groups),
    }


def _check_slug(slug: str) -> str:
    if not slug or slugify(slug) != slug:
        raise _refuse(
            _("The short name may contain only lower-case letters, digits and dashes."), "slug"
        )
    if Conference.objects.filter(slug=slug).exists():
        raise _refuse(
            _("The short name %(slug)s is taken by another conference; choose another.")
            % {"slug": slug},
            "slug",
        )
    return slug


def create_conference(*, actor: Actor, slug: str, details: Details) -> Conference:
    """A new conference (organisers), with the actor as its organiser. Refused: no title,
    a taken or malformed short name (``slug``), unknown languages. Records
    ``conference.created``."""
    _require_organiser(actor)
    _check_details(details)
    try:
        with transaction.atomic():
            conference = Conference.objects.create(
                slug=_check_slug(slug), **_details_values(details)
            )
            conference.organisers.add(actor.user)
            _audit(conference, actor, "conference.created", {"slug": conference.slug})
    except IntegrityError:  # the same slug written at the same moment
        raise _refuse(
            _("The short name is taken by another conference; choose another."), "slug"
        ) from None
    return conference


@transaction.atomic
def change_details(*, actor: Actor, conference: Conference, details: Details) -> Conference:
    """Change the conference's details (its short name stays: it is in printed links).
    Records ``conference.details.changed`` with the names of what changed."""
    conference = _lock(actor, conference)
    _check_details(details)
    values = _details_values(details)
    changed = [name for name, value in values.items() if getattr(conference, name) != value]
    for name in changed:
        setattr(conference, name, values[name])
    if changed:
        conference.save(update_fields=changed)
        _audit(conference, actor, "conference.details.changed", {"fields": changed})
    return conference


# Action fields and their guiding goals.


def _field_of(conference: Conference, field_id: int) -> ActionField:
    found = ActionField.objects.filter(conference=conference, pk=field_id).first()
    if found is None:
        raise ServiceError(ServiceError.NOT_FOUND, _("This action field does not exist."))
    return found


def _check_field_title(conference: Conference, title: str, exclude: int | None = None) -> str:
    title = title.strip()
    if not title:
        raise _refuse(_("Give the action field a title."), "title")
    if conference.fields.filter(title=title).exclude(pk=exclude).exists():
        raise _refuse(_("The action field %(title)s exists already.") % {"title": title}, "title")
    return title


@transaction.atomic
def add_field(*, actor: Actor, conference: Conference, title: str, description: str = ""):
    """Add an action field after the others. Refused: no title, a title used already.
    Records ``conference.field.added``."""
    conference = _lock(actor, conference)
    title = _check_field_title(conference, title)
    position = (conference.fields.aggregate(p=Max("position"))["p"] or 0) + 1
    created = ActionField.objects.create(
        conference=conference, title=title, description=description.strip(), position=position
    )
    _audit(conference, actor, "conference.field.added", {"field": created.pk})
    return created


@transaction.atomic
def change_field(
    *, actor: Actor, conference: Conference, field_id: int, title: str, description: str
) -> ActionField:
    """Rename an action field or change its description. Records
    ``conference.field.changed``."""
    conference = _lock(actor, conference)
    target = _field_of(conference, field_id)
    target.title = _check_field_title(conference, title, exclude=target.pk)
    target.description = description.strip()
    target.save(update_fields=["title", "description"])
    _audit(conference, actor, "conference.field.changed", {"field": target.pk})
    return target


def _swap(rows: list, index: int, up: bool) -> bool:
    """Move ``rows[index]`` one place up or down, renumbering all positions 0..n-1."""
    other = index - 1 if up else index + 1
    if other < 0 or other >= len(rows):
        return False
    rows[index], rows[other] = rows[other], rows[index]
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position
            row.save(update_fields=["position"])
    return True


@transaction.atomic
def move_field(*, actor: Actor, conference: Conference, field_id: int, up: bool) -> bool:
    """Move an action field one place up or down (the order phones and exports use).
    Returns False at the end of the list. Records ``conference.field.moved``."""
    conference = _lock(actor, conference)
    target = _field_of(conference, field_id)
    rows = list(conference.fields.order_by("position", "id"))
    moved = _swap(rows, [r.pk for r in rows].index(target.pk), up)
    if moved:
        _audit(conference, actor, "conference.field.moved", {"field": target.pk, "up": up})
    return moved


@transaction.atomic
def remove_field(*, actor: Actor, conference: Conference, field_id: int) -> None:
    """Remove an action field nobody has proposed under yet. Refused: it has items, or
    it is a forum's only action field. Records ``conference.field.removed``."""
    conference = _lock(actor, conference)
    target = _field_of(conference, field_id)
    if target.items.exists():
        raise _refuse(_("This action field has proposals; it cannot be removed."))
    alone = [f.title for f in target.forums.all() if f.fields.count() == 1]
    if alone:
        raise _refuse(
            _("%(forum)s would have no action field left; give it another one first.")
            % {"forum": alone[0]}
        )
    _audit(
        conference, actor, "conference.field.removed", {"field": target.pk, "title": target.title}
    )
    target.delete()


@transaction.atomic
def add_guiding_goal(
    *, actor: Actor, conference: Conference, field_id: int, title: str
) -> GuidingGoal:
    """Add a guiding goal (Leitziel) to an action field, after its others. Records
    ``conference.guiding_goal.added``."""
    conference = _lock(actor, conference)
    target = _field_of(conference, field_id)
    title = title.strip()
    if not title:
        raise _refuse(_("Give the guiding goal a title."), "title")
    if target.guiding_goals.filter(title=title).exists():
        raise _refuse(_("This guiding goal exists already."), "title")
    position = (target.guiding_goals.aggregate(p=Max("position"))["p"] or 0) + 1
    goal = GuidingGoal.objects.create(field=target, title=title, position=position)
    _audit(conference, actor, "conference.guiding_goal.added", {"guiding_goal": goal.pk})
    return goal


def _goal_of(conference: Conference, goal_id: int) -> GuidingGoal:
    goal = GuidingGoal.objects.filter(field__conference=conference, pk=goal_id).first()
    if goal is None:
        raise ServiceError(ServiceError.NOT_FOUND, _("This guiding goal does not exist."))
    return goal


@transaction.atomic
def move_guiding_goal(*, actor: Actor, conference: Conference, goal_id: int, up: bool) -> bool:
    """Move a guiding goal one place up or down within its action field (its number in
    "Leitziel 2"). Records ``conference.guiding_goal.moved``."""
    conference = _lock(actor, conference)
    goal = _goal_of(conference, goal_id)
    rows = list(goal.field.guiding_goals.order_by("position", "id"))
    moved = _swap(rows, [r.pk for r in rows].index(goal.pk), up)
    if moved:
        _audit(conference, actor, "conference.guiding_goal.moved", {"guiding_goal": goal.pk})
    return moved


@transaction.atomic
def remove_guiding_goal(*, actor: Actor, conference: Conference, goal_id: int) -> None:
    """Remove a guiding goal and its sub-goals, unless proposals link to one of them.
    Records ``conference.guiding_goal.removed``."""
    conference = _lock(actor, conference)
    goal = _goal_of(conference, goal_id)
    if SubGoal.objects.filter(guiding_goal=goal, items__isnull=False).exists():
        raise _refuse(_("Proposals work towards this guiding goal; it cannot be removed."))
    _audit(conference, actor, "conference.guiding_goal.removed", {"title": goal.title})
    goal.delete()


@transaction.atomic
def add_sub_goal(*, actor: Actor, conference: Conference, goal_id: int, title: str) -> SubGoal:
    """Add a sub-goal (Teilziel) to a guiding goal. Records ``conference.sub_goal.added``."""
    conference = _lock(actor, conference)
    goal = _goal_of(conference, goal_id)
    title = title.strip()
    if not title:
        raise _refuse(_("Give the sub-goal a title."), "title")
    if goal.sub_goals.filter(title=title).exists():
        raise _refuse(_("This sub-goal exists already."), "title")
    position = (goal.sub_goals.aggregate(p=Max("position"))["p"] or 0) + 1
    sub = SubGoal.objects.create(guiding_goal=goal, title=title, position=position)
    _audit(conference, actor, "conference.sub_goal.added", {"sub_goal": sub.pk})
    return sub


@transaction.atomic
def remove_sub_goal(*, actor: Actor, conference: Conference, sub_goal_id: int) -> None:
    """Remove a sub-goal no proposal links to. Records ``conference.sub_goal.removed``."""
    conference = _lock(actor, conference)
    sub = SubGoal.objects.filter(guiding_goal__field__conference=conference, pk=sub_goal_id).first()
    if sub is None:
        raise ServiceError(ServiceError.NOT_FOUND, _("This sub-goal does not exist."))
    if sub.items.exists():
        raise _refuse(_("Proposals work towards this sub-goal; it cannot be removed."))
    _audit(conference, actor, "conference.sub_goal.removed", {"title": sub.title})
    sub.delete()


# Forums.


def _free_code(exclude: int | None = None) -> str:
    for _attempt in range(_CODE_ATTEMPTS):
        code = new_join_code()
        if not Forum.objects.filter(code=code).exists():
            return code
    raise _refuse(_("Could not find a free join code; try again."), "code")


def _check_forum(conference: Conference, plan: ForumPlan, forum: Forum | None) -> dict:
    title = plan.title.strip()
    if not title:
        raise _refuse(_("Give the forum a title."), "title")
    others = conference.forums.exclude(pk=forum.pk if forum else None)
    if others.filter(title=title).exists():
        raise _refuse(_("A forum of this conference has this title already."), "title")
    if plan.kind not in Forum.Kind.values:
        raise _refuse(_("Choose the kind of forum."), "kind")
    fields = list(conference.fields.filter(pk__in=plan.fields))
    if not fields or len(fields) != len(set(plan.fields)):
        raise _refuse(_("Choose at least one action field of this conference."), "fields")
    if plan.starts_at and plan.ends_at and plan.ends_at <= plan.starts_at:
        raise _refuse(
            _("The forum ends at %(end)s, before it starts at %(start)s.")
            % {"end": plan.ends_at.strftime("%H:%M"), "start": plan.starts_at.strftime("%H:%M")},
            "ends_at",
        )
    code = ""
    if plan.code:
        code = normalize_join_code(plan.code)
        if code is None:
            raise _refuse(_("A join code has 6 letters and digits (no O, I, L, 0 or 1)."), "code")
        if Forum.objects.filter(code=code).exclude(pk=forum.pk if forum else None).exists():
            raise _refuse(
                _("The join code %(code)s belongs to another forum; choose another.")
                % {"code": code},
                "code",
            )
    return {
        "title": title,
        "kind": plan.kind,
        "room": plan.room.strip(),
        "starts_at": plan.starts_at,
        "ends_at": plan.ends_at,
        "code": code,
        "fields": fields,
    }


def save_forum(
    *, actor: Actor, conference: Conference, plan: ForumPlan, forum_id: int | None = None
) -> Forum:
    """Add a forum (``forum_id`` None) or change one: title, kind, action fields, room,
    times and, optionally, a fixed join code. Refused: no title or one used already, no
    action field, an end not after the start, a malformed code or one another forum has.
    Records ``conference.forum.added`` or ``conference.forum.changed``."""
    try:
        with transaction.atomic():
            return _save_forum(actor, conference, plan, forum_id)
    except IntegrityError:  # a code taken at the same moment by another set-up
        raise _refuse(
            _("The join code was taken at the same moment; save again."), "code"
        ) from None


def _save_forum(actor, conference, plan, forum_id):
    conference = _lock(actor, conference)
    forum = None
    if forum_id is not None:
        forum = Forum.objects.filter(conference=conference, pk=forum_id).first()
        if forum is None:
            raise ServiceError(ServiceError.NOT_FOUND, _("This forum does not exist."))
    values = _check_forum(conference, plan, forum)
    fields = values.pop("fields")
    if forum is None:
        values["code"] = values["code"] or _free_code()
        position = (conference.forums.aggregate(p=Max("position"))["p"] or 0) + 1
        forum = Forum.objects.create(conference=conference, position=position, **values)
        action = "conference.forum.added"
    else:
        values["code"] = values["code"] or forum.code
        for name, value in values.items():
            setattr(forum, name, value)
        forum.save(update_fields=list(values))
        action = "conference.forum.changed"
    forum.fields.set(fields)
    _audit(conference, actor, action, {"code": forum.code}, forum=forum)
    return forum


@transaction.atomic
def remove_forum(*, actor: Actor, conference: Conference, forum_id: int) -> None:
    """Remove a forum that has not been used (no proposals, no rounds). Records
    ``conference.forum.removed``."""
    conference = _lock(actor, conference)
    forum = Forum.objects.filter(conference=conference, pk=forum_id).first()
    if forum is None:
        raise ServiceError(ServiceError.NOT_FOUND, _("This forum does not exist."))
    if forum.items.exists() or forum.rounds.exists():
        raise _refuse(_("This forum has been used; it cannot be removed."))
    _audit(
        conference, actor, "conference.forum.removed", {"title": forum.title, "code": forum.code}
    )
    forum.delete()


# The conference file, and a copy as the next one's template.


def import_conference(
    *, actor: Actor, data: dict, slug: str = "", new_codes: bool = False
) -> tuple[Conference, list[str]]:
    """A new conference from a conference file (parsed), through ``load_conference``:
    the same checks, all or nothing. ``slug`` replaces the file's short name, and
    ``new_codes`` drops the file's join codes (last year's file on the same server).
    The file's moderator accounts are not created here: moderators come by invitation.
    The actor becomes its organiser. Records ``conference.imported``."""
    _require_organiser(actor)
    if not isinstance(data, dict):
        raise _refuse(_("The file does not describe a conference."))
    data = dict(data)
    if data.get("moderators"):
        raise _refuse(
            _(
                "The file lists moderator accounts; invite moderators on the moderators' "
                "page instead and remove the [[moderators]] tables."
            )
        )
    data.pop("moderators", None)
    if slug or new_codes:
        block = data.get("conference")
        if isinstance(block, dict):
            block = data["conference"] = dict(block)
        else:
            block = data
        if slug:
            block["slug"] = slug
        if new_codes and isinstance(data.get("forums"), list):
            data["forums"] = [
                {k: v for k, v in f.items() if k != "code"} if isinstance(f, dict) else f
                for f in data["forums"]
            ]
    notes: list[str] = []
    with transaction.atomic():
        conference = load_conference(data=data, notes=notes)
        conference.organisers.add(actor.user)
        _audit(conference, actor, "conference.imported", {"slug": conference.slug})
    return conference, notes


@transaction.atomic
def copy_conference(
    *,
    actor: Actor,
    conference: Conference,
    slug: str,
    title: str,
    date: datetime.date | None = None,
) -> Conference:
    """The next conference from this one as its template: the details, action fields
    with guiding goals and sub-goals, and forums with rooms and times, without any
    proposal, moderator or invitation; every forum gets a new join code. The new one's
    ``previous`` is this one (its measures can be brought in for evaluation), and the
    actor and this conference's organisers organise it. Records ``conference.copied``
    on both."""
    source = _lock(actor, conference)
    data = conference_data(source)
    data["conference"].update(slug=_check_slug(slug), title=title.strip(), date=date)
    if not data["conference"]["title"]:
        raise _refuse(_("Give the conference a title."), "title")
    for forum in data["forums"]:
        del forum["code"]
    copy = load_conference(data=data)
    copy.previous = source
    copy.save(update_fields=["previous"])
    copy.organisers.set([*source.organisers.all(), actor.user])
    _audit(copy, actor, "conference.copied", {"from": source.slug})
    _audit(source, actor, "conference.copied", {"to": copy.slug})
    return copy


# Moderators by invitation.


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_moderator(
    *, actor: Actor, conference: Conference, name: str, email: str, forum_ids, site: str
) -> Sent:
    """Invite someone to moderate the chosen forums. A one-time link (``site`` + path)
    lets them set their own password; it is e-mailed after commit (Django's e-mail
    framework) and returned to be shown once. Refused: no name, no forum of this
    conference, an address with an invitation still pending for this conference.
    Records ``conference.invitation.sent`` (no address in the log)."""
    with transaction.atomic():
        conference = _lock(actor, conference)
        name = name.strip()
        email = email.strip()
        if not name:
            raise _refuse(_("Give the moderator's name."), "name")
        forums = list(conference.forums.filter(pk__in=set(forum_ids)).order_by("position", "id"))
        if not forums or len(forums) != len(set(forum_ids)):
            raise _refuse(_("Choose at least one forum of this conference."), "forums")
        now = timezone.now()
        pending = conference.invitations.filter(
            email__iexact=email, accepted_at=None, expires_at__gt=now
        )
        if pending.exists():
            raise _refuse(
                _(
                    "%(email)s has been invited already and has not answered yet; the "
                    "invitation is listed below."
                )
                % {"email": email},
                "email",
            )
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            conference=conference,
            name=name,
            email=email,
            token_hash=token_hash(token),
            expires_at=now + datetime.timedelta(days=INVITATION_DAYS),
            invited_by=actor.user,
        )
        invitation.forums.set(forums)
        _audit(
            conference,
            actor,
            "conference.invitation.sent",
            {"invitation": invitation.pk, "forums": [f.pk for f in forums]},
        )
        link = site.rstrip("/") + reverse("workshops:invitation", args=[token])
        language = translation.get_language()
        transaction.on_commit(lambda: _send_invitation(invitation, forums, link, language))
    return Sent(invitation=invitation, link=link, forums=forums)


def _send_invitation(invitation: Invitation, forums, link: str, language: str) -> None:
    with translation.override(language):
        context = {
            "invitation": invitation,
            "conference": invitation.conference,
            "forums": forums,
            "link": link,
            "days": INVITATION_DAYS,
        }
        subject = str(
            _("Invitation to moderate: %(title)s") % {"title": invitation.conference.title}
        )
        body = render_to_string("workshops/organise/invitation_email.txt", context)
    # A mail server that is down must not lose the invitation: the organiser has the
    # link on the page to pass on by hand.
    send_mail(subject, body, None, [invitation.email], fail_silently=True)


def invitation_by_token(token: str) -> Invitation:
    """The invitation of a link that still works; ``not_found`` for an unknown link,
    ``closed`` for a used or expired one (each with the sentence the page shows)."""
    invitation = (
        Invitation.objects.filter(token_hash=token_hash(token)).select_related("conference").first()
    )
    if invitation is None:
        raise ServiceError(ServiceError.NOT_FOUND, _("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise ServiceError(
            ServiceError.CLOSED,
            _("This invitation has been used already. Log in with your e-mail address."),
        )
    if invitation.expires_at <= timezone.now():
        raise ServiceError(
            ServiceError.CLOSED,
            _("This invitation has expired. Ask the organisers for a new one."),
        )
    return invitation


def invitation_account(invitation: Invitation):
    """The existing account of the invited address, if any (matched by user name, which
    is the address for accounts made by invitation, or by e-mail)."""
    users = get_user_model()
    return (
        users.objects.filter(username__iexact=invitation.email).first()
        or users.objects.filter(email__iexact=invitation.email).order_by("pk").first()
    )


def accept_invitation(*, token: str, password: str):
    """Accept an invitation: a new account (user name and e-mail: the invited address)
    with the password chosen, checked by Django's password validators; or, for an
    address that has an account already, that account after its own password is given
    (an invitation never sets the password of an existing account). The account then
    moderates the invitation's forums. The link works once. Records
    ``conference.invitation.accepted``. Returns the account."""
    users = get_user_model()
    with transaction.atomic():
        invitation = invitation_by_token(token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:  # accepted in another tab meanwhile
            raise ServiceError(ServiceError.CLOSED, _("This invitation has been used already."))
        user = invitation_account(invitation)
        if user is not None:
            if not user.is_active:
                raise _refuse(_("The account of this address is switched off; ask the organisers."))
            if not user.check_password(password):
                raise _refuse(
                    _("This is not the password of the account of %(email)s.")
                    % {"email": invitation.email},
                    "password",
                )
        else:
            user = users(username=invitation.email.lower(), email=invitation.email)
            user.first_name = invitation.name[: users._meta.get_field("first_name").max_length]
            try:
                password_validation.validate_password(password, user=user)
            except ValidationError as exc:
                raise _refuse(" ".join(exc.messages), "password") from None
            user.set_password(password)
            user.save()
        for forum in invitation.forums.all():
            forum.moderators.add(user)
        invitation.accepted_at = timezone.now()
        invitation.user = user
        invitation.save(update_fields=["accepted_at", "user"])
        AuditEntry.objects.create(
            conference=invitation.conference,
            action="conference.invitation.accepted",
            actor_user=user,
            data={"invitation": invitation.pk},
        )
    return user


@transaction.atomic
def withdraw_invitation(*, actor: Actor, conference: Conference, invitation_id: int) -> None:
    """Withdraw a pending invitation: its link stops working. Records
    ``conference.invitation.withdrawn``."""
    conference = _lock(actor, conference)
    invitation = conference.invitations.filter(pk=invitation_id, accepted_at=None).first()
    if invitation is None:
        raise ServiceError(ServiceError.NOT_FOUND, _("This invitation is not pending."))
    _audit(conference, actor, "conference.invitation.withdrawn", {"invitation": invitation.pk})
    invitation.delete()


@transaction.atomic
def remove_forum_moderator(*, actor: Actor, conference: Conference, forum_id: int, user_id: int):
    """Take a moderator off one forum. Records ``conference.forum.moderator.removed``;
    after commit their open consoles of the forum are closed with 4403, unless they
    still run it another way (a moderator or organiser of the whole conference)."""
    conference = _lock(actor, conference)
    forum = Forum.objects.filter(conference=conference, pk=forum_id).first()
    if forum is None or not forum.moderators.filter(pk=user_id).exists():
        raise ServiceError(ServiceError.NOT_FOUND, _("This person does not moderate this forum."))
    forum.moderators.remove(user_id)
    _audit(conference, actor, "conference.forum.moderator.removed", {"user": user_id}, forum=forum)
    removed = get_user_model().objects.get(pk=user_id)
    if not rules.can_moderate(Actor(user=removed), forum):
        roles_revoked(forum_ids=[forum.pk], user_id=user_id)


# The conference's state on the organiser's home.

PREPARATION = "preparation"
RUNNING = "running"
PUBLISHED = "published"
FOLLOW_UP = "follow_up"
STATES = {
    PREPARATION: _("in preparation"),
    RUNNING: _("running"),
    PUBLISHED: _("results published"),
    FOLLOW_UP: _("in follow-up"),
}


def conference_state(conference: Conference, today: datetime.date | None = None) -> str:
    """In preparation until its day; running from its day until the results are
    published; then results published, and in follow-up once leads report on the
    adopted measures (a reporting date or a lead)."""
    today = today or timezone.localdate()
    if conference.results_published:
        if conference.report_due is not None or conference.leads.exists():
            return FOLLOW_UP
        return PUBLISHED
    if conference.date is not None and conference.date <= today:
        return RUNNING
    return PREPARATION
