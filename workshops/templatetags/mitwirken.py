"""Template helpers shared with static/js (the same sentences, see views.live_texts)."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

# One sentence per method; static/js/phone.js fills the same ones (live_texts["tally"]).
TALLY_FORMATS = {
    "support": _("Support: %(support)s"),
    "dots": _("Points: %(dots)s"),
    "consent": _(
        "Resistance %(resistance)s (mean %(mean)s, %(votes)s votes, %(vetoes)s strong objections)"
    ),
    "adoption": _("Yes %(yes)s · No %(no)s · Abstain %(abstain)s (%(share)s %% yes)"),
}
OUTLIER = _("one strong objection, hear it")
HIDDEN = _("Results after the round")
ANALOG = _("on paper")


def _number(value):
    """A fraction in the active language's way (3,5 in German, 3.5 in English)."""
    from django.utils.formats import number_format

    return number_format(value) if isinstance(value, float) else value


def _values(tally: dict) -> dict:
    values = {k: ("–" if v is None else _number(v)) for k, v in tally.items() if k != "analog"}
    values.setdefault("vetoes", 0)
    if "yes" in tally:
        cast = tally["yes"] + tally["no"]
        values["share"] = round(100 * tally["yes"] / cast) if cast else "–"
    return values


def format_tally(method: str, tally: dict | None) -> str:
    """The tally as a sentence; static/js/ballot.js (tallyText) writes the same one."""
    if not tally:
        return str(HIDDEN)
    text = str(TALLY_FORMATS[method]) % _values(tally)
    if tally.get("outlier"):
        text += f" · {OUTLIER}"
    analog = tally.get("analog")
    if analog:
        text += f" + {ANALOG}: " + str(TALLY_FORMATS[method]) % _values(analog)
    return text


@register.simple_tag
def tally_text(method, tally):
    return format_tally(method, tally)


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
