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
