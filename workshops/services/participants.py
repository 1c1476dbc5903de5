"""Joining a conference from a phone."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from workshops.exceptions import ServiceError
from workshops.models import Conference, Participant
from workshops.text import clean_user_text

NAME_MAX = 60


def offered_languages(conference: Conference) -> list[str]:
    from django.conf import settings

    known = [code for code, _name in settings.LANGUAGES]
    offered = [code for code in conference.languages if code in known]
    return offered or known[:2]


@transaction.atomic
def join_conference(
    *,
    conference: Conference,
    participant: Participant | None = None,
    name: str = "",
    group: str = "",
    language: str = "",
    name_on_screen: bool = False,
) -> Participant:
    """Make the person a participant of the conference, or update who they said they are.

    ``participant`` is the one this browser already has (from its session); joining again
    keeps it. A participant of another conference is not reused: the person joins this one
    anew. Name, group and language are optional; a group or language the conference does
    not offer is refused. ``name_on_screen``: the person agrees that the projector shows
    their name next to their proposals (workshops/visibility.py); off unless chosen.
    """
    name = clean_user_text(name or "")
    if len(name) > NAME_MAX:
        raise ServiceError(
            ServiceError.INVALID,
            _("The name is too long: at most %(limit)d characters.") % {"limit": NAME_MAX},
            field="name",
        )
    group = (group or "").strip()
    if group and group not in conference.stakeholder_groups:
        raise ServiceError(
            ServiceError.INVALID, _("Choose a group from the list, or none."), field="group"
        )
    language = (language or "").strip()
    if language and language not in offered_languages(conference):
        raise ServiceError(
            ServiceError.INVALID, _("Choose a language from the list."), field="language"
        )
    if participant is not None and participant.conference_id == conference.pk:
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        participant.display_name = name
        participant.group = group
        participant.language = language
        participant.name_on_screen = name_on_screen
        participant.save(update_fields=["display_name", "group", "language", "name_on_screen"])
        return participant
    return Participant.objects.create(
        conference=conference,
        display_name=name,
        group=group,
        language=language,
        name_on_screen=name_on_screen,
    )
