"""The propose form's texts in Leichte Sprache (easy German), for German readers who
switch it on (workshops/wording.py, docs/accessibility-privacy.md "Plain words and
Leichte Sprache").

Leichte Sprache is a way of writing German, not a language of its own: these msgids
(English, context "Leichte Sprache", written out in each call so that the
extractor sees it) are translated into German alone and used only while the page
speaks German. So this module is not among tools/messages.py's participant-facing
modules (which need every language); the German catalogue holds them
(tests/test_translations.py checks every msgid in German).

The rules followed: short sentences, one statement each, compound words split with a
hyphen ("Sprach-Kurse"), numbers as digits, the reader addressed as "Sie".
"""

from django.utils.translation import pgettext_lazy

KINDS = {
    "need": {
        "question": pgettext_lazy("Leichte Sprache", "What is missing? What is a problem here?"),
        "example": pgettext_lazy(
            "Leichte Sprache", "For example: There are few language courses in the evening."
        ),
    },
    "goal": {
        "question": pgettext_lazy("Leichte Sprache", "What should get better?"),
        "example": pgettext_lazy(
            "Leichte Sprache", "For example: Everybody can go to a language course in the evening."
        ),
    },
    "measure": {
        "question": pgettext_lazy("Leichte Sprache", "What do we do? Who does it?"),
        "example": pgettext_lazy(
            "Leichte Sprache",
            "For example: The adult education centre offers 2 courses in the evening.",
        ),
    },
}

TEXTS = {
    "steps_heading": pgettext_lazy("Leichte Sprache", "How it works"),
    "steps": [
        pgettext_lazy("Leichte Sprache", "Choose a topic."),
        pgettext_lazy("Leichte Sprache", "Choose: need, goal or measure."),
        pgettext_lazy("Leichte Sprache", "Write your idea. Write short sentences."),
        pgettext_lazy("Leichte Sprache", "Press the button: Send proposal."),
    ],
    "field_label": pgettext_lazy("Leichte Sprache", "Topic"),
    "kind_legend": pgettext_lazy("Leichte Sprache", "What is your idea?"),
    "text_label": pgettext_lazy("Leichte Sprache", "Your idea"),
}
