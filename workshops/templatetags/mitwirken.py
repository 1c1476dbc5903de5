"""Template helpers shared with static/js (the same sentences, see views.live_texts)."""

from django import template

from workshops.methods import method_of

register = template.Library()


def format_tally(method: str, tally: dict | None) -> str:
    """The tally as a sentence (``VotingMethod.tally_text``); static/js/tally.js writes
    the same one."""
    return method_of(method).tally_text(tally)


@register.simple_tag
def tally_text(method, tally):
    return format_tally(method, tally)


@register.simple_tag
def method_label(method):
    """A method's name for people, e.g. "Dot voting"."""
    return method_of(method).label


@register.simple_tag
def item_versions(language, versions):
    """The versions shown beneath an item's text for the page's reader
    (languages.versions_shown): ``{% item_versions item.language item.versions as shown %}``."""
    from django.utils.translation import get_language

    from workshops.languages import versions_shown

    return versions_shown(language or "", versions, get_language())


@register.filter
def local_title(obj):
    """A forum's or action field's title in the page's language (languages.title_for)."""
    from django.utils.translation import get_language

    from workshops.languages import title_for

    return title_for(obj, get_language())


@register.filter
def points_left(n):
    """The phone's status line for ``n`` dot-voting points left (phone_task.points_left;
    static/js/task.js writes the same)."""
    from workshops.phone_task import points_left as sentence

    return sentence(int(n))


@register.simple_tag(takes_context=True)
def item_author(context, item):
    """The author's name of a shown item as the page's audience may see it
    (workshops/visibility.py): ``{% item_author item as author %}``. The projector's page
    sets ``audience``; pages without one are the phones' and the console's."""
    from workshops.visibility import PARTICIPANT, author_for

    return author_for(context.get("audience") or PARTICIPANT, item)
