"""Permissions as named predicates.

Services call these before they change anything, and templates use the same ones to
show only what a person may do, so a page never offers what the service would refuse.
"""

from django.db.models import Exists, Q

from workshops.actors import Actor
from workshops.models import Conference, Forum


def _active_user(actor: Actor):
    user = actor.user
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return user


def is_moderator(actor: Actor, conference: Conference | int) -> bool:
    """Runs the whole conference: a superuser, one of its organisers or one of its
    (conference-wide) moderators. The conference-wide pages (exports before the results
    are published, the measures, the print kit) are theirs; a forum's own moderators
    (``Forum.moderators``) run only that forum's console and screen (``can_moderate``)."""
    user = _active_user(actor)
    if user is None:
        return False
    if user.is_superuser:
        return True
    conference_id = conference if isinstance(conference, int) else conference.pk
    return Conference.objects.filter(
        Q(moderators=user.pk) | Q(organisers=user.pk), pk=conference_id
    ).exists()


def moderated_conferences(actor: Actor):
    """The conferences this person runs as a whole (every one for a superuser), for the
    lists a moderator chooses from: another city's conference is never offered."""
    user = _active_user(actor)
    if user is None:
        return Conference.objects.none()
    if user.is_superuser:
        return Conference.objects.all()
    return Conference.objects.filter(Q(moderators=user.pk) | Q(organisers=user.pk)).distinct()


def can_follow_up(actor: Actor, conference: Conference | int) -> bool:
    """The staff who follow up the adopted measures (leads, their links, indicators,
    the reporting date): the conference's moderators and organisers."""
    if is_moderator(actor, conference):
        return True
    user = actor.user
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    conference_id = conference if isinstance(conference, int) else conference.pk
    return user.organised_conferences.filter(pk=conference_id).exists()


def is_participant(actor: Actor, conference: Conference | int) -> bool:
    conference_id = conference if isinstance(conference, int) else conference.pk
    return actor.participant is not None and actor.participant.conference_id == conference_id


def can_moderate(actor: Actor, forum: Forum) -> bool:
    """Runs this forum (console, screen, its socket as a moderator): whoever runs the
    whole conference (``is_moderator``), or one of this forum's own moderators; a
    moderator of Fachforum 2 alone cannot run Fachforum 3."""
    user = _active_user(actor)
    if user is None:
        return False
    if user.is_superuser:
        return True
    # One query, on the conference and the role tables only: a refused command must not
    # read the forum row the services lock after this check.
    own = Forum.moderators.through.objects.filter(forum_id=forum.pk, user_id=user.pk)
    return Conference.objects.filter(
        Q(moderators=user.pk) | Q(organisers=user.pk) | Exists(own), pk=forum.conference_id
    ).exists()


def can_take_part(actor: Actor, forum: Forum) -> bool:
    """May propose at all (proposals may still be closed): a participant or a moderator."""
    return is_participant(actor, forum.conference_id) or can_moderate(actor, forum)


def can_propose(actor: Actor, forum: Forum) -> bool:
    """Moderators may always add items (they capture what the room says); participants
    only while proposals are open."""
    if can_moderate(actor, forum):
        return True
    return is_participant(actor, forum.conference_id) and forum.proposals_open


def can_view_results(actor: Actor, conference: Conference) -> bool:
    """The exports: the conference's moderators (and staff) always, everyone once the
    conference has published its results."""
    if conference.results_published or is_moderator(actor, conference):
        return True
    user = actor.user
    return user is not None and user.is_authenticated and user.is_active and user.is_staff


def is_author(actor: Actor, item) -> bool:
    """The participant who proposed the item (items a moderator added have no author)."""
    return actor.participant is not None and item.author_id == actor.participant.pk


def can_change_own_item(actor: Actor, forum: Forum, item, *, held: bool) -> bool:
    """Its author may edit or withdraw a proposal while proposals are open, the item is
    shown, and nothing holds it yet (``held``: a voting round, the plenary, a decision,
    or proposals merged into it; see services.items.held_items)."""
    return is_author(actor, item) and forum.proposals_open and item.status == "visible" and not held


ORGANISE_PERMISSION = "workshops.organise"


def is_organiser(actor: Actor) -> bool:
    """May open the organiser's pages and create conferences: superusers, and accounts
    given the permission "May organise conferences" (manage.py make_organiser)."""
    user = _active_user(actor)
    return user is not None and (user.is_superuser or user.has_perm(ORGANISE_PERMISSION))


def can_organise(actor: Actor, conference: Conference) -> bool:
    """May prepare this conference: an organiser who is one of its organisers (another
    city's conference is not theirs), or a superuser."""
    user = _active_user(actor)
    if user is None or not is_organiser(actor):
        return False
    return user.is_superuser or conference.organisers.filter(pk=user.pk).exists()


def organised_conferences(actor: Actor):
    """The conferences the organiser's home lists (every one for a superuser)."""
    user = _active_user(actor)
    if user is None or not is_organiser(actor):
        return Conference.objects.none()
    if user.is_superuser:
        return Conference.objects.all()
    return user.organised_conferences.all()


def is_interpreter(actor: Actor, conference: Conference | int) -> bool:
    """A signed-in person the organiser named an interpreter of this conference."""
    user = _active_user(actor)
    if user is None:
        return False
    conference_id = conference if isinstance(conference, int) else conference.pk
    return user.interpreted_conferences.filter(pk=conference_id).exists()


def can_translate(actor: Actor, forum: Forum, item) -> bool:
    """May write or remove versions of the item in other languages (services.versions):
    its author, the forum's moderators, and the conference's interpreters."""
    return (
        is_author(actor, item)
        or can_moderate(actor, forum)
        or is_interpreter(actor, forum.conference_id)
    )
