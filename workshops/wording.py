"""The words the phone's propose form uses to say what each kind of item is: for need,
goal and measure a question and an example next to its name (the icon is in
templates/workshops/_kind_icon.html), in every language of the phone; and, for German
readers who switch it on, the same in Leichte Sprache (workshops/leichte_sprache.py).
docs/accessibility-privacy.md, "Plain words and Leichte Sprache".

The switch is kept in the session (``EASY_SESSION_KEY``, set by
``workshops.languages.set_easy_language``), like the language itself.
"""

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from workshops import leichte_sprache
from workshops.models import Item

EASY_SESSION_KEY = "mitwirken_easy_language"

KINDS = {
    Item.Kind.NEED: {
        "question": _("What is missing?"),
        "example": _("e.g. “There are too few language courses in the evening”"),
    },
    Item.Kind.GOAL: {
        "question": _("What do we want to achieve?"),
        "example": _("e.g. “Everyone who works can learn German in the evening”"),
    },
    Item.Kind.MEASURE: {
        "question": _("What exactly do we do?"),
        "example": _("e.g. “The adult education centre offers two evening courses”"),
    },
}


def easy_offered() -> bool:
    """Leichte Sprache is German: offered while the page speaks German."""
    return (get_language() or "").split("-")[0] == "de"


def easy_active(session) -> bool:
    """Whether the reader switched Leichte Sprache on (and the page speaks German)."""
    return bool(session.get(EASY_SESSION_KEY)) and easy_offered()


def propose_words(easy: bool) -> dict:
    """The propose form's words: ``kinds`` [{value, label, question, example}] and, in
    Leichte Sprache, ``easy`` (the steps and the form's labels; None otherwise)."""
    kinds = []
    for value, label in Item.Kind.choices:
        words = dict(leichte_sprache.KINDS[value] if easy else KINDS[value])
        kinds.append({"value": value, "label": label, **words})
    return {"kinds": kinds, "easy": leichte_sprache.TEXTS if easy else None}
