"""The gettext catalogs: which msgids the code uses, which of them participants see, and
which translations are missing. No system gettext needed (Babel and Django only).

    python -m tools.messages missing            # participant-facing msgids missing per language
    python -m tools.messages missing --all      # every msgid (the full catalog: de)
    python -m tools.messages append LANG [--all]
    python -m tools.messages dedupe             # drop repeated entries (after a merge)

``append`` adds the missing msgids at the END of locale/LANG/LC_MESSAGES/django.po with an
empty msgstr (a new catalog is created with its header), so existing entries are never
reordered or rewrapped; then translate the new block and run ``make messages``.

*Participant-facing* means: used in a template a participant's browser shows
(``PARTICIPANT_TEMPLATES``), in a Python module whose messages reach a participant's
phone (``PARTICIPANT_MODULES``: the services' errors, the socket's refusals, the tally
sentences, the pages' messages), or a model choice shown on the phone
(``PARTICIPANT_CHOICES``). Those must exist in every language of ``LANGUAGES``; all
other msgids (console, admin, set-up) need German and English only (English is the
source).
"""

import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"

PARTICIPANT_TEMPLATES = [
    "templates/base.html",
    "templates/workshops/landing.html",
    "templates/workshops/join.html",
    "templates/workshops/phone.html",
    "templates/workshops/screen.html",
    "templates/workshops/not_found.html",
    "templates/workshops/throttled.html",
    "templates/workshops/forbidden.html",
    "templates/workshops/privacy.html",
    "templates/workshops/accessibility.html",
    "templates/workshops/_ballot.html",
    "templates/workshops/_task.html",
    "templates/workshops/_code_form.html",
    "templates/workshops/_item.html",
    "templates/workshops/_item_body.html",
    "templates/workshops/methods/support.html",
    "templates/workshops/methods/dots.html",
    "templates/workshops/methods/consent.html",
    "templates/workshops/methods/adoption.html",
    "templates/workshops/_option_text.html",
    "templates/workshops/_tally.html",
    "templates/workshops/_wall.html",
    "templates/workshops/_language_chip.html",
    "templates/workshops/_kind_icon.html",
    "templates/workshops/_easy_switch.html",
    "templates/workshops/_own_actions.html",
    "templates/workshops/_translate_form.html",
    "templates/workshops/_versions.html",
    "templates/workshops/_propose_sub_goal.html",
    "templates/workshops/programme.html",  # the public programme
]
# Templates only moderators (or the admin) see: German and English suffice. Every
# template must be in one of the two lists (tests/test_translations.py checks it), so a
# new page is classified when it is added.
MODERATOR_TEMPLATES = [
    # the organiser's pages (/organize/) and the invitation a moderator accepts
    "templates/workshops/organise/_steps.html",
    "templates/workshops/organise/copy.html",
    "templates/workshops/organise/details.html",
    "templates/workshops/organise/fields.html",
    "templates/workshops/organise/forbidden.html",
    "templates/workshops/organise/forums.html",
    "templates/workshops/organise/home.html",
    "templates/workshops/organise/import.html",
    "templates/workshops/organise/invitation.html",
    "templates/workshops/organise/invitation_invalid.html",
    "templates/workshops/organise/moderators.html",
    "templates/workshops/organise/new.html",
    "templates/registration/login.html",
    "templates/workshops/moderate.html",
    "templates/workshops/_console_rounds.html",
    "templates/workshops/_console_round.html",
    "templates/workshops/_console_newest.html",
    "templates/workshops/methods/support_console.html",
    "templates/workshops/methods/dots_console.html",
    "templates/workshops/methods/consent_console.html",
    "templates/workshops/methods/adoption_console.html",
    "templates/workshops/_moderate_item.html",
    "templates/workshops/_console_session.html",
    "templates/workshops/_console_steps.html",
    # the city's pages (exports, follow-up of measures): German and English
    "templates/workshops/exports.html",
    "templates/workshops/measures_manage.html",
    "templates/workshops/measures_status.html",
    "templates/workshops/_measure_status.html",
    "templates/workshops/_rollup_counts.html",
    "templates/workshops/not_published.html",
    # the leads' follow-up (German administration) and the staff's page for it
    "templates/workshops/leads_manage.html",
    "templates/workshops/lead_page.html",
    "templates/workshops/lead_refused.html",
    "templates/workshops/email/lead_reminder.txt",
]
PARTICIPANT_MODULES = [
    "config/settings.py",  # the language names of the switcher
    "workshops/templatetags/mitwirken.py",
    "workshops/methods.py",  # the refusals of a vote, the tally sentences
    "workshops/views.py",
    "workshops/views_info.py",
    "workshops/console.py",  # the phase hints a phone shows
    "workshops/phone_task.py",  # the phone's status line
    "workshops/wording.py",  # the kinds' questions and examples on the propose form
    "workshops/services/participants.py",
    "workshops/services/items.py",
    "workshops/services/versions.py",
    "workshops/services/goals.py",
    "workshops/services/votes.py",
    "workshops/services/cards.py",
    "workshops/kit_pdf.py",  # the poster's invitation, in every offered language
    "workshops/services/privacy.py",
    "realtime/consumer.py",
    "realtime/commands.py",
    "realtime/protocol.py",
    "workshops/params.py",  # the refusals of a frame's fields (own, propose, vote)
]
# (model, field) whose choices a phone shows: the kinds of items, the voting methods.
PARTICIPANT_CHOICES = [
    ("Item", "kind"),
    ("Round", "method"),
    ("Forum", "phase"),
    ("Item", "implementation"),
]

KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _python_messages(source: bytes, filename: str):
    from babel.messages.extract import extract

    for lineno, message, _comments, context in extract(
        "python", io.BytesIO(source), keywords=KEYWORDS, options={"encoding": "utf-8"}
    ):
        yield lineno, message, context


def extract_file(path: str):
    """(msgid or (singular, plural), context, line) for each message in one file."""
    full = ROOT / path
    if path.endswith((".html", ".txt")):  # templates (.txt: e-mails)
        from django.utils.translation.template import templatize

        code = templatize(full.read_text(encoding="utf-8"), origin=str(full))
        # indentation means nothing here, and Python's tokenizer would trip over it
        source = "\n".join(line.lstrip() for line in code.splitlines()).encode("utf-8")
    else:
        source = full.read_bytes()
    for lineno, message, context in _python_messages(source, path):
        yield message, context, lineno


def all_sources() -> list[str]:
    files = []
    for pattern, base in (
        ("**/*.html", "templates"),
        ("**/*.txt", "templates"),
        ("**/*.py", "workshops"),
        ("**/*.py", "realtime"),
        ("*.py", "config"),
    ):
        for p in sorted((ROOT / base).glob(pattern)):
            rel = p.relative_to(ROOT).as_posix()
            if "/migrations/" not in rel:
                files.append(rel)
    return files


def _key(message, context):
    singular = message[0] if isinstance(message, tuple) else message
    return (context, singular)


def extract(paths) -> dict:
    """{(context, msgid): (message, [locations])} over ``paths``."""
    found = {}
    for path in paths:
        for message, context, lineno in extract_file(path):
            if isinstance(message, tuple) and not message[0]:
                continue
            if not message:
                continue
            key = _key(message, context)
            entry = found.setdefault(key, (message, []))
            entry[1].append(f"{path}:{lineno}")
    return found


def participant_messages() -> dict:
    _setup()
    from workshops import models

    found = extract(PARTICIPANT_TEMPLATES + PARTICIPANT_MODULES)
    for model, field in PARTICIPANT_CHOICES:
        for _value, label in getattr(models, model)._meta.get_field(field).choices:
            found.setdefault(
                (None, str(label._args[0])), (str(label._args[0]), [f"{model}.{field}"])
            )
    return found


def all_messages() -> dict:
    _setup()
    return extract(all_sources())


def read_catalog(language: str):
    from babel.messages.pofile import read_po

    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    if not path.exists():
        return None
    with path.open("rb") as f:
        return read_po(f, locale=language)


def missing(language: str, messages: dict) -> list:
    """The keys of ``messages`` without a (non-fuzzy, complete) translation in ``language``."""
    catalog = read_catalog(language)
    absent = []
    for key, (_message, _locations) in messages.items():
        context, singular = key
        entry = catalog.get(singular, context=context) if catalog is not None else None
        if entry is None or entry.fuzzy:
            absent.append(key)
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(strings):
            absent.append(key)
    return absent


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


HEADER = """msgid ""
msgstr ""
"Project-Id-Version: Mitwirken\\n"
"Language: {language}\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: {plural}\\n"
"""


def append(language: str, messages: dict) -> int:
    """Append the missing entries to the language's catalog; returns how many."""
    from babel import Locale

    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    keys = missing(language, messages)
    catalog = read_catalog(language)
    keys = [k for k in keys if catalog is None or catalog.get(k[1], context=k[0]) is None]
    lines = []
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        from babel.messages.plurals import get_plural

        plural = get_plural(Locale.parse(language))
        lines.append(
            HEADER.format(
                language=language,
                plural=f"nplurals={plural.number_of_plurals}; plural={plural.plural_expr};",
            )
        )
    for key in keys:
        message, locations = messages[key]
        context = key[0]
        lines.append("")
        lines.append("#: " + " ".join(locations[:3]))
        if "%(" in (message[0] if isinstance(message, tuple) else message):
            lines.append("#, python-format")
        if context:
            lines.append(f"msgctxt {_quote(context)}")
        if isinstance(message, tuple):
            lines.append(f"msgid {_quote(message[0])}")
            lines.append(f"msgid_plural {_quote(message[1])}")
            n = 2 if catalog is None else catalog.num_plurals
            for i in range(n):
                lines.append(f'msgstr[{i}] ""')
        else:
            lines.append(f"msgid {_quote(message)}")
            lines.append('msgstr ""')
    if keys or not path.exists():
        with path.open("a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    return len(keys)


def dedupe(language: str) -> list[tuple[str, str, str]]:
    """Drop every entry whose (msgctxt, msgid) came earlier in the catalog, keeping the
    first: two branches that add the same msgid meet in a union merge of the .po file
    (.gitattributes). Returns the dropped (msgid, kept msgstr, dropped msgstr) whose
    translations differ, so a person can choose between them."""
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    seen: dict[tuple, str] = {}
    kept, differing = [], []
    for block in blocks:
        body = [line for line in block.splitlines() if not line.startswith("#")]
        cut = next((n for n, line in enumerate(body) if line.startswith("msgstr")), len(body))
        key, text = tuple(body[:cut]), "\n".join(body[cut:])
        if key and key[0].startswith(("msgid", "msgctxt")) and key != ('msgid ""',):
            if key in seen:
                if seen[key] != text:
                    differing.append((key[-1], seen[key], text))
                continue
            seen[key] = text
        kept.append(block)
    path.write_text("\n\n".join(kept), encoding="utf-8")
    return differing


def main(argv):
    if argv and argv[0] == "dedupe":
        for language in sorted(p.name for p in LOCALE.iterdir() if p.is_dir()):
            for msgid, first, later in dedupe(language):
                print(f"{language}: {msgid} kept {first!r}, dropped {later!r}")
        return 0
    if not argv or argv[0] not in {"missing", "append"}:
        print(__doc__)
        return 2
    everything = "--all" in argv
    messages = all_messages() if everything else participant_messages()
    if argv[0] == "append":
        language = argv[1]
        print(f"{language}: {append(language, messages)} entries appended")
        return 0
    from django.conf import settings

    languages = ["de"] if everything else [c for c, _n in settings.LANGUAGES if c != "en"]
    failed = 0
    for language in languages:
        absent = missing(language, messages)
        failed += len(absent)
        print(f"{language}: {len(messages) - len(absent)}/{len(messages)} translated")
        for context, msgid in absent:
            print(f"  missing: {msgid!r}" + (f" (context {context})" if context else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
