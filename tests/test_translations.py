"""The catalogs are complete: every participant-facing msgid (tools/messages.py says
which) in German, Turkish, Arabic, Ukrainian and Russian; every msgid in German; the
placeholders of each translation are those of its msgid; `make messages` compiled them."""

import re

import pytest
from django.conf import settings
from django.utils import translation

from tools import messages

PARTICIPANT_LANGUAGES = ["de", "tr", "ar", "uk", "ru"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")


@pytest.fixture(scope="module")
def participant_messages():
    return messages.participant_messages()


def test_the_six_languages_are_the_configured_ones():
    assert [code for code, _name in settings.LANGUAGES] == ["de", "en"] + PARTICIPANT_LANGUAGES[1:]


@pytest.mark.parametrize("language", PARTICIPANT_LANGUAGES)
def test_every_participant_facing_message_is_translated(participant_messages, language):
    assert len(participant_messages) > 150
    missing = [msgid for _context, msgid in messages.missing(language, participant_messages)]
    assert missing == [], (
        f"{language}: {len(missing)} untranslated (python -m tools.messages append {language})"
    )


def test_every_message_is_translated_into_german():
    missing = [msgid for _context, msgid in messages.missing("de", messages.all_messages())]
    assert missing == []


def test_every_template_is_classified_as_participant_facing_or_not():
    templates = {
        p.relative_to(messages.ROOT).as_posix()
        for p in (messages.ROOT / "templates").rglob("*.html")
    }
    classified = set(messages.PARTICIPANT_TEMPLATES) | set(messages.MODERATOR_TEMPLATES)
    assert templates - classified == set(), "add new templates to tools/messages.py"


@pytest.mark.parametrize("language", PARTICIPANT_LANGUAGES)
def test_translations_keep_the_placeholders_of_their_msgid(language):
    catalog = messages.read_catalog(language)
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        allowed = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            found = set(PLACEHOLDER.findall(string))
            # a plural form may leave out the number ("one person"), never add one
            if not found <= allowed or (len(strings) == 1 and found != allowed):
                wrong.append((message.id, string))
    assert wrong == []


@pytest.mark.parametrize(
    "language,text",
    [
        ("de", "Zum Inhalt springen"),
        ("tr", "İçeriğe geç"),
        ("ar", "انتقل إلى المحتوى"),
        ("uk", "Перейти до змісту"),
        ("ru", "Перейти к содержанию"),
    ],
)
def test_the_compiled_catalogs_are_in_use(language, text):
    with translation.override(language):
        assert translation.gettext("Skip to content") == text
