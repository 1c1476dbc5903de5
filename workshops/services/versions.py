"""Versions of an item in other languages, written by people: its author, the forum's
moderators or the conference's interpreters (``rules.can_translate``). No outside
translation service is used.

A version lives on the item (``Item.versions``, {language: text}), so every exit that
shows an item carries its versions with it, and the one visibility rule
(workshops/visibility.py) drops them with the text of an item that is not shown.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from workshops import rules
from workshops.actors import Actor
from workshops.exceptions import ServiceError
from workshops.models import Item
from workshops.selectors import item_data
from workshops.services.events import audit
from workshops.services.items import _lock_with_plenaries, clean_text

# Every conference is documented in German, whatever languages it offers.
DOCUMENT_LANGUAGE = "de"


def version_languages(conference) -> list[str]:
    """The languages a version may be written in: German and those the conference offers."""
    offered = [code for code in conference.languages if isinstance(code, str)]
    return [DOCUMENT_LANGUAGE, *(c for c in offered if c != DOCUMENT_LANGUAGE)]


def _check_language(conference, item: Item, language) -> str:
    allowed = version_languages(conference)
    if not isinstance(language, str) or language not in allowed:
        raise ServiceError(
            ServiceError.INVALID,
            _("Choose one of the conference's languages for the translation."),
            field="language",
        )
    if language == item.language:
        raise ServiceError(
            ServiceError.INVALID,
            _("The proposal is written in this language already. Choose another one."),
            field="language",
        )
    return language


def _check_allowed(actor: Actor, item: Item) -> None:
    forum = item.forum
    if not rules.can_translate(actor, forum, item):
        raise ServiceError(
            ServiceError.FORBIDDEN,
            _(
                "Only the person who proposed this, the moderators and the interpreters "
                "can translate it."
            ),
        )
    if item.status == Item.Status.MERGED:
        raise ServiceError(ServiceError.INVALID, _("This item was merged into another one."))
    if item.status != Item.Status.VISIBLE and not rules.can_moderate(actor, forum):
        raise ServiceError(
            ServiceError.INVALID,
            _("This proposal is not shown at the moment, so it cannot be translated."),
        )


def _role(actor: Actor, item: Item) -> str:
    if rules.is_author(actor, item):
        return "author"
    return "moderator" if rules.can_moderate(actor, item.forum) else "interpreter"


def _write(actor: Actor, item: Item, language, text, *, remove: bool = False) -> Item:
    """Set (``text``) or remove (``remove``) one version under the forum's lock; records
    ``item.updated`` (and in the plenaries) and an audit entry."""
    _check_allowed(actor, item)  # before the lock: a refused change costs none
    forum, echo = _lock_with_plenaries(item.forum)
    item = Item.objects.select_related("author", "forum").get(pk=item.pk)
    item.forum = forum
    _check_allowed(actor, item)
    language = _check_language(forum.conference, item, language)
    text = None if remove else clean_text(text)
    versions = dict(item.versions or {})
    before = versions.get(language)
    if remove:
        if before is None:
            return item
        del versions[language]
    else:
        if before == text:
            return item
        versions[language] = text
    item.versions = dict(sorted(versions.items()))
    item.save(update_fields=["versions", "updated_at"])
    echo.record(forum, "item.updated", item_data(item))
    echo.finish()
    action = "forum.item.version_removed" if remove else "forum.item.version_set"
    audit(
        forum,
        actor,
        action,
        {"item": item.pk, "language": language, "by": _role(actor, item), "after": text},
    )
    return item


@transaction.atomic
def set_item_version(*, actor: Actor, item: Item, language, text) -> Item:
    """Write the item's version in ``language`` (German or a language the conference
    offers, not the item's own), with the same limits and cleaning as a proposal
    (``items.clean_text``). Allowed: ``rules.can_translate``; an item that is not shown
    only for moderators."""
    return _write(actor, item, language, text)


@transaction.atomic
def remove_item_version(*, actor: Actor, item: Item, language) -> Item:
    """Remove the item's version in ``language`` (same permissions as setting it)."""
    return _write(actor, item, language, None, remove=True)


def translate_item(
    *, actor: Actor, forum, item, language, translation="", remove: bool = False
) -> Item:
    """A version written or removed (``remove``) from a forum's page or socket: ``item``
    is an id of an item this forum shows (in a plenary, one of the conference's pool);
    ``translation`` the version's text."""
    from workshops.services.items import _visible_in

    target = _visible_in(forum, item)
    if remove:
        return remove_item_version(actor=actor, item=target, language=language)
    return set_item_version(actor=actor, item=target, language=language, text=translation)
